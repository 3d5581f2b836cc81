"""The REST API: practices, assessments, answers, results, and the reference data.

A thin layer over ``practices.services`` (writes), ``practices.selectors`` (reads, always
scoped to the caller) and the engine. Authentication: a personal token
(``Authorization: Bearer <jeton>``) or the Django session (with CSRF on unsafe methods).
A practice or an assessment the caller is not a member of is a 404, never a 403.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import NinjaAPI, Path, Query, Status
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import WithJsonSchema

from kineco2.accounts.api_auth import TokenAuth
from kineco2.api import errors
from kineco2.api.schemas import (
    MAX_ID,
    AnswerIn,
    AnswerOut,
    AssessmentCreateIn,
    AssessmentOut,
    AssessmentSummaryOut,
    ConflictOut,
    FactorsOut,
    MessageOut,
    PracticeIn,
    PracticeOut,
    Section,
    ValidationErrorOut,
)
from kineco2.engine import SCHEMA_VERSION, AssessmentInput, compute
from kineco2.engine.errors import InputError
from kineco2.engine.factors import (
    FACTORS_VERSION_PATTERN,
    QUALITIES,
    available_versions,
    load_factors,
)
from kineco2.engine.schema import json_schema
from kineco2.practices import selectors, services
from kineco2.practices.answers import field_specs
from kineco2.practices.forms import plausibility_warning
from kineco2.practices.models import Assessment, practice_mode_problem

MAX_DRAWS = 20_000
MIN_DRAWS = 100  # fewer draws cannot give a 95 % interval


class SessionAuth(NinjaSessionAuth):
    """The Django session, CSRF-checked on unsafe methods.

    Unlike ninja's ``django_auth``, the CSRF check only runs when a user is logged in: an
    anonymous call is then a 401 (authentication required), not a 403 (CSRF).
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


class KinecoAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):  # type: ignore[no-untyped-def]
        """ninja drops the value sent; keep it, the French messages quote it."""
        exc = super().validation_error_from_error_contexts(error_contexts)
        sent = [
            error.get("input")
            for context in error_contexts
            for error in context.pydantic_validation_error.errors(include_url=False)
        ]
        if len(sent) == len(exc.errors):
            for error, value in zip(exc.errors, sent, strict=True):
                error["input"] = value
        return exc


api = KinecoAPI(
    title="KinéCO2 API",
    version="1.0",
    description=(
        "L'API de KinéCO2 : le bilan carbone des cabinets de kinésithérapie.\n\n"
        "**Authentification** : un jeton personnel (créé dans « Mon compte »), envoyé dans "
        "l'en-tête `Authorization: Bearer <jeton>`, ou la session du site (avec l'en-tête "
        "`X-CSRFToken` pour les requêtes qui modifient des données).\n\n"
        "**Erreurs** : 401 sans authentification ; 404 pour un cabinet ou un bilan dont vous "
        "n'êtes pas membre ; 422 pour une donnée invalide, avec "
        '`{"detail": [{"loc": [...], "msg": "message en français"}]}` ; 409 pour un conflit.\n\n'
        "Les réponses d'un bilan suivent le même schéma que la ligne de commande "
        "(`kineco2 schema`, ou `GET /api/schema`)."
    ),
    urls_namespace="api",
    docs_url="/docs",
    auth=[TokenAuth(), SessionAuth()],
    parser=errors.StrictJSONParser(),
)
errors.register(api)

ObjectId = Path[int, {"ge": 1, "le": MAX_ID, "description": "Identifiant"}]
#: 1 to 99 draws are refused (422): stated in the schema (``anyOf``), not only in words.
DRAWS_SCHEMA = {
    "type": "integer",
    "minimum": 0,
    "maximum": MAX_DRAWS,
    "default": 0,
    "anyOf": [{"const": 0}, {"minimum": MIN_DRAWS}],
}
Draws = Query[
    Annotated[int, WithJsonSchema(DRAWS_SCHEMA)],
    {
        "default": 0,
        "ge": 0,
        "le": MAX_DRAWS,
        "title": "Tirages Monte-Carlo",
        "description": f"0 : pas d'intervalle de confiance ; sinon de {MIN_DRAWS} à {MAX_DRAWS}.",
    },
]

