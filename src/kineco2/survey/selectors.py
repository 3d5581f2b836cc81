"""Reads of the survey, always scoped to what the user may see (404 otherwise)."""

from __future__ import annotations

from django.http import Http404

from kineco2.engine.survey import SurveyAnswer, SurveyStats, load_parameters, summarize
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
