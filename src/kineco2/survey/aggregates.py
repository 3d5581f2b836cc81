"""The surveys' results for the regional unions: by zone and by region, compared with the
national zone table — under the publication rules of ``kineco2.benchmarks.disclosure``.

One row per practice: its latest survey reported into an assessment (``Survey.results``).
A group of fewer than 11 practices is never described; counts are rounded; medians and
quartiles are the protected ones (mean of five ordered values, a secret group-specific
perturbation, three significant figures) and need 15 practices; a group whose hiding could
be undone by subtraction from the table's total is hidden too (secondary suppression).
"""

from __future__ import annotations

from dataclasses import dataclass

from kineco2.benchmarks import disclosure as sdc
from kineco2.engine.defaults import load_defaults
from kineco2.engine.geography import PATIENT_ZONES
from kineco2.engine.posts.deplacements_patients import zone_total_km


@dataclass(frozen=True)
class Row:
    practice_id: int
    zone: str
    region_code: str
    region_name: str
    km_total: float  # measured round-trip km per session, all modes
    km_car: float  # of which by car
    km_table: float  # the national zone table's km per session for the practice's zone


@dataclass(frozen=True)
class Cell:
    code: str
    label: str
    count: int | None  # rounded; None when hidden
    hidden: bool
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    median_car: float | None = None
    table: float | None = None  # the zone table (by zone) or the protected median of it
    gap: float | None = None  # measured median / table − 1


def salt() -> bytes:
    """The secret of the perturbation: the one of every other published statistic."""
    from kineco2.benchmarks.selectors import disclosure_salt

    return disclosure_salt()


def table_km(zone: str) -> float | None:
    zones = load_defaults().patient_zones
    return zone_total_km(zones[zone]) if zone in zones else None


def _cells(rows: list[Row], dimension: str, labels: dict[str, str], *, secret: bytes) -> list[Cell]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(getattr(row, dimension), []).append(row)
    hidden = sdc.protect_partition(total=len(rows), groups={k: len(v) for k, v in groups.items()})
    cells = []
    for code in sorted(groups, key=lambda c: labels.get(c, c)):
        members = groups[code]
        label = labels.get(code, code)
        if code in hidden:
            cells.append(Cell(code=code, label=label, count=None, hidden=True))
            continue
        ids = [r.practice_id for r in members]
        key = sdc.cell_key(ids, "enquete-patients", dimension, code, salt=secret)
        km = sdc.quantiles(
            [r.km_total for r in members], (0.25, 0.5, 0.75), key=sdc.derive(key, "km")
        )
        car = sdc.quantiles([r.km_car for r in members], (0.5,), key=sdc.derive(key, "car"))
        if dimension == "zone":
            table = table_km(code)
        else:
            tables = [r.km_table for r in members]
            table = sdc.quantiles(tables, (0.5,), key=sdc.derive(key, "table"))[0.5]
        median = km[0.5]
        cells.append(
            Cell(
                code=code,
                label=label,
                count=sdc.published_count(len(members)),
                hidden=False,
                median=median,
                q1=km[0.25],
                q3=km[0.75],
                median_car=car[0.5],
                table=table,
                gap=(median / table - 1) if median is not None and table else None,
            )
        )
    return cells


def aggregate(rows: list[Row], *, secret: bytes) -> dict:
    """``{"count", "by_zone", "by_region", "method"}`` for the rows of a perimeter."""
    regions = {r.region_code: r.region_name for r in rows}
    return {
        "count": sdc.published_count(len(rows)),
        "by_zone": _cells(rows, "zone", dict(PATIENT_ZONES), secret=secret),
        "by_region": _cells(rows, "region_code", regions, secret=secret),
        "method": sdc.METHOD,
        "suppressed": sdc.SUPPRESSED_LABEL,
    }


def rows_for(perimeter) -> list[Row]:
    """The latest reported survey of each practice in the perimeter (server-side filter)."""
    from kineco2.panel.roles import scope_practices
    from kineco2.survey.models import Survey

    surveys = scope_practices(
        Survey.objects.filter(applied_at__isnull=False).select_related("practice"),
        perimeter,
        field="practice__region_code",
    ).order_by("practice_id", "-reference_year", "-applied_at")
    rows, seen = [], set()
    for survey in surveys:
        if survey.practice_id in seen:
            continue
        seen.add(survey.practice_id)
        results = survey.results or {}
        km = (results.get("enquete") or {}).get("km_par_seance") or {}
        zone = results.get("zone") or ""
        table = table_km(zone)
        if not km or table is None:
            continue
        rows.append(
            Row(
                practice_id=survey.practice_id,
                zone=zone,
                region_code=survey.practice.region_code,
                region_name=survey.practice.region_name,
                km_total=float(sum(km.values())),
                km_car=float(km.get("voiture", 0.0)),
                km_table=table,
            )
        )
    return rows
