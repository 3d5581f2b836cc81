"""« Votre cabinet parmi les cabinets comparables »: a practice's percentile, on the results page.

Comparable practices are, in this order, the first group with at least
:data:`~kineco2.benchmarks.aggregates.MIN_PRACTICES` *other* practices:

1. the same zone type and the same size class (1 kiné, 2 or 3, 4 or more);
2. the same size class, anywhere;
3. every practice.

The group used is always named, and when it is not the first one the page says why. Below
5 practices even nationally there is no comparison (:func:`comparison_for` returns ``None``,
:func:`compare` gives the reason). The population is the panel when it has at least 5 other
practices for the year, else the self-diagnoses; the page says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kineco2.benchmarks.aggregates import (
    MIN_PRACTICES,
    ZONE_TYPES,
    Cell,
    Population,
    describe,
    percentile_rank,
    size_class,
    zone_type,
)

if TYPE_CHECKING:
    from kineco2.engine.result import Result
    from kineco2.practices.models import Practice

__all__ = ["Comparison", "Outcome", "Position", "compare", "compare_in", "comparison_for"]

GROUPS = ("zone_taille", "taille", "national")


@dataclass(frozen=True)
class Position:
    """The practice's value of one indicator among the comparable practices."""

    indicator: str  # "seance" or "annuel"
    label: str  # unit, for the chart: "kg CO2e par séance"
    value: float  # in the unit of ``cell`` (kg per session, t per year)
    percentile: float  # 0–100: share of comparable practices below the practice
    cell: Cell

    @property
    def rank_text(self) -> str:
        """« 62 % des cabinets comparables émettent moins que le vôtre » and the like."""
        below = round(self.percentile)
        if below <= 0:
            return "aucun cabinet comparable n'émet moins que le vôtre"
        if below >= 100:
            return "tous les cabinets comparables émettent moins que le vôtre"
        return f"{below}\u00a0% des cabinets comparables émettent moins que le vôtre"

    @property
    def versus_median(self) -> str:
        if self.value < self.cell.median:
            return "sous la médiane"
        if self.value > self.cell.median:
            return "au-dessus de la médiane"
        return "à la médiane"


@dataclass(frozen=True)
class Comparison:
    group: str  # one of GROUPS
    group_label: str  # « cabinets de 2 ou 3 kinés en zone périurbaine »
    fallback: str | None  # why a wider group was used, or None
    n: int
    population: str
    population_label: str
    reference_year: int | None
    per_session: Position | None
    total: Position | None


@dataclass(frozen=True)
class Outcome:
    """A comparison, or the reason there is none (French)."""

    comparison: Comparison | None
    reason: str | None = None


def _zone_phrase(zone: str) -> str:
    label = ZONE_TYPES[zone][0] if zone in ZONE_TYPES else "même type de zone"
    return f"zone « {label[0].lower()}{label[1:]} »"


def _size_phrase(size: str) -> str:
    return {
        "1": "cabinets d'un seul kiné",
        "2-3": "cabinets de 2 ou 3 kinés",
        "4+": "cabinets de 4 kinés ou plus",
    }.get(size, "cabinets de même taille")


def compare_in(
    population: Population,
    *,
    per_session_kg: float | None,
    total_kg: float,
    zone: str,
    size: str,
    exclude_practice: int | None = None,
    population_name: str = "autodiagnostics",
    population_label: str = "Autodiagnostics",
    reference_year: int | None = None,
) -> Outcome:
    """The comparison of a practice's figures within ``population`` (pure: arrays only)."""
    if exclude_practice is not None and len(population):
        population = population.subset(population.practice_id != exclude_practice)
    candidates = [
        ("zone_taille", (population.zone == zone) & (population.size == size)),
        ("taille", population.size == size),
        ("national", np.ones(len(population), dtype=bool)),
    ]
    labels = {
        "zone_taille": f"{_size_phrase(size)} en {_zone_phrase(zone)}",
        "taille": _size_phrase(size),
        "national": "tous les cabinets",
    }
    skipped: list[str] = []
    for group, mask in candidates:
        if group == "zone_taille" and (not zone or not size):
            continue
        if group == "taille" and not size:
            continue
        if int(np.count_nonzero(mask)) < MIN_PRACTICES:
            skipped.append(group)
            continue
        members = population.subset(mask)
        total_t = members.total_kg / 1000.0
        cell_total = describe(total_t)
        cell_session = describe(members.per_session_kg)
        per_session = None
        if (
            per_session_kg is not None
            and math.isfinite(per_session_kg)
            and isinstance(cell_session, Cell)
        ):
            per_session = Position(
                indicator="seance",
                label="kg CO2e par séance",
                value=float(per_session_kg),
                percentile=percentile_rank(members.per_session_kg, per_session_kg) or 0.0,
                cell=cell_session,
            )
        total = None
        if isinstance(cell_total, Cell):
            total = Position(
                indicator="annuel",
                label="t CO2e par an",
                value=total_kg / 1000.0,
                percentile=percentile_rank(total_t, total_kg / 1000.0) or 0.0,
                cell=cell_total,
            )
        fallback = None
        if skipped:
            narrower = labels[skipped[0]]
            fallback = (
                f"Moins de {MIN_PRACTICES} {narrower} ont un bilan comparable : la comparaison "
                f"porte sur les {labels[group]}."
                if group != "national"
                else f"Moins de {MIN_PRACTICES} {narrower} ont un bilan comparable : la "
                "comparaison porte sur l'ensemble des cabinets."
            )
        return Outcome(
            Comparison(
                group=group,
                group_label=labels[group],
                fallback=fallback,
                n=int(np.count_nonzero(mask)),
                population=population_name,
                population_label=population_label,
                reference_year=reference_year,
                per_session=per_session,
                total=total,
            )
        )
    year = f" pour {reference_year}" if reference_year else ""
    return Outcome(
        None,
        f"Pas encore de comparaison : moins de {MIN_PRACTICES} autres cabinets ont terminé "
        f"leur bilan{year}. Elle apparaîtra dès qu'ils seront assez nombreux.",
    )


def compare(result: Result, practice: Practice, *, reference_year: int | None = None) -> Outcome:
    """The practice's comparison (panel first, else self-diagnoses), or the reason there is none.

    ``reference_year``: compare with the assessments of that year (all years if ``None``).
    Never raises: a failure to read the benchmarks gives an outcome without comparison.
    """
    from kineco2.benchmarks import selectors

    per_session = result.per_session_kgco2e
    arguments = {
        "per_session_kg": per_session if math.isfinite(per_session) else None,
        "total_kg": result.total_kgco2e,
        "zone": zone_type(result.patient_zone),
        "size": size_class(result.practitioners),
        "exclude_practice": getattr(practice, "pk", None),
        "reference_year": reference_year,
    }
    outcome = Outcome(None, "Pas encore de comparaison possible.")
    for name in ("panel", "autodiagnostics"):
        if name == "panel" and not selectors.panel_available():
            continue
        population = selectors.load_population(name, year=reference_year)
        outcome = compare_in(
            population,
            population_name=name,
            population_label=selectors.POPULATIONS[name],
            **arguments,
        )
        if outcome.comparison is not None:
            return outcome
    return outcome


def comparison_for(
    result: Result, practice: Practice, *, reference_year: int | None = None
) -> Comparison | None:
    """The comparison with comparable practices, or ``None`` (see :func:`compare`'s reason)."""
    return compare(result, practice, reference_year=reference_year).comparison
