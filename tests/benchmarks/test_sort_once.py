"""``overview()`` sorting each indicator once (the cold path of the état des lieux) publishes
exactly the tables of the reference path, which sorts the values of every group.

Seeded random populations: large and small regions (primary suppression), overseas
territories alone and together, groups of 11 to 40 practices around every threshold, a few
practices without a zone, size or mode (unclassified: secondary suppression from the margins),
practices without sessions, wider filters (rule 5) and a coordinator's perimeter.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from kineco2.benchmarks import aggregates, disclosure
from kineco2.benchmarks.aggregates import Population, overview, records

REGIONS = list(aggregates.regions())
ZONES = [*aggregates.ZONE_TYPES, ""]
SIZES = ["1", "2-3", "4+", ""]
MODES = [*aggregates.MODES, ""]


def random_population(seed: int, n: int, *, ties: bool = False) -> Population:
    rng = np.random.default_rng(seed)
    # Region weights from very large to a handful of practices (some hidden, some at the
    # thresholds 11, 15 and 30 once split by family).
    weights = rng.pareto(1.2, len(REGIONS)) + 0.002
    region = rng.choice(REGIONS, size=n, p=weights / weights.sum())
    zone = rng.choice(ZONES, size=n, p=[0.3, 0.25, 0.2, 0.15, 0.09, 0.01])
    size = rng.choice(SIZES, size=n, p=[0.45, 0.35, 0.19, 0.01])
    mode = rng.choice(MODES, size=n, p=[0.4, 0.4, 0.1, 0.08, 0.02])
    total = rng.lognormal(np.log(20_000), 0.6, n)
    posts = rng.dirichlet(np.ones(len(aggregates.POST_IDS)) * 0.7, n) * total[:, None]
    if ties:  # many equal values (rounded figures, posts at zero)
        total = np.round(total, -3)
        posts = np.round(posts, -2)
    sessions = rng.integers(0, 6_000, n).astype(float)
    with np.errstate(divide="ignore"):
        per_session = np.where(sessions > 0, total / sessions, np.nan)
    per_session[rng.random(n) < 0.05] = np.nan
    ids = rng.permutation(20 * n)[:n] + 1  # ids of several lengths (text order ≠ numeric)
    return Population.from_columns(
        total_kg=total, per_session_kg=per_session, posts_kg=posts,
        region=region, zone=zone, size=size, mode=mode, practice_id=ids,
    )  # fmt: skip


def assert_same(fast, reference) -> None:
    assert fast == reference
    # Byte for byte: what the cache stores and what the CSV / JSON are made from.
    assert pickle.dumps(fast) == pickle.dumps(reference)
    for population in ("autodiagnostics", "panel"):
        a = records(fast, population=population, year=2025)
        b = records(reference, population=population, year=2025)
        assert repr(a) == repr(b)


@pytest.mark.parametrize(
    ("seed", "n", "ties"),
    [(1, 40, False), (2, 300, False), (3, 1_500, True), (4, 4_000, False), (5, 12_000, True)],
)
def test_sort_once_publishes_the_reference_tables(seed, n, ties, monkeypatch):
    population = random_population(seed, n, ties=ties)
    reference = overview(population, salt=b"sel", sort_once=False)
    with monkeypatch.context() as patch:  # the fast path never sorts a group
        patch.setattr(disclosure, "quantiles_many", None)
        fast = overview(population, salt=b"sel")
    assert_same(fast, reference)
    # The same rows with their codes factorised by the reader (as the PostgreSQL read does).
    factorised = Population.from_columns(
        total_kg=population.total_kg, per_session_kg=population.per_session_kg,
        posts_kg=population.posts_kg, practice_id=population.practice_id,
        **{d: aggregates.Factor.of(getattr(population, d).tolist())
           for d in ("region", "zone", "size", "mode")},
    )  # fmt: skip
    assert set(factorised.factors) == {"region", "zone", "size", "mode"}
    assert_same(overview(factorised, salt=b"sel"), reference)
    # The populations do exercise the disclosure rules: hidden groups, count-only groups,
    # groups published without deciles and groups with them.
    cells = [
        cell
        for table in (*fast.breakdowns.values(), fast.cross)
        for row in table.rows
        for cell in row.cells.values()
    ]
    if n >= 1_500:
        assert fast.hidden
        assert any(c.suppressed and c.n is None for c in cells)
        assert any(not c.suppressed and c.p10 is None for c in cells)
        assert any(not c.suppressed and c.has_deciles for c in cells)


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_sort_once_with_wider_filters_and_a_perimeter(seed):
    population = random_population(seed, 3_000)
    national = overview(population, salt=b"s")
    rng = np.random.default_rng(seed)
    # A panel inside the self-diagnoses (rule 5 against the wider tables).
    panel = population.subset(rng.random(len(population)) < 0.3)
    assert_same(
        overview(panel, outers=[national], salt=b"s"),
        overview(panel, outers=[national], salt=b"s", sort_once=False),
    )
    # A coordinator's perimeter of three regions.
    shown = sorted(rng.choice(REGIONS, size=3, replace=False).tolist())
    inside = population.subset(np.isin(population.region, shown))
    fast = overview(inside, regions_shown=shown, outers=[national], salt=b"s")
    reference = overview(inside, regions_shown=shown, outers=[national], salt=b"s", sort_once=False)
    assert_same(fast, reference)


def test_non_finite_values_and_negative_zeros_keep_the_reference_path():
    population = random_population(9, 2_000)
    posts = population.posts_kg.copy()
    posts[::7, 3] = -0.0
    posts[5, 2] = np.inf
    odd = Population.from_columns(
        total_kg=population.total_kg, per_session_kg=population.per_session_kg, posts_kg=posts,
        region=population.region, zone=population.zone, size=population.size,
        mode=population.mode, practice_id=population.practice_id,
    )  # fmt: skip
    assert_same(overview(odd, salt=b"s"), overview(odd, salt=b"s", sort_once=False))


def test_empty_and_tiny_populations():
    for population in (Population.empty(), random_population(10, 5), random_population(11, 12)):
        assert_same(overview(population), overview(population, sort_once=False))


def test_ids_ranked_and_written_as_text_without_strings():
    """The group keys rank members by their ids as text ("10" < "9"): the integer path gives
    numpy's string order and bytes, for ids of every length (and repeated ids)."""
    rng = np.random.default_rng(12)
    for trial in range(200):
        ids = rng.integers(0, 10 ** int(rng.integers(1, 17)), int(rng.integers(1, 300)))
        ids = np.concatenate([ids, [0, 1, 9, 10, 99, 100, 10**16, 10**17 - 1], ids[:3]])
        text = ids.astype(str)
        order, joined, lengths = aggregates._decimal_text(ids)
        assert order.tolist() == np.argsort(text, kind="stable").tolist(), trial
        assert joined.tobytes() == ("\x00".join(text.tolist()) + "\x00").encode()
        assert lengths.tolist() == (np.char.str_len(text) + 1).tolist()


