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

Random numbers: random variable *k* (factor ids first, then drivers) reads the *k*-th block of
``draws`` standard normals of ``numpy.random.default_rng(seed)``, the mixtures their uniforms
from a second stream of the same seed. The seed is fixed, so these rows are drawn once per
process and (seed, draws) and reused by every later bilan (:func:`normal_rows`): generating
them was a third of a Monte Carlo. The results are the same as if they were drawn again.
"""

from __future__ import annotations

import dataclasses
import math
import threading
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

    def capped(self, z: np.ndarray) -> np.ndarray:
        """:meth:`cap` for a (variables × draws) matrix: returns a copy when a row is clipped
        (``z`` may be read-only), ``z`` itself otherwise."""
        if not self.caps:
            return z
        z = z.copy()
        for row, cap in self.caps:
            np.minimum(z[row], cap, out=z[row])
        return z

    def apply_rows(
        self, multipliers: np.ndarray, z: np.ndarray, uniforms: np.ndarray | None
    ) -> np.ndarray:
        """:meth:`apply` for (lines × draws) ``multipliers``, (variables × draws) ``z`` and
        (groups × draws) ``uniforms``."""
        for central, terms, uses in self.complements:
            drawn = np.ones(z.shape[1])
            for value, cols, sig in terms:
                if len(cols):
                    drawn -= value * np.exp(sig @ z[cols])
                else:
                    drawn -= value
            np.clip(drawn, 0.0, 1.0, out=drawn)
            ratio = drawn / central if central > 0 else np.zeros_like(drawn)
            for j, power in uses:
                multipliers[j] *= ratio if power == 1 else ratio**power
        for j, g, lower, p in self.branches:
            u = uniforms[g]
            upper = lower + p if lower + p < 1 - 1e-9 else 2.0  # the last option ends at 1
            chosen = (u >= lower) & (u < upper)
            multipliers[j] *= chosen / p
        return multipliers

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


#: Standard-normal (and uniform) draws kept per (seed, draws), see :func:`normal_rows`.
_POOLS: dict[tuple[str, int, int], _Pool] = {}
_POOLS_LOCK = threading.Lock()
_POOL_MAX_NUMBERS = 4_000_000  # beyond 32 MB per pool the rows are drawn each time
_POOL_COUNT = 4


class _Pool:
    """Rows of random numbers drawn from one generator, extended on demand (read-only)."""

    def __init__(self, kind: str, seed: int, draws: int):
        # Two independent streams per seed: the normals, the mixtures' uniforms.
        self.rng = np.random.default_rng(seed if kind == "normal" else [seed, 1])
        self.kind = kind
        self.draws = draws
        self.rows = np.empty((0, draws))

    def take(self, n: int) -> np.ndarray:
        if n > self.rows.shape[0]:
            extra = n - self.rows.shape[0]
            if self.kind == "normal":
                more = self.rng.standard_normal((extra, self.draws))
            else:
                more = self.rng.random((extra, self.draws))
            rows = np.concatenate([self.rows, more])
            rows.setflags(write=False)
            self.rows = rows
        return self.rows[:n]


def _rows(kind: str, n: int, draws: int, seed: int) -> np.ndarray:
    """``n`` rows of ``draws`` numbers of the stream ``kind`` of ``seed`` (read-only).

    Row *k* is always the *k*-th block of ``draws`` numbers of the stream, whatever ``n``: the
    rows of a (seed, draws) are drawn once per process and shared by every later bilan (the
    seed is fixed, so the numbers are the same as if drawn again; only their cost is saved).
    """
    if n == 0:
        return np.empty((0, draws))
    if n * draws > _POOL_MAX_NUMBERS:
        return _Pool(kind, seed, draws).take(n)
    key = (kind, seed, draws)
    with _POOLS_LOCK:
        pool = _POOLS.pop(key, None) or _Pool(kind, seed, draws)
        _POOLS[key] = pool  # most recently used last
        while len(_POOLS) > _POOL_COUNT:
            _POOLS.pop(next(iter(_POOLS)))
        return pool.take(n)


def normal_rows(n: int, draws: int, seed: int) -> np.ndarray:
    """(n × draws) standard-normal draws of ``seed``: row k is random variable k."""
    return _rows("normal", n, draws, seed)


def uniform_rows(n: int, draws: int, seed: int) -> np.ndarray:
    """(n × draws) uniform draws on [0, 1) of ``seed`` (the mixtures' choices)."""
    return _rows("uniform", n, draws, seed)


#: The percentiles of an interval (2.5, median, 97.5).
_QUANTILES = (2.5, 50.0, 97.5)


def order_statistics(samples: np.ndarray, ks: Sequence[int]) -> np.ndarray:
    """``np.sort(samples, axis=1)[:, ks]``, exactly, without sorting whole rows.

    For each wanted rank a band of values is bracketed from a sorted subsample (every
    ``stride``-th draw; the draws are in random order). With ``b`` the number of values of
    a row below the band, rank ``k`` is the ``(k − b)``-th smallest value of the band
    whenever the band holds it (``b ≤ k`` and ``b + band size > k``), which is checked:
    a row where it fails, or with a NaN, is sorted whole. Only the bands (≈ 15 % of a row
    of 10 000 for the three percentiles) are sorted. ``samples`` is not modified.
    """
    rows, n = samples.shape
    ks = sorted(set(ks))
    out = np.empty((rows, len(ks)))
    stride = 8
    if n < 64 * stride or not ks:
        return np.sort(samples, axis=1)[:, ks]
    sub = np.sort(samples[:, ::stride], axis=1)
    m = sub.shape[1]
    # Windows of nearby ranks, bracketed by ± 4 standard deviations of the rank of a
    # subsample order statistic (binomial), plus two.
    windows: list[list[int]] = []
    for k in ks:
        if windows and k - windows[-1][-1] <= stride:
            windows[-1].append(k)
        else:
            windows.append([k])
    lows, highs = [], []
    for window in windows:
        p_lo, p_hi = window[0] / n, window[-1] / n
        margin_lo = 4 * math.sqrt(m * p_lo * (1 - p_lo)) + 2
        margin_hi = 4 * math.sqrt(m * p_hi * (1 - p_hi)) + 2
        j_lo = math.floor(p_lo * m - margin_lo)
        j_hi = math.ceil(p_hi * m + margin_hi)
        lows.append(sub[:, j_lo] if j_lo >= 0 else np.full(rows, -np.inf))
        highs.append(sub[:, j_hi] if j_hi < m else np.full(rows, np.inf))
    lo = np.stack(lows, axis=1)  # rows × windows
    hi = np.stack(highs, axis=1)
    below = np.empty((rows, len(windows)), dtype=np.intp)
    inside = np.empty((rows, len(windows)), dtype=np.intp)
    union = np.zeros(samples.shape, dtype=bool)
    for w in range(len(windows)):
        under = samples < lo[:, w, None]
        within = ~under & (samples <= hi[:, w, None])
        below[:, w] = under.sum(axis=1)
        inside[:, w] = within.sum(axis=1)
        union |= within
    first = np.array([window[0] for window in windows])
    last = np.array([window[-1] for window in windows])
    ok = (below <= first).all(axis=1) & (below + inside > last).all(axis=1)
    ok &= ~np.isnan(sub).any(axis=1)  # a NaN is never in a band: sort that row whole
    rank = {k: w for w, window in enumerate(windows) for k in window}
    for i in range(rows):
        if not ok[i]:
            out[i] = np.sort(samples[i])[ks]
            continue
        band = np.sort(samples[i][union[i]])
        # values of the band below window w's lower bound belong to earlier windows
        start = np.searchsorted(band, lo[i], side="left")
        for c, k in enumerate(ks):
            w = rank[k]
            out[i, c] = band[start[w] + k - below[i, w]]
    return out


def _intervals(samples: np.ndarray) -> list[Interval]:
    """One interval per **row** of a (k × draws) array.

    The three percentiles are numpy's (« linear » interpolation between order statistics),
    read from the six order statistics they need (:func:`order_statistics`).
    """
    n = samples.shape[1]
    mean = samples.mean(axis=1)
    positions = []
    for q in _QUANTILES:
        p = q / 100 * (n - 1)
        lo = math.floor(p)
        positions.append((lo, min(lo + 1, n - 1), p - lo))
    ks = sorted({k for lo, hi, _ in positions for k in (lo, hi)})
    stats = order_statistics(samples, ks)
    column = {k: stats[:, c] for c, k in enumerate(ks)}
    values = []
    for lo, hi, t in positions:
        a, b = column[lo], column[hi]
        # numpy's _lerp: exact at both ends, monotonic
        values.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
    low, median, high = values
    return [
        Interval(low=float(a), median=float(b), high=float(c), mean=float(d))
        for a, b, c, d in zip(low, median, high, mean, strict=True)
    ]


def sample_totals(result: Result, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draws of the total, of each post and of the number of sessions.

    Computed with the draws along the last axis (each random variable, line and post is one
    contiguous row): the factor part of a line is its factor's row times its σ (one factor
    per line: a gather, not a product), the drivers' part one matrix product.
    """
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
    line_factor = np.array([factor_index[line.factor_id] for line in lines], dtype=np.intp)
    factor_sigma = np.log1p(np.array([line.factor_uncertainty_pct for line in lines]) / 100) / Z975

    post_ids = [post.id for post in result.posts]
    post_index = {p: i for i, p in enumerate(post_ids)}
    weights = np.zeros((len(post_ids), len(lines)))  # kg of each line in its post's row
    for j, line in enumerate(lines):
        weights[post_index[line.post], j] = kg[j]

    z = normal_rows(n_f + len(driver_index), draws, seed)  # read-only, shared
    uniforms = uniform_rows(len(plan.groups), draws, seed) if plan.groups else None
    zd = plan.capped(z[n_f:])  # the drivers' rows, shares clipped (a copy only if needed)
    exponents = z[line_factor]  # lines × draws
    exponents *= factor_sigma[:, None]
    used = np.flatnonzero(plan.loadings.any(axis=1))  # drivers that move some line
    if len(used) == len(driver_index):
        # every driver moves some line (the usual case): the product reads ``zd`` itself,
        # not a copy of all its rows (the same operands, the same figures)
        exponents += plan.loadings.T @ zd
    elif len(used):
        exponents += plan.loadings[used].T @ zd[used]
    multipliers = np.exp(exponents, out=exponents)
    if not plan.is_linear:
        plan.apply_rows(multipliers, zd, uniforms)
    by_post = weights @ multipliers  # posts × draws, kg CO2e
    sessions = np.full(draws, result.sessions, dtype=float)
    for driver in result.sessions_drivers:
        sessions *= np.exp(zd[driver_index[driver.id]] * driver.sigma)
    samples = {"total": by_post.sum(axis=0), "sessions": sessions, "by_post": by_post.T}
    samples.update({post_id: by_post[post_index[post_id]] for post_id in post_ids})
    return samples


def with_monte_carlo(result: Result, *, draws: int = 10_000, seed: int = 0) -> Result:
    """A copy of ``result`` with its 95 % intervals (total, per session, per practitioner, posts)."""
    if draws < 100:
        raise ValueError("Au moins 100 tirages sont nécessaires pour un intervalle à 95 %.")
    samples = sample_totals(result, draws, seed)
    total = samples["total"]
    rows = np.empty((2 + len(result.posts), draws))
    rows[0] = total
    np.divide(total, samples["sessions"], out=rows[1])
    rows[2:] = samples["by_post"].T
    intervals = _intervals(rows)
    # Per practitioner: the total divided by a constant, its percentiles likewise.
    k = result.practitioners
    t = intervals[0]
    per_practitioner = Interval(
        low=t.low / k, median=t.median / k, high=t.high / k, mean=t.mean / k
    )
    intervals = [t, intervals[1], per_practitioner, *intervals[2:]]
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
