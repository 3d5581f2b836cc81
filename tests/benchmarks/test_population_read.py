"""The population read in one row on PostgreSQL equals the row-by-row read."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from kineco2.benchmarks import selectors

pytestmark = pytest.mark.django_db


def _by_practice(population):
    order = np.argsort(population.practice_id)
    return {
        "practice_id": population.practice_id[order],
        "total_kg": population.total_kg[order],
        "per_session_kg": population.per_session_kg[order],
        "posts_kg": population.posts_kg[order],
        "region": population.region[order],
        "zone": population.zone[order],
        "size": population.size[order],
        "mode": population.mode[order],
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_one_row_read_equals_the_row_by_row_read(small_cells):
    from .conftest import add_result, make_practice

    add_result(make_practice("75011", mode="seul"), 5_000.0, per_session=None, zone="")
    selectors.load_population("autodiagnostics", year=2025)  # folds the figures
    queryset = selectors.figures_for("autodiagnostics", year=2025)
    fast = selectors._population_postgresql(queryset)
    slow = selectors.population_from_rows(list(queryset.values_list(*selectors._COLUMNS)))
    assert len(fast) == len(slow) == 28
    a, b = _by_practice(fast), _by_practice(slow)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert np.isnan(fast.per_session_kg).sum() == 1
    empty = selectors._population_postgresql(selectors.figures_for("autodiagnostics", year=1999))
    assert len(empty) == 0


def test_population_read_on_any_database(small_cells):
    population = selectors.load_population("autodiagnostics", year=2025, use_cache=False)
    assert sorted(population.region.tolist()).count("53") == 15
    assert len(population) == 27


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_read_without_posts_has_the_groups_and_sessions_of_the_full_read(small_cells):
    """``posts=False`` (for the margins): the same rows, figures and codes in the same order,
    without the posts (zeros) nor the practices; the same margins."""
    from kineco2.benchmarks import aggregates

    from .conftest import add_result, make_practice

    add_result(make_practice("75011", mode="seul"), 5_000.0, per_session=None, zone="")
    add_result(make_practice("97400", mode="msp"), 7_000.0, per_session=0.0, zone="rural")
    full = selectors.load_population("autodiagnostics", year=2025, use_cache=False)
    light = selectors.load_population("autodiagnostics", year=2025, use_cache=False, posts=False)
    assert len(light) == len(full) == 29
    for name in ("total_kg", "per_session_kg", "region", "zone", "size", "mode"):
        np.testing.assert_array_equal(getattr(light, name), getattr(full, name), err_msg=name)
    assert light.factors.keys() == full.factors.keys()
    assert not light.posts_kg.any() and full.posts_kg.any()
    margins = aggregates.margins(light)
    wide = aggregates.overview(full)
    assert (list(margins.counts.items()), margins.hidden) == (
        list(wide.counts.items()),
        wide.hidden,
    )
    empty = selectors._population_postgresql(
        selectors.figures_for("autodiagnostics", year=1999), posts=False
    )
    assert len(empty) == 0


def test_codes_factorised_from_their_combinations_are_factor_of_each_column():
    """The read packs the four codes of a row in one text: each column's factor, made from
    the distinct combinations, is :meth:`Factor.of` of that column (labels and index)."""
    from kineco2.benchmarks.aggregates import Factor

    rng = np.random.default_rng(3)
    choices = [
        ["11", "53", "84", "01", "975", ""],
        ["seul", "groupe", "msp", "centre_sante", ""],
        ["paris", "grande_ville", "rural", ""],
        ["1", "2-3", "4+", ""],
    ]
    for n in (1, 7, 5_000):
        columns = [rng.choice(values, size=n).tolist() for values in choices]
        rows = [selectors._FIELD.join(codes) for codes in zip(*columns, strict=True)]
        factors = selectors._factors(rows, 4)
        for factor, column in zip(factors, columns, strict=True):
            expected = Factor.of(column)
            assert factor.labels == expected.labels
            assert factor.index.dtype == expected.index.dtype
            np.testing.assert_array_equal(factor.index, expected.index)
    assert (
        selectors._factors(["11\x1eseul\x1erural\x1e1", "11\x1es\x1eul\x1erural\x1e1"], 4) is None
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_separator_inside_a_code_falls_back_to_the_row_by_row_read(small_cells):
    from kineco2.benchmarks.models import AssessmentFigures

    selectors.load_population("autodiagnostics", year=2025)  # folds the figures
    first = AssessmentFigures.objects.order_by("pk").first()
    AssessmentFigures.objects.filter(pk=first.pk).update(practice_mode="a\x1eb")
    queryset = selectors.figures_for("autodiagnostics", year=2025)
    assert selectors._population_postgresql(queryset) is None
    population = selectors.load_population("autodiagnostics", year=2025, use_cache=False)
    slow = selectors.population_from_rows(list(queryset.values_list(*selectors._COLUMNS)))
    a, b = _by_practice(population), _by_practice(slow)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert "a\x1eb" in population.mode.tolist()
