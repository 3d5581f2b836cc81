"""Template filters of the structures pages."""

from django import template

from kineco2.engine.formatting import NNBSP, format_number

register = template.Library()


@register.filter
def kg_from_grams(grams):
    """``1234567`` g → ``1 234,567 kg CO2e`` (to the gram: the shares visibly add up)."""
    if grams is None or grams == "":
        return "–"
    return f"{format_number(int(grams) / 1000, 3)}{NNBSP}kg CO2e"
