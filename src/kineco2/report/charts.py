"""SVG charts of an assessment: French, deterministic, accessible, text kept as text.

Every function returns the text of a standalone ``<svg>`` element (no XML declaration, so
it can be inlined in an HTML page as well as embedded in the PDF). The root carries
``role="img"`` and an ``aria-label``; its first children are a ``<title>`` and a ``<desc>``
that states the plotted figures in French for screen readers.

Matplotlib is driven through its object-oriented API only (``Figure`` + ``FigureCanvasSVG``,
no pyplot, no global figure manager). The few rcParams the SVG writer reads at save time are
set inside a ``rc_context`` held under a module lock, so concurrent requests don't mix them.
Output is byte-for-byte deterministic for the same input and the same Matplotlib version:
fixed ``svg.hashsalt``, no date in the metadata.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

import matplotlib
from matplotlib import ticker
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from kineco2.engine.formatting import format_number, format_significant
from kineco2.report import svgbars as _svgbars

__all__ = ["comparison_svg", "posts_bar_svg", "trajectory_svg"]

#: Sober palette: one teal for the practice's figures, greys for context.
ACCENT = "#2f6f73"
ACCENT_LIGHT = "#b9d3d4"
INK = "#1f2933"
MUTED = "#5f6b73"
GRID = "#d9dee2"

#: Width of every chart, in inches (504 pt: ~700 px at the usual 96 px/in scale of a page).
WIDTH_IN = 7.0

_RC = {
    "svg.fonttype": "none",  # text stays <text>: searchable in the page and in the PDF
    "svg.hashsalt": "kineco2",  # deterministic clip-path and marker ids
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "text.color": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "xtick.labelcolor": INK,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
}
_LOCK = threading.Lock()
MINUS = "\u2212"


# -- formatting --------------------------------------------------------------------------
def _tick(value: float, _pos: object = None) -> str:
    """An axis tick the French way, without useless zeros: ``2,5``, ``10``, ``1 500``."""
    if abs(value) < 1e-12:
        return "0"
    text = format_number(value, 3)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text.replace("-", MINUS)


def _year(value: float, _pos: object = None) -> str:
    """A year tick: no thousands separator (``2025``, not ``2 025``)."""
    return str(round(value)) if abs(value - round(value)) < 1e-9 else ""


_tonnes = _svgbars.tonnes_text


def _num(value: float) -> str:
    """A figure with three significant digits at least (``2,43``, ``26 391``)."""
    return format_significant(value, 3).replace("-", MINUS)


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


# -- figure plumbing ---------------------------------------------------------------------
def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    FigureCanvasSVG(fig)
    return fig


def _style_axes(ax, *, grid_axis: str) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=grid_axis, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(length=3, width=0.8)


def _to_svg(fig: Figure, title: str, description: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    return _accessible(buffer.getvalue(), title, description)


def _accessible(svg: str, title: str, description: str) -> str:
    """Drop the XML prolog; add ``role``, ``aria-label``, ``<title>`` and ``<desc>``."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    root = svg[start:end]
    return (
        f'{root} role="img" aria-label={quoteattr(title)}>\n'
        f" <title>{escape(title)}</title>\n"
        f" <desc>{escape(description)}</desc>"
        f"{svg[end + 1 :]}"
    )


def _render(draw, *args) -> str:
    with _LOCK, matplotlib.rc_context(_RC):
        return draw(*args)


# -- emissions by post -------------------------------------------------------------------
# Written as plain SVG (report/svgbars.py): it is redrawn after every change of an answer.
posts_bar_svg = _svgbars.posts_bar_svg


