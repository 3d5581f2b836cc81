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


def _sample_totals_before(result, draws: int, seed: int) -> dict[str, np.ndarray]:
    """``sample_totals`` as it was before the drivers' product read ``zd`` itself (kept
    verbatim apart from the module prefix): the reference of the test below."""
    from kineco2.engine.lines import unique_drivers

    lines = [line for line in result.lines if line.kgco2e > 0]
    kg = np.array([line.kgco2e for line in lines], dtype=float)
    factor_index: dict[str, int] = {}
    for line in lines:
        factor_index.setdefault(line.factor_id, len(factor_index))
    driver_index: dict[str, int] = {}
    for driver in (*unique_drivers(lines), *result.sessions_drivers):
        driver_index.setdefault(driver.id, len(driver_index))
    n_f = len(factor_index)
    plan = uncertainty.ActivityPlan(lines, driver_index, len(driver_index))
    line_factor = np.array([factor_index[line.factor_id] for line in lines], dtype=np.intp)
    factor_sigma = (
        np.log1p(np.array([line.factor_uncertainty_pct for line in lines]) / 100) / uncertainty.Z975
    )
    post_ids = [post.id for post in result.posts]
    post_index = {p: i for i, p in enumerate(post_ids)}
    weights = np.zeros((len(post_ids), len(lines)))
    for j, line in enumerate(lines):
        weights[post_index[line.post], j] = kg[j]
    z = normal_rows(n_f + len(driver_index), draws, seed)
    uniforms = uniform_rows(len(plan.groups), draws, seed) if plan.groups else None
    zd = plan.capped(z[n_f:])
    exponents = z[line_factor]
    exponents *= factor_sigma[:, None]
    used = np.flatnonzero(plan.loadings.any(axis=1))
    if len(used):
        exponents += plan.loadings[used].T @ zd[used]
    multipliers = np.exp(exponents, out=exponents)
    if not plan.is_linear:
        plan.apply_rows(multipliers, zd, uniforms)
    by_post = weights @ multipliers
    sessions = np.full(draws, result.sessions, dtype=float)
    for driver in result.sessions_drivers:
        sessions *= np.exp(zd[driver_index[driver.id]] * driver.sigma)
    return {"total": by_post.sum(axis=0), "sessions": sessions, "by_post": by_post.T}


def _examples():
    from pathlib import Path

    from kineco2.engine import compute, parse_input, yamlfile

    folder = Path(__file__).resolve().parents[2] / "examples"
    for path in sorted(folder.glob("*.yaml")):
        yield path.name, compute(parse_input(yamlfile.safe_load(path.read_text())))


@pytest.mark.parametrize("draws", [2000, 10_000])
def test_sample_totals_are_those_of_the_former_code_bit_for_bit(draws):
    """The drivers' product on ``zd`` itself when every driver moves a line (no copy of its
    rows): the same draws as before, bit for bit, for every example and for a result where
    some driver moves no line."""
    results = list(_examples())
    assert len(results) >= 5
    results.append(("run", run()))
    for name, result in results:
        new = uncertainty.sample_totals(result, draws, seed=0)
        old = _sample_totals_before(result, draws, seed=0)
        for key in ("total", "sessions", "by_post"):
            assert new[key].tobytes() == old[key].tobytes(), (name, key)
