"""Template helpers of the écosoins pages: signed French figures, labels, the recommendations.

``{% load ecosoins %}`` then, e.g., ``{{ example.change_kgco2e|delta_t }}`` → ``−0,8 t CO2e``.
"""

from __future__ import annotations

import math

from django import template

from kineco2.ecosoins.forms import french_number, param_name
from kineco2.engine.formatting import format_number, format_significant
from kineco2.web.templatetags.kineco2 import field_widget

register = template.Library()

MINUS = "\u2212"
NBSP = "\u00a0"


def _tonnes_text(value_t: float) -> str:
    """``3,0`` from 1 t up; two significant figures below (``0,38``, ``0,016``)."""
    size = abs(value_t)
    if size >= 1:
        return format_number(size, 1)
    if size < 0.0005:
        return "0"
    text = format_significant(size, 2)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@register.filter
def t_only(value_kg):
    """kg → tonnes without unit (``2 598`` → ``2,6`` ; ``-120`` → ``−0,12``)."""
    number = _number(value_kg)
    if number is None:
        return "–"
    text = _tonnes_text(number / 1000)
    return f"{MINUS}{text}" if number < 0 and text != "0" else text


@register.filter
def grams(value_kg):
    """kg CO2e → ``24 g CO2e`` (two significant figures)."""
    number = _number(value_kg)
    if number is None:
        return "–"
    return f"{format_significant(number * 1000, 2)}{NBSP}g CO2e"


@register.filter
def delta_t(value_kg):
    """A change in kg → signed tonnes: ``−0,8 t CO2e``, ``+0,38 t CO2e``."""
    number = _number(value_kg)
    if number is None:
        return "–"
    text = _tonnes_text(number / 1000)
    if text == "0":
        return f"0{NBSP}t CO2e"
    sign = MINUS if number < 0 else "+"
    return f"{sign}{text}{NBSP}t CO2e"


@register.filter
def reduction_t(avoided_kg):
    """Avoided kg (positive = less emitted) → ``−2,6 t CO2e``."""
    number = _number(avoided_kg)
    return "–" if number is None else delta_t(-number)


def _session_text(value_kg: float) -> str:
    size = abs(value_kg)
    if size >= 1:
        return f"{format_number(size, 2)}{NBSP}kg CO2e"
    grams = size * 1000
    if grams >= 10:
        return f"{format_number(grams, 0)}{NBSP}g CO2e"
    if grams < 0.05:
        return f"0{NBSP}g CO2e"
    return f"{format_number(grams, 1)}{NBSP}g CO2e"


@register.filter
def per_session(value_kg):
    """kg per session → ``234 g CO2e`` or ``2,41 kg CO2e`` (no sign)."""
    number = _number(value_kg)
    return "–" if number is None else _session_text(number)


@register.filter
def delta_session(value_kg):
    """A change per session → ``−234 g CO2e``."""
    number = _number(value_kg)
    if number is None:
        return "–"
    text = _session_text(number)
    if text.startswith("0" + NBSP):
        return text
    return (MINUS if number < 0 else "+") + text


@register.filter
def signed_share(value):
    """``-0.066`` → ``−6,6 %``."""
    number = _number(value)
    if number is None:
        return "–"
    text = format_number(abs(number) * 100, 1)
    if text == "0,0":
        return f"0{NBSP}%"
    return f"{MINUS if number < 0 else '+'}{text}{NBSP}%"


@register.filter
def frnum(value):
    """``0.5`` → ``0,5`` ; ``1000.0`` → ``1 000``."""
    number = _number(value)
    return "–" if number is None else french_number(number)


@register.filter
def euros(value):
    number = _number(value)
    return "–" if number is None else f"{format_number(number, 0)}{NBSP}€"


@register.filter
def cap(value):
    text = str(value or "")
    return text[:1].upper() + text[1:]


@register.filter
def get_key(mapping, key):
    if not mapping:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def pname(action_id, parameter_name):
    """The form name of a parameter: ``p-<action>-<parameter>``."""
    return param_name(action_id, parameter_name)


@register.inclusion_tag("ecosoins/_recommendations.html", takes_context=True)
def ecosoins_recommendations(context, assessment, result, limit=8):
    """``{% ecosoins_recommendations assessment result %}``: the recommendations block, for a
    page that has the assessment and its result but did not compute the recommendations."""
    from kineco2.ecosoins.selectors import recommendations

    return {
        "assessment": assessment,
        "recommendations": recommendations(
            assessment, result, limit=int(limit), user=context.get("user")
        ),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "user": context.get("user"),
    }


register.simple_tag(field_widget, name="eco_widget")


@register.filter
def per_session_signed(value_kg):
    """Like ``per_session`` with a minus sign for a negative value (interval bounds)."""
    number = _number(value_kg)
    if number is None:
        return "–"
    text = _session_text(number)
    return f"{MINUS}{text}" if number < 0 and not text.startswith("0" + NBSP) else text


@register.filter
def share_abs(value):
    """``-0.066`` → ``6,6 %`` (the sign is said in words)."""
    number = _number(value)
    return "–" if number is None else f"{format_number(abs(number) * 100, 1)}{NBSP}%"


@register.filter
def lcfirst(value):
    """« De 50 à 300 € » → « de 50 à 300 € » (after a colon)."""
    text = str(value or "")
    return text[:1].lower() + text[1:]


@register.filter
def pluriel_fr(count, suffix="s"):
    """French plural: 0 and 1 are singular (« 0 action », « 2 actions »)."""
    number = _number(count)
    return suffix if number is not None and abs(number) >= 2 else ""
