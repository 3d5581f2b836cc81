"""The Monte Carlo's random rows are drawn once per (seed, draws) and reused: same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from kineco2.engine import uncertainty
from kineco2.engine.uncertainty import _intervals, normal_rows, uniform_rows, with_monte_carlo
from tests.engine.conftest import run


@pytest.fixture
def no_pools(monkeypatch):
    monkeypatch.setattr(uncertainty, "_POOLS", {})


def test_row_k_does_not_depend_on_how_many_rows_are_asked(no_pools):
    few = normal_rows(3, 500, seed=7).copy()
    many = normal_rows(10, 500, seed=7)
    assert np.array_equal(many[:3], few)
    uncertainty._POOLS.clear()
    at_once = normal_rows(10, 500, seed=7)
    assert np.array_equal(at_once, many)  # growing the pool gives the same stream
    assert not np.array_equal(normal_rows(3, 500, seed=8), few)


def test_shared_rows_cannot_be_written(no_pools):
    rows = normal_rows(4, 200, seed=1)
    with pytest.raises(ValueError):
        rows[0, 0] = 1.0
    assert uniform_rows(2, 200, seed=1).min() >= 0.0


def test_rows_are_standard_normal_and_uniform(no_pools):
    z = normal_rows(5, 20_000, seed=3)
    assert abs(z.mean()) < 0.02 and z.std() == pytest.approx(1, abs=0.02)
    u = uniform_rows(2, 20_000, seed=3)
    assert u.mean() == pytest.approx(0.5, abs=0.01)
    # the uniforms are another stream than the normals of the same seed
    assert abs(np.corrcoef(z[0], u[0])[0, 1]) < 0.05


def test_a_result_is_the_same_whether_the_rows_were_cached_or_not(no_pools, monkeypatch):
    result = run()
    first = with_monte_carlo(result, draws=2000, seed=4).uncertainty
    again = with_monte_carlo(result, draws=2000, seed=4).uncertainty  # from the pool
    monkeypatch.setattr(uncertainty, "_POOL_MAX_NUMBERS", 0)  # drawn each time
    uncached = with_monte_carlo(result, draws=2000, seed=4).uncertainty
    assert first == again == uncached


@pytest.mark.parametrize("n", [100, 101, 2000, 9999, 10_000])
def test_intervals_are_numpys_percentiles(n):
    x = np.random.default_rng(n).lognormal(size=(4, n))
    expected = np.percentile(x, [2.5, 50, 97.5], axis=1)
    means = x.mean(axis=1)
    got = _intervals(x.copy())
    for i, interval in enumerate(got):
        assert (interval.low, interval.median, interval.high) == tuple(expected[:, i])
        assert interval.mean == pytest.approx(means[i], rel=1e-12)


def _cases(n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    rows = [
        rng.lognormal(size=n),
        rng.normal(size=n),
        np.zeros(n),  # a post with no line
        np.full(n, 3.5),
        rng.integers(0, 4, size=n).astype(float),  # many ties
        np.sort(rng.normal(size=n)),
        np.sort(rng.normal(size=n))[::-1].copy(),
        # the strided subsample sees only the large values: its bands miss, sorted whole
        np.where(np.arange(n) % 8 == 0, 1e6, rng.normal(size=n)),
        np.where(rng.random(n) < 0.01, np.inf, rng.normal(size=n)),
        np.where(rng.random(n) < 0.01, -np.inf, rng.normal(size=n)),
        np.where(rng.random(n) < 0.001, np.nan, rng.normal(size=n)),
    ]
    return np.array(rows)


@pytest.mark.parametrize("n", [100, 513, 2000, 9999, 10_000, 50_000])
def test_order_statistics_are_those_of_a_full_sort(n):
    x = _cases(n)
    before = x.copy()
    ranks = sorted({0, 1, n // 40, n // 40 + 1, n // 2 - 1, n // 2, n - n // 40, n - 2, n - 1})
    got = uncertainty.order_statistics(x, ranks)
    expected = np.sort(x, axis=1)[:, ranks]
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(x, before, equal_nan=True)  # the samples are left as they were


def test_order_statistics_on_many_random_rows():
    rng = np.random.default_rng(2026)
    x = rng.lognormal(sigma=rng.uniform(0.01, 2, size=(300, 1)), size=(300, 10_000))
    ranks = [249, 250, 4999, 5000, 9749, 9750]
    assert np.array_equal(uncertainty.order_statistics(x, ranks), np.sort(x, axis=1)[:, ranks])
