"""Reads of the survey, always scoped to what the user may see (404 otherwise)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404

from kineco2.engine import InputError, compute
from kineco2.engine.survey import SurveyAnswer, SurveyStats, load_parameters, summarize
from kineco2.practices.answers import to_input
from kineco2.practices.selectors import practices_for_user
from kineco2.survey.models import Answer, Survey


def survey_for_user(user, survey_id) -> Survey:
    try:
        return Survey.objects.select_related("practice").get(
            pk=survey_id, practice__in=practices_for_user(user)
        )
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise Http404("Enquête introuvable") from None


def answer_for_user(user, answer_id) -> Answer:
    try:
        return Answer.objects.select_related("survey__practice").get(
            pk=answer_id, survey__practice__in=practices_for_user(user)
        )
    except (Answer.DoesNotExist, ValueError, TypeError):
        raise Http404("Réponse introuvable") from None


def survey_by_token(token: str) -> Survey | None:
    if not token or len(token) > 16:
        return None
    return Survey.objects.select_related("practice").filter(token=token).first()


def engine_answers(survey: Survey) -> list[SurveyAnswer]:
    return [
        SurveyAnswer(
            mode=a.mode,
            one_way_km=a.one_way_km,
            commune_insee=a.commune_insee or None,
            only_for_session=a.only_for_session,
        )
        for a in survey.answers.order_by("pk")
    ]


def survey_stats(survey: Survey) -> SurveyStats:
    """The engine's statistics of the survey's answers (bootstrap with the fixed seed)."""
    return summarize(engine_answers(survey), survey.practice.commune_code, load_parameters())


def open_survey(practice) -> Survey | None:
    for survey in practice.surveys.filter(closed_at__isnull=True):
        if survey.is_open:
            return survey
    return None


def assessment_of(survey: Survey):
    """The practice's assessment of the survey's year, or ``None``."""
    return survey.practice.assessments.filter(reference_year=survey.reference_year).first()


def reported_input(assessment) -> dict | None:
    """The survey result currently written into the assessment, or ``None``."""
    section = (assessment.answers or {}).get("deplacements_patients") or {}
    return section.get("enquete")


def without_survey(answers: dict) -> dict:
    answers = copy.deepcopy(answers or {})
    section = answers.get("deplacements_patients")
    if isinstance(section, dict):
        section.pop("enquete", None)
    return answers


def with_survey(answers: dict, engine_input: dict) -> dict:
    answers = without_survey(answers)
    answers.setdefault("deplacements_patients", {})["enquete"] = engine_input
    return answers


@dataclass(frozen=True)
class PostFigures:
    kgco2e: float
    low: float
    high: float
    per_session: float
    label: str
    zone: str


def _post_figures(answers: dict) -> PostFigures:
    result = compute(to_input(answers), draws=settings.KINECO2_DRAWS, seed=settings.KINECO2_SEED)
    post = next(p for p in result.posts if p.id == "deplacements_patients")
    interval = post.interval_95
    sessions = result.sessions or 1
    return PostFigures(
        kgco2e=post.kgco2e,
        low=interval.low if interval else post.kgco2e,
        high=interval.high if interval else post.kgco2e,
        per_session=post.kgco2e / sessions,
        label=post.label,
        zone=result.patient_zone,
    )


def before_after(survey: Survey, stats: SurveyStats) -> dict:
    """The patient-travel post of the year's assessment without and with the survey.

    ``{"assessment": None}`` when the practice has no assessment for that year;
    ``{"error": message}`` when its answers are not complete enough to compute.
    """
    assessment = assessment_of(survey)
    if assessment is None:
        return {"assessment": None}
    try:
        before = _post_figures(without_survey(assessment.answers))
        after = _post_figures(with_survey(assessment.answers, stats.engine_input()))
    except InputError as exc:
        return {"assessment": assessment, "error": str(exc)}
    current = reported_input(assessment)
    return {
        "assessment": assessment,
        "before": before,
        "after": after,
        "reported": current is not None,
        "stale": current is not None and current != stats.engine_input(),
    }
