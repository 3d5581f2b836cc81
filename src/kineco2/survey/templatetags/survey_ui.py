"""The survey's prompt on the practice page (propose to run or re-run the survey)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("survey/_prompt.html")
def survey_prompt(practice):
    from kineco2.survey.selectors import open_survey

    latest = practice.assessments.order_by("-reference_year").first()
    applied = practice.surveys.filter(applied_at__isnull=False).order_by("-reference_year").first()
    year = latest.reference_year if latest else None
    return {
        "practice": practice,
        "open": open_survey(practice),
        "applied": applied,
        "year": year,
        "rerun": applied is not None and year is not None and applied.reference_year < year,
    }
