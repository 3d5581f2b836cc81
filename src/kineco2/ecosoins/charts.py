"""Charts of the écosoins pages, in the style of :mod:`kineco2.report.charts`.

Matplotlib through its object-oriented API only (``Figure`` + ``FigureCanvasSVG``, no pyplot),
French labels, text kept as text, ``role="img"`` with a ``<title>`` and a ``<desc>`` stating
the figures. :func:`inline_svg` makes a chart safe to inline under the Content-Security-Policy
(``style-src 'self'``: no ``style`` attributes or elements).
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib import ticker

from kineco2.report.charts import (
    ACCENT,
    INK,
    MUTED,
    _figure,
    _render,
    _style_axes,
    _to_svg,
)
from kineco2.web.svg import inline_svg

__all__ = ["count_bars_svg", "inline_svg", "share_bars_svg"]


def count_bars_svg(
    title: str, rows: Sequence[tuple[str, int]], *, unit: str = "initiatives"
) -> str:
    """Horizontal bars of counts (one per label, in the given order), the count at the end."""
    return _render(_count_bars, title, list(rows), unit)


def _count_bars(title: str, rows: list[tuple[str, int]], unit: str) -> str:
    fig = _figure(0.7 + 0.34 * max(len(rows), 2))
    ax = fig.add_subplot()
    _style_axes(ax, grid_axis="x")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    labels = [label for label, _ in rows]
    counts = [count for _, count in rows]
    positions = range(len(rows))
    ax.barh(positions, counts, height=0.6, color=ACCENT, zorder=2)
    for row, count in zip(positions, counts, strict=True):
        ax.annotate(
            str(count),
            xy=(count, row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=INK,
        )
    ax.set_yticks(list(positions), labels=labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*counts, 1]) * 1.15)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, nbins=5))
    ax.set_xlabel(f"Nombre d'{unit}" if unit[:1] in "aeiouyé" else f"Nombre de {unit}", color=MUTED)
    parts = [f"{label} : {count}" for label, count in rows]
    description = f"Diagramme en barres horizontales, {title.lower()}. " + " ; ".join(parts) + "."
    return _to_svg(fig, title, description)


def share_bars_svg(title: str, rows: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars of percentages (0–100 %), the share written at the end of each bar."""
    return _render(_share_bars, title, list(rows))


def _share_bars(title: str, rows: list[tuple[str, int]]) -> str:
    fig = _figure(0.7 + 0.34 * max(len(rows), 2))
    ax = fig.add_subplot()
    _style_axes(ax, grid_axis="x")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    positions = range(len(rows))
    values = [value for _, value in rows]
    ax.barh(positions, [100] * len(rows), height=0.6, color="#e3ece7", zorder=1)
    ax.barh(positions, values, height=0.6, color=ACCENT, zorder=2)
    for row, value in zip(positions, values, strict=True):
        ax.annotate(
            f"{value}\u00a0%",
            xy=(value, row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=INK,
        )
    ax.set_yticks(list(positions), labels=[label for label, _ in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.xaxis.set_major_locator(ticker.FixedLocator([0, 25, 50, 75, 100]))
    ax.set_xlabel("Part des initiatives publiées (%)", color=MUTED)
    parts = [f"{label} : {value} %" for label, value in rows]
    description = f"Diagramme en barres horizontales, {title.lower()}. " + " ; ".join(parts) + "."
    return _to_svg(fig, title, description)
