"""The chart by post as plain SVG, written directly (no Matplotlib): ≈ 0,1 ms instead of 100+.

The results page shows it after every change of an answer, and the PDF report embeds the same
SVG, so it must be cheap on the cold path. A horizontal bar chart is simple enough to write by
hand: one ``<rect>`` per post, a line for its 95 % interval, ``<text>`` labels (real SVG text in
DejaVu Sans, selectable and readable by screen readers), a ``<title>`` and a ``<desc>`` that
says every figure. Presentation attributes only (no ``style``): the page's CSP forbids inline
styles. Deterministic: the same result gives the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from kineco2.engine.formatting import format_number, format_percent, format_significant
from kineco2.engine.result import Result

ACCENT = "#1f6f5c"
INK = "#1d2733"
MUTED = "#5b6776"
GRID = "#d9dee4"
FONT = "DejaVu Sans, Verdana, sans-serif"

WIDTH = 720
LABEL_W = 250  # left column: post labels
PLOT_X = LABEL_W + 10
PLOT_W = 360  # bars; the value text follows the bar
ROW_H = 26
TOP = 12
AXIS_H = 44


def tonnes_text(value_t: float) -> str:
    """``26,4`` (one decimal) from 1 t up, two significant figures below."""
    if value_t >= 1 or value_t == 0:
        return format_number(value_t, 1)
    return format_significant(value_t, 2)


_tonnes = tonnes_text


def _share(share: float) -> str:
    """``67 %``; ``< 1 %`` rather than a misleading ``0 %`` for a small non-zero share."""
    if 0 < share < 0.005:
        return "<\u00a0" + format_percent(0.01)
    return format_percent(share)


def _nice_step(span: float) -> float:
    """A tick step of 1, 2, 2,5 or 5 × 10ⁿ giving at most six ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / 6
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if mult * power >= raw:
            return mult * power
    return 10 * power  # pragma: no cover


def _tick(value: float, step: float) -> str:
    decimals = 0 if step >= 1 else max(0, -math.floor(math.log10(step)) + (step * 10 % 1 > 0))
    return format_number(value, decimals)


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(content)}</text>'


@dataclass(frozen=True)
class Bar:
    """One bar: a post's value (t CO2e), its share of the total, its 95 % interval if known."""

    id: str
    label: str
    value_t: float
    share: float
    low_t: float | None = None
    high_t: float | None = None


def x_ticks(x, top: float, step: float, y_top: float, y_bottom: float) -> list[str]:
    """Vertical grid lines with their labels, every ``step`` from 0 to ``top`` (``x`` maps a
    value to its abscissa); shared by every horizontal chart."""
    out, tick, index = [], 0.0, 0
    while tick <= top + 1e-9:
        tx = x(tick)
        out.append(
            f'  <g id="xtick_{index}"><line x1="{tx:.1f}" y1="{y_top}" x2="{tx:.1f}" '
            f'y2="{y_bottom}" stroke="{GRID}" stroke-width="0.8"/>'
            + _text(tx, y_bottom + 15, _tick(tick, step), fill=MUTED, text_anchor="middle")
            + "</g>"
        )
        tick = round(tick + step, 10)
        index += 1
    return out


def posts_bar_svg(result: Result) -> str:
    """Horizontal bars of t CO2e by post, largest first, with 95 % intervals when known."""
    posts = sorted((p for p in result.posts if p.kgco2e > 0), key=lambda p: -p.kgco2e)
    unc = result.uncertainty
    bars = []
    for post in posts:
        interval = unc.posts.get(post.id) if unc else None
        bars.append(
            Bar(
                post.id,
                post.label,
                post.kgco2e / 1000,
                post.share,
                interval.low / 1000 if interval else None,
                interval.high / 1000 if interval else None,
            )
        )
    return bars_svg(bars, intervals=bool(unc))