SectionParam = Path[Section, {"description": "Section du questionnaire (profile, energie…)"}]
FieldParam = Path[str, {"max_length": 60, "description": "Nom de la question"}]
VersionParam = Query[
    Annotated[
        str | None,
        WithJsonSchema({"type": "string", "maxLength": 20, "pattern": FACTORS_VERSION_PATTERN}),
    ],
    {
        "default": None,
        "max_length": 20,
        "description": "Version des facteurs (ex. 2025.1) : l'année, un point, un numéro. "
        "Une version de cette forme qui n'existe pas : 404.",
    },
]

#: Every operation: no or bad authentication (401), invalid data (422, French messages).
_ERRORS: dict[int, Any] = {401: MessageOut, 422: ValidationErrorOut}
#: Operations that change data: a session without its CSRF token (403), a body over the
#: size limit (413).
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 403: MessageOut, 413: MessageOut}
_OBJECT_ERRORS: dict[int, Any] = {**_ERRORS, 404: MessageOut}
_OBJECT_WRITE_ERRORS: dict[int, Any] = {**_WRITE_ERRORS, 404: MessageOut}

#: Rules between answers or against the reference data: JSON Schema cannot state them, the
#: operations' descriptions do (and the fuzz test meets them, tests/api/test_fuzz.py).
CROSS_RULES = (
    "\n\nRègles que le schéma JSON ne peut pas exprimer (refus : 422, message en français) : "
    "la commune doit exister (code postal ou INSEE) ; la zone des patients (`patient_zone`) "
    "doit exister dans le territoire de la commune ; séances à domicile + télésoin ≤ 100 % ; "
    "au plus 15 000 séances par an et par kiné ; patients venant en voiture + à pied ou à "
    "vélo ≤ 100 %."
)

RESULT_DESCRIPTION = (
    "Le résultat, au format de `kineco2 compute --format json`. Principales clés : "
    "`total_kgco2e` et `total_tco2e` (empreinte annuelle du cabinet : le chiffre retenu, "
    "valeur centrale égale à la somme des lignes, voir `headline`), `per_session_kgco2e` "
    "(par séance), `per_practitioner_kgco2e` (par kiné), `interval_95` (et ses variantes par "
    "séance et par kiné : intervalle de confiance à 95 %, si `draws` > 0), `monte_carlo` "
    "(tirages, graine, médiane et moyenne des tirages, pour information), `posts` (poste par poste : `id`, `label`, `kgco2e`, `share`, "
    "`data_quality`, `interval_95` et `lines`, chaque ligne expliquée : quantité × facteur = "
    "kg CO2e, avec l'identifiant du facteur), `precision_hints` (les réponses qui rendraient "
    "le bilan plus précis), `versions` (facteurs, valeurs par défaut, schéma, moteur), "
    "`notes`. Les valeurs non définies (par séance quand il n'y a aucune séance) valent null."
)


def _check_draws(draws: int) -> None:
    if 0 < draws < MIN_DRAWS:
        message = (
            f"Au moins {MIN_DRAWS} tirages sont nécessaires pour un intervalle à 95 % "
            f"(valeur saisie : {draws}) ; 0 pour n'en calculer aucun."
        )
        raise errors.ApiValidationError(
            [errors.error_item(["query", "draws"], message, "greater_than_equal")]
        )


def _result_dict(result: Any) -> dict[str, Any]:
    return errors.finite(result.to_dict())


def _assessment_out(assessment: Assessment) -> dict[str, Any]:
    years = list(
        Assessment.objects.filter(practice_id=assessment.practice_id)
        .order_by("-reference_year")
        .values_list("reference_year", flat=True)
    )
    return {
        "id": assessment.pk,
        "practice_id": assessment.practice_id,
        "reference_year": assessment.reference_year,
        "level": assessment.level,
        "revision": assessment.revision,
        "completed_at": assessment.completed_at,
        "updated_at": assessment.updated_at,
        "answers": assessment.answers,
        "last_step": assessment.last_step,
        "copied_from_id": assessment.copied_from_id,
        "years": years,
    }


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- practices ----------------------------------------------------------------------------


