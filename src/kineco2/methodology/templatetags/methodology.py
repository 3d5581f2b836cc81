"""Filters of the methodology pages: any reference value, a signed change."""

from decimal import Decimal

from django import template

from kineco2.engine.formatting import format_number, format_percent, format_significant

register = template.Library()


@register.filter
def refvalue(value):
    """A factor or default value of any type, in French (numbers with 4 significant digits)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float | Decimal):
        text = format_significant(float(value), 4)
        return text.rstrip("0").rstrip(",") if "," in text else text
    if isinstance(value, list | tuple):
        return ", ".join(refvalue(v) for v in value)
    return str(value)


@register.filter
def signed_percent(share, decimals=1):
    """``+12,3 %`` / ``−4,0 %`` from a share; ``—`` when there is none."""
    if share is None:
        return "—"
    text = format_percent(abs(float(share)), int(decimals))
    return ("+" if share > 0 else "−" if share < 0 else "") + text


@register.filter
def signed_kg(value, decimals=1):
    """``+12,3`` / ``−4,0`` (kg), exact for a Decimal."""
    if value is None:
        return "—"
    number = float(value)
    text = format_number(abs(number), int(decimals))
    return ("+" if number > 0 else "−" if number < 0 else "") + text


@register.simple_tag
def current_method():
    """The methodology version in force (the newest published one of the registry)."""
    from kineco2.engine.versions import current_version
    from kineco2.methodology.selectors import registry_path

    return current_version(registry_path())
