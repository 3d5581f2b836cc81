"""The structure's consolidated report (PDF), typeset by Typst from ``structure_report.typ``.

Like the practice report: the template reads a JSON document from ``sys.inputs.data`` with
every text already written in French; user text (structure and member names) only reaches
Typst as string values, never as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from kineco2.engine.formatting import format_number, format_tonnes
from kineco2.report.pdf import clean_text, compile_pdf, french_date, svg_description
from kineco2.report.svgbars import Bar, bars_svg
from kineco2.structures.footprint import Footprint

TEMPLATE = Path(__file__).with_name("structure_report.typ")


def _kg(grams: int | None) -> str:
    return "–" if grams is None else f"{format_number(grams / 1000, 3)} kg"


def posts_chart(footprint: Footprint) -> str:
    """The consolidated footprint by post, as the practice report draws it (plain SVG),
    largest first; no per-post interval (the consolidation gives the total's)."""
    posts = sorted(footprint.posts(), key=lambda p: -p[2])
    total = sum(grams for _, _, grams in posts)
    bars = [
        Bar(post, label, grams / 1_000_000, grams / total if total else 0.0)
        for post, label, grams in posts
        if grams > 0
    ]
    return bars_svg(bars, intervals=False, title="Émissions de la structure par poste (t CO2e)")


def build_data(footprint: Footprint, history: list[dict[str, Any]]) -> dict[str, Any]:
    structure = footprint.structure
    chart = posts_chart(footprint)
    consolidation = footprint.consolidation
    interval = consolidation.interval_kg
    today = timezone.localdate()
    return {
        "title": clean_text(structure.name),
        "kind": structure.get_kind_display(),
        "commune": clean_text(structure.commune_name),
        "year": str(footprint.year),
        "date": [today.year, today.month, today.day],
        "generated_on": french_date(today),
        "total": format_tonnes(consolidation.total_kgco2e),
        "total_exact": _kg(consolidation.total_grams),
        "interval": (
            f"{format_number(interval[0] / 1000, 1)} à {format_tonnes(interval[1])}"
            if interval
            else "–"
        ),
        "shared": _kg(footprint.allocation.total_grams if footprint.allocation else 0),
        "premises_error": footprint.premises_error or "",
        "explanation": list(footprint.allocation.explanation if footprint.allocation else ()),
        "rows": [
            {
                "label": clean_text(row.label),
                "status": row.status,
                "shared": _kg(row.shared_grams),
                "own": _kg(row.own_grams),
                "total": _kg(row.grams),
                "interval": (
                    f"{format_number(row.interval_kg[0], 0)} à {format_number(row.interval_kg[1], 0)}"
                    if row.interval_kg
                    else "–"
                ),
            }
            for row in footprint.rows
        ],
        "sum_shared": _kg(consolidation.shared_grams),
        "sum_total": _kg(consolidation.total_grams),
        "posts": [{"label": label, "value": _kg(grams)} for _, label, grams in footprint.posts()],
        "charts": {"posts": chart, "posts_alt": svg_description(chart)},
        "history": [
            {
                "year": str(h["year"]),
                "total": format_tonnes(h["total_kgco2e"]),
                "shared": format_tonnes(h["shared_kgco2e"]),
                "members": str(h["members_sharing"]),
            }
            for h in history
        ],
    }


def structure_pdf(footprint: Footprint, history: list[dict[str, Any]]) -> bytes:
    return compile_pdf(TEMPLATE, build_data(footprint, history))