@api.get(
    "/practices",
    response={200: list[PracticeOut], 401: MessageOut},
    tags=["Cabinets"],
    summary="Mes cabinets",
    description="Les cabinets dont vous êtes membre (titulaire ou collaborateur).",
)
def practice_list(request: HttpRequest):
    return selectors.practices_for_user(_user(request)).order_by("name", "pk")


@api.post(
    "/practices",
    response={201: PracticeOut, **_WRITE_ERRORS},
    tags=["Cabinets"],
    summary="Créer un cabinet",
    description="Crée un cabinet dont vous êtes titulaire. La commune est un code postal ou un "
    "code INSEE ; une commune inconnue est refusée (422). Le mode d'exercice « seul » (cabinet "
    "individuel, la valeur par défaut) est refusé (422) pour 2 kinés ou plus : précisez-le.",
)
def practice_create(request: HttpRequest, payload: PracticeIn):
    problem = practice_mode_problem(payload.practitioners, payload.practice_mode)
    if problem:  # a stratum of the published statistics: refused rather than stored wrong
        raise errors.ApiValidationError(
            [errors.error_item(["body", "practice_mode"], problem, "value_error")]
        )
    practice = services.practice_create(
        user=_user(request),
        name=payload.name,
        commune=payload.commune,
        practitioners=payload.practitioners,
        practice_mode=payload.practice_mode,
    )
    return Status(201, practice)


@api.get(
    "/practices/{practice_id}",
    response={200: PracticeOut, **_OBJECT_ERRORS},
    tags=["Cabinets"],
    summary="Un cabinet",
    description="Un cabinet dont vous êtes membre (404 sinon).",
)
def practice_detail(request: HttpRequest, practice_id: ObjectId):
    return selectors.practice_for_user(_user(request), practice_id)


# --- assessments --------------------------------------------------------------------------


@api.get(
    "/practices/{practice_id}/assessments",
    response={200: list[AssessmentSummaryOut], **_OBJECT_ERRORS},
    tags=["Bilans"],
    summary="Les bilans d'un cabinet",
    description="Un bilan par année de référence, du plus récent au plus ancien.",
)
def assessment_list(request: HttpRequest, practice_id: ObjectId):
    practice = selectors.practice_for_user(_user(request), practice_id)
    return practice.assessments.order_by("-reference_year")


@api.post(
    "/practices/{practice_id}/assessments",
    response={201: AssessmentOut, 409: MessageOut, **_OBJECT_WRITE_ERRORS},
    tags=["Bilans"],
    summary="Commencer un bilan",
    description="Crée le bilan d'une année de référence. Avec `copy_previous` (par défaut), "
    "il reprend les réponses du bilan précédent le plus récent. Un bilan existe déjà pour "
    "cette année : 409.",
)
def assessment_create(request: HttpRequest, practice_id: ObjectId, payload: AssessmentCreateIn):
    practice = selectors.practice_for_user(_user(request), practice_id)
    conflict = Status(
        409, {"detail": f"Un bilan existe déjà pour l'année {payload.reference_year}."}
    )
    if practice.assessments.filter(reference_year=payload.reference_year).exists():
        return conflict
    try:
        with transaction.atomic():
            assessment = services.assessment_create(
                practice=practice,
                reference_year=payload.reference_year,
                copy_previous=payload.copy_previous,
            )
    except IntegrityError:  # created meanwhile by another request
        return conflict
    return Status(201, _assessment_out(assessment))


@api.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentOut, **_OBJECT_ERRORS},
    tags=["Bilans"],
    summary="Un bilan",
    description="Les réponses enregistrées, le niveau (express ou complet), la révision, et "
    "les années des bilans du cabinet.",
)
def assessment_detail(request: HttpRequest, assessment_id: ObjectId):
    return _assessment_out(selectors.assessment_for_user(_user(request), assessment_id))


