"""SVG charts of the état des lieux: distributions as horizontal box plots, French, accessible.

Written as plain SVG (no Matplotlib), like the results page's charts
(:mod:`kineco2.report.svgbars`): the page draws five of them each time the published figures
change (≈ 1 s with Matplotlib at 50 000 assessments, a fraction of a millisecond here), and the
PDF embeds the same SVG. Real ``<text>`` in DejaVu Sans, ``role="img"``, a ``<title>`` and a
``<desc>`` stating the plotted figures in French, presentation attributes only (the site's
Content-Security-Policy forbids inline styles), deterministic output. A group hidden by the
small-cell rule is drawn as a row that says « moins de 11 cabinets » and carries no figure;
whiskers (P10–P90) are drawn only when published (30 practices or more).

:func:`inline_svg` makes a chart safe to inline under the site's Content-Security-Policy.
Charts are cached by their input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from django.core.cache import cache

from kineco2.benchmarks.aggregates import Cell, Suppressed
from kineco2.report.svgbars import (
    ACCENT,
    ACCENT_LIGHT,
    FONT,
    INK,
    MUTED,
    _nice_step,
    _num,
    _text,
    x_ticks,
)
from kineco2.web.svg import inline_svg

__all__ = ["distribution_svg", "inline_svg"]

CACHE_SECONDS = 24 * 3600
WIDTH = 720
LABEL_W = 280  # left column: group labels (right-aligned)
PLOT_X = LABEL_W + 12
PLOT_W = 300  # boxes; the median text follows the whisker
ROW_H = 26
LABEL_CHARS = 44  # longer labels are written on two lines
TOP = 10
AXIS_H = 44


def distribution_svg(
    rows: Sequence[tuple[str, Cell | Suppressed]], *, title: str, unit: str
) -> str:
    """One box per row: P25–P75 box, median line, P10–P90 whiskers; median written at right.

    The reading key (box, line, whiskers) belongs in the caption next to the chart.
    """
    key_source = repr((tuple((label, repr(value)) for label, value in rows), title, unit))
    key = "benchmarks:chart:v2:" + hashlib.sha256(key_source.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = _distribution(list(rows), title, unit)
        cache.set(key, svg, CACHE_SECONDS)
    return svg


def _label(label: str, mid: float) -> str:
    """The group's label, right-aligned, on two lines when too long for the left column."""
    if len(label) <= LABEL_CHARS:
        return _text(LABEL_W, mid + 4, label, fill=INK, text_anchor="end")
    cut = label.rfind(" ", 0, len(label) // 2 + 8)
    cut = cut if cut > 0 else len(label) // 2
    first, second = label[:cut].strip(), label[cut:].strip()
    return (
        f'<text x="{LABEL_W}" y="{mid - 2:.1f}" fill="{INK}" text-anchor="end" font-size="11">'
        f'<tspan x="{LABEL_W}">{escape(first)}</tspan>'
        f'<tspan x="{LABEL_W}" dy="12">{escape(second)}</tspan></text>'
    )


def _distribution(rows: list[tuple[str, Cell | Suppressed]], title: str, unit: str) -> str:
    shown = [value for _, value in rows if isinstance(value, Cell)]
    top = max((value.p90 or value.p75 for value in shown), default=1.0) or 1.0
    top *= 1.3
    step = _nice_step(top)
    scale = PLOT_W / top
    height = TOP + ROW_H * max(len(rows), 2) + AXIS_H

    def x(value: float) -> float:
        return PLOT_X + max(value, 0.0) * scale

    parts_desc = []
    for label, value in rows:
        if isinstance(value, Cell):
            parts_desc.append(
                f"{label} : médiane {_num(value.median)}, moitié centrale de "
                f"{_num(value.p25)} à {_num(value.p75)} (environ {value.n} cabinets)"
            )
        else:
            parts_desc.append(f"{label} : {value.label}, non publié")
    description = (
        f"Distribution ({unit}) par groupe, en boîtes horizontales. " + " ; ".join(parts_desc) + "."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(FONT)} font-size="12" '
        f'role="img" aria-label={quoteattr(title)}>',
        f" <title>{escape(title)}</title>",
        f" <desc>{escape(description)}</desc>",
        ' <g id="axes_1">',
    ]
    bottom = TOP + ROW_H * max(len(rows), 2)
    parts += x_ticks(x, top, step, TOP, bottom)
    parts.append(
        f'  <line x1="{PLOT_X}" y1="{bottom}" x2="{PLOT_X + PLOT_W}" y2="{bottom}" '
        f'stroke="{MUTED}" stroke-width="0.8"/>'
    )
    for row, (label, value) in enumerate(rows):
        y = TOP + row * ROW_H
        mid = y + ROW_H / 2
        parts.append(f'  <g id="ytick_{row}">' + _label(label, mid) + "</g>")
        if not isinstance(value, Cell):
            parts.append(
                _text(PLOT_X + 6, mid + 4, value.label, fill=MUTED, font_style="italic",
                      font_size="11")
            )  # fmt: skip
            continue
        if value.has_deciles:
            low, high = x(value.p10), x(value.p90)
            parts.append(
                f'  <path d="M{low:.1f} {mid:.1f}H{high:.1f}M{low:.1f} {mid - 4:.1f}'
                f'V{mid + 4:.1f}M{high:.1f} {mid - 4:.1f}V{mid + 4:.1f}" stroke="{MUTED}" '
                'stroke-width="1.1" fill="none"/>'
            )
        parts.append(
            f'  <rect x="{x(value.p25):.1f}" y="{mid - 7:.1f}" '
            f'width="{max(x(value.p75) - x(value.p25), 0.5):.1f}" height="14" '
            f'fill="{ACCENT_LIGHT}" stroke="{MUTED}" stroke-width="0.7"/>'
        )
        parts.append(
            f'  <line x1="{x(value.median):.1f}" y1="{mid - 8:.1f}" x2="{x(value.median):.1f}" '
            f'y2="{mid + 8:.1f}" stroke="{ACCENT}" stroke-width="2.2"/>'
        )
        parts.append(
            _text(
                x(value.p90 or value.p75) + 6,
                mid + 4,
                f"{_num(value.median)} (n ≈ {value.n})",
                fill=INK,
                font_size="11",
            )
        )
    parts.append(_text(PLOT_X + PLOT_W / 2, bottom + 34, unit, fill=MUTED, text_anchor="middle"))
    parts.append(" </g>")
    parts.append("</svg>\n")
    return "\n".join(parts)