def bars_svg(
    bars: list[Bar], *, intervals: bool, title: str = "Émissions par poste (t CO2e par an)"
) -> str:
    """The chart of :func:`posts_bar_svg` from any bars (already in display order);
    ``intervals`` says that the figures carry 95 % intervals (the axis legend)."""
    height = TOP + ROW_H * max(len(bars), 2) + AXIS_H
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(FONT)} font-size="12" '
        f'role="img" aria-label={quoteattr(title)}>'
    )
    if not bars:
        return (
            f"{head}\n <title>{escape(title)}</title>\n"
            " <desc>Aucune émission calculée.</desc>\n"
            + _text(
                WIDTH / 2, height / 2, "Aucune émission calculée", fill=MUTED, text_anchor="middle"
            )
            + "\n</svg>\n"
        )
    values = [bar.value_t for bar in bars]
    known = [bar.low_t is not None and bar.high_t is not None for bar in bars]
    lows = [min(b.value_t, b.low_t) if k else b.value_t for b, k in zip(bars, known, strict=True)]
    highs = [max(b.value_t, b.high_t) if k else b.value_t for b, k in zip(bars, known, strict=True)]
    top = max(highs) * 1.22
    step = _nice_step(top)
    scale = PLOT_W / top

    def x(value: float) -> float:
        return PLOT_X + value * scale

    parts = [head]
    parts_desc = []
    for bar, value, low, high, k in zip(bars, values, lows, highs, known, strict=True):
        text = f"{bar.label} : {_tonnes(value)} t CO2e ({_share(bar.share)})"
        if k:
            text += f", intervalle à 95 % de {_tonnes(low)} à {_tonnes(high)} t"
        parts_desc.append(text)
    description = (
        "Diagramme en barres horizontales des émissions annuelles par poste, du plus "
        "important au plus faible. " + " ; ".join(parts_desc) + "."
    )
    parts.append(f" <title>{escape(title)}</title>")
    parts.append(f" <desc>{escape(description)}</desc>")
    bottom = TOP + ROW_H * len(bars)
    # grid and x ticks
    parts.append(' <g id="axes_1">')
    parts += x_ticks(x, top, step, TOP, bottom)
    parts.append(
        f'  <line x1="{PLOT_X}" y1="{bottom}" x2="{PLOT_X + PLOT_W}" y2="{bottom}" '
        f'stroke="{MUTED}" stroke-width="0.8"/>'
    )
    rows = zip(bars, values, lows, highs, known, strict=True)
    for row, (bar, value, low, high, k) in enumerate(rows):
        y = TOP + row * ROW_H
        mid = y + ROW_H / 2
        parts.append(
            f'  <g id="ytick_{row}">'
            + _text(LABEL_W, mid + 4, bar.label, fill=INK, text_anchor="end")
            + "</g>"
        )
        parts.append(
            f'  <rect x="{PLOT_X}" y="{y + ROW_H * 0.19:.1f}" width="{max(value * scale, 0.5):.1f}" '
            f'height="{ROW_H * 0.62:.1f}" fill="{ACCENT}"/>'
        )
        if k:
            parts.append(
                f'  <path d="M{x(low):.1f} {mid:.1f}H{x(high):.1f}'
                f'M{x(low):.1f} {mid - 3:.1f}V{mid + 3:.1f}M{x(high):.1f} {mid - 3:.1f}V{mid + 3:.1f}" '
                f'stroke="{INK}" stroke-width="1.2" fill="none"/>'
            )
        parts.append(
            _text(
                x(high) + 6,
                mid + 4,
                f"{_tonnes(value)} t · {_share(bar.share)}",
                fill=INK,
                font_size="11.5",
            )
        )
    xlabel = "t CO2e par an"
    if intervals:
        xlabel += " — trait noir : intervalle de confiance à 95 %"
    parts.append(_text(PLOT_X + PLOT_W / 2, bottom + 34, xlabel, fill=MUTED, text_anchor="middle"))
    parts.append(" </g>")
    parts.append("</svg>\n")
    return "\n".join(parts)


ACCENT_LIGHT = "#cfe6df"
MINUS = "\u2212"


def _num(value: float) -> str:
    """A figure with three significant digits at least (``2,43``, ``26 391``)."""
    return format_significant(value, 3).replace("-", MINUS)


