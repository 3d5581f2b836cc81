"""Template filters for French number formatting (``1 234,5 kg CO2e``)."""

from django import template

from kineco2.engine.formatting import (
    format_kg,
    format_number,
    format_percent,
    format_significant,
    format_tonnes,
)

register = template.Library()


@register.filter
def fr(value, decimals=1):
    """``{{ 1234.5|fr:1 }}`` → ``1 234,5``."""
    if value is None or value == "":
        return "–"
    return format_number(float(value), int(decimals))


@register.filter
def sig(value, digits=3):
    if value is None or value == "":
        return "–"
    return format_significant(float(value), int(digits))


@register.filter
def kg(value):
    return format_kg(float(value))


@register.filter
def tonnes(value, decimals=1):
    return format_tonnes(float(value), int(decimals))


@register.filter
def percent(value, decimals=0):
    return format_percent(float(value), int(decimals))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
