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


def _intervals(samples: np.ndarray) -> list[Interval]:
    """One interval per column of a (draws × k) array (a single sort for all columns)."""
    low, median, high = np.percentile(samples, [2.5, 50.0, 97.5], axis=0)
    mean = samples.mean(axis=0)
    return [
        Interval(low=float(a), median=float(b), high=float(c), mean=float(d))
        for a, b, c, d in zip(low, median, high, mean, strict=True)
    ]


def sample_totals(result: Result, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draws of the total, of each post and of the number of sessions."""
    lines = [line for line in result.lines if line.kgco2e > 0]  # zero lines add nothing
    kg = np.array([line.kgco2e for line in lines], dtype=float)
    # One row per random variable: first the factor ids, then the activity drivers.
    variables: dict[str, int] = {}
    sigmas: list[float] = []

    def variable(key: str, sigma: float) -> int:
        if key not in variables:
            variables[key] = len(variables)
            sigmas.append(sigma)
        return variables[key]

    for line in lines:
        variable("f:" + line.factor_id, np.log1p(line.factor_uncertainty_pct / 100) / Z975)
    for line in lines:
        for driver in line.drivers:
            variable("d:" + driver.id, driver.sigma)
    for driver in result.sessions_drivers:
        variable("d:" + driver.id, driver.sigma)
    loadings = np.zeros((len(variables), len(lines)))  # σ of each variable in each line
    for j, line in enumerate(lines):
        loadings[variables["f:" + line.factor_id], j] = sigmas[variables["f:" + line.factor_id]]
        for driver in line.drivers:
            loadings[variables["d:" + driver.id], j] = driver.sigma

    post_ids = [post.id for post in result.posts]
    post_index = {p: i for i, p in enumerate(post_ids)}
    weights = np.zeros((len(lines), len(post_ids)))  # kg of each line in its post's column
    for j, line in enumerate(lines):
        weights[j, post_index[line.post]] = kg[j]

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((draws, len(variables)))
    by_post = np.exp(z @ loadings) @ weights  # draws × posts, kg CO2e
    sessions = np.full(draws, result.sessions, dtype=float)
    for driver in result.sessions_drivers:
        sessions = sessions * np.exp(z[:, variables["d:" + driver.id]] * driver.sigma)
    samples = {"total": by_post.sum(axis=1), "sessions": sessions, "by_post": by_post}
    samples.update({post_id: by_post[:, post_index[post_id]] for post_id in post_ids})
    return samples


def with_monte_carlo(result: Result, *, draws: int = 10_000, seed: int = 0) -> Result:
    """A copy of ``result`` with its 95 % intervals (total, per session, per practitioner, posts)."""
    if draws < 100:
        raise ValueError("Au moins 100 tirages sont nécessaires pour un intervalle à 95 %.")
    samples = sample_totals(result, draws, seed)
    total = samples["total"]
    columns = np.column_stack(
        [total, total / samples["sessions"], total / result.practitioners, samples["by_post"]]
    )
    intervals = _intervals(columns)
    uncertainty = Uncertainty(
        draws=draws,
        seed=seed,
        total=intervals[0],
        per_session=intervals[1],
        per_practitioner=intervals[2],
        posts={post.id: intervals[3 + i] for i, post in enumerate(result.posts)},
    )
    posts = tuple(
        dataclasses.replace(post, interval_95=uncertainty.posts[post.id]) for post in result.posts
    )
    return dataclasses.replace(result, uncertainty=uncertainty, posts=posts)
