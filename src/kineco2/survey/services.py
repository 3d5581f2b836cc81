"""Writes of the survey: open, answer, correct, close, report into the assessment."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from kineco2.survey.models import Answer, Survey

#: Default flood limit: answers accepted per survey within the window (seconds).
DEFAULT_RATE = (30, 600)


class SurveyClosedError(Exception):
    pass


class SurveyRateLimitedError(Exception):
    pass


def _new_token() -> str:
    while True:
        token = secrets.token_urlsafe(6)  # 8 characters, 48 bits
        if not Survey.objects.filter(token=token).exists():
            return token


@transaction.atomic
def survey_open(*, practice, user, reference_year: int, days: int) -> Survey:
    """Open a survey period of ``days`` days from today; an open one is closed first."""
    today = timezone.localdate()
    for survey in practice.surveys.filter(closed_at__isnull=True):
        survey.closed_at = timezone.now()
        survey.save(update_fields=["closed_at"])
    return Survey.objects.create(
        practice=practice,
        reference_year=reference_year,
        token=_new_token(),
        opens_on=today,
        closes_on=today + datetime.timedelta(days=days - 1),
        created_by=user,
    )


def rate_limit() -> tuple[int, int]:
    return tuple(getattr(settings, "KINECO2_SURVEY_RATE", DEFAULT_RATE))


def _rate_key(survey: Survey) -> str:
    window = rate_limit()[1]
    return f"survey-rate:{survey.pk}:{int(timezone.now().timestamp()) // window}"


def is_rate_limited(survey: Survey) -> bool:
    limit, _ = rate_limit()
    return (cache.get(_rate_key(survey)) or 0) >= limit


@transaction.atomic
def answer_submit(
    *, survey: Survey, mode: str, commune_insee: str, one_way_km: float | None, only: bool
) -> Answer:
    """Store one patient's answer. Refused when the survey is closed or flooded."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_open:
        raise SurveyClosedError
    limit, window = rate_limit()
    key = _rate_key(survey)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise SurveyRateLimitedError
    return Answer.objects.create(
        survey=survey,
        mode=mode,
        commune_insee=commune_insee,
        one_way_km=one_way_km,
        only_for_session=only,
        answered_on=timezone.localdate(),
    )


@transaction.atomic
def answer_update(
    *, answer: Answer, mode: str, commune_insee: str, one_way_km: float | None, only: bool
) -> Answer:
    answer.mode = mode
    answer.commune_insee = commune_insee
    answer.one_way_km = one_way_km
    answer.only_for_session = only
    answer.edited = True
    answer.save()
    return answer


@transaction.atomic
def answer_delete(*, answer: Answer) -> None:
    answer.delete()


@transaction.atomic
def survey_close(*, survey: Survey) -> Survey:
    if survey.closed_at is None:
        survey.closed_at = timezone.now()
        survey.save(update_fields=["closed_at"])
    return survey


@transaction.atomic
def survey_reopen(*, survey: Survey, days: int = 7) -> Survey:
    today = timezone.localdate()
    survey.closed_at = None
    survey.closes_on = max(survey.closes_on, today + datetime.timedelta(days=days - 1))
    survey.save(update_fields=["closed_at", "closes_on"])
    return survey


class NotEnoughAnswersError(Exception):
    pass


@transaction.atomic
def survey_apply(*, survey: Survey, assessment, stats, zone: str = "") -> Survey:
    """Write the measured values into the assessment (the practice confirmed) and close the
    survey. The answers stay editable: applying again replaces the values."""
    from kineco2.practices.models import Assessment
    from kineco2.survey.selectors import with_survey

    if not stats.enough:
        raise NotEnoughAnswersError
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    engine_input = stats.engine_input()
    assessment.answers = with_survey(assessment.answers, engine_input)
    assessment.revision += 1
    assessment.save(update_fields=["answers", "revision", "updated_at"])
    now = timezone.now()
    survey.closed_at = survey.closed_at or now
    survey.applied_at = now
    survey.applied_assessment = assessment
    survey.results = {
        "enquete": engine_input,
        "km_par_seance_total": round(stats.km_per_session, 4),
        "zone": zone,
        "region_code": survey.practice.region_code,
        "commune": survey.practice.commune_code,
    }
    survey.save(update_fields=["closed_at", "applied_at", "applied_assessment", "results"])
    return survey


@transaction.atomic
def survey_unapply(*, survey: Survey) -> Survey:
    """Remove the survey's values from the assessment: the zone table applies again."""
    from kineco2.practices.models import Assessment
    from kineco2.survey.selectors import without_survey

    if survey.applied_assessment_id:
        assessment = Assessment.objects.select_for_update().get(pk=survey.applied_assessment_id)
        assessment.answers = without_survey(assessment.answers)
        assessment.revision += 1
        assessment.save(update_fields=["answers", "revision", "updated_at"])
    survey.applied_at = None
    survey.applied_assessment = None
    survey.results = {}
    survey.save(update_fields=["applied_at", "applied_assessment", "results"])
    return survey
