"""The PDF report of an assessment, typeset by Typst.

:func:`render_report` turns a :class:`~kineco2.engine.result.Result` into a plain JSON
document in which every figure is already formatted the French way (by
:mod:`kineco2.engine.formatting`), adds the SVG charts, and compiles ``report.typ`` with the
``typst`` package. The template reads the JSON from ``sys.inputs.data``: user text (the
practice name…) only ever reaches Typst as a string value, never as markup, so ``#``, ``$``,
``*``, ``_``, ``<``, ``@`` or ``]`` in a name print as themselves.

Fonts: the text uses the fonts embedded in Typst (Libertinus Serif, DejaVu Sans Mono) and
DejaVu Sans from Matplotlib's own font directory (the charts are drawn in it); system fonts
are ignored, so the PDF is identical on every machine.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import re
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import typst

from kineco2.engine.factors import load_factors
from kineco2.engine.formatting import (
    format_number,
    format_percent,
    format_significant,
    format_tonnes,
    source_with_year,
)
from kineco2.engine.geography import PATIENT_ZONES, TERRITORIES
from kineco2.engine.lines import ORIGINS
from kineco2.report.svgbars import posts_bar_svg

if TYPE_CHECKING:
    from collections.abc import Iterable

    from kineco2.engine.factors import Factor
    from kineco2.engine.result import Interval, Result

__all__ = ["TEMPLATE", "build_data", "render_report"]

TEMPLATE = Path(__file__).with_name("report.typ")
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
#: PDF/A-2a (archivable, tagged) and PDF/UA-1 (accessible): Typst checks both when compiling.
PDF_STANDARDS = ["a-2a", "ua-1"]


#: One Typst compiler per template in this process (:func:`compile_pdf`), each with its lock.
_COMPILERS: dict[str, tuple[typst.Compiler, threading.Lock]] = {}
_COMPILERS_LOCK = threading.Lock()


def _compiler(template: Path) -> tuple[typst.Compiler, threading.Lock]:
    key = str(template)
    with _COMPILERS_LOCK:
        found = _COMPILERS.get(key)
        if found is None:
            compiler = typst.Compiler(key, font_paths=[str(FONT_DIR)], ignore_system_fonts=True)
            found = _COMPILERS[key] = (compiler, threading.Lock())
    return found


def prepare_compilers(templates: Iterable[Path]) -> None:
    """Build the compilers of ``templates`` now (fonts read) rather than at their first PDF.

    Called in each server process before its first request (``kineco2.web.warmup``). Not in
    a process that will fork: a Typst compiler may start threads, which a fork does not carry.
    """
    for template in templates:
        _compiler(template)


def compile_pdf(template: Path, data: dict[str, Any], *, standards=PDF_STANDARDS) -> bytes:
    """Compile a Typst template with ``data`` (read in the template from ``sys.inputs.data``).

    Fonts come from Matplotlib's folder only (system fonts ignored), so the same data give
    the same PDF on any machine; ``standards`` are checked by Typst while compiling.

    The template's compiler is kept in the process: its fonts are read once and Typst reuses
    what it laid out before (≈ 10 ms of CPU less per report, the same bytes as
    ``typst.compile``). A thread finding it busy compiles with a compiler of its own.
    """
    inputs = {"data": json.dumps(_printable(data), ensure_ascii=False)}
    compiler, lock = _compiler(template)
    if lock.acquire(blocking=False):
        try:
            return compiler.compile(format="pdf", sys_inputs=inputs, pdf_standards=list(standards))
        finally:
            lock.release()
    return typst.compile(
        str(template),
        format="pdf",
        sys_inputs=inputs,
        font_paths=[str(FONT_DIR)],
        ignore_system_fonts=True,
        pdf_standards=list(standards),
    )


#: What each data origin means, for the data-quality section.
ORIGIN_HELP = {
    "mesure": "tiré de vos factures, relevés ou comptages (±5 %)",
    "estime": "votre estimation (±30 %)",
    "defaut": "vous avez répondu « je ne sais pas » : valeur typique documentée",
    "convention": "valeur fixée par la méthode (durée d'amortissement, surface…)",
}
ESTIMATE_MARKS = {"estimation": "estimation", "proxy": "approximation"}
FACTOR_QUALITY = {
    "publie": "publié",
    "secondaire": "publié (source secondaire)",
    "proxy": "approximation",
    "estimation": "estimation",
}


def _kept(ch: str) -> bool:
    """Whether :func:`_printable_text` leaves ``ch`` as it is."""
    code = ord(ch)
    category = unicodedata.category(ch)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE or category in ("Co", "Cn", "Cs"):
        return False
    return category != "Cc" or ch in "\n\t"


#: :func:`_kept` of the characters met so far (a report's text uses a few hundred).
_KEPT: dict[str, bool] = {}


def _printable_text(text: str) -> str:
    """Characters PDF/A and PDF/UA refuse (noncharacters U+FDD0–U+FDEF and U+xFFFE/U+xFFFF,
    private use, unassigned code points, lone surrogates) become U+FFFD; control characters
    other than line breaks and tabs become spaces."""
    # Nearly every string (the charts' SVG included) has nothing to replace: each distinct
    # character is checked once, not every character of the text.
    kept = _KEPT
    for ch in set(text):
        ok = kept.get(ch)
        if ok is None:
            ok = _kept(ch)
            if len(kept) < 65_536:  # bounded: user text may hold any character
                kept[ch] = ok
        if not ok:
            break
    else:
        return text
    out = []
    for ch in text:
        code = ord(ch)
        category = unicodedata.category(ch)
        if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE or category in ("Co", "Cn", "Cs"):
            out.append("\ufffd")
        elif category == "Cc" and ch not in "\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _printable(value: Any) -> Any:
    """Every string of the data of a report through :func:`_printable_text` (all reports)."""
    if isinstance(value, str):
        return _printable_text(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


# -- French formatting -------------------------------------------------------------------
def clean_text(text: str) -> str:
    """User text for the PDF: control characters (which PDF/A forbids) become spaces, and
    characters no font can show (noncharacters, private use) the replacement character."""
    text = _printable_text(str(text))
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(text.split())


def french_date(day: datetime.date) -> str:
    """``1er mars 2026``, ``12 mars 2026``."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def _kg(value: float) -> str:
    """kg CO2e of a line: no decimal from 100 up, one from 1 up, two significant below."""
    if value >= 100:
        return format_number(value, 0)
    if value >= 1 or value == 0:
        return format_number(value, 1)
    return format_significant(value, 2)


