"""Small helpers of the practices templates (accessible form widgets, intervals)."""

from __future__ import annotations

from django import template

from kineco2.engine.formatting import format_number

register = template.Library()


@register.simple_tag
def field_widget(bound_field, **attrs):
    """The widget of a Django form field, tied to its help text and errors for screen readers."""
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
    widget_attrs = {key.replace("_", "-"): value for key, value in attrs.items()}
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    if bound_field.errors:
        widget_attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=widget_attrs)


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
