"""The cold path: an answer saved through the autosave, then the results page.

The page reuses the deterministic result the autosave has just computed and cached (it adds
the Monte Carlo only): the figures must be those of a computation from scratch, and a
changed answer must always show its own result, never the previous one.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from kineco2.engine import compute
from kineco2.engine.formatting import format_number, format_tonnes
from kineco2.practices import selectors, services
from kineco2.practices.answers import to_input
from kineco2.practices.models import Assessment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def autosave(client, assessment, value: str, previous: str):
    response = client.post(
        reverse("assessment_save", args=[assessment.pk]),
        {
            "field": "energie.electricity_kwh",
            "energie-electricity_kwh": value,
            "energie-electricity_kwh-previous": previous,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Enregistré" in response.content.decode()


def results(client, assessment) -> str:
    response = client.get(reverse("assessment_results", args=[assessment.pk]))
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())  # a new CSRF mask on every render


def from_scratch(assessment):
    return compute(
        to_input(assessment.answers),
        draws=settings.KINECO2_DRAWS,
        seed=settings.KINECO2_SEED,
    )


def same_figures(a, b) -> None:
    assert a.total_kgco2e == b.total_kgco2e
    assert [p.kgco2e for p in a.posts] == [p.kgco2e for p in b.posts]
    assert a.uncertainty == b.uncertainty  # every interval, exactly
    assert [p.interval_95 for p in a.posts] == [p.interval_95 for p in b.posts]


def test_page_after_autosave_reuses_its_result_with_the_same_figures(
    logged_client, assessment, monkeypatch
):
    autosave(logged_client, assessment, "9123,5", "7800")
    assessment.refresh_from_db()
    key = "result:" + selectors.answers_hash(
        assessment.answers, draws=0, seed=settings.KINECO2_SEED
    )
    assert cache.get(key) is not None  # what the autosave computed, kept for the page
    calls = []
    engine_compute = selectors.compute
    monkeypatch.setattr(
        selectors, "compute", lambda *a, **k: calls.append(1) or engine_compute(*a, **k)
    )
    reused = results(logged_client, assessment)
    assert calls == []  # the deterministic part was not computed again
    page_result = selectors.assessment_result(assessment)
    same_figures(page_result, from_scratch(assessment))

    # The same page when nothing was cached: computed from scratch, identical.
    cache.clear()
    assert results(logged_client, assessment) == reused
    assert len(calls) == 1


def test_a_changed_answer_never_shows_the_previous_result(logged_client, assessment):
    shown = []
    previous = "7800"
    for value in ("9100", "25000", "9100"):
        autosave(logged_client, assessment, value, previous)
        previous = value
        html = results(logged_client, assessment)
        fresh = from_scratch(Assessment.objects.get(pk=assessment.pk))
        assert format_tonnes(fresh.total_kgco2e, 1) in html
        low = format_number(fresh.uncertainty.total.low / 1000, 1)
        high = format_number(fresh.uncertainty.total.high / 1000, 1)
        assert f"de {low} à {high} t CO2e" in html
        shown.append(fresh.total_kgco2e)
    assert shown[0] != shown[1] and shown[0] == shown[2]


def test_detail_links_go_to_this_assessment_when_another_has_the_same_answers(
    logged_client, assessment, answers
):
    # The calculation detail is cached by the result; its links name the assessment.
    twin = services.assessment_create(practice=assessment.practice, reference_year=2024)
    twin = services.assessment_replace_answers(assessment=twin, answers=answers)
    mine = results(logged_client, assessment)
    theirs = results(logged_client, twin)
    step = reverse("assessment_step", args=[twin.pk, "profile"]).rsplit("profile/", 1)[0]
    own_step = reverse("assessment_step", args=[assessment.pk, "profile"]).rsplit("profile/", 1)[0]
    assert own_step in mine and step not in mine
    assert step in theirs and own_step not in theirs
