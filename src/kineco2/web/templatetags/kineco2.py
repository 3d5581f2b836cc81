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
def zone_label(zone_id):
    """``{{ "grand_pole"|zone_label }}`` → the patient zone in plain French."""
    from kineco2.engine.geography import PATIENT_ZONES

    return PATIENT_ZONES.get(zone_id, zone_id or "")


@register.filter
def source_with_year(factor):
    """« ADEME, Base Carbone (2018) »: the year is added only when the source lacks it."""
    from kineco2.engine.formatting import source_with_year as _source_with_year

    return _source_with_year(getattr(factor, "source", ""), getattr(factor, "year", None))