def test_factorised_codes_are_numpy_unique():
    rng = np.random.default_rng(13)
    values = rng.choice(["53", "11", "", "04", "975", "Île", "ile"], size=500).tolist()
    factor = aggregates.Factor.of(values)
    labels, inverse = np.unique(np.array(values, dtype=str), return_inverse=True)
    assert factor.labels == labels.tolist() and factor.index.tolist() == inverse.tolist()
    assert factor.values().tolist() == values
    assert aggregates.Factor.of([]).labels == []


def test_prepared_matrices_are_the_population_matrices():
    population = random_population(14, 2_000)
    population.posts_kg[::9, 1] = 0.0
    annual, per_session, ok = aggregates._prepare(population)
    expected_annual, expected_per_session, expected_ok = population.matrices()
    assert annual.tobytes() == np.ascontiguousarray(expected_annual.T).tobytes()
    assert per_session.tobytes() == np.ascontiguousarray(expected_per_session.T).tobytes()
    assert ok.tolist() == expected_ok.tolist()


def _same_margins(light, full) -> None:
    """:func:`margins` gives the counts (in the same order) and hidden groups of the overview."""
    assert isinstance(light, aggregates.Margins)
    assert list(light.counts.items()) == list(full.counts.items())
    assert light.hidden == full.hidden


@pytest.mark.parametrize(
    ("seed", "n", "ties"), [(1, 40, False), (3, 1_500, True), (15, 8_000, False)]
)
def test_margins_are_the_counts_and_hidden_groups_of_the_overview(seed, n, ties):
    population = random_population(seed, n, ties=ties)
    full = overview(population, salt=b"sel")
    assert full.hidden  # the secondary suppression has work to do
    _same_margins(aggregates.margins(population), full)
    for empty in (Population.empty(), random_population(16, 5)):
        _same_margins(aggregates.margins(empty), overview(empty))


