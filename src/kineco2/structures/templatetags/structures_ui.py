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


@register.simple_tag
def shared_premises_notice(assessment, step):
    """On the questionnaire's premises steps: the share of the structure replaces the bills."""
    from django.template.loader import render_to_string

    from kineco2.engine.allocation import REPLACED_POSTS
    from kineco2.structures.selectors import shared_share_for

    if step not in REPLACED_POSTS:
        return ""
    share = shared_share_for(assessment)
    if share is None:
        return ""
    return render_to_string("structures/_share_notice.html", {"share": share})
