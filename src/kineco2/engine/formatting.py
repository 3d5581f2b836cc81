"""French number formatting: ``1 234,5 kg CO2e``.

French typography separates thousands with a narrow no-break space (U+202F) and uses a
decimal comma. Plain-text outputs (CLI, CSV) may ask for an ordinary space instead.
"""

from __future__ import annotations

import math

NNBSP = "\u202f"  # espace fine insécable


def format_number(value: float, decimals: int = 1, *, thousands: str = NNBSP) -> str:
    """Format ``value`` the French way, e.g. ``format_number(1234.5) == "1 234,5"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    # Python gives "1,234.5": swap the separators.
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", thousands)


def format_significant(value: float, digits: int = 2, *, thousands: str = NNBSP) -> str:
    """Format with ``digits`` significant figures (at least), never in scientific notation."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    return format_number(value, decimals, thousands=thousands)


def format_kg(value_kg: float, *, thousands: str = NNBSP) -> str:
    """``1 234,5 kg CO2e``."""
    return (
        f"{format_number(value_kg, 1, thousands=thousands)}{thousands if thousands else ' '}kg CO2e"
    )


def format_tonnes(value_kg: float, decimals: int = 1, *, thousands: str = NNBSP) -> str:
    """``12,3 t CO2e`` from a value in kg."""
    return f"{format_number(value_kg / 1000, decimals, thousands=thousands)} t CO2e"


def format_percent(share: float, decimals: int = 0) -> str:
    """``42 %`` from a share in [0, 1] (French puts a no-break space before %)."""
    return f"{format_number(share * 100, decimals)}\u00a0%"


def source_with_year(source: str, year: int | None) -> str:
    """« Base Carbone (2018) »: the year in parentheses, unless the source already names it."""
    source = (source or "").strip()
    if not year or str(year) in source:
        return source
    return f"{source} ({year})"


def plain_number(value: float, significant: int = 12) -> str:
    """A number for a spreadsheet cell: decimal comma, no grouping, no float noise.

    ``0.10400000000000001`` → ``0,104``; ``1234.5`` → ``1234,5``; ``3.0`` → ``3``.
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else ""
    text = format_significant(value, significant, thousands="")
    if "," in text:
        # round to ``significant`` digits, then drop the trailing zeros
        magnitude = math.floor(math.log10(abs(value)))
        decimals = max(0, significant - 1 - magnitude)
        text = f"{round(value, decimals):.{decimals}f}".rstrip("0").rstrip(".")
        text = text.replace(".", ",")
    return text
