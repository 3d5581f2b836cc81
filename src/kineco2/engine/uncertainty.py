"""Monte Carlo propagation of uncertainty.

* Every factor id gets **one** log-normal multiplier per draw, shared by every line that uses
  it (the lines are correlated: a wrong car factor is wrong for every car line).
* Every activity driver (an answer, a default, a zone hypothesis) gets one multiplier per
  draw, shared by the lines that depend on it; drivers are independent of each other.
* A relative uncertainty u (half-width of the 95 % interval, Base Carbone convention) becomes
  a log-normal of median 1 and σ = ln(1 + u) / 1.96, so the deterministic value is the
  median of each line and the upper 97.5 % bound is value × (1 + u).

The per-session figure divides each drawn total by the drawn number of sessions (when the
number of sessions is itself uncertain, the draws are shared with the lines that use it).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from kineco2.engine.result import Interval, Result, Uncertainty

Z975 = 1.959963984540054


def _interval(samples: np.ndarray) -> Interval:
    low, median, high = np.percentile(samples, [2.5, 50.0, 97.5])
    return Interval(
        low=float(low), median=float(median), high=float(high), mean=float(samples.mean())
    )


def sample_totals(result: Result, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draws of the total, of each post and of the number of sessions."""
    lines = result.lines
    kg = np.array([line.kgco2e for line in lines], dtype=float)
    factor_ids = sorted({line.factor_id for line in lines})
    factor_index = {f: i for i, f in enumerate(factor_ids)}
    factor_sigma = np.zeros(len(factor_ids))
    for line in lines:
        factor_sigma[factor_index[line.factor_id]] = (
            np.log1p(line.factor_uncertainty_pct / 100) / Z975
        )
    driver_ids: dict[str, int] = {}
    driver_sigma: list[float] = []
    for driver in (*(d for line in lines for d in line.drivers), *result.sessions_drivers):
        if driver.id not in driver_ids:
            driver_ids[driver.id] = len(driver_ids)
            driver_sigma.append(driver.sigma)
    line_driver = np.zeros((len(lines), len(driver_ids)))
    for i, line in enumerate(lines):
        for driver in line.drivers:
            line_driver[i, driver_ids[driver.id]] = driver.sigma

    rng = np.random.default_rng(seed)
    z_factors = rng.standard_normal((draws, len(factor_ids)))
    z_drivers = rng.standard_normal((draws, len(driver_ids)))
    line_factor = np.array([factor_index[line.factor_id] for line in lines], dtype=int)
    log_mult = z_factors[:, line_factor] * factor_sigma[line_factor] + z_drivers @ line_driver.T
    weighted = np.exp(log_mult) * kg  # draws × lines, kg CO2e

    post_ids = [post.id for post in result.posts]
    membership = np.zeros((len(lines), len(post_ids)))
    post_index = {p: i for i, p in enumerate(post_ids)}
    for i, line in enumerate(lines):
        membership[i, post_index[line.post]] = 1.0
    by_post = weighted @ membership
    sessions = np.full(draws, result.sessions, dtype=float)
    for driver in result.sessions_drivers:
        sessions = sessions * np.exp(z_drivers[:, driver_ids[driver.id]] * driver.sigma)
    samples = {"total": by_post.sum(axis=1), "sessions": sessions}
    samples.update({post_id: by_post[:, post_index[post_id]] for post_id in post_ids})
    return samples


def with_monte_carlo(result: Result, *, draws: int = 10_000, seed: int = 0) -> Result:
    """A copy of ``result`` with its 95 % intervals (total, per session, per practitioner, posts)."""
    if draws < 100:
        raise ValueError("Au moins 100 tirages sont nécessaires pour un intervalle à 95 %.")
    samples = sample_totals(result, draws, seed)
    total = samples["total"]
    uncertainty = Uncertainty(
        draws=draws,
        seed=seed,
        total=_interval(total),
        per_session=_interval(total / samples["sessions"]),
        per_practitioner=_interval(total / result.practitioners),
        posts={post.id: _interval(samples[post.id]) for post in result.posts},
    )
    posts = tuple(
        dataclasses.replace(post, interval_95=uncertainty.posts[post.id]) for post in result.posts
    )
    return dataclasses.replace(result, uncertainty=uncertainty, posts=posts)
