"""Template filters for French number formatting (``1 234,5 kg CO2e``)."""

import re

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

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


#: Words of the glossary (anchor of ``web/glossary.html``, pattern) linked in running text.
GLOSSARY_TERMS: tuple[tuple[str, str], ...] = (
    ("pcs-pci", r"\bPC[SI]\b"),
    ("prg", r"\bPRG\b|\b[Pp]ouvoirs? de réchauffement global"),
    ("ar6", r"\bAR6\b"),
    ("beges", r"\bBEGES\b"),
    ("centile", r"\b[Cc]entiles?\b"),
    ("intervalle-de-confiance", r"\b[Ii]ntervalles? de confiance"),
    ("valeur-par-defaut", r"\b[Vv]aleurs? par défaut"),
    ("convention-de-methode", r"\b[Cc]onventions? de méthode"),
)
_GLOSSARY_RE = re.compile(
    "|".join(f"(?P<g{i}>{pattern})" for i, (_, pattern) in enumerate(GLOSSARY_TERMS))
)
#: A text holding none of these has no glossary word (checked before the regular expression).
_GLOSSARY_HINTS = ("PC", "PRG", "AR6", "BEGES", "entile", "ntervalle", "par défaut", "onvention")


_GLOSSARY_URLS: dict[tuple, str] = {}


def _glossary_url() -> str:
    key = (get_script_prefix(), get_urlconf())
    url = _GLOSSARY_URLS.get(key)
    if url is None:
        url = _GLOSSARY_URLS[key] = reverse("glossary")
    return url


@register.filter(needs_autoescape=True)
def glossary_links(text, autoescape=True):
    """Plain text with the first occurrence of each glossary word linked to its definition:
    ``{{ post.METHOD|glossary_links }}`` (« … du GIEC (<a href="…#ar6">AR6</a>) »)."""
    text = conditional_escape(text) if autoescape else str(text)
    if not any(hint in text for hint in _GLOSSARY_HINTS):
        return mark_safe(text)
    base = _glossary_url()
    linked: set[int] = set()

    def link(match: re.Match) -> str:
        index = int(match.lastgroup[1:])
        if index in linked:
            return match.group(0)
        linked.add(index)
        anchor = GLOSSARY_TERMS[index][0]
        return f'<a href="{base}#{anchor}">{match.group(0)}</a>'

    return mark_safe(_GLOSSARY_RE.sub(link, str(text)))
