"""A member's share of the shared premises follows it over the years: its year-on-year pages
and the batch recomputes use, for each assessment, the share of that year's bilan des locaux."""

from __future__ import annotations

import copy

import pytest

from kineco2.engine.allocation import REPLACED_POSTS
from kineco2.engine.defaults import load_defaults
from kineco2.engine.factors import load_factors

from .conftest import PREMISES, completed_assessment

pytestmark = pytest.mark.django_db

#: The building's bills of 2024: a colder year, more gas.
PREMISES_2024 = copy.deepcopy(PREMISES)
PREMISES_2024["energie"]["heating_kwh"] = 90000


@pytest.fixture
def two_years(structure, members, premises, practice, coordinator):
    from kineco2.structures.services import premises_save

    premises_save(structure=structure, year=2024, answers=PREMISES_2024, user=coordinator)
    before = completed_assessment(practice, year=2024)
    after = completed_assessment(practice, year=2025)
    return before, after


def _shared_kg(result) -> float:
    return sum(result.post(p).kgco2e for p in REPLACED_POSTS)


def test_each_year_has_the_share_of_its_own_bilan(two_years):
    from kineco2.practices.selectors import assessment_result

    before, after = (assessment_result(a, draws=0) for a in two_years)
    assert before.shared_premises and after.shared_premises
    # 2024's building used more gas: last year's share is larger, and it is not this year's.
    assert before.shared_premises["kgco2e"] > after.shared_premises["kgco2e"] + 100


def test_year_progress_compares_each_year_with_its_share(two_years):
    from kineco2.practices.selectors import assessment_result, year_progress

    before, after = two_years
    previous, progress = year_progress(after)
    assert previous == before
    assert progress.previous.shared_premises["kgco2e"] == pytest.approx(
        assessment_result(before, draws=0).shared_premises["kgco2e"]
    )
    assert progress.total.previous == pytest.approx(
        assessment_result(before, draws=0).total_kgco2e, rel=1e-9
    )
    assert progress.total.current == pytest.approx(
        assessment_result(after, draws=0).total_kgco2e, rel=1e-9
    )
    # The whole decrease of the replaced posts is the building's gas.
    drop = _shared_kg(progress.previous) - _shared_kg(progress.current)
    assert drop == pytest.approx(
        _shared_kg(assessment_result(before, draws=0))
        - _shared_kg(assessment_result(after, draws=0))
    )
    assert drop > 100


def test_year_on_year_page_uses_each_year_share(two_years, practice):
    from kineco2.ecosoins.selectors import year_on_year
    from kineco2.practices.selectors import latest_snapshot

    before, after = two_years
    yoy = year_on_year(practice)
    assert not yoy.error
    # Same methodology both years: last year's figure is exactly its published figure (with
    # its share), so the « method effect » is nil and the change is the activity's.
    assert yoy.change.total.previous_kgco2e == pytest.approx(
        latest_snapshot(before).total_kgco2e, rel=1e-9
    )
    assert yoy.method_gap_kgco2e == pytest.approx(0, abs=1e-6)
    assert yoy.change.total.current_kgco2e == pytest.approx(
        latest_snapshot(after).total_kgco2e, rel=1e-9
    )
    assert (
        yoy.change.previous.shared_premises["kgco2e"]
        > (yoy.change.current.shared_premises["kgco2e"])
    )


def test_methodology_recompute_one_by_one_keeps_the_share(two_years):
    from kineco2.methodology import services
    from kineco2.practices.models import ResultSnapshot

    factors, defaults = load_factors(), load_defaults()
    rows = list(ResultSnapshot.objects.filter(assessment__in=two_years).values(*services._FIELDS))
    figures, failed = services._one_by_one(rows, factors, defaults, "essai")
    assert failed == 0
    by_assessment = {f.assessment_id: f for f in figures}
    for row in rows:
        # Same factors and defaults: the recomputed total is the stored one, share included.
        assert by_assessment[row["assessment_id"]].total_kg == pytest.approx(
            row["total_kgco2e"], rel=1e-9
        )


def test_snapshot_recompute_scalar_keeps_the_share(two_years):
    from kineco2.benchmarks import services
    from kineco2.practices.models import ResultSnapshot

    rows = list(ResultSnapshot.objects.filter(assessment__in=two_years).values(*services._FIELDS))
    report = services.RecomputeReport(factors_version=load_factors().version)
    snapshots = services._scalar(rows, load_factors(), report)
    assert not report.failed
    stored = dict(
        ResultSnapshot.objects.filter(assessment__in=two_years).values_list(
            "assessment_id", "total_kgco2e"
        )
    )
    for snapshot in snapshots:
        assert snapshot.data["shared_premises"] is not None
        assert snapshot.total_kgco2e == pytest.approx(stored[snapshot.assessment_id], rel=1e-9)
