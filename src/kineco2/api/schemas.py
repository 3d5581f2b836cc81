"""Input and output schemas of the REST API (French titles and descriptions for the OpenAPI).

The answers of an assessment are not described here: their schema is the engine's
:class:`kineco2.engine.schema.AssessmentInput`, the same as the CLI's and the web forms'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import StrictBool, field_validator

from kineco2.engine import geography
from kineco2.engine.schema import PracticeMode
from kineco2.practices.answers import STEPS

#: Largest id accepted in a path: beyond, no row can exist (and the database would overflow).
MAX_ID = 2_147_483_647
#: Longest text accepted for one answer sent as text (form-style values such as « 1 234,5 »).
MAX_ANSWER_TEXT = 100

Section = Literal[STEPS]  # type: ignore[valid-type]


#: A practice name as the schema states it and ``PracticeIn`` enforces it: no control
#: character, at least one character that is not a space. ``(?!\n)$``: Python's ``$`` would
#: also match before a final line feed.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*(?!\n)$"


def _clean_text(value: str, label: str) -> str:
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError(f"{label} : caractères de contrôle interdits.")
    return value


# --- errors -------------------------------------------------------------------------------


class ErrorItem(Schema):
    loc: list[str | int] = Field(
        title="Emplacement",
        description="Où se trouve l'erreur : « body », « query », puis le champ.",
    )
    msg: str = Field(title="Message", description="Le problème, en français.")
    type: str = Field("", title="Code de l'erreur")


class ValidationErrorOut(Schema):
    detail: list[ErrorItem] = Field(title="Erreurs de validation")


class MessageOut(Schema):
    detail: str = Field(title="Message", description="Le problème, en français.")


class ConflictOut(Schema):
    detail: list[ErrorItem] = Field(title="Conflit")
    current: Any = Field(None, title="Valeur actuellement enregistrée")
    revision: int = Field(title="Révision actuelle du bilan")


# --- practices ----------------------------------------------------------------------------


class PracticeIn(Schema):
    name: str = Field(
        min_length=1,
        max_length=200,
        title="Nom du cabinet",
        description="Sans caractère de contrôle (retour à la ligne, tabulation…), pas vide.",
        examples=["Cabinet des Lices"],
        json_schema_extra={"pattern": NAME_PATTERN},
    )
    commune: str = Field(
        min_length=1,
        max_length=20,
        title="Commune du cabinet",
        description="Code postal (ex. 35000) ou code INSEE (ex. 2A004). Un code qui est à la "
        "fois le code INSEE d'une commune et le code postal d'une autre (ex. 97411) est "
        "refusé comme ambigu : précisez « INSEE 97411 » ou « CP 97411 ».",
        examples=["35000"],
        json_schema_extra={"pattern": geography.COMMUNE_PATTERN},
    )
    practitioners: int = Field(1, ge=1, le=100, title="Nombre de kinésithérapeutes")
    practice_mode: PracticeMode = Field(
        "seul",
        title="Mode d'exercice",
        description="seul (un kiné exerçant seul, par défaut), groupe, msp (maison de santé) ou "
        "centre_sante. « seul » est refusé (422) pour 2 kinés ou plus : précisez le mode.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = _clean_text(value, "Nom du cabinet").strip()
        if not value:
            raise ValueError("Le nom du cabinet est obligatoire.")
        return value

    @field_validator("commune")
    @classmethod
    def _commune(cls, value: str) -> str:
        value = _clean_text(value, "Commune")
        geography.check_commune_form(value)  # the form the schema states
        value = value.strip()
        geography.locate(value)  # a CommuneError is a ValueError with a French message
        return value


class PracticeOut(Schema):
    id: int
    name: str = Field(title="Nom du cabinet")
    commune_code: str = Field(title="Code INSEE de la commune")
    commune_name: str = Field(title="Commune")
    postal_code: str = Field(title="Code postal")
    departement: str = Field(title="Département")
    region_name: str = Field(title="Région")
    territory: str = Field(title="Territoire", description="Métropole ou territoire d'outre-mer.")
    practitioners: int = Field(title="Nombre de kinésithérapeutes")
    practice_mode: str = Field(title="Mode d'exercice")
    created_at: datetime = Field(title="Créé le")


# --- assessments --------------------------------------------------------------------------


class AssessmentCreateIn(Schema):
    reference_year: int = Field(
        ge=2015, le=2100, title="Année de référence", description="L'année civile décrite."
    )
    copy_previous: StrictBool = Field(
        True,
        title="Reprendre les réponses de l'année précédente",
        description="Le nouveau bilan part d'une copie du bilan précédent le plus récent. "
        'Un booléen JSON (`true` ou `false`) : `1`, `"oui"` ou `"true"` sont refusés.',
    )


class AssessmentSummaryOut(Schema):
    id: int
    practice_id: int = Field(title="Cabinet")
    reference_year: int = Field(title="Année de référence")
    level: str = Field(title="Niveau", description="express ou complet.")
    revision: int = Field(title="Révision", description="Augmente à chaque réponse enregistrée.")
    completed_at: datetime | None = Field(title="Terminé le")
    updated_at: datetime = Field(title="Modifié le")


class AssessmentOut(AssessmentSummaryOut):
    answers: dict[str, Any] = Field(
        title="Réponses",
        description="Les réponses enregistrées, section par section, au format du schéma "
        "d'entrée (GET /api/schema). Une réponse absente ou nulle signifie « je ne sais pas ».",
    )
    last_step: str = Field(title="Dernière section modifiée")
    copied_from_id: int | None = Field(title="Bilan recopié")
    years: list[int] = Field(
        title="Années du cabinet",
        description="Les années de référence de tous les bilans du cabinet, de la plus récente "
        "à la plus ancienne.",
    )


#: What one answer may be, as JSON: a number, a text, a boolean or null; never a list or an
#: object. Which of them a question takes, and its bounds, are in GET /api/schema.
ANSWER_VALUE_SCHEMA = {
    "type": ["number", "string", "boolean", "null"],
    "maxLength": MAX_ANSWER_TEXT,
}


class AnswerIn(Schema):
    value: Any = Field(
        title="Nouvelle valeur",
        description="Un nombre, un texte (« 1 234,5 » est accepté), un booléen, un des choix "
        "proposés, ou null pour « je ne sais pas ». Ce que chaque question accepte (type, "
        "bornes, choix) est décrit par GET /api/schema ; une valeur refusée : 422.",
        json_schema_extra=ANSWER_VALUE_SCHEMA,
    )
    previous: Any = Field(
        None,
        title="Valeur affichée avant la modification",
        description="Si elle diffère de la valeur enregistrée, la réponse a été modifiée "
        "ailleurs : la requête est refusée (409) et la valeur actuelle est renvoyée.",
        json_schema_extra=ANSWER_VALUE_SCHEMA,
    )

    @field_validator("value", "previous")
    @classmethod
    def _short_text(cls, value: Any) -> Any:
        if isinstance(value, list | dict):
            raise ValueError(
                "Une seule valeur est attendue : un nombre, un texte, true/false, ou null."
            )
        if isinstance(value, str) and len(value) > MAX_ANSWER_TEXT:
            raise ValueError(f"Texte trop long ({MAX_ANSWER_TEXT} caractères au plus).")
        return value


class AnswerOut(Schema):
    value: Any = Field(title="Valeur enregistrée")
    revision: int = Field(title="Révision du bilan")
    warning: str | None = Field(
        None,
        title="Avertissement de plausibilité",
        description="Une valeur très éloignée de ce qu'on attend d'un cabinet de cette taille "
        "est enregistrée, avec ce message qui invite à vérifier le chiffre et l'unité.",
    )


# --- reference data -----------------------------------------------------------------------


class FactorOut(Schema):
    id: str
    kind: str = Field(title="Nature")
    label: str = Field(title="Libellé")
    value: float = Field(title="Valeur")
    unit: str = Field(title="Unité")
    uncertainty_pct: float = Field(title="Incertitude (demi-largeur à 95 %, en %)")
    uncertainty_basis: str = Field(title="Origine de l'incertitude")
    quality: str = Field(title="Qualité", description="publie, secondaire, proxy ou estimation.")
    quality_label: str = Field(title="Qualité (libellé)")
    source: str = Field(title="Source")
    year: int = Field(title="Année de la source")


class FactorsOut(Schema):
    version: str = Field(title="Version des facteurs")
    factors: list[FactorOut]
