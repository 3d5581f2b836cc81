"""The data generation of the published statistics (``kineco2.benchmarks.freshness``).

Every write that changes a published table bumps it in the same transaction, so the next
page recomputes; a write that changes nothing published does not, so the page stays cached.
The write paths: a result stored (``assessment_complete``, the batch recompute's
``bulk_create``), deleted (admin, cascades from an assessment, a practice, an account); a
practice's region or mode (questionnaire, settings); an assessment's year; a participation
validated or withdrawn; a campaign's year.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kineco2.benchmarks import freshness, selectors

from .conftest import BRETAGNE_TOTALS, add_result, make_practice

pytestmark = pytest.mark.django_db


def _national_median() -> float:
    return selectors.load_overview("autodiagnostics", year=2025).national.cells["total_t"].median


def test_current_is_one_primary_key_lookup(small_cells):
    with CaptureQueriesContext(connection) as queries:
        freshness.current()
    assert len(queries) == 1
    sql = queries[0]["sql"].lower()
    assert "count(" not in sql and "max(" not in sql and '"scope" =' in sql


def test_cached_tables_cost_one_lookup_per_request(small_cells):
    selectors.load_overview("autodiagnostics", year=2025)
    with CaptureQueriesContext(connection) as queries:
        selectors.load_overview("autodiagnostics", year=2025)
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_bump_changes_the_generation_and_its_token():
    before = freshness.current()
    freshness.bump()
    after = freshness.current()
    assert after != before
    value, token = after.split("-")
    freshness.bump()
    assert freshness.current().split("-")[0] == str(int(value) + 1)
    assert freshness.current().split("-")[1] != token


def test_bump_creates_a_missing_row():
    from kineco2.benchmarks.models import DataGeneration

    DataGeneration.objects.all().delete()
    assert freshness.current() == "0"
    freshness.bump()
    assert freshness.current().startswith("1-")


def test_a_rolled_back_write_leaves_the_generation(small_cells):
    before = freshness.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        add_result(make_practice("35000"), 12_345.0, per_session=2.0)
        raise RuntimeError
    assert freshness.current() == before


def test_a_new_result_is_published_at_once(small_cells):
    before = _national_median()
    generation = freshness.current()
    for total in (900_000.0, 910_000.0, 920_000.0, 930_000.0, 940_000.0, 950_000.0):
        add_result(make_practice("35000"), total, per_session=3.0)
    assert freshness.current() != generation
    assert _national_median() != before


def test_a_deleted_result_is_unpublished_at_once(small_cells):
    bretagne, _ = small_cells
    table = selectors.load_overview("autodiagnostics", year=2025)
    assert table.breakdowns["region"].row("53").n == 15
    bretagne[0].assessments.get().snapshots.all().delete()  # e.g. from the admin
    table = selectors.load_overview("autodiagnostics", year=2025)
    assert table.breakdowns["region"].row("53").n == 15  # 14 rounds to 15
    assert table.counts[("annual", "region", "53")] == 14


def test_a_deleted_practice_leaves_the_tables(small_cells):
    bretagne, _ = small_cells
    generation = freshness.current()
    bretagne[0].delete()
    assert freshness.current() != generation
    table = selectors.load_overview("autodiagnostics", year=2025)
    assert table.counts[("annual", "region", "53")] == 14


def test_a_practice_moving_region_or_mode_changes_the_tables(small_cells):
    bretagne, _ = small_cells
    selectors.load_overview("autodiagnostics", year=2025)
    generation = freshness.current()
    practice = bretagne[0]
    practice.practice_mode = "msp"
    practice.save(update_fields=["practice_mode"])
    assert freshness.current() != generation
    table = selectors.load_overview("autodiagnostics", year=2025)
    assert table.counts[("annual", "mode", "groupe")] == 14
    generation = freshness.current()
    practice.region_code = "94"
    practice.save()
    assert freshness.current() != generation
    assert (
        selectors.load_overview("autodiagnostics", year=2025).counts[("annual", "region", "53")]
        == 14
    )


def test_writes_that_change_nothing_published_do_not_recompute(small_cells, monkeypatch):
    from kineco2.benchmarks import aggregates

    bretagne, _ = small_cells
    selectors.load_overview("autodiagnostics", year=2025)
    generation = freshness.current()
    practice = bretagne[0]
    practice.name = "Cabinet renommé"
    practice.practitioners = 3  # the size class is read from the result, not the practice
    practice.save()
    assessment = practice.assessments.get()
    assessment.answers = {"profile": {"sessions": 1}}
    assessment.save()
    make_practice("35000")  # a new practice has no result yet
    assert freshness.current() == generation

    def fail(*args, **kwargs):
        raise AssertionError("recomputed without a relevant change")

    monkeypatch.setattr(selectors, "overview", fail)
    monkeypatch.setattr(aggregates, "overview", fail)
    selectors.load_overview("autodiagnostics", year=2025)


def test_answer_autosave_does_not_bump(practice):
    from kineco2.practices.services import assessment_create, assessment_save_answer

    assessment = assessment_create(practice=practice, reference_year=2025)
    generation = freshness.current()
    outcome = assessment_save_answer(
        assessment_id=assessment.pk, section="energie", name="electricity_kwh", raw="14200"
    )
    assert outcome.ok
    outcome = assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="practitioners", raw="3"
    )
    assert outcome.ok
    assert freshness.current() == generation
    # The mode of practice is copied to the practice: the « mode » table changes.
    outcome = assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="practice_mode", raw="msp"
    )
    assert outcome.ok, outcome.error
    assert freshness.current() != generation


def test_completing_an_assessment_bumps(practice):
    from kineco2.engine import compute
    from kineco2.practices.answers import to_input
    from kineco2.practices.services import assessment_complete, assessment_create

    assessment = assessment_create(practice=practice, reference_year=2025)
    generation = freshness.current()
    result = compute(to_input(assessment.answers))
    assessment_complete(assessment=assessment, result=result)
    assert freshness.current() != generation


def test_validating_a_participation_changes_the_panel(small_cells):
    from kineco2.panel import testing
    from kineco2.panel.models import PanelParticipation, ParticipationStatus

    bretagne, _ = small_cells
    campaign = testing.make_campaign("closed", reference_year=2025)
    practice = bretagne[0]
    generation = freshness.current()
    participation = PanelParticipation.objects.create(
        campaign=campaign,
        candidate=testing.make_candidate(campaign, practice.postal_code),
        region_code=practice.region_code,
        quota_index=0,
        practice=practice,
        status=ParticipationStatus.COMPLET,
    )
    assert freshness.current() == generation  # not validated: not in the panel
    assert len(selectors.load_population("panel", year=2025)) == 0
    participation.notes = "relancé"
    participation.save()
    assert freshness.current() == generation
    participation.status = ParticipationStatus.VALIDE
    participation.save()
    assert freshness.current() != generation
    assert len(selectors.load_population("panel", year=2025)) == 1
    generation = freshness.current()
    participation.status = ParticipationStatus.DESISTE
    participation.save(update_fields=["status"])
    assert freshness.current() != generation
    assert len(selectors.load_population("panel", year=2025)) == 0
    participation.status = ParticipationStatus.VALIDE
    participation.save()
    assert len(selectors.load_population("panel", year=2025)) == 1
    generation = freshness.current()
    campaign.reference_year = 2024
    campaign.save()
    assert freshness.current() != generation
    assert len(selectors.load_population("panel", year=2025)) == 0
    generation = freshness.current()
    participation.delete()
    assert freshness.current() != generation


def test_bump_outside_a_transaction_is_committed(transactional_db):
    before = freshness.current()
    freshness.bump()
    assert freshness.current() != before


def test_years_and_default_population_follow_the_generation(small_cells):
    assert selectors.available_years("autodiagnostics") == [2025]
    practice = make_practice("35000")
    add_result(practice, BRETAGNE_TOTALS[0], year=2024, per_session=2.0)
    assert selectors.available_years("autodiagnostics") == [2025, 2024]


def test_tables_are_kept_in_the_process_under_a_generation(small_cells, monkeypatch):
    freshness.bump()  # a generation with a token (not "0")
    first = selectors.load_overview("autodiagnostics", year=2025)

    def no_shared_cache(*args, **kwargs):
        raise AssertionError("read from the process, not unpickled from the cache")

    monkeypatch.setattr(selectors.cache, "get", no_shared_cache)
    assert selectors.load_overview("autodiagnostics", year=2025) is first
    monkeypatch.undo()
    freshness.bump()  # a write: the next read recomputes
    assert selectors.load_overview("autodiagnostics", year=2025) is not first


def test_generation_zero_is_never_kept_in_the_process(small_cells, monkeypatch):
    from kineco2.benchmarks.models import DataGeneration

    monkeypatch.setattr(selectors, "_LOCAL_OVERVIEWS", {})
    DataGeneration.objects.all().delete()  # e.g. a test database rolled back: "0" again
    selectors.load_overview("autodiagnostics", year=2025)
    assert selectors._LOCAL_OVERVIEWS == {}
    freshness.bump()
    selectors.load_overview("autodiagnostics", year=2025)
    assert len(selectors._LOCAL_OVERVIEWS) == 1
