"""Property tests of the disclosure control over random panels (hypothesis).

For any panel: every published group has at least 11 practices and its quantiles at least 15;
no published quantile can be pinned within ±1 % by the attacker of :mod:`tests.benchmarks.
adversary`; the hidden practices of a table are 0 or at least 11; and no suppressed count has a
single value given the margins, the rounded counts and an overlapping filter.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kineco2.benchmarks import disclosure
from kineco2.benchmarks.aggregates import Cell, Population, overview
from tests.benchmarks import adversary

REGIONS = ["11", "53", "94", "04", "01", "02"]
ZONES = ["grand_pole", "pole_moyen", "rural_hors_attraction", "paris_intra_muros"]
MODES = ["seul", "groupe", "msp", "centre_sante"]
METHOD = adversary.Method(
    window=disclosure.WINDOW,
    noise=disclosure.NOISE,
    significant=disclosure.SIGNIFICANT,
    count_base=disclosure.COUNT_BASE,
    min_count=disclosure.MIN_COUNT,
)

practice = st.tuples(
    st.sampled_from(REGIONS),
    st.sampled_from(ZONES),
    st.sampled_from([1, 2, 3, 5]),
    st.sampled_from(MODES),
    st.floats(min_value=500, max_value=200_000, allow_nan=False),
    st.booleans(),  # in the panel
)
panels = st.lists(practice, min_size=25, max_size=90)


def build(rows):
    return Population.from_records(
        {
            "total_kg": total,
            "per_session_kg": total / 5000,
            "posts": {},
            "region": region,
            "patient_zone": zone,
            "practitioners": size,
            "mode": mode,
            "practice_id": i,
        }
        for i, (region, zone, size, mode, total, _) in enumerate(rows)
    )


def true_groups(rows):
    groups: dict[tuple[str, str], list[float]] = {}
    for region, zone, size, mode, total, _ in rows:
        from kineco2.benchmarks.aggregates import size_class, zone_type

        for key in (
            ("national", "all"),
            ("region", region),
            ("zone", zone_type(zone)),
            ("size", size_class(size)),
            ("mode", mode),
        ):
            groups.setdefault(key, []).append(total / 1000)
        if region in {"04", "01", "02"}:
            groups.setdefault(("region", "outre-mer"), []).append(total / 1000)
    return groups


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels)
def test_published_groups_obey_thresholds_and_cannot_be_pinned(rows):
    result = overview(build(rows), salt=b"property")
    truth = true_groups(rows)
    for dimension, table in result.breakdowns.items():
        hidden_n = len(truth.get(("national", "all"), []))
        for row in table.rows:
            cell = row.cells["total_t"]
            values = truth.get((dimension, row.code), [])
            if row.n is not None:
                assert len(values) >= disclosure.MIN_COUNT
                assert row.n == disclosure.published_count(len(values))
                if row.code != "outre-mer":
                    hidden_n -= len(values)
            if isinstance(cell, Cell):
                assert len(values) >= disclosure.MIN_PRACTICES_FOR["median"]
                assert (cell.p10 is None) == (len(values) < disclosure.MIN_PRACTICES_FOR["deciles"])
                quantiles = {f: q for f, q in cell.published_quantiles.items() if q is not None}
                assert list(quantiles.values()) == sorted(quantiles.values())
                assert adversary.recovered_values(len(values), quantiles, METHOD, values) == []
                for q in quantiles.values():  # within the range of the window, ±3 %
                    assert min(values) * 0.969 <= q <= max(values) * 1.031
        if dimension != "national" and result.national.n is not None:
            assert hidden_n == 0 or hidden_n >= disclosure.MIN_COUNT, dimension


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels)
def test_no_suppressed_count_has_a_single_value(rows):
    """Self-diagnoses and panel (a subset) together, margins and rounded counts."""
    everyone = overview(build(rows), salt=b"p")
    panel_rows = [r for r in rows if r[5]]
    panel = overview(build(panel_rows), outers=[everyone], salt=b"p")
    truths = {"auto": true_groups(rows), "panel": true_groups(panel_rows)}
    cells, equalities, inclusions = [], [], []
    for name, result in (("auto", everyone), ("panel", panel)):
        for dimension, table in result.breakdowns.items():
            for row in table.rows:
                key = (name, dimension, row.code)
                truth = len(truths[name].get((dimension, row.code), []))
                cells.append(adversary.CountCell(key, row.n, truth))
                if name == "panel":
                    inclusions.append((key, ("auto", dimension, row.code)))
        for dimension in ("region", "zone", "size", "mode"):
            parts = [(name, dimension, row.code) for row in result.breakdowns[dimension].rows
                     if row.code != "outre-mer"]  # fmt: skip
            equalities.append(((name, "national", "all"), parts))
        equalities.append(
            ((name, "region", "outre-mer"), [(name, "region", c) for c in ("04", "01", "02")])
        )
    # Unclassified practices do not exist here: every zone, size and mode is known.
    found = adversary.recovered_counts(cells, equalities, inclusions, METHOD)
    assert found == [], found


@given(st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=15, max_size=80),
       st.binary(min_size=1, max_size=16))  # fmt: skip
def test_quantiles_stay_within_three_percent_of_their_window(values, salt):
    key = disclosure.cell_key(range(len(values)), salt=salt)
    factor = 1 + disclosure.noise(key)
    ordered = sorted(values)
    for fraction, q in disclosure.quantiles(values, key=key).items():
        if q is None:
            continue
        mean = disclosure.window_mean(ordered, fraction)
        assert math.isclose(q, disclosure.round_significant(mean * factor), rel_tol=1e-12)
        assert abs(factor - 1) <= disclosure.NOISE
        low, high = disclosure.published_bounds(mean)
        assert low <= q <= high


def test_published_bounds_are_the_extreme_noises_rounded():
    # 1 600 moved by ±3 % is 1 552 … 1 648, published with 3 figures: 1 550 … 1 650
    assert disclosure.published_bounds(1600.0) == (1550.0, 1650.0)
    assert disclosure.published_bounds(8.0) == (7.76, 8.24)
    assert disclosure.published_bounds(-10.0) == (-10.3, -9.7)
