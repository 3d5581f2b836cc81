"""The national (or coordinator's) état des lieux as a PDF, typeset by Typst.

Like :mod:`kineco2.report.pdf`: every figure is formatted the French way here, passed as JSON
in ``sys.inputs.data`` to ``etat_des_lieux.typ`` (never as markup), with the SVG charts;
fonts are Typst's own and Matplotlib's DejaVu Sans; PDF/A-2a and PDF/UA-1. Cells hidden by the
small-cell rule reach the template as the marker « moins de 5 cabinets » and nothing else.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from kineco2.benchmarks import aggregates
from kineco2.benchmarks.aggregates import (
    MIN_PRACTICES,
    POST_IDS,
    POST_LABELS,
    SUPPRESSED_LABEL,
    Cell,
    Overview,
    Suppressed,
)
from kineco2.benchmarks.charts import distribution_svg
from kineco2.engine.formatting import format_number, format_significant
from kineco2.report.pdf import compile_pdf, french_date, svg_description

__all__ = ["TEMPLATE", "build_data", "render_report"]

TEMPLATE = Path(__file__).with_name("etat_des_lieux.typ")


def _figure(value: float, style: str) -> str:
    if style == "t":
        return format_number(value, 1)
    if style == "kg":
        return format_number(value, 2)
    return format_significant(value, 3 if style == "sig3" else 2)


def _cell(value: Cell | Suppressed, style: str) -> dict[str, Any]:
    if not isinstance(value, Cell):
        return {"suppressed": True, "label": value.label}
    narrow = "sig2" if style == "sig3" else style
    return {
        "suppressed": False,
        "n": "≈\u00a0" + format_number(value.n, 0),
        "median": _figure(value.median, style),
        "iqr": f"{_figure(value.p25, narrow)} – {_figure(value.p75, narrow)}",
        "p10_p90": (
            f"{_figure(value.p10, narrow)} – {_figure(value.p90, narrow)}"
            if value.has_deciles
            else "non publiés (moins de 30 cabinets)"
        ),
    }


def _chart(rows, title: str, unit: str) -> dict[str, str]:
    svg = distribution_svg(rows, title=title, unit=unit)
    return {"svg": svg, "alt": svg_description(svg)}


def build_data(
    overview: Overview,
    *,
    population_label: str,
    population_description: str,
    year: int | None,
    scope: str,
    generated_on: datetime.date,
) -> dict[str, Any]:
    national = overview.national
    posts = sorted(
        POST_IDS,
        key=lambda p: (
            -national.cells[f"t:{p}"].median if isinstance(national.cells[f"t:{p}"], Cell) else 0.0
        ),
    )
    tables = []
    for dimension in ("region", "zone", "size", "mode"):
        table = overview.breakdowns[dimension]
        tables.append(
            {
                "id": dimension,
                "label": table.label,
                "rows": [
                    {
                        "label": row.label,
                        "overseas": dimension == "region"
                        and row.code in aggregates.OVERSEAS_REGIONS,
                        "annual": _cell(row.cells["total_t"], "t"),
                        "session": _cell(row.cells["seance_kg"], "kg"),
                    }
                    for row in table.rows
                ],
            }
        )
    regions = overview.breakdowns["region"]
    shown = overview.n is not None
    return {
        "title": "État des lieux de l'empreinte carbone des cabinets de kinésithérapie",
        "population": population_label,
        "population_description": population_description,
        "year": str(year) if year else None,
        "scope": scope,
        "generated_on": french_date(generated_on),
        "date": [generated_on.year, generated_on.month, generated_on.day],
        "n": format_number(overview.n, 0) if shown else None,
        "min_practices": str(MIN_PRACTICES),
        "suppressed_label": SUPPRESSED_LABEL,
        "national": {
            "annual": _cell(national.cells["total_t"], "t"),
            "session": _cell(national.cells["seance_kg"], "kg"),
        },
        "posts": [
            {
                "label": POST_LABELS[p],
                "annual": _cell(national.cells[f"t:{p}"], "sig3"),
                "session": _cell(national.cells[f"seance:{p}"], "sig3"),
            }
            for p in posts
        ],
        "tables": tables,
        "charts": (
            {
                "posts": _chart(
                    [(POST_LABELS[p], national.cells[f"t:{p}"]) for p in posts],
                    "Émissions annuelles par poste (t CO2e par an)",
                    "t CO2e par an",
                ),
                "regions": _chart(
                    [(row.label, row.cells["seance_kg"]) for row in regions.rows],
                    "Empreinte d'une séance par région (kg CO2e)",
                    "kg CO2e par séance",
                ),
            }
            if shown
            else None
        ),
    }


def render_report(
    overview: Overview,
    *,
    population: str,
    population_label: str,
    population_description: str,
    year: int | None,
    scope: str,
    generated_on: datetime.date,
) -> bytes:
    data = build_data(
        overview,
        population_label=population_label,
        population_description=population_description,
        year=year,
        scope=scope,
        generated_on=generated_on,
    )
    data["population_id"] = population
    return compile_pdf(TEMPLATE, data)
