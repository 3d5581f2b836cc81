"""SVG charts of the état des lieux: distributions as horizontal box plots, French, accessible.

Same conventions as :mod:`kineco2.report.charts` (whose plumbing is reused): Matplotlib's
object-oriented API, text kept as text, ``role="img"``, a ``<title>`` and a ``<desc>`` stating
the plotted figures in French, deterministic output. A group hidden by the small-cell rule
is drawn as a row that says « moins de 11 cabinets » and carries no figure; whiskers
(P10–P90) are drawn only when published (30 practices or more).

:func:`inline_svg` makes a chart safe to inline under the site's Content-Security-Policy
(no ``style`` attribute nor element). Charts are cached by their input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.cache import cache
from matplotlib import ticker

from kineco2.benchmarks.aggregates import Cell, Suppressed
from kineco2.report.charts import (
    ACCENT,
    ACCENT_LIGHT,
    INK,
    MUTED,
    _figure,
    _num,
    _render,
    _style_axes,
    _tick,
    _to_svg,
)
from kineco2.web.svg import inline_svg

__all__ = ["distribution_svg", "inline_svg"]

CACHE_SECONDS = 24 * 3600


def distribution_svg(
    rows: Sequence[tuple[str, Cell | Suppressed]], *, title: str, unit: str
) -> str:
    """One box per row: P25–P75 box, median line, P10–P90 whiskers; median written at right.

    The reading key (box, line, whiskers) belongs in the caption next to the chart.
    """
    key_source = repr((tuple((label, repr(value)) for label, value in rows), title, unit))
    key = "benchmarks:chart:" + hashlib.sha256(key_source.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = _render(_distribution, list(rows), title, unit)
        cache.set(key, svg, CACHE_SECONDS)
    return svg


def _distribution(rows: list[tuple[str, Cell | Suppressed]], title: str, unit: str) -> str:
    fig = _figure(0.9 + 0.34 * max(len(rows), 2))
    ax = fig.add_subplot()
    _style_axes(ax, grid_axis="x")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    shown = [value for _, value in rows if isinstance(value, Cell)]
    top = max((value.p90 or value.p75 for value in shown), default=1.0) or 1.0
    for index, (_, value) in enumerate(rows):
        if not isinstance(value, Cell):
            ax.text(0, index, "  " + value.label, va="center", ha="left", fontsize=8, color=MUTED,
                    style="italic")  # fmt: skip
            continue
        if value.has_deciles:
            ax.plot([value.p10, value.p90], [index, index], color=MUTED, linewidth=1.1,
                    zorder=1)  # fmt: skip
            for end in (value.p10, value.p90):
                ax.plot([end, end], [index - 0.15, index + 0.15], color=MUTED, linewidth=1.1,
                        zorder=1)  # fmt: skip
        ax.barh([index], [value.p75 - value.p25], left=[value.p25], height=0.55,
                color=ACCENT_LIGHT, edgecolor=MUTED, linewidth=0.7, zorder=2)  # fmt: skip
        ax.plot([value.median, value.median], [index - 0.3, index + 0.3], color=ACCENT,
                linewidth=2.2, zorder=3)  # fmt: skip
        ax.annotate(
            f"{_num(value.median)} (n ≈ {value.n})", xy=(value.p90 or value.p75, index),
            xytext=(5, 0),
            textcoords="offset points", va="center", fontsize=8, color=INK,
        )  # fmt: skip
    ax.set_yticks(range(len(rows)), labels=[label for label, _ in rows])
    ax.set_ylim(len(rows) - 0.35, -0.65)  # first row on top, room above the axis
    ax.set_xlim(0, top * 1.3)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(_tick))
    ax.set_xlabel(unit, color=MUTED)
    parts = []
    for label, value in rows:
        if isinstance(value, Cell):
            parts.append(
                f"{label} : médiane {_num(value.median)}, moitié centrale de "
                f"{_num(value.p25)} à {_num(value.p75)} (environ {value.n} cabinets)"
            )
        else:
            parts.append(f"{label} : {value.label}, non publié")
    description = (
        f"Distribution ({unit}) par groupe, en boîtes horizontales. " + " ; ".join(parts) + "."
    )
    return _to_svg(fig, title, description)
