"""Statistical disclosure control: what may be published about a group of practices, and how.

Every figure KinéCO2 publishes about several practices — the état des lieux (page, CSV, PDF,
JSON), the coordinators' views, « votre cabinet parmi les cabinets comparables », the
calibration of the defaults, and any new aggregate (structures, patient survey, newsletter) —
is decided here. Pure Python (``hashlib``, ``math``) and numpy for :func:`quantiles_many`;
no Django.
The rules and their sources are in ``docs/decisions/0008-statistical-disclosure-control.md``.

Rules
-----
1. **Thresholds** (primary suppression): a group of fewer than :data:`MIN_COUNT` = 11
   practices is never described, not even by its size (the rule of the French health data,
   CNIL / SNDS; stricter than INSEE's « au moins 3 unités »). Quantiles need more practices
   than a count, extremes more than the median (:data:`MIN_PRACTICES_FOR`): count 11,
   median and quartiles 15, P10/P90 30, P5/P95 60.
2. **Quantiles never return one practice's value**: a published quantile is the mean of the
   :data:`WINDOW` = 5 ordered values around its rank (never the smallest nor the largest value
   of the group), multiplied by ``1 + ε`` where ε, within ±:data:`NOISE` (3 %), is derived
   from a secret key and the group's members (the same group always gets the same ε, all its
   quantiles of one indicator share it, so no averaging over repeated queries), then rounded to
   :data:`SIGNIFICANT` = 3 significant figures. Even a group of identical values cannot be
   pinned within ±3 %.
3. **Counts are rounded** to the nearest multiple of :data:`COUNT_BASE` = 5 (a group of 11 is
   published as « environ 10 »).
4. **Secondary suppression over margins** (:func:`protect_partition`): in a table whose
   groups split a published total (regions, zone types, sizes…), the practices of the hidden
   groups (total minus the published groups) must be 0 or at least :data:`MIN_COUNT`, else the
   smallest published group is hidden too, until it holds.
5. **Overlapping filters** (:func:`protect_nested`): when a group is published both inside a
   wider filter (the panel inside the self-diagnoses, a region's perimeter inside the
   national tables), the difference between the two must be 0 or at least :data:`MIN_COUNT`
   practices, else the inner group is hidden.
6. **Positions** (:func:`position`): a practice is placed among comparable practices with the
   published, protected quantiles only — never with the raw values (which a practice could
   probe by changing its own answers).

API
---
* :func:`allowed` — ``allowed(n, "median")``: may this statistic be published on n practices?
* :func:`published_count` — the rounded count (``None`` below the threshold).
* :func:`cell_key` — the secret, member-derived key of a group (for :func:`quantiles`).
* :func:`quantiles` — protected quantiles of a list of values: ``{0.5: 12.3, 0.1: None…}``.
* :func:`quantiles_many` — the same for many indicators of one group at once (numpy; the
  figures are identical to :func:`quantiles`, which stays the reference).
* :func:`quantiles_of_windows` — the same from the ordered values at the windows only (for a
  caller that sorts once for many groups); :func:`window_plan` says which windows.
* :func:`protected_median` — one protected median (calibration of the defaults).
* :func:`protect_partition`, :func:`protect_nested` — secondary suppression (sets of hidden
  group codes).
* :func:`position` — approximate percentile of a value among published quantiles.
* :data:`METHOD` — the method, stated in every JSON output (an attacker is assumed to know
  it; only the secret key is secret).

Example (a helper publishing an aggregate by zone)::

    from kineco2.benchmarks import disclosure as sdc

    counts = {zone: len(values) for zone, values in by_zone.items()}
    hidden = sdc.protect_partition(total=len(all_values), groups=counts)
    for zone, values in by_zone.items():
        if zone in hidden:
            publish(zone, sdc.SUPPRESSED_LABEL)  # no figure at all
            continue
        key = sdc.cell_key(ids_of[zone], "enquete-patients", "distance", salt=secret)
        publish(zone, n=sdc.published_count(len(values)), **sdc.quantiles(values, key=key))
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

import numpy as np

__all__ = [
    "COUNT_BASE",
    "FAMILY_OF",
    "METHOD",
    "MIN_COUNT",
    "MIN_PRACTICES_FOR",
    "NOISE",
    "SIGNIFICANT",
    "SUPPRESSED_LABEL",
    "WINDOW",
    "allowed",
    "cell_key",
    "cell_key_joined",
    "derive",
    "noise",
    "position",
    "protect_nested",
    "protect_partition",
    "protected_median",
    "published_count",
    "quantiles",
    "quantiles_many",
    "quantiles_of_windows",
    "round_significant",
    "window_mean",
    "window_plan",
    "window_start",
]

K = TypeVar("K", bound=Hashable)

#: No group of fewer practices is ever described (not even its size).
MIN_COUNT = 11
#: Fewest practices for each statistic: counts < median and quartiles < extremes.
MIN_PRACTICES_FOR: dict[str, int] = {
    "count": MIN_COUNT,
    "median": 15,
    "quartiles": 15,
    "deciles": 30,
    "p5": 60,
}
#: The statistic (a key of MIN_PRACTICES_FOR) each quantile belongs to.
FAMILY_OF = {0.5: "median", 0.25: "quartiles", 0.75: "quartiles", 0.1: "deciles", 0.9: "deciles"}
FAMILY_OF |= {0.05: "p5", 0.95: "p5"}
#: Ordered values averaged around a quantile's rank.
WINDOW = 5
#: Bound of the multiplicative perturbation of the quantiles of a group (± 3 %).
NOISE = 0.03
#: Significant figures of a published quantile.
SIGNIFICANT = 3
#: Published counts are multiples of this.
COUNT_BASE = 5
SUPPRESSED_LABEL = f"moins de {MIN_COUNT} cabinets"

METHOD: dict[str, object] = {
    "seuil_effectif": MIN_COUNT,
    "seuil_mediane_quartiles": MIN_PRACTICES_FOR["median"],
    "seuil_deciles": MIN_PRACTICES_FOR["deciles"],
    "effectifs_arrondis_a": COUNT_BASE,
    "centiles": (
        f"moyenne des {WINDOW} valeurs classées autour du rang du centile (jamais la plus "
        f"petite ni la plus grande), multipliée par un facteur secret propre au groupe compris "
        f"entre {1 - NOISE:.2f} et {1 + NOISE:.2f}, arrondie à {SIGNIFICANT} chiffres "
        "significatifs"
    ),
    "fenetre": WINDOW,
    "perturbation_max": NOISE,
    "chiffres_significatifs": SIGNIFICANT,
    "suppression_secondaire": (
        "dans chaque tableau, les cabinets des groupes masqués (total moins groupes publiés) "
        f"sont 0 ou au moins {MIN_COUNT} ; un groupe publié aussi dans un filtre plus large "
        f"en diffère de 0 ou d'au moins {MIN_COUNT} cabinets"
    ),
}


# -- thresholds and counts ------------------------------------------------------------------
def allowed(n: int, statistic: str = "count") -> bool:
    """Whether ``statistic`` (a key of :data:`MIN_PRACTICES_FOR`) may describe ``n`` practices."""
    return n >= MIN_PRACTICES_FOR[statistic]


def published_count(n: int) -> int | None:
    """The count as published: rounded to :data:`COUNT_BASE`, ``None`` below :data:`MIN_COUNT`."""
    if n < MIN_COUNT:
        return None
    return int(COUNT_BASE * math.floor(n / COUNT_BASE + 0.5))


# -- quantiles -------------------------------------------------------------------------------
def cell_key(members: Iterable[object], *parts: object, salt: bytes | str = b"") -> bytes:
    """A key of a group: its members (any order), what is measured (``parts``) and a secret.

    The same members and parts always give the same key, hence the same perturbation.
    """
    joined = "".join(m + "\x00" for m in sorted(str(m) for m in members)).encode()
    return cell_key_joined(joined, *parts, salt=salt)


def cell_key_joined(joined: bytes, *parts: object, salt: bytes | str = b"") -> bytes:
    """:func:`cell_key` from the members already sorted as text and joined, each followed by
    a zero byte: ``b"".join(m.encode() + b"\\0" for m in sorted(str(x) for x in members))``.

    For callers that build that text faster (numpy: :mod:`kineco2.benchmarks.aggregates`);
    the key is the same.
    """
    digest = hashlib.blake2b(salt if isinstance(salt, bytes) else salt.encode(), digest_size=32)
    digest.update(joined)
    digest.update(b"\x01")
    for part in parts:
        digest.update(str(part).encode() + b"\x00")
    return digest.digest()


def derive(key: bytes, *parts: object) -> bytes:
    """A key for one indicator of a group from the group's key (:func:`cell_key`)."""
    digest = hashlib.blake2b(key, digest_size=32)
    for part in parts:
        digest.update(str(part).encode() + b"\x00")
    return digest.digest()


