"""Small helpers of the practices templates (accessible form widgets, intervals)."""

from __future__ import annotations

from django import template

from kineco2.engine.formatting import format_number
from kineco2.web.templatetags.kineco2 import field_widget

register = template.Library()


register.simple_tag(field_widget, name="field_widget")


@register.filter
def tonnes_only(value_kg, decimals=1):
    """``12 345`` kg → ``12,3`` (no unit), for intervals: « de 10,2 à 14,8 t CO2e »."""
    if value_kg is None:
        return "–"
    return format_number(float(value_kg) / 1000, int(decimals))


@register.filter
def signed_percent(share):
    """``-0.052`` → ``−5,2 %`` ; ``0.03`` → ``+3,0 %``."""
    if share is None:
        return "–"
    value = float(share) * 100
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "")
    return f"{sign}{format_number(abs(value), 1)}\u00a0%"


@register.filter
def at(sequence, index):
    """``{{ values|at:forloop.counter0 }}``."""
    try:
        return sequence[int(index)]
    except (IndexError, TypeError, ValueError):
        return None


@register.filter
def pluriel(count, suffix="s"):
    """French plural: 0 and 1 are singular (« 0 étape terminée », « 2 étapes »)."""
    try:
        return suffix if abs(float(count)) >= 2 else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def share(value):
    """A share in [0, 1] as a French percentage; « < 1 % » for small non-zero shares."""
    if value is None:
        return "–"
    value = float(value)
    if 0 < value < 0.005:
        return "< 1\u00a0%"
    return f"{format_number(value * 100, 0)}\u00a0%"