def _kg_per_session(value: float) -> str:
    return format_number(value, 2 if abs(value) < 10 else 1)


def _share(share: float) -> str:
    if 0 < share < 0.005:
        return "<\u00a0" + format_percent(0.01)
    return format_percent(share)


def _t(value_kg: float) -> str:
    """t CO2e without the unit: ``26,4``; two significant figures under 1 t."""
    tonnes = value_kg / 1000
    if tonnes >= 1 or tonnes == 0:
        return format_number(tonnes, 1)
    return format_significant(tonnes, 2)


def _interval_t(interval: Interval | None) -> str | None:
    return f"{_t(interval.low)} à {_t(interval.high)}" if interval else None


# -- data for the template ---------------------------------------------------------------
def svg_description(svg: str) -> str:
    """The ``<desc>`` of a chart: the figures in words, used as the PDF image's alt text."""
    found = re.search(r"<desc>(.*?)</desc>", svg, re.DOTALL)
    return html.unescape(found.group(1)) if found else "Graphique"


def _factor_row(factor: Factor) -> dict[str, Any]:
    return {
        "id": factor.id,
        "label": factor.label,
        "value": format_significant(factor.value, 3),
        "unit": factor.unit,
        "uncertainty": f"±{format_number(factor.uncertainty_pct, 0)}\u00a0%",
        "uncertainty_rule": factor.uncertainty_basis.startswith("regle"),
        "source": factor.source,
        "year": str(factor.year),
        "source_year": source_with_year(factor.source, factor.year),
        "quality": FACTOR_QUALITY.get(factor.quality, factor.quality),
        "mark": ESTIMATE_MARKS.get(factor.quality),
    }