def noise(key: bytes) -> float:
    """ε in [−NOISE, +NOISE], uniform, from a key (:func:`cell_key`)."""
    number = int.from_bytes(hashlib.blake2b(key + b"noise", digest_size=8).digest(), "big")
    return NOISE * (2.0 * number / 2**64 - 1.0)


def round_significant(value: float, digits: int = SIGNIFICANT) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    exponent = math.floor(math.log10(abs(value)))
    return round(value, digits - 1 - exponent)


def published_bounds(window: float) -> tuple[float, float]:
    """The lowest and highest value a protected quantile whose window mean is ``window`` may
    be published as: the mean moved by at most ±:data:`NOISE`, then rounded to
    :data:`SIGNIFICANT` figures (rounding is monotonic, so the bounds are exact). What a
    reader can learn of the window from a published quantile, and what tests check."""
    low, high = sorted((window * (1 - NOISE), window * (1 + NOISE)))
    return round_significant(low), round_significant(high)


def window_start(n: int, fraction: float) -> int:
    """Index of the first of the :data:`WINDOW` ordered values averaged for ``fraction``.

    The window is centred on the rank ``(n - 1) × fraction`` (rounded half up) and never holds
    the smallest nor the largest value (``n`` ≥ ``WINDOW + 2``, which the thresholds ensure).
    """
    centre = math.floor((n - 1) * fraction + 0.5)
    return min(max(centre - WINDOW // 2, 1), n - 1 - WINDOW)


def window_mean(ordered: Sequence[float], fraction: float) -> float:
    """Mean of the window of ``fraction`` in ``ordered`` (sorted ascending)."""
    start = window_start(len(ordered), fraction)
    return math.fsum(ordered[start : start + WINDOW]) / WINDOW


def quantiles(
    values: Iterable[float],
    fractions: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
    *,
    key: bytes,
) -> dict[float, float | None]:
    """Protected quantiles (rule 2): ``{fraction: value or None}`` (``None``: too few values).

    Non-finite values are ignored. ``key`` comes from :func:`cell_key` (the group's members
    and the indicator); all quantiles of one call share its perturbation, so that they stay
    ordered (P10 ≤ P25 ≤ median ≤ P75 ≤ P90).
    """
    ordered = sorted(v for v in (float(x) for x in values) if math.isfinite(v))
    n = len(ordered)
    factor = 1.0 + noise(key)
    out: dict[float, float | None] = {}
    for fraction in fractions:
        family = FAMILY_OF.get(fraction)
        if family is None:
            raise ValueError(f"Quantile non prévu : {fraction}")
        if not allowed(n, family):
            out[fraction] = None
            continue
        out[fraction] = round_significant(window_mean(ordered, fraction) * factor)
    return out


def quantiles_many(
    values: object,
    fractions: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
    *,
    keys: Sequence[bytes],
) -> list[dict[float, float | None]]:
    """:func:`quantiles` of each row of a 2-D array (one row per indicator of one group),
    ``keys[i]`` being row i's key: ``[quantiles(values[i], fractions, key=keys[i]) …]``.

    The figures are identical to :func:`quantiles` (the reference): the ordered values at the
    windows' positions are found by one ``np.sort`` along the rows, each window of :data:`WINDOW` values is summed with ``math.fsum`` (as
    :func:`window_mean`), the division and the perturbation are the same IEEE operations done
    by numpy, and :func:`round_significant` rounds each figure. A row holding non-finite
    values is computed on its finite values alone (as :func:`quantiles`).
    """
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != len(keys):
        raise ValueError("quantiles_many : une ligne de valeurs par clé")
    window_plan(MIN_COUNT, fractions)  # unknown fractions fail here
    finite = np.isfinite(matrix)
    if not finite.all():
        out: list[dict[float, float | None]] = []
        for i, key in enumerate(keys):
            row = matrix[i][finite[i]]
            out.extend(_quantiles_block(row[None, :], fractions, [key]))
        return out
    return _quantiles_block(matrix, fractions, keys)


def _quantiles_block(
    matrix: np.ndarray,
    fractions: Sequence[float],
    keys: Sequence[bytes],
) -> list[dict[float, float | None]]:
    """:func:`quantiles_many` on rows of finite values only (all of the same length)."""
    rows, n = matrix.shape
    plan = window_plan(n, fractions)
    if not plan or rows == 0:
        return [dict.fromkeys(fractions) for _ in range(rows)]
    # One sort along the rows (numpy's vectorised sort is faster here than np.partition at
    # the windows' positions, measured at 50 000 values).
    part = np.sort(matrix, axis=1)
    windows = np.stack([part[:, s : s + WINDOW] for _, s in plan], axis=1)
    return quantiles_of_windows(windows, n, fractions, keys=keys)


def window_plan(n: int, fractions: Sequence[float]) -> list[tuple[float, int]]:
    """The quantiles of ``fractions`` that may be published on ``n`` values (rule 1), each
    with the start of its window in the ``n`` ordered values (:func:`window_start`)."""
    plan = []
    for fraction in fractions:
        family = FAMILY_OF.get(fraction)
        if family is None:
            raise ValueError(f"Quantile non prévu : {fraction}")
        if allowed(n, family):
            plan.append((fraction, window_start(n, fraction)))
    return plan


def quantiles_of_windows(
    windows: object,
    n: int,
    fractions: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
    *,
    keys: Sequence[bytes],
) -> list[dict[float, float | None]]:
    """:func:`quantiles` of indicators of one group of ``n`` finite values, from their windows.

    ``windows[i, j]`` holds the :data:`WINDOW` ordered values of indicator i at the j-th
    window of :func:`window_plan` ``(n, fractions)`` (positions ``start … start + WINDOW - 1``
    of its values sorted ascending), ``keys[i]`` its key. For callers that find the ordered
    values faster than by sorting each group (:mod:`kineco2.benchmarks.aggregates` sorts each
    indicator once for all its groups). The rest is :func:`quantiles`' arithmetic: each
    window summed with ``math.fsum``, divided by :data:`WINDOW`, multiplied by the
    perturbation, rounded by :func:`round_significant` — the same figures, bit for bit.
    """
    plan = window_plan(n, fractions)
    rows = len(keys)
    if not plan or rows == 0:
        return [dict.fromkeys(fractions) for _ in range(rows)]
    block = np.asarray(windows, dtype=float)
    if block.shape != (rows, len(plan), WINDOW):
        raise ValueError("quantiles_of_windows : une fenêtre par indicateur et par centile")
    fsum = math.fsum
    sums = np.array([fsum(w) for w in block.reshape(-1, WINDOW).tolist()])
    factors = np.array([1.0 + noise(key) for key in keys])
    products = (sums.reshape(rows, len(plan)) / WINDOW) * factors[:, None]
    shown = [fraction for fraction, _ in plan]
    rounded = round_significant
    out = []
    for line in products.tolist():
        q: dict[float, float | None] = dict.fromkeys(fractions)
        for fraction, value in zip(shown, line, strict=True):
            q[fraction] = rounded(value)
        out.append(q)
    return out


def protected_median(values: Iterable[float], *, key: bytes) -> float | None:
    """The protected median of ``values`` (``None`` on fewer than 15 values)."""
    return quantiles(values, (0.5,), key=key)[0.5]


# -- secondary suppression ----------------------------------------------------------------
def protect_partition[K: Hashable](
    total: int,
    groups: Mapping[K, int],
    *,
    hidden: Iterable[K] = (),
    total_published: bool = True,
) -> set[K]:
    """The groups to hide in a table whose ``groups`` split ``total`` (rules 1 and 4).

    ``groups`` maps a code to its number of practices; practices in no group (an unknown
    classification) count as hidden. ``hidden``: groups already hidden by another rule.
    If the total is not published (``total_published=False``), only rule 1 applies to the
    groups of this table (their sum is then no margin).
    """
    out = {code for code, n in groups.items() if n < MIN_COUNT} | set(hidden)
    if not total_published:
        return out
    while True:
        residual = total - sum(n for code, n in groups.items() if code not in out)
        if residual == 0 or residual >= MIN_COUNT:
            return out
        shown = [(n, str(code), code) for code, n in groups.items() if code not in out]
        if not shown:
            return out
        out.add(min(shown)[2])  # the smallest published group (ties: by code)


def protect_nested[K: Hashable](
    inner: Mapping[K, int],
    outer: Mapping[K, int],
    *,
    outer_hidden: Iterable[K] = (),
) -> set[K]:
    """Groups of ``inner`` to hide because the same group of ``outer`` (a wider filter that
    contains it) is published and differs by 1 to 10 practices (rule 5)."""
    hidden_outer = set(outer_hidden)
    out: set[K] = set()
    for code, n in inner.items():
        if code in hidden_outer or code not in outer:
            continue
        difference = outer[code] - n
        if 0 < difference < MIN_COUNT:
            out.add(code)
    return out


# -- position -----------------------------------------------------------------------------
def position(value: float, published: Mapping[float, float | None]) -> tuple[float, str] | None:
    """Where ``value`` stands among published quantiles: (approximate percentile, French text).

    Linear between the published quantiles; below the lowest or above the highest published
    one, only « moins de 10 % » or « plus de 90 % » (the raw values are never read).
    """
    points = sorted((f * 100, q) for f, q in published.items() if q is not None)
    if not points or not math.isfinite(value):
        return None
    low_rank, low_value = points[0]
    high_rank, high_value = points[-1]
    if value < low_value:
        return low_rank / 2, f"moins de {low_rank:.0f}\u00a0% des cabinets comparables"
    if value > high_value:
        return (high_rank + 100) / 2, f"plus de {high_rank:.0f}\u00a0% des cabinets comparables"
    rank = low_rank
    for (r1, q1), (r2, q2) in itertools.pairwise(points):
        if q1 <= value <= q2:
            rank = r1 if q2 == q1 else r1 + (r2 - r1) * (value - q1) / (q2 - q1)
            break
    rounded = 5 * math.floor(rank / 5 + 0.5)
    return rank, f"environ {rounded:.0f}\u00a0% des cabinets comparables"