@api.put(
    "/assessments/{assessment_id}/answers",
    response={200: AssessmentOut, **_OBJECT_WRITE_ERRORS},
    tags=["Bilans"],
    summary="Remplacer toutes les réponses",
    description="Le corps suit le schéma d'entrée du moteur (celui de la ligne de commande, "
    "`GET /api/schema`) et remplace toutes les réponses du bilan. Une question absente "
    "signifie « je ne sais pas ». L'année de référence du profil, si elle est donnée, doit "
    "être celle du bilan." + CROSS_RULES,
)
def assessment_replace_answers(
    request: HttpRequest, assessment_id: ObjectId, payload: AssessmentInput
):
    assessment = selectors.assessment_for_user(_user(request), assessment_id)
    answers = payload.model_dump(mode="json", exclude_unset=True)
    answers.pop("schema_version", None)
    profile = answers.setdefault("profile", {})
    year = profile.get("reference_year")
    if year is not None and year != assessment.reference_year:
        raise errors.ApiValidationError(
            [
                errors.error_item(
                    ["body", "profile", "reference_year"],
                    f"Année de référence ({year}) différente de celle du bilan "
                    f"({assessment.reference_year}) : créez un bilan pour {year}.",
                    "value_error",
                )
            ]
        )
    profile["reference_year"] = assessment.reference_year
    assessment = services.assessment_replace_answers(assessment=assessment, answers=answers)
    return _assessment_out(assessment)


@api.patch(
    "/assessments/{assessment_id}/answers/{section}/{field}",
    response={200: AnswerOut, 409: ConflictOut, **_OBJECT_WRITE_ERRORS},
    tags=["Bilans"],
    summary="Enregistrer une réponse",
    description="Enregistre une seule réponse (`value` ; null pour « je ne sais pas »). "
    "Envoyez dans `previous` la valeur que vous aviez lue : si la réponse a été modifiée "
    "ailleurs entre-temps, la requête est refusée (409) avec la valeur actuelle. Une valeur "
    "invalide est refusée (422) avec un message en français ; les réponses enregistrées ne "
    "changent pas.",
)
def assessment_save_answer(
    request: HttpRequest,
    assessment_id: ObjectId,
    section: SectionParam,
    field: FieldParam,
    payload: AnswerIn,
):
    assessment = selectors.assessment_for_user(_user(request), assessment_id)
    spec = next((spec for spec in field_specs(section) if spec.name == field), None)
    if spec is None:
        return Status(
            404, {"detail": f"Question inconnue dans la section « {section} » : « {field} »."}
        )
    loc = ["body", "value"]
    if spec.kind in ("number", "integer") and isinstance(payload.value, bool):
        # pydantic would read true as 1: refuse it rather than store a boolean
        message = f"doit être un nombre (valeur saisie : {payload.value!r})"
        raise errors.ApiValidationError([errors.error_item(loc, message, "float_type")])
    kwargs: dict[str, Any] = {"raw": payload.value}
    if "previous" in payload.model_fields_set:
        kwargs["previous"] = payload.previous
    outcome = services.assessment_save_answer(
        assessment_id=assessment.pk, section=section, name=field, **kwargs
    )
    if outcome.conflict:
        return Status(
            409,
            {
                "detail": [errors.error_item(loc, outcome.error or "Conflit.", "conflict")],
                "current": outcome.current,
                "revision": outcome.revision,
            },
        )
    if not outcome.ok:
        message = outcome.error or "Valeur invalide."
        raise errors.ApiValidationError([errors.error_item(loc, message, "value_error")])
    assessment.refresh_from_db(fields=["answers"])
    warning = plausibility_warning(spec, outcome.value, assessment.answers) if outcome.value else ""
    return {"value": outcome.value, "revision": outcome.revision, "warning": warning or None}


# --- results ------------------------------------------------------------------------------


def _assessment_result(assessment: Assessment, draws: int | None) -> dict[str, Any]:
    try:
        result = selectors.assessment_result(assessment, draws=draws)
    except InputError as exc:
        raise errors.ApiValidationError(errors.input_error_items(exc, ("answers",))) from None
    return _result_dict(result)


