"""« Votre cabinet parmi les cabinets comparables »: a practice's position, on the results page.

Comparable practices are, in this order, the first group whose figures are published in the
protected tables of :func:`kineco2.benchmarks.aggregates.overview` (the same cells as the
état des lieux, the zone type × size table included — never a group computed for one viewer,
which would differ from a published one by a single practice):

1. the same zone type and the same size class (1 kiné, 2 or 3, 4 or more);
2. the same size class, anywhere;
3. every practice.

The group used is always named, and when it is not the first one the page says why. Without
any published group there is no comparison (:func:`comparison_for` returns ``None``,
:func:`compare` gives the reason). The practice's position is read from the published,
protected quantiles only (:func:`kineco2.benchmarks.disclosure.position`): the raw values of
the others are never compared with the practice's own, which it could change at will to probe
them. The population is the panel when it has a published group for the year, else the
self-diagnoses; the page says which.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kineco2.benchmarks import disclosure
from kineco2.benchmarks.aggregates import (
    MIN_FIGURES,
    OVERSEAS,
    OVERSEAS_REGIONS,
    ZONE_TYPES,
    Cell,
    Overview,
    size_class,
    zone_type,
)

if TYPE_CHECKING:
    from kineco2.engine.result import Result
    from kineco2.practices.models import Practice

__all__ = ["Comparison", "Outcome", "Position", "compare", "compare_in", "comparison_for"]

GROUPS = ("territoire", "outre_mer", "zone_taille", "taille", "national")


@dataclass(frozen=True)
class Position:
    """The practice's value of one indicator among the comparable practices."""

    indicator: str  # "seance" or "annuel"
    label: str  # unit, for the chart: "kg CO2e par séance"
    value: float  # in the unit of ``cell`` (kg per session, t per year)
    percentile: float  # 0–100, approximate: read from the published quantiles
    cell: Cell
    share: str = ""  # « environ 60 % des cabinets comparables »
    #: The practice's territory when the practices compared are mostly outside it (an
    #: overseas practice compared with mainland ones): the wording never concludes then.
    outside: str = ""

    @property
    def rank_text(self) -> str:
        """« environ 60 % des cabinets comparables émettent moins que le vôtre » and the like."""
        if self.outside:
            return (
                f"{self.share} — situés pour la plupart hors de {self.outside} — émettent moins "
                f"que le vôtre ; l'écart peut venir de l'électricité de {self.outside}, bien plus "
                "carbonée qu'en métropole, plutôt que de vos pratiques"
            )
        return f"{self.share} émettent moins que le vôtre"

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
    return f"zone « {label} »"


def _size_phrase(size: str) -> str:
    return {
        "1": "cabinets d'un seul kiné",
        "2-3": "cabinets de 2 ou 3 kinés",
        "4+": "cabinets de 4 kinés ou plus",
    }.get(size, "cabinets de même taille")


def _position(indicator: str, label: str, value: float | None, cell) -> Position | None:
    if value is None or not math.isfinite(value) or not isinstance(cell, Cell):
        return None
    placed = disclosure.position(value, cell.published_quantiles)
    if placed is None:
        return None
    percentile, share = placed
    return Position(
        indicator=indicator, label=label, value=float(value), percentile=percentile,
        cell=cell, share=share,
    )  # fmt: skip