def comparison_svg(value: float, q: dict[str, float], label: str) -> str:
    """The practice's ``value`` against comparable practices (box: quartiles; whiskers:
    10th–90th percentiles when given; the median; a diamond for the practice).

    ``q``: ``p25``, ``median``, ``p75``, optionally ``p10``, ``p90`` and ``n``.
    """
    title = f"Votre cabinet comparé aux cabinets comparables ({label})"
    width, height = WIDTH, 150
    left, right = 30, WIDTH - 30
    low_whisker, high_whisker = q.get("p10", q["p25"]), q.get("p90", q["p75"])
    top = max(value, high_whisker)
    top = top * 1.15 if top > 0 else 1.0
    step = _nice_step(top)
    scale = (right - left) / top

    def x(v: float) -> float:
        return left + v * scale

    count = f" ({round(q['n'])} cabinets)" if "n" in q else ""
    box_label = f"Moitié centrale des {round(q['n'])} cabinets" if "n" in q else "Moitié centrale"
    whiskers = " ; traits : 10 % à 90 %" if "p10" in q and "p90" in q else ""
    description = (
        f"Votre cabinet : {_num(value)} {label}. Cabinets comparables{count} : "
        f"25 % sont sous {_num(q['p25'])}, la médiane est {_num(q['median'])}, "
        f"25 % sont au-dessus de {_num(q['p75'])}{whiskers}."
    )
    mid, axis_y = 52, 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)} font-size="12" '
        f'role="img" aria-label={quoteattr(title)}>',
        f" <title>{escape(title)}</title>",
        f" <desc>{escape(description)}</desc>",
        ' <g id="axes_1">',
    ]
    parts += x_ticks(x, top, step, 18, axis_y)
    parts += [
        f'  <line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="{MUTED}" '
        'stroke-width="0.8"/>',
        f'  <path d="M{x(low_whisker):.1f} {mid}H{x(high_whisker):.1f}'
        f'M{x(low_whisker):.1f} {mid - 5}V{mid + 5}M{x(high_whisker):.1f} {mid - 5}V{mid + 5}" '
        f'stroke="{MUTED}" stroke-width="1.2" fill="none"/>',
        f'  <rect x="{x(q["p25"]):.1f}" y="{mid - 11}" '
        f'width="{max(x(q["p75"]) - x(q["p25"]), 0.5):.1f}" height="22" fill="{ACCENT_LIGHT}" '
        f'stroke="{MUTED}" stroke-width="0.8"/>',
        f'  <line x1="{x(q["median"]):.1f}" y1="{mid - 13}" x2="{x(q["median"]):.1f}" '
        f'y2="{mid + 13}" stroke="{INK}" stroke-width="2.5"/>',
        f'  <path d="M{x(value):.1f} {mid - 8}L{x(value) + 8:.1f} {mid}L{x(value):.1f} {mid + 8}'
        f'L{x(value) - 8:.1f} {mid}Z" fill="{ACCENT}" stroke="#ffffff" stroke-width="1.2"/>',
        _text(
            min(max(x(value), left + 70), right - 70),
            mid - 18,
            f"Votre cabinet : {_num(value)}",
            fill=ACCENT,
            font_weight="bold",
            text_anchor="middle",
        ),
        _text((left + right) / 2, axis_y + 32, label, fill=MUTED, text_anchor="middle"),
        " </g>",
        ' <g id="legend_1">',
        f'  <path d="M{left + 60} {height - 12}l6 -6l6 6l-6 6z" fill="{ACCENT}"/>',
        _text(left + 78, height - 8, "Votre cabinet", fill=INK),
        f'  <rect x="{left + 200}" y="{height - 18}" width="16" height="12" '
        f'fill="{ACCENT_LIGHT}" stroke="{MUTED}" stroke-width="0.8"/>',
        _text(left + 222, height - 8, box_label, fill=INK),
        f'  <line x1="{left + 470}" y1="{height - 12}" x2="{left + 486}" y2="{height - 12}" '
        f'stroke="{INK}" stroke-width="2.5"/>',
        _text(left + 492, height - 8, "Médiane", fill=INK),
        " </g>",
        "</svg>\n",
    ]
    return "\n".join(parts)