@pytest.mark.parametrize("seed", [6, 17])
def test_narrower_tables_checked_against_margins_are_those_checked_against_overviews(seed):
    """The panel against the self-diagnoses, a perimeter against the national tables, the
    panel of a perimeter against both: the wider filters' margins publish the same tables as
    their full overviews (byte for byte)."""
    population = random_population(seed, 6_000)
    national = overview(population, salt=b"s")
    national_margins = aggregates.margins(population)
    _same_margins(national_margins, national)
    rng = np.random.default_rng(seed)
    # Nearly every practice: many groups differ from the wider ones by 1 to 10 (rule 5).
    panel = population.subset(rng.random(len(population)) < 0.997)
    reference = overview(panel, outers=[national], salt=b"s")
    assert_same(overview(panel, outers=[national_margins], salt=b"s"), reference)
    assert reference.hidden != overview(panel, salt=b"s").hidden  # rule 5 did hide something
    _same_margins(aggregates.margins(panel, outers=[national_margins]), reference)
    shown = sorted(rng.choice(REGIONS[:13], size=3, replace=False).tolist())
    inside = population.subset(np.isin(population.region, shown))
    wide = overview(inside, regions_shown=shown, outers=[national], salt=b"s")
    light = aggregates.margins(inside, regions_shown=shown, outers=[national_margins])
    _same_margins(light, wide)
    assert_same(overview(inside, regions_shown=shown, outers=[national_margins], salt=b"s"), wide)
    panel_inside = panel.subset(np.isin(panel.region, shown))
    assert_same(
        overview(panel_inside, regions_shown=shown, outers=[national_margins, light], salt=b"s"),
        overview(panel_inside, regions_shown=shown, outers=[national, wide], salt=b"s"),
    )


@pytest.mark.parametrize("n", [14, 15, 16, 29, 30, 31, 45, 60])
def test_populations_at_the_quantile_thresholds(n):
    """The windows are gathered when the indicators are sorted, for the groups that may show
    quantiles (15 and more, deciles from 30): at and around those sizes the tables are the
    reference path's, the whole population included."""
    for seed in range(3):
        population = random_population(100 + seed, n, ties=seed == 1)
        assert_same(
            overview(population, salt=b"s"), overview(population, salt=b"s", sort_once=False)
        )


def test_sorted_keeps_the_windows_not_the_permutations():
    """The indicators' orders and the permutations by group (8 bytes per indicator and row
    each) are read at the windows' positions and not kept: what stays of a family is its
    values and arrays of one entry per row."""
    population = random_population(12, 6_000)
    prepared = aggregates._prepare(population)
    everything = np.arange(len(population), dtype=np.intp)
    codes = aggregates._group_codes(population)
    groups = {
        "annual": aggregates._groups(population, everything, codes),
        "session": aggregates._groups(population, everything[prepared[2]], codes),
    }
    members = aggregates._Members(population.practice_id, b"s")
    fast = aggregates._Sorted(prepared, groups, codes, members)
    assert set(fast.families) == {"annual", "session"}
    compared = 0
    for family, data in fast.families.items():
        rows = int(data["rows"].shape[0])
        kept = [data["rows"], data["text"]]
        for split in data["splits"].values():
            kept += [split[0], *split[3].values()]
        kept += list(data["national"].values())
        assert "order" not in data
        assert all(array.size <= rows for array in kept)
        # Each group's windows are the values of a sort of the group at the plan's positions.
        matrix = prepared[0] if family == "annual" else prepared[1]
        for dimension, table in groups[family].items():
            for code, group_rows in table.items():
                n = int(group_rows.shape[0])
                if not aggregates._Sorted._shown(n):
                    continue
                plan = disclosure.window_plan(n, aggregates.PERCENTILES)
                ordered = np.sort(matrix[:, group_rows], axis=1)
                expected = np.stack([ordered[:, s : s + disclosure.WINDOW] for _, s in plan], 1)
                got = fast.windows(family, dimension, code, n)
                assert got.shape == expected.shape
                assert np.array_equal(got, expected)
                compared += 1
    assert compared > 40
