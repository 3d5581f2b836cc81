"""Monte Carlo propagation of uncertainty.

* Every factor id gets **one** log-normal multiplier per draw, shared by every line that uses
  it (the lines are correlated: a wrong car factor is wrong for every car line).
* Every activity driver (an answer, a default, a zone hypothesis) gets one standard-normal
  draw z per draw, shared by the lines that depend on it; drivers are independent of each
  other. A line carrying the driver with exponent e (:attr:`kineco2.engine.lines.Line.powers`)
  is multiplied by exp(e·σ·z): a quantity *divided* by an amortisation period goes down when
  the drawn period goes up.
* A share (:attr:`kineco2.engine.lines.Driver.share`) is drawn as share × exp(σz) clipped to
  100 %; a complement ``1 − Σ shares`` (:class:`kineco2.engine.lines.Complement`) is computed
  from the same draws and clipped to [0, 1], so the sessions at the practice go down when the
  drawn home-visit share goes up.
* A categorical default drawn as a mixture (:class:`kineco2.engine.lines.Branch`) picks one
  option per draw and per group with the option's probability; the chosen option's lines are
  multiplied by 1 / p and the others by 0 (the deterministic lines hold p × the option).
* A relative uncertainty u (half-width of the 95 % interval, Base Carbone convention) becomes
  a log-normal of median 1 and σ = ln(1 + u) / 1.96, so the deterministic value is the
  median of each line and the upper 97.5 % bound is value × (1 + u).

The **headline** figure is the deterministic central value (the sum of the lines, which the
line-by-line explanation adds up to); the Monte Carlo gives its 95 % interval (2.5 and 97.5
percentiles) and, for reference, the median and the mean of the draws.

The per-session figure divides each drawn total by the drawn number of sessions (when the
number of sessions is itself uncertain, the draws are shared with the lines that use it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np

from kineco2.engine.lines import Complement, Line, Quantity, unique_drivers
from kineco2.engine.result import Interval, Result, Uncertainty

Z975 = 1.959963984540054


class ActivityPlan:
    """How the activity drivers move each of ``lines`` in a draw, compiled once.

    ``index`` maps every driver id of the lines to a column of the standard-normal matrix
    ``z`` (draws × variables) the caller draws. :attr:`loadings` (variables × lines) holds
    e·σ for each driver of each line: ``exp(z @ loadings)`` is the multiplicative part. Then
    :meth:`cap` clips the share drivers' columns of ``z`` (before the product) and
    :meth:`apply` multiplies, in place, the complements and the mixture options.
    """

    def __init__(self, lines: Sequence[Line], index: Mapping[str, int], n_variables: int):
        self.loadings = np.zeros((n_variables, len(lines)))
        caps: dict[int, float] = {}
        complements: dict[Complement, list[tuple[int, int]]] = {}
        branches: list[tuple[int, str, float, float]] = []
        for j, line in enumerate(lines):
            for driver, power in zip(line.drivers, line.powers, strict=True):
                if power:
                    self.loadings[index[driver.id], j] = power * driver.sigma
            for driver in line.all_drivers():
                if driver.share is not None and math.isfinite(driver.z_cap):
                    caps[index[driver.id]] = driver.z_cap
            for comp in line.complements:
                complements.setdefault(comp.base(), []).append((j, comp.power))
            if line.branch is not None:
                b = line.branch
                branches.append((j, b.group, b.lower, b.probability))
        self.caps = sorted(caps.items())
        self.complements = []
        for comp, uses in complements.items():
            terms = []
            for term in comp.terms:
                cols = np.array([index[d.id] for d in term.drivers], dtype=int)
                sig = np.array(
                    [p * d.sigma for d, p in zip(term.drivers, term.powers, strict=True)]
                )
                terms.append((term.value, cols, sig))
            self.complements.append((comp.central, terms, uses))
        self.groups = sorted({group for _, group, _, _ in branches})
        group_index = {g: i for i, g in enumerate(self.groups)}
        self.branches = [(j, group_index[g], lo, p) for j, g, lo, p in branches]

    @property
    def is_linear(self) -> bool:
        return not (self.complements or self.branches)

    def cap(self, z: np.ndarray, offset: int = 0) -> np.ndarray:
        """``z`` with each share driver's column clipped so the drawn share stays ≤ 100 %.

        ``offset`` is added to the column numbers (when ``z`` holds other variables first).
        """
        for col, cap in self.caps:
            np.minimum(z[:, offset + col], cap, out=z[:, offset + col])
        return z

    def apply(
        self,
        multipliers: np.ndarray,
        z: np.ndarray,
        uniforms: np.ndarray | None,
        offset: int = 0,
    ) -> np.ndarray:
        """Multiply ``multipliers`` (draws × lines) by the complements and mixture options.

        ``z`` is the capped standard-normal matrix; ``uniforms`` (draws × groups) the uniform
        draws of the mixture groups (:attr:`groups`), or None if there is none.
        """
        for central, terms, uses in self.complements:
            drawn = np.ones(z.shape[0])
            for value, cols, sig in terms:
                if len(cols):
                    drawn -= value * np.exp(z[:, offset + cols] @ sig)
                else:
                    drawn -= value
            np.clip(drawn, 0.0, 1.0, out=drawn)
            ratio = drawn / central if central > 0 else np.zeros_like(drawn)
            for j, power in uses:
                multipliers[:, j] *= ratio if power == 1 else ratio**power
        for j, g, lower, p in self.branches:
            u = uniforms[:, g]
            upper = lower + p if lower + p < 1 - 1e-9 else 2.0  # the last option ends at 1
            chosen = (u >= lower) & (u < upper)
            multipliers[:, j] *= chosen / p
        return multipliers


def sample_quantity(quantity: Quantity, draws: int, seed: int = 0) -> np.ndarray:
    """Draws of one activity quantity (no emission factor), with the rules above."""
    line = Line(
        post="",
        item="",
        label="",
        quantity=quantity.value,
        unit="",
        factor_id="",
        factor_value=1.0,
        factor_unit="",
        factor_uncertainty_pct=0.0,
        kgco2e=quantity.value,
        origin=quantity.origin,
        scope=3,
        beges_category="",
        drivers=quantity.drivers,
        powers=quantity.powers,
        complements=quantity.complements,
        branch=quantity.branch,
    )
    index = {d.id: i for i, d in enumerate(unique_drivers([line]))}
    plan = ActivityPlan([line], index, len(index))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((draws, len(index)))
    uniforms = rng.random((draws, len(plan.groups))) if plan.groups else None
    plan.cap(z)
    multipliers = np.exp(z @ plan.loadings)
    plan.apply(multipliers, z, uniforms)
    return quantity.value * multipliers[:, 0]


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
    factor_index: dict[str, int] = {}
    for line in lines:
        factor_index.setdefault(line.factor_id, len(factor_index))
    driver_index: dict[str, int] = {}
    for driver in (*unique_drivers(lines), *result.sessions_drivers):
        driver_index.setdefault(driver.id, len(driver_index))
    n_f = len(factor_index)
    plan = ActivityPlan(lines, driver_index, len(driver_index))
    loadings = np.zeros((n_f + len(driver_index), len(lines)))  # σ of each variable per line
    for j, line in enumerate(lines):
        loadings[factor_index[line.factor_id], j] = (
            np.log1p(line.factor_uncertainty_pct / 100) / Z975
        )
    loadings[n_f:] = plan.loadings

    post_ids = [post.id for post in result.posts]
    post_index = {p: i for i, p in enumerate(post_ids)}
    weights = np.zeros((len(lines), len(post_ids)))  # kg of each line in its post's column
    for j, line in enumerate(lines):
        weights[j, post_index[line.post]] = kg[j]

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((draws, n_f + len(driver_index)))
    uniforms = rng.random((draws, len(plan.groups))) if plan.groups else None
    plan.cap(z, offset=n_f)
    multipliers = np.exp(z @ loadings)  # draws × lines
    if not plan.is_linear:
        plan.apply(multipliers, z, uniforms, offset=n_f)
    by_post = multipliers @ weights  # draws × posts, kg CO2e
    sessions = np.full(draws, result.sessions, dtype=float)
    for driver in result.sessions_drivers:
        sessions = sessions * np.exp(z[:, n_f + driver_index[driver.id]] * driver.sigma)
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
