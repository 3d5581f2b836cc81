"""Forms of the structures app (French labels; bad input → a French message, never a 500)."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kineco2.engine.allocation import SHARED_SECTIONS, ZERO_WHEN_BLANK_SECTIONS
from kineco2.engine.formatting import format_number
from kineco2.engine.numbers import parse_number
from kineco2.practices.answers import FieldSpec, coerce, field_specs, validate_answer
from kineco2.practices.forms import PracticeForm, input_text
from kineco2.structures.models import (
    AllocationKey,
    CoordinatorRole,
    InvitationKind,
    Kind,
    Profession,
    SupportKey,
)

FINESS_RE = re.compile(r"^[0-9][0-9AB][0-9]{7}$")


class StructureForm(forms.Form):
    kind = forms.ChoiceField(label="Type de structure", choices=Kind.choices)
    name = forms.CharField(label="Nom de la structure", max_length=200)
    commune = copy.deepcopy(PracticeForm.base_fields["commune"])
    commune.label = "Commune de la structure"
    finess = forms.CharField(
        label="Numéro FINESS (facultatif)",
        max_length=12,
        required=False,
        help_text="9 caractères, attribué par l'ARS aux MSP et centres de santé (ex. 350012345).",
    )

    clean_commune = PracticeForm.clean_commune

    def clean_finess(self) -> str:
        value = self.cleaned_data["finess"].strip().upper().replace(" ", "")
        if value and not FINESS_RE.match(value):
            raise ValidationError(
                "Un numéro FINESS compte 9 caractères : 2 pour le département (ex. 35, 2A) "
                "puis 7 chiffres."
            )
        return value


class InvitationForm(forms.Form):
    kind = forms.ChoiceField(
        label="Qui invitez-vous ?", choices=InvitationKind.choices, initial=InvitationKind.CABINET
    )
    email = forms.EmailField(
        label="Adresse e-mail",
        help_text="Pour un cabinet : l'adresse d'un ou d'une titulaire inscrite sur KinéCO2.",
    )
    role = forms.ChoiceField(
        label="Rôle (pour un coordinateur)",
        choices=CoordinatorRole.choices,
        initial=CoordinatorRole.COORDINATEUR,
        required=False,
    )


class AcceptPracticeForm(forms.Form):
    practice = forms.TypedChoiceField(label="Quel cabinet rejoint la structure ?", coerce=int)
    share_footprint = forms.BooleanField(
        label="Partager avec les coordinateurs le résultat de nos bilans validés "
        "(total et détail par poste, jamais nos réponses)",
        required=False,
    )

    def __init__(self, *args, practices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].choices = [(p.pk, str(p)) for p in practices]


class SharingForm(forms.Form):
    share_footprint = forms.BooleanField(
        label="Partager avec les coordinateurs le résultat de nos bilans validés", required=False
    )


NUMBER_HELP = {
    "surface_m2": "Surface des pièces qu'il occupe seul (hors parties communes).",
    "sessions_per_year": "Séances ou consultations réalisées dans les locaux dans l'année.",
    "hours_per_week": "Heures d'ouverture ou de présence dans les locaux par semaine.",
    "headcount": "Nombre de professionnels.",
}


class FrenchNumberField(forms.CharField):
    """A number typed the French way (« 8 600 », « 12,5 »), shown without a spinner."""

    def __init__(self, *, label: str, maximum: float, integer: bool = False, **kwargs):
        self.maximum = maximum
        self.integer = integer
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric" if integer else "decimal"})
        )
        super().__init__(label=label, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int | float):
            if float(value) == int(value):
                return str(int(value))
            return str(value).replace(".", ",")
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in ("", None):
            return 0 if not self.required else text
        if len(str(text)) > 30:
            raise ValidationError("Nombre trop long.")
        try:
            number = parse_number(str(text), integer=self.integer)
        except ValueError as exc:  # NumberInputError and AmbiguousNumber: French messages
            raise ValidationError(str(exc)) from None
        if not math.isfinite(number) or number < 0:
            raise ValidationError("Indiquez un nombre positif ou nul.")
        if number > self.maximum:
            raise ValidationError(f"Au plus {format_number(self.maximum, 0)} : vérifiez l'unité.")
        return int(number) if self.integer else number


class OccupantNumbersForm(forms.Form):
    surface_m2 = FrenchNumberField(label="Surface occupée (m²)", maximum=5000)
    sessions_per_year = FrenchNumberField(label="Séances par an dans les locaux", maximum=500_000)
    hours_per_week = FrenchNumberField(label="Heures de présence par semaine", maximum=1000)
    headcount = FrenchNumberField(label="Nombre de professionnels", maximum=500, integer=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, text in NUMBER_HELP.items():
            self.fields[name].help_text = text
            self.fields[name].required = False


class ProfessionalForm(OccupantNumbersForm):
    profession = forms.ChoiceField(label="Profession", choices=Profession.choices)
    label = forms.CharField(label="Précision (facultatif)", max_length=100, required=False)

    field_order = ["profession", "label", "headcount", "surface_m2", "sessions_per_year"]


class KeyForm(forms.Form):
    premises_key = forms.ChoiceField(
        label="Clé de répartition des locaux (énergie, climatisation, bâtiment)",
        choices=AllocationKey.choices,
    )
    support_key = forms.ChoiceField(
        label="Clé des fonctions support (parties communes, matériel partagé, secrétariat, "
        "services, déchets)",
        choices=SupportKey.choices,
    )
    common_surface_m2 = FrenchNumberField(
        label="Surface des parties communes (m²)",
        maximum=10_000,
        required=False,
        help_text="Accueil, salle d'attente, secrétariat, circulations, sanitaires.",
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label="Année de référence", min_value=2015, max_value=2100)


# -- the « bilan des locaux partagés »: the engine's own questions --------------------------

#: Questions not asked for shared premises (the structure pays 100 % of its bills).
HIDDEN = {("energie", "bill_share_percent"), ("energie", "green_electricity_contract")}


@dataclass
class PremisesQuestion:
    spec: FieldSpec
    value: str
    error: str | None = None

    @property
    def name(self) -> str:
        return f"{self.spec.section}-{self.spec.name}"

    @property
    def blank_means(self) -> str:
        if self.spec.section in ZERO_WHEN_BLANK_SECTIONS:
            return "Laissé vide : rien de partagé."
        if self.spec.default_id:
            return (
                "Laissé vide : « je ne sais pas », une valeur par défaut documentée est utilisée."
            )
        return ""


def premises_specs() -> dict[str, list[FieldSpec]]:
    return {
        section: [spec for spec in field_specs(section) if (section, spec.name) not in HIDDEN]
        for section in SHARED_SECTIONS
    }


def premises_questions(
    answers: dict[str, dict[str, Any]], errors: dict[str, str] | None = None
) -> dict[str, list[PremisesQuestion]]:
    errors = errors or {}
    out: dict[str, list[PremisesQuestion]] = {}
    for section, specs in premises_specs().items():
        stored = answers.get(section) or {}
        out[section] = [
            PremisesQuestion(
                spec=spec,
                value=input_text(spec, stored.get(spec.name)),
                error=errors.get(f"{section}-{spec.name}"),
            )
            for spec in specs
        ]
    return out


def read_premises(data) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, dict]]:
    """(answers, errors, raw texts) of a POSTed « bilan des locaux partagés »."""
    answers: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    raw: dict[str, dict[str, Any]] = {}
    for section, specs in premises_specs().items():
        section_answers: dict[str, Any] = {}
        for spec in specs:
            name = f"{section}-{spec.name}"
            text = str(data.get(name, ""))
            raw.setdefault(section, {})[spec.name] = text
            try:
                value = coerce(spec, text)
            except ValueError as exc:
                errors[name] = str(exc)
                continue
            if value is not None:
                section_answers[spec.name] = value
        for spec in specs:
            name = f"{section}-{spec.name}"
            if name in errors or spec.name not in section_answers:
                continue
            problem = validate_answer(
                {section: section_answers}, section, spec.name, section_answers[spec.name]
            )
            if problem:
                errors[name] = problem
        answers[section] = {
            k: v for k, v in section_answers.items() if f"{section}-{k}" not in errors
        }
    return answers, errors, raw