def build_data(
    result: Result,
    *,
    practice_name: str,
    reference_year: int | None,
    generated_on: datetime.date,
) -> dict[str, Any]:
    """Everything the template prints, as JSON-ready strings (numbers already formatted)."""
    factors = load_factors(result.factors_version)
    unc = result.uncertainty
    total = result.total_kgco2e

    ranked = sorted(result.posts, key=lambda p: -p.kgco2e)
    first = ranked[0] if ranked and ranked[0].kgco2e > 0 else None

    posts = []
    for post in result.posts:
        if not post.lines:
            continue
        lines = []
        for line in post.lines:
            factor = factors.factors.get(line.factor_id)
            lines.append(
                {
                    "label": line.label,
                    "note": getattr(line, "note", ""),
                    "quantity": f"{format_significant(line.quantity, 3)} {line.unit}",
                    "factor": f"{format_significant(line.factor_value, 3)} {line.factor_unit}",
                    "factor_mark": ESTIMATE_MARKS.get(factor.quality) if factor else None,
                    "kg": _kg(line.kgco2e),
                    "quality": ORIGINS.get(line.origin, line.origin),
                }
            )
        interval = unc.posts.get(post.id) if unc else None
        posts.append(
            {
                "id": post.id,
                "label": post.label,
                "kg": _kg(post.kgco2e),
                "t": _t(post.kgco2e),
                "share": _share(post.share),
                "interval": _interval_t(interval),
                "quality": ORIGINS.get(post.origin, post.origin),
                "lines": lines,
                "nonzero": post.kgco2e > 0,
            }
        )
    overview = sorted(
        (p for p in posts if p["nonzero"]), key=lambda p: -result.post(p["id"]).kgco2e
    )
    empty = [post.label for post in result.posts if post.kgco2e <= 0]

    by_origin: dict[str, float] = dict.fromkeys(ORIGINS, 0.0)
    for line in result.lines:
        by_origin[line.origin] = by_origin.get(line.origin, 0.0) + line.kgco2e
    quality = [
        {
            "id": origin,
            "label": ORIGINS.get(origin, origin),
            "help": ORIGIN_HELP.get(origin, ""),
            "kg": _kg(kg),
            "share": _share(kg / total if total else 0.0),
            "ratio": kg / total if total else 0.0,
        }
        for origin, kg in by_origin.items()
    ]

    hints = [
        {
            "label": hint.label,
            "share": _share(hint.share_of_variance),
            "kg": _kg(hint.kgco2e),
        }
        for hint in result.precision_hints
    ]

    # Every factor the lines use, in the order of the report; then the method parameters.
    used: list[str] = []
    for line in result.lines:
        if line.factor_id not in used:
            used.append(line.factor_id)
    parameters = sorted(i for i in result.factor_ids_used if i not in used and i in factors)
    factor_rows = [_factor_row(factors[i]) for i in used if i in factors]
    parameter_rows = [_factor_row(factors[i]) for i in parameters]

    per_session = result.per_session_kgco2e
    chart = posts_bar_svg(result)
    return {
        "practice": clean_text(practice_name),
        "commune": result.commune_name,
        "territory": TERRITORIES.get(result.territory, result.territory),
        "zone": PATIENT_ZONES.get(result.patient_zone, result.patient_zone),
        "zone_guessed": result.patient_zone_guessed,
        "zone_origin": result.patient_zone_origin_label,
        "reference_year": str(reference_year) if reference_year else None,
        "generated_on": french_date(generated_on),
        "date": [generated_on.year, generated_on.month, generated_on.day],
        "summary": {
            "total_t": format_tonnes(total),
            "total_t_value": _t(total),
            "total_interval": _interval_t(unc.total) if unc else None,
            "per_session": f"{_kg_per_session(per_session)}\u202fkg CO2e",
            "per_session_interval": (
                f"{_kg_per_session(unc.per_session.low)} à {_kg_per_session(unc.per_session.high)}"
                if unc and not math.isnan(per_session)
                else None
            ),
            "per_practitioner": format_tonnes(result.per_practitioner_kgco2e),
            "per_practitioner_interval": _interval_t(unc.per_practitioner) if unc else None,
            "first_label": first.label if first else None,
            "first_share": _share(first.share) if first else None,
            "first_t": _t(first.kgco2e) if first else None,
            "sessions": format_number(result.sessions, 0),
            "practitioners": format_number(result.practitioners, 0),
            "practitioners_plural": result.practitioners > 1,
            "total_kg": _kg(total),
        },
        "charts": {"posts": chart, "posts_alt": svg_description(chart)},
        "overview": overview,
        "posts": posts,
        "empty_posts": empty,
        "quality": quality,
        "hints": hints,
        "factors": factor_rows,
        "parameters": parameter_rows,
        "monte_carlo": (
            {
                "draws": format_number(unc.draws, 0),
                "seed": str(unc.seed),
                "median_t": _t(unc.total.median),
            }
            if unc
            else None
        ),
        "versions": {
            "factors": result.factors_version,
            "defaults": result.defaults_version,
            "schema": result.schema_version,
            "engine": result.engine_version,
        },
        "notes": list(result.notes),
    }


def render_report(
    result: Result,
    *,
    practice_name: str,
    reference_year: int | None,
    generated_on: datetime.date,
) -> bytes:
    """The PDF report (bytes) of ``result`` for the practice ``practice_name``."""
    data = build_data(
        result,
        practice_name=practice_name,
        reference_year=reference_year,
        generated_on=generated_on,
    )
    return compile_pdf(TEMPLATE, data)


def main(argv: list[str] | None = None) -> None:
    """``python -m kineco2.report.pdf answers.yaml out.pdf [name]``: try the template."""
    import sys

    import yaml

    from kineco2.engine import compute, parse_input

    args = sys.argv[1:] if argv is None else argv
    source, target = Path(args[0]), Path(args[1])
    name = args[2] if len(args) > 2 else source.stem
    with source.open(encoding="utf-8") as handle:
        result = compute(parse_input(yaml.safe_load(handle)), draws=2000, seed=1)
    pdf = render_report(
        result, practice_name=name, reference_year=None, generated_on=datetime.date.today()
    )
    target.write_bytes(pdf)


if __name__ == "__main__":
    main()
