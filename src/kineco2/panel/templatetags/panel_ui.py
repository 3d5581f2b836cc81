"""Template helpers of the panel pages."""

from __future__ import annotations

from django import template

from kineco2.panel.roles import perimeter_for

register = template.Library()


@register.simple_tag
def panel_widget(bound_field, **attrs):
    """A form field's widget, tied to its help text and errors for screen readers."""
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
