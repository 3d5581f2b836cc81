"""An attacker of the published statistics (used by test_adversary and the property tests).

The attacker knows what any reader knows: the published figures (JSON, CSV, comparison) and the
publication method the outputs state (``methode`` of the JSON; without it, numpy's default
linear interpolation documented before issue 9). It does not know the secret key of the
perturbation. It is *stronger* than a real reader in two ways: it knows the exact number of
practices of every published group, and that every practice is classified in every dimension.

Two attacks, both exact (linear and integer programming, scipy's HiGHS):

* :func:`pinned_ranks` — for one published group, the interval of each ordered value that is
  consistent with the published quantiles (the « n = 5 quantile attack » is the case where the
  intervals collapse). A value is *recovered* when its interval is narrower than ±1 %.
* :func:`recovered_counts` — from all the counts a viewer can read (margins, overlapping
  filters, perimeters, rounded counts as intervals), the suppressed counts that have only one
  possible value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

FRACTIONS = {"p10": 0.1, "p25": 0.25, "mediane": 0.5, "p75": 0.75, "p90": 0.9}
TOLERANCE = 0.01  # a value pinned within ±1 % is recovered


@dataclass(frozen=True)
class Method:
    """What the outputs say of how quantiles and counts are made."""

    window: int | None = None  # None: linear interpolation (numpy's default)
    noise: float = 0.0
    significant: int | None = None  # None: the figure is exact (up to ``decimals``)
    decimals: int | None = None  # CSV figures: 4 decimals
    count_base: int = 1
    min_count: int = 1

    @classmethod
    def from_payload(cls, payload: Mapping) -> Method:
        method = payload.get("methode")
        if not method:
            return cls()
        return cls(
            window=int(method["fenetre"]),
            noise=float(method["perturbation_max"]),
            significant=int(method["chiffres_significatifs"]),
            count_base=int(method["effectifs_arrondis_a"]),
            min_count=int(method["seuil_effectif"]),
        )


def _half_unit(value: float, method: Method) -> float:
    if method.significant is not None and value != 0:
        exponent = math.floor(math.log10(abs(value)))
        return 0.5 * 10 ** (exponent - method.significant + 1)
    if method.decimals is not None:
        return 0.5 * 10 ** (-method.decimals)
    return 1e-9 * max(1.0, abs(value))


def _rows(n: int, quantiles: Mapping[float, float], method: Method):
    """Linear rows (coefficients over the n ordered values) and bounds of each quantile."""
    rows, lows, highs = [], [], []
    for fraction, value in quantiles.items():
        row = np.zeros(n)
        if method.window is None:
            virtual = (n - 1) * fraction
            k = math.floor(virtual)
            w = virtual - k
            row[k] += 1 - w
            if k + 1 < n:
                row[k + 1] += w
        else:
            centre = math.floor((n - 1) * fraction + 0.5)
            start = min(max(centre - method.window // 2, 1), n - 1 - method.window)
            row[start : start + method.window] = 1.0 / method.window
        half = _half_unit(value, method)
        rows.append(row)
        lows.append(value - half)
        highs.append(value + half)
    return np.array(rows), np.array(lows), np.array(highs)


def pinned_ranks(
    n: int, quantiles: Mapping[float, float], method: Method, *, ranks: Sequence[int] | None = None
) -> dict[int, tuple[float, float]]:
    """Interval of each ordered value (rank 0 = smallest) consistent with the quantiles.

    Works in the perturbed scale (the perturbation is one factor per group and indicator),
    then widens by the largest factor the method allows.
    """
    if not quantiles:
        return {}
    a_q, low, high = _rows(n, quantiles, method)
    order = np.zeros((n - 1, n))
    for k in range(n - 1):
        order[k, k], order[k, k + 1] = 1.0, -1.0
    a_ub = np.vstack([order, a_q, -a_q])
    b_ub = np.concatenate([np.zeros(n - 1), high, -low])
    wanted = ranks if ranks is not None else range(n)
    out = {}
    for k in wanted:
        c = np.zeros(n)
        c[k] = 1.0
        lo = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        hi = linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if lo.status != 0:  # infeasible: the method stated is not the one used
            raise AssertionError(f"Méthode déclarée incohérente avec les chiffres (n = {n})")
        upper = -hi.fun if hi.status == 0 else math.inf
        out[k] = (lo.fun / (1 + method.noise), upper / (1 - method.noise))
    return out


def recovered_values(
    n: int, quantiles: Mapping[float, float], method: Method, truth: Sequence[float]
) -> list[tuple[int, float, tuple[float, float]]]:
    """Ordered values of ``truth`` pinned within ±1 % by the published quantiles."""
    ordered = sorted(truth)
    if method.noise > 0 and method.noise / (1 + method.noise) > TOLERANCE:
        # Every interval is at least [y/(1+δ), y/(1−δ)]: wider than ±1 % (no LP needed).
        return []
    out = []
    for k, (lo, hi) in pinned_ranks(n, quantiles, method).items():
        value = ordered[k]
        if lo - 1e-9 <= value <= hi + 1e-9 and (hi - lo) / 2 <= TOLERANCE * abs(value) + 1e-12:
            out.append((k, value, (lo, hi)))
    return out


@dataclass(frozen=True)
class CountCell:
    """One count the viewer reads: published (a number, maybe rounded) or suppressed."""

    key: tuple
    published: int | None  # None: suppressed
    truth: int


def recovered_counts(
    cells: Sequence[CountCell],
    equalities: Sequence[tuple[tuple, Sequence[tuple]]],
    inclusions: Sequence[tuple[tuple, tuple]],
    method: Method,
    *,
    knows_empty: bool = True,
) -> list[tuple[tuple, int]]:
    """Suppressed counts (true count ≥ 1) that have a single value consistent with everything.

    ``knows_empty``: the attacker also knows which groups are empty (a stronger attacker: an
    empty hidden group no longer hides anything).

    ``equalities``: (total, parts) — the parts add up to the total (a dimension splits the
    national count). ``inclusions``: (inner, outer) — inner ≤ outer (panel within the
    self-diagnoses, a perimeter within the nation), or equal when a perimeter is one region.
    """
    index = {cell.key: i for i, cell in enumerate(cells)}
    size = len(cells)
    biggest = max((c.truth for c in cells), default=0) * 2 + 100
    lower, upper = np.zeros(size), np.full(size, float(biggest))
    half = method.count_base // 2
    for i, cell in enumerate(cells):
        if cell.published is not None:
            lo, hi = cell.published - half, cell.published + half
            if method.count_base > 1:
                lo = max(lo, method.min_count)
            lower[i], upper[i] = lo, hi
        elif knows_empty and cell.truth == 0:
            upper[i] = 0
    rows, lb, ub = [], [], []
    for total, parts in equalities:
        if total not in index or any(p not in index for p in parts):
            continue
        row = np.zeros(size)
        row[index[total]] = -1
        for p in parts:
            row[index[p]] += 1
        rows.append(row)
        lb.append(0)
        ub.append(0)
    for inner, outer in inclusions:
        if inner in index and outer in index:
            row = np.zeros(size)
            row[index[inner]], row[index[outer]] = 1, -1
            rows.append(row)
            lb.append(-np.inf)
            ub.append(0)
    matrix = np.array(rows) if rows else np.zeros((0, size))
    constraints = [LinearConstraint(matrix, lb, ub)] if rows else []
    bounds = Bounds(lower, upper)
    integrality = np.ones(size)
    eq = ~np.isinf(np.array(lb)) if rows else None

    def extreme(c: np.ndarray) -> float:
        """min c·x: the LP relaxation first, the integer program if it may be tighter."""
        relaxed = linprog(
            c,
            A_ub=matrix[~eq] if rows and (~eq).any() else None,
            b_ub=np.zeros(int((~eq).sum())) if rows and (~eq).any() else None,
            A_eq=matrix[eq] if rows and eq.any() else None,
            b_eq=np.zeros(int(eq.sum())) if rows and eq.any() else None,
            bounds=list(zip(lower, upper, strict=True)),
            method="highs",
        )
        if relaxed.status != 0:
            raise AssertionError("Effectifs publiés incohérents entre eux")
        return float(relaxed.fun)

    def extreme_integer(c: np.ndarray) -> float | None:
        exact = milp(
            c, constraints=constraints, bounds=bounds, integrality=integrality,
            options={"time_limit": 1.0},
        )  # fmt: skip
        return float(exact.fun) if exact.status == 0 else None  # None: time limit reached

    out = []
    for i, cell in enumerate(cells):
        if cell.published is not None or cell.truth < 1:
            continue
        c = np.zeros(size)
        c[i] = 1
        low = math.ceil(extreme(c) - 1e-6)  # the integer optimum is at least the LP's
        high = math.floor(-extreme(-c) + 1e-6)
        if 0 < high - low <= 3:  # few values left: integrality may pin it
            smallest, largest = extreme_integer(c), extreme_integer(-c)
            if smallest is not None:
                low = max(low, math.ceil(smallest - 1e-6))
            if largest is not None:
                high = min(high, math.floor(-largest + 1e-6))
        if low == high:
            out.append((cell.key, low))
    return out


def inverted_linear(published: Mapping[float, float], n: int) -> dict[int, float]:
    """The issue's « n = 5 » attack, read literally: with linear interpolation the quartiles
    are ordered values and P10/P90 give the extremes by arithmetic. Point estimates."""
    estimates: dict[int, float] = {}
    for fraction, value in published.items():
        virtual = (n - 1) * fraction
        if float(virtual).is_integer():
            estimates[int(virtual)] = value
    for fraction, value in published.items():
        virtual = (n - 1) * fraction
        k, w = math.floor(virtual), virtual - math.floor(virtual)
        if w and k + 1 in estimates and k not in estimates and w < 1:
            estimates[k] = (value - w * estimates[k + 1]) / (1 - w)
        if w and k in estimates and k + 1 not in estimates:
            estimates[k + 1] = (value - (1 - w) * estimates[k]) / w
    return estimates
