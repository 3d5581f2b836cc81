from django import template

register = template.Library()


@register.inclusion_tag("outreach/_faq_entries.html")
def faq_entries():
    """The FAQ entries added from the webinars' questions (published ones, newest first)."""
    from kineco2.outreach.models import FaqEntry

    return {"entries": list(FaqEntry.objects.filter(published=True).select_related("webinar"))}