@api.post(
    "/assessments/{assessment_id}/compute",
    response={200: dict[str, Any], **_OBJECT_WRITE_ERRORS},
    tags=["Résultats"],
    summary="Calculer un bilan",
    description="Calcule le bilan à partir des réponses enregistrées, avec `draws` tirages "
    "Monte-Carlo pour l'intervalle de confiance. Des réponses incomplètes (profil sans "
    "commune…) : 422. " + RESULT_DESCRIPTION,
)
def assessment_compute(request: HttpRequest, assessment_id: ObjectId, draws: Draws = 0):
    assessment = selectors.assessment_for_user(_user(request), assessment_id)
    _check_draws(draws)
    return _assessment_result(assessment, draws)


@api.get(
    "/assessments/{assessment_id}/results",
    response={200: dict[str, Any], **_OBJECT_ERRORS},
    tags=["Résultats"],
    summary="Résultat d'un bilan",
    description="Le résultat des réponses enregistrées, avec l'intervalle de confiance "
    "(nombre de tirages du site), mis en cache. " + RESULT_DESCRIPTION,
)
def assessment_results(request: HttpRequest, assessment_id: ObjectId):
    assessment = selectors.assessment_for_user(_user(request), assessment_id)
    return _assessment_result(assessment, None)


@api.post(
    "/compute",
    response={200: dict[str, Any], **_WRITE_ERRORS},
    tags=["Résultats"],
    summary="Calculer des réponses (sans les enregistrer)",
    description="Pour les intégrateurs : calcule des réponses envoyées dans le corps (même "
    "schéma que `PUT /api/assessments/{id}/answers` et que la ligne de commande), sans rien "
    "enregistrer. " + RESULT_DESCRIPTION + CROSS_RULES,
)
def stateless_compute(request: HttpRequest, payload: AssessmentInput, draws: Draws = 0):
    _check_draws(draws)
    return _result_dict(compute(payload, draws=draws, seed=settings.KINECO2_SEED))


# --- reference data -----------------------------------------------------------------------


@api.get(
    "/schema",
    response={200: dict[str, Any]},
    auth=None,
    tags=["Données de référence"],
    summary="Schéma des réponses",
    description=f"Le JSON Schema des réponses d'un bilan (version {SCHEMA_VERSION}) : pour "
    "chaque question, son libellé, son aide, son unité, ses bornes et la valeur par défaut "
    "utilisée pour « je ne sais pas » (`default_id`). Public.",
)
def input_schema(request: HttpRequest):
    return json_schema()


@api.get(
    "/factors",
    response={200: FactorsOut, 404: MessageOut, 422: ValidationErrorOut},
    auth=None,
    tags=["Données de référence"],
    summary="Facteurs d'émission",
    description="Les facteurs d'émission d'une version (la dernière par défaut), chacun avec "
    "sa valeur, son unité, son incertitude, sa qualité et sa source. Public. Une version "
    "mal formée : 422 ; une version qui n'existe pas : 404.",
)
def factor_list(
    request: HttpRequest,
    version: VersionParam = None,
):
    if version is not None and not re.fullmatch(FACTORS_VERSION_PATTERN, version):
        message = (
            f"Version de facteurs mal formée : « {version[:20]} » (l'année, un point, un "
            "numéro : par exemple 2025.1)."
        )
        raise errors.ApiValidationError(
            [errors.error_item(["query", "version"], message, "string_pattern_mismatch")]
        )
    if version and version not in available_versions():
        return Status(
            404,
            {
                "detail": f"Version de facteurs inconnue : « {version} ». "
                f"Versions disponibles : {', '.join(available_versions())}."
            },
        )
    factors = load_factors(version or None)  # broken shipped data: a 500, for a maintainer
    return {
        "version": factors.version,
        "factors": [
            {
                "id": f.id,
                "kind": f.kind,
                "label": f.label,
                "value": f.value,
                "unit": f.unit,
                "uncertainty_pct": f.uncertainty_pct,
                "uncertainty_basis": f.uncertainty_basis,
                "quality": f.quality,
                "quality_label": QUALITIES.get(f.quality, f.quality),
                "source": f.source,
                "year": f.year,
            }
            for f in factors.values()
        ],
    }
