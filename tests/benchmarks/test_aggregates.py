"""Distributions and the small-cell rule on plain arrays; percentiles checked against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from kineco2.benchmarks import aggregates
from kineco2.benchmarks.aggregates import (
    MIN_PRACTICES,
    SUPPRESSED,
    Cell,
    Population,
    cell,
    describe,
    overview,
    percentile_rank,
    records,
)

#: A hand-made set with ties, a zero and an outlier.
HAND_MADE = [0.0, 1.5, 2.0, 2.0, 2.0, 3.25, 4.0, 7.5, 11.0, 250.0, 2.0, 0.5]


def test_percentiles_are_numpys_on_a_hand_made_set():
    got = describe(HAND_MADE)
    expected = np.percentile(HAND_MADE, [10, 25, 50, 75, 90])
    assert isinstance(got, Cell)
    assert got.n == len(HAND_MADE)
    assert [got.p10, got.p25, got.median, got.p75, got.p90] == pytest.approx(
        expected.tolist(), rel=1e-12, abs=0
    )
    assert got.median == 2.0


@pytest.mark.parametrize("n", [5, 6, 7, 9, 10, 11, 13, 57, 1000])
def test_grouped_quantiles_match_numpy_for_every_size(n):
    rng = np.random.default_rng(n)
    values = rng.lognormal(0, 1, (3, n))
    values[1] = np.round(values[1])  # many ties
    expected = np.percentile(values, aggregates.PERCENTILES, axis=1).T
    got = aggregates._quantiles(values.copy()).T
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)


def test_the_rule_lives_in_cell():
    assert cell(MIN_PRACTICES - 1, [1, 2, 3, 4, 5]) is SUPPRESSED
    assert isinstance(cell(MIN_PRACTICES, [1, 2, 3, 4, 5]), Cell)
    with pytest.raises(ValueError, match="au moins 5"):
        Cell(n=4, p10=1, p25=2, median=3, p75=4, p90=5)
    assert describe([1.0, 2.0, 3.0, 4.0]) is SUPPRESSED
    assert describe([1.0, 2.0, 3.0, 4.0, float("nan"), float("inf")]) is SUPPRESSED
    assert SUPPRESSED.label == "moins de 5 cabinets"
    assert not hasattr(SUPPRESSED, "n")  # not even the count


def test_percentile_rank_counts_ties_for_half():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert percentile_rank(values, 3.5) == 50.0
    assert percentile_rank(values, 3.0) == pytest.approx(100 * 2.5 / 6)
    assert percentile_rank(values, 0.0) == 0.0
    assert percentile_rank(values, 9.0) == 100.0
    assert percentile_rank(values[:4], 2.0) is None  # fewer than 5


def population(rows):
    return Population.from_records(rows)


def _rows(region, count, total, zone="grand_pole", practitioners=2, mode="groupe"):
    return [
        {
            "total_kg": total + i,
            "per_session_kg": (total + i) / 4000,
            "posts": {"energie": (total + i) / 2, "linge": (total + i) / 2},
            "region": region,
            "patient_zone": zone,
            "practitioners": practitioners,
            "mode": mode,
        }
        for i in range(count)
    ]


@pytest.fixture
def four_and_five_arrays():
    return population(_rows("53", 5, 10_000.0) + _rows("04", 4, 90_000.0, "petit_pole", 1, "seul"))


def test_every_breakdown_hides_the_cell_of_four(four_and_five_arrays):
    result = overview(four_and_five_arrays)
    expected = {
        "region": ("53", "04"),
        "zone": ("grande_ville", "ville_moyenne_petite"),
        "size": ("2-3", "1"),
        "mode": ("groupe", "seul"),
    }
    for dimension, (five, four) in expected.items():
        rows = {row.code: row for row in result.breakdowns[dimension].rows}
        assert rows[five].n == 5
        assert all(isinstance(c, Cell) for c in rows[five].cells.values())
        assert rows[four].n is None
        assert all(c is SUPPRESSED for c in rows[four].cells.values()), dimension
    assert result.n == 9
    # An empty group (no practice at all) is suppressed the same way.
    assert {row.code: row for row in result.breakdowns["region"].rows}["11"].n is None


def test_every_region_is_listed_with_each_overseas_territory():
    codes = list(aggregates.regions())
    assert len(codes) == 21
    for code in ("01", "02", "03", "04", "06", "975", "977", "978", "94", "11"):
        assert code in codes
    assert codes.index("11") < codes.index("01")  # mainland first
    assert aggregates.regions()["04"] == "La Réunion"


def test_records_of_a_suppressed_cell_carry_no_figure(four_and_five_arrays):
    flat = records(overview(four_and_five_arrays), population="autodiagnostics", year=2025)
    reunion = [r for r in flat if r["dimension"] == "region" and r["groupe"] == "04"]
    assert reunion
    for record in reunion:
        assert record["statut"] == "moins de 5 cabinets"
        for key in ("n_cabinets", "p10", "p25", "mediane", "p75", "p90"):
            assert record[key] is None
    bretagne = [r for r in flat if r["dimension"] == "region" and r["groupe"] == "53"]
    assert {r["n_cabinets"] for r in bretagne} == {5}
    total = next(r for r in bretagne if r["indicateur"] == "annuel" and r["poste"] == "total")
    assert total["mediane"] == pytest.approx(10.002)


def test_per_session_cells_ignore_practices_without_sessions():
    rows = _rows("53", 6, 10_000.0)
    for row in rows[:2]:
        row["per_session_kg"] = None
    result = overview(population(rows))
    national = result.national
    assert national.cells["total_t"].n == 6
    assert national.cells["seance_kg"] is SUPPRESSED  # 4 practices with sessions


def test_empty_population():
    result = overview(Population.empty())
    assert result.n is None
    assert all(
        c is SUPPRESSED
        for table in result.breakdowns.values()
        for row in table.rows
        for c in row.cells.values()
    )


def test_zone_and_size_classes():
    assert aggregates.zone_type("paris_intra_muros") == "paris"
    assert aggregates.zone_type("couronne_idf") == "periurbain"
    assert aggregates.zone_type("rural_hors_attraction") == "rural"
    assert aggregates.zone_type(None) == ""
    assert [aggregates.size_class(n) for n in (1, 2, 3, 4, 9, None, 0)] == [
        "1", "2-3", "2-3", "4+", "4+", "", "",
    ]  # fmt: skip
    from kineco2.engine.geography import PATIENT_ZONES

    assert {aggregates.zone_type(z) for z in PATIENT_ZONES} == set(aggregates.ZONE_TYPES)
