"""Protected distributions on plain arrays: thresholds, quantiles, secondary suppression."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kineco2.benchmarks import aggregates, disclosure
from kineco2.benchmarks.aggregates import (
    SUPPRESSED,
    Cell,
    Population,
    describe,
    overview,
    records,
)


def population(rows):
    return Population.from_records(rows)


def _rows(region, count, total, zone="grand_pole", practitioners=2, mode="groupe", start=0):
    return [
        {
            "total_kg": total + 100.0 * i,
            "per_session_kg": (total + 100.0 * i) / 4000,
            "posts": {"energie": (total + 100.0 * i) / 2, "linge": (total + 100.0 * i) / 2},
            "region": region,
            "patient_zone": zone,
            "practitioners": practitioners,
            "mode": mode,
            "practice_id": start + i,
        }
        for i in range(count)
    ]


@pytest.fixture
def arrays():
    """Bretagne 15 (published), Corse 8 and La Réunion 4 (hidden, 12 together)."""
    return population(
        _rows("53", 15, 10_000.0)
        + _rows("94", 8, 40_000.0, "rural_hors_attraction", 4, "msp", start=100)
        + _rows("04", 4, 90_000.0, "petit_pole", 1, "seul", start=200)
    )


def test_thresholds_and_rounded_counts():
    assert describe([1.0] * 10, key=b"k") is SUPPRESSED
    assert describe([1.0] * 10 + [float("nan"), float("inf")], key=b"k") is SUPPRESSED
    eleven = describe(range(1, 12), key=b"k")
    assert eleven.suppressed and eleven.n == 10  # count only, rounded
    assert "trop peu" in eleven.label
    fifteen = describe(range(1, 16), key=b"k")
    assert isinstance(fifteen, Cell) and fifteen.n == 15
    assert fifteen.p10 is None and fifteen.p90 is None  # extremes need 30
    thirty = describe(range(1, 31), key=b"k")
    assert thirty.has_deciles
    assert SUPPRESSED.label == "moins de 11 cabinets" and SUPPRESSED.n is None
    with pytest.raises(ValueError):
        Cell(n=10, p10=None, p25=1, median=2, p75=3, p90=None)
    assert [disclosure.published_count(n) for n in (10, 11, 12, 13, 17, 18, 102)] == [
        None, 10, 10, 15, 15, 20, 100,
    ]  # fmt: skip


def test_quantiles_are_window_means_perturbed_and_rounded():
    values = [float(v) ** 1.5 for v in range(1, 41)]
    key = disclosure.cell_key(range(40), "x", salt=b"secret")
    got = disclosure.quantiles(values, key=key)
    factor = 1 + disclosure.noise(key)
    assert abs(factor - 1) <= disclosure.NOISE
    for fraction, q in got.items():
        start = disclosure.window_start(40, fraction)
        window = values[start : start + 5]
        assert q == disclosure.round_significant(sum(window) / 5 * factor)
        assert min(window) <= q / factor * (1 + 1e-2) and start >= 1 and start + 5 <= 39
    assert list(got.values()) == sorted(got.values())
    # The same group always gets the same figures; another secret, others.
    assert disclosure.quantiles(values, key=key) == got
    other = disclosure.cell_key(range(40), "x", salt=b"autre")
    assert disclosure.quantiles(values, key=other) != got


def test_no_quantile_is_a_member_value_even_at_the_threshold():
    rng = np.random.default_rng(9)
    for trial in range(200):
        values = rng.lognormal(2, 1, 15).tolist()
        q = disclosure.quantiles(values, key=disclosure.cell_key([trial], salt=b"s"))
        for value in q.values():
            if value is not None:
                assert all(not math.isclose(value, v, rel_tol=1e-9) for v in values)


def test_overview_matches_the_reference_quantiles(arrays):
    result = overview(arrays, salt=b"sel")
    bretagne = result.breakdowns["region"].row("53").cells["total_t"]
    values = [(10_000.0 + 100.0 * i) / 1000 for i in range(15)]
    group = disclosure.cell_key(range(15), salt=b"sel")
    expected = disclosure.quantiles(values, key=disclosure.derive(group, "total_t"))
    assert bretagne.median == pytest.approx(expected[0.5], rel=1e-12)
    assert bretagne.p25 == pytest.approx(expected[0.25], rel=1e-12)


def test_every_breakdown_hides_the_small_groups(arrays):
    result = overview(arrays)
    expected = {
        "region": ("53", ("94", "04")),
        "zone": ("grande_ville", ("rural", "ville_moyenne_petite")),
        "size": ("2-3", ("4+", "1")),
        "mode": ("groupe", ("msp", "seul")),
    }
    for dimension, (shown, hidden) in expected.items():
        table = result.breakdowns[dimension]
        assert table.row(shown).n == 15
        assert all(isinstance(c, Cell) for c in table.row(shown).cells.values())
        for code in hidden:
            assert table.row(code).n is None
            assert all(c is SUPPRESSED for c in table.row(code).cells.values()), dimension
    assert result.n == 25  # 27, rounded
    assert result.breakdowns["region"].row("11").n is None  # empty: hidden the same way


def test_a_hidden_group_is_not_left_alone_in_a_margin():
    """26 + 4 = 30: the 4 is hidden, and the 26 too (else 30 − 26 would give the 4 back)."""
    rows = _rows("53", 26, 10_000.0) + _rows("04", 4, 90_000.0, "petit_pole", 1, "seul", 100)
    result = overview(population(rows))
    assert result.n == 30
    for dimension, code in (("region", "53"), ("size", "2-3"), ("mode", "groupe")):
        assert result.breakdowns[dimension].row(code).n is None, dimension


def test_partition_rule():
    assert disclosure.protect_partition(30, {"a": 26, "b": 4}) == {"a", "b"}
    assert disclosure.protect_partition(40, {"a": 26, "b": 4, "c": 10}) == {"b", "c"}
    assert disclosure.protect_partition(40, {"a": 20, "b": 4, "c": 16}) == {"b", "c"}
    assert disclosure.protect_partition(30, {"a": 30}) == set()
    assert disclosure.protect_partition(30, {"a": 26, "b": 4}, total_published=False) == {"b"}
    # Unclassified practices count as hidden: 25 + 3 unknown.
    assert disclosure.protect_partition(28, {"a": 25}) == {"a"}


def test_nested_rule():
    inner, outer = {"a": 20, "b": 30, "c": 12}, {"a": 22, "b": 30, "c": 40}
    assert disclosure.protect_nested(inner, outer) == {"a"}
    assert disclosure.protect_nested(inner, outer, outer_hidden={"a"}) == set()


def test_overseas_together_when_each_is_too_small():
    rows = (
        _rows("53", 30, 10_000.0)
        + _rows("01", 6, 20_000.0, start=100)
        + _rows("02", 5, 21_000.0, start=200)
        + _rows("04", 4, 22_000.0, start=300)
    )
    table = overview(population(rows)).breakdowns["region"]
    assert table.row("outre-mer").label == "Outre-mer (ensemble)"
    assert table.row("outre-mer").n == 15
    assert all(table.row(code).n is None for code in ("01", "02", "04"))
    codes = [row.code for row in table.rows]
    assert codes.index("outre-mer") > codes.index("04")


def test_a_single_territory_published_beside_the_others_hidden():
    """Guadeloupe 12 published, Martinique 3 hidden: the ensemble (15) would give 3 back."""
    rows = (
        _rows("53", 30, 10_000.0)
        + _rows("01", 12, 20_000.0, start=100)
        + _rows("02", 3, 21_000.0, start=200)
    )
    table = overview(population(rows)).breakdowns["region"]
    assert table.row("02").n is None
    assert (table.row("outre-mer").n is None) or (table.row("01").n is None)


def test_nested_filters_hide_the_inner_group(arrays):
    wide = overview(arrays)
    narrower = population(_rows("53", 13, 10_000.0) + _rows("94", 8, 40_000.0, start=100))
    inner = overview(narrower, outers=[wide])
    # Bretagne: 15 in the wide filter, 13 here: 2 practices would come back by difference.
    assert inner.breakdowns["region"].row("53").n is None
    assert wide.breakdowns["region"].row("53").n == 15


def test_every_region_is_listed_with_each_overseas_territory():
    codes = list(aggregates.regions())
    assert len(codes) == 21
    for code in ("01", "02", "03", "04", "06", "975", "977", "978", "94", "11"):
        assert code in codes
    assert codes.index("11") < codes.index("01")  # mainland first
    assert aggregates.regions()["04"] == "La Réunion"


def test_records_of_a_suppressed_cell_carry_no_figure(arrays):
    flat = records(overview(arrays), population="autodiagnostics", year=2025)
    reunion = [r for r in flat if r["dimension"] == "region" and r["groupe"] == "04"]
    assert reunion
    for record in reunion:
        assert record["statut"] == "moins de 11 cabinets"
        for key in ("n_cabinets", "p10", "p25", "mediane", "p75", "p90"):
            assert record[key] is None
    bretagne = [r for r in flat if r["dimension"] == "region" and r["groupe"] == "53"]
    assert {r["n_cabinets"] for r in bretagne} == {15}
    total = next(r for r in bretagne if r["indicateur"] == "annuel" and r["poste"] == "total")
    low, high = disclosure.published_bounds(10.7)  # window 10,5…10,9 t
    assert low <= total["mediane"] <= high
    assert total["p10"] is None


def test_per_session_cells_ignore_practices_without_sessions():
    rows = _rows("53", 16, 10_000.0)
    for row in rows[:2]:
        row["per_session_kg"] = None
    national = overview(population(rows)).national
    assert national.cells["total_t"].n == 15
    assert national.cells["seance_kg"].suppressed  # 14 with sessions: count only
    assert national.cells["seance_kg"].n == 15


def test_empty_population():
    result = overview(Population.empty())
    assert result.n is None
    assert all(
        c is SUPPRESSED
        for table in result.breakdowns.values()
        for row in table.rows
        for c in row.cells.values()
    )


def test_position_reads_published_quantiles_only():
    published = {0.1: None, 0.25: 10.0, 0.5: 20.0, 0.75: 30.0, 0.9: None}
    assert disclosure.position(20.0, published)[0] == 50.0
    assert disclosure.position(15.0, published)[1] == "environ 40\u00a0% des cabinets comparables"
    assert disclosure.position(5.0, published)[1].startswith("moins de 25")
    assert disclosure.position(35.0, published)[1].startswith("plus de 75")
    assert disclosure.position(float("nan"), published) is None


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