# -- trajectory --------------------------------------------------------------------------
def trajectory_svg(
    years: Sequence[int],
    values_kg: Sequence[float | None],
    target_kg: Sequence[float | None] | None = None,
    *,
    target_label: str = "Trajectoire cible (−5 % par an)",
) -> str:
    """Year-on-year emissions (t CO2e) as a line, with an optional target trajectory.

    ``values_kg`` and ``target_kg`` are aligned on ``years``; ``None`` or NaN leaves a gap
    (a year without an assessment, or future years that only have a target).
    """
    years = [int(y) for y in years]
    if len(values_kg) != len(years) or (target_kg is not None and len(target_kg) != len(years)):
        raise ValueError("years, values_kg et target_kg doivent avoir la même longueur.")
    return _render(_trajectory, years, list(values_kg), target_kg and list(target_kg), target_label)


def _trajectory(
    years: list[int],
    values_kg: list[float | None],
    target_kg: list[float | None] | None,
    target_label: str,
) -> str:
    title = "Évolution des émissions du cabinet (t CO2e par an)"
    fig = _figure(3.0)
    ax = fig.add_subplot()
    _style_axes(ax, grid_axis="y")
    values = [_nan(v) / 1000 for v in values_kg]
    targets = [_nan(v) / 1000 for v in target_kg] if target_kg else None

    if targets is not None:
        ax.plot(
            years, targets, color=MUTED, linestyle=(0, (5, 3)), linewidth=1.4,
            marker="o", markersize=3, label=target_label, zorder=2,
        )  # fmt: skip
    ax.plot(
        years, values, color=ACCENT, linewidth=2.2, marker="o", markersize=5.5,
        label="Émissions du cabinet", zorder=3,
    )  # fmt: skip
    known = [(y, v) for y, v in zip(years, values, strict=True) if not math.isnan(v)]
    if len(known) <= 12:
        for year, value in known:
            ax.annotate(
                _tonnes(value), xy=(year, value), xytext=(0, 7), textcoords="offset points",
                ha="center", fontsize=8.5, color=ACCENT,
            )  # fmt: skip

    finite = [v for v in values + (targets or []) if not math.isnan(v)]
    ax.set_ylim(0, (max(finite) if finite else 1) * 1.18 or 1)
    if years:
        pad = 0.4 if len(years) > 1 else 1
        ax.set_xlim(min(years) - pad, max(years) + pad)
    if len(years) <= 12:
        ax.set_xticks(years)
    else:
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(_year))
    ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(_tick))
    ax.set_ylabel("t CO2e par an")
    ax.legend(loc="lower left")

    parts = [f"{y} : {_tonnes(v)} t CO2e" for y, v in known]
    description = "Courbe des émissions annuelles du cabinet. " + (
        " ; ".join(parts) + "." if parts else "Aucune valeur mesurée."
    )
    if targets is not None:
        goals = [
            f"{y} : {_tonnes(t)} t"
            for y, t in zip(years, targets, strict=True)
            if not math.isnan(t)
        ]
        description += f" {target_label} : " + " ; ".join(goals) + "."
    return _to_svg(fig, title, description)


# -- comparison with comparable practices ------------------------------------------------
def _quartiles(distribution: Mapping[str, float]) -> dict[str, float]:
    keys = {str(k).lower(): v for k, v in distribution.items()}
    for alias in ("p50", "mediane", "médiane"):
        if alias in keys and "median" not in keys:
            keys["median"] = keys[alias]
    missing = [k for k in ("p25", "median", "p75") if keys.get(k) is None]
    if missing:
        raise KeyError(f"distribution_quartiles doit contenir p25, median et p75 : {missing}")
    return {k: float(v) for k, v in keys.items() if v is not None}


def comparison_svg(value: float, distribution_quartiles: Mapping[str, float], label: str) -> str:
    """The practice's ``value`` against comparable practices.

    ``distribution_quartiles`` holds ``p25``, ``median`` (or ``p50``) and ``p75``, and
    optionally ``p10``/``p90`` (whiskers) and ``n`` (number of practices compared).
    ``label`` names the indicator with its unit, e.g. ``"kg CO2e par séance"``. Written as
    plain SVG (report/svgbars.py): it changes with every answer of the practice.
    """
    return _svgbars.comparison_svg(float(value), _quartiles(distribution_quartiles), label)
