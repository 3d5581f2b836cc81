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