def compare_in(
    result: Overview,
    *,
    per_session_kg: float | None,
    total_kg: float,
    zone: str,
    size: str,
    population_name: str = "autodiagnostics",
    population_label: str = "Autodiagnostics",
    reference_year: int | None = None,
    region: str = "",
    territory_label: str = "",
) -> Outcome:
    """The comparison of a practice's figures with the protected tables ``result`` (pure).

    An overseas practice (``region`` one of the overseas codes) is compared first with its
    territory, then with all overseas practices: the island's electricity mix differs too
    much from the mainland's. When neither can be published, the wider group is named as
    mostly outside the territory and the wording says the gap may come from the electricity.
    """
    overseas = region in OVERSEAS_REGIONS
    regions = result.breakdowns.get("region")
    rows = {
        "territoire": regions.row(region) if overseas and regions is not None else None,
        "outre_mer": regions.row(OVERSEAS) if overseas and regions is not None else None,
        "zone_taille": result.cross.row(f"{zone}|{size}")
        if result.cross is not None and zone and size
        else None,
        "taille": result.breakdowns["size"].row(size) if size else None,
        "national": result.national,
    }
    labels = {
        "territoire": f"cabinets de {territory_label or 'votre territoire'}",
        "outre_mer": "cabinets d'outre-mer",
        "zone_taille": f"{_size_phrase(size)} en {_zone_phrase(zone)}",
        "taille": _size_phrase(size),
        "national": "tous les cabinets",
    }
    skipped: list[str] = []
    for group in GROUPS:
        if group in ("territoire", "outre_mer") and not overseas:
            continue
        if group == "zone_taille" and (not zone or not size):
            continue
        if group == "taille" and not size:
            continue
        row = rows[group]
        cell_total = row.cells["total_t"] if row is not None else None
        if not isinstance(cell_total, Cell):
            skipped.append(group)
            continue
        per_session = _position(
            "seance", "kg CO2e par séance", per_session_kg, row.cells["seance_kg"]
        )
        total = _position("annuel", "t CO2e par an", total_kg / 1000.0, cell_total)
        outside = territory_label if overseas and group not in ("territoire", "outre_mer") else ""
        if outside:
            per_session = per_session and dataclasses.replace(per_session, outside=outside)
            total = total and dataclasses.replace(total, outside=outside)
        fallback = None
        if outside:
            fallback = (
                f"Trop peu de cabinets de {outside} ou d'outre-mer ont un bilan comparable : la "
                f"comparaison porte sur les {labels[group]}, situés pour la plupart hors de "
                f"{outside}. L'électricité de {outside} émet bien plus de CO2 par kWh qu'en "
                "métropole : un écart avec ces cabinets peut venir de ce mix électrique, pas de "
                "vos pratiques."
            )
        elif skipped:
            narrower = labels[skipped[0]]
            fallback = (
                f"Trop peu de {narrower} ont un bilan comparable pour publier des chiffres "
                f"(il en faut au moins {MIN_FIGURES}) : la comparaison porte sur "
                + (f"les {labels[group]}." if group != "national" else "l'ensemble des cabinets.")
            )
        return Outcome(
            Comparison(
                group=group,
                group_label=labels[group],
                fallback=fallback,
                n=cell_total.n,
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
        f"Pas encore de comparaison : il faut au moins {MIN_FIGURES} cabinets ayant terminé "
        f"leur bilan{year} pour publier des chiffres. Elle apparaîtra dès qu'ils seront assez "
        "nombreux.",
    )


def compare(result: Result, practice: Practice, *, reference_year: int | None = None) -> Outcome:
    """The practice's comparison (panel first, else self-diagnoses), or the reason there is none.

    ``reference_year``: compare with the assessments of that year (all years if ``None``).
    """
    from kineco2.benchmarks import selectors

    per_session = result.per_session_kgco2e
    arguments = {
        "per_session_kg": per_session if math.isfinite(per_session) else None,
        "total_kg": result.total_kgco2e,
        "zone": zone_type(result.patient_zone),
        "size": size_class(result.practitioners),
        "reference_year": reference_year,
        "region": getattr(practice, "region_code", "") or "",
    }
    territory = getattr(practice, "territory", "") or ""
    if territory:
        from kineco2.engine.geography import TERRITORIES

        arguments["territory_label"] = TERRITORIES.get(territory, territory)
    outcome = Outcome(None, "Pas encore de comparaison possible.")
    for name in ("panel", "autodiagnostics"):
        if name == "panel" and not selectors.panel_available():
            continue
        tables = selectors.load_overview(name, year=reference_year)
        outcome = compare_in(
            tables,
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
