"""Publication rules for the counts this app shows (support figures, initiative statistics).

Uses the project's disclosure-control module (``kineco2.benchmarks.disclosure``) when it is
present: threshold, rounding of counts and secondary suppression over a partition. Until it
lands, the existing small-cell rule of the état des lieux applies (no count of fewer than
``MIN_PRACTICES`` = 5, and the hidden groups of a partition never add up to 1–4).
"""

from __future__ import annotations

from collections.abc import Mapping

try:  # the shared module (issue 9)
    from kineco2.benchmarks import disclosure as _sdc
except ImportError:  # pragma: no cover - depends on what has landed
    _sdc = None

from kineco2.benchmarks.aggregates import MIN_PRACTICES


def threshold() -> int:
    return int(getattr(_sdc, "MIN_COUNT", MIN_PRACTICES)) if _sdc else MIN_PRACTICES


#: Shown instead of a hidden count.
SUPPRESSED = f"moins de {threshold()}"


def count(n: int) -> int | None:
    """The count as published (``None``: not published)."""
    if _sdc is not None:
        return _sdc.published_count(n)
    return n if n >= MIN_PRACTICES else None


def partition(total: int, groups: Mapping[str, int]) -> dict[str, int | None]:
    """Counts of groups that split ``total``; hidden groups (``None``) protect each other."""
    if _sdc is not None:
        hidden = set(_sdc.protect_partition(total=total, groups=dict(groups)))
        return {k: (None if k in hidden else _sdc.published_count(v)) for k, v in groups.items()}
    hidden = {k for k, v in groups.items() if 0 < v < MIN_PRACTICES}
    # Secondary suppression: what is hidden must not add up to 1–4 (readable by difference).
    while True:
        rest = sum(groups[k] for k in hidden)
        if not hidden or rest == 0 or rest >= MIN_PRACTICES:
            break
        shown = sorted((v, k) for k, v in groups.items() if k not in hidden and v > 0)
        if not shown:
            break
        hidden.add(shown[0][1])
    return {k: (None if k in hidden else v) for k, v in groups.items()}


def share(part: int | None, whole: int | None) -> int | None:
    """Whole-number percentage of two *published* counts (``None`` if either is hidden)."""
    if part is None or not whole:
        return None
    return round(100 * part / whole)
