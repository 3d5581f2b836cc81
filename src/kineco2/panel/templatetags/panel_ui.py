"""Template helpers of the panel pages."""

from __future__ import annotations

from django import template

from kineco2.panel.roles import perimeter_for
from kineco2.web.templatetags.kineco2 import field_widget

register = template.Library()


register.simple_tag(field_widget, name="panel_widget")


@register.simple_tag(takes_context=True)
def panel_perimeter(context):
    """The viewer's perimeter (cached on the request)."""
    request = context.get("request")
    if request is None:
        return perimeter_for(None)
    if not hasattr(request, "perimeter"):
        request.perimeter = perimeter_for(request.user)
    return request.perimeter


@register.filter
def post_label(post_id: str) -> str:
    """French label of an emission post (its id if unknown)."""
    from kineco2.engine.posts import POST_LABELS

    return POST_LABELS.get(post_id, post_id)
