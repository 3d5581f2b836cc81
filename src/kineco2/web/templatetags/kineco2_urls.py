"""``{% url %}`` with the reversed URLs kept in the process (``{% load kineco2_urls %}``).

A results page writes about thirty links with ``{% url %}`` (the navigation of
``web/base.html``, the page's downloads and glossary links): each ``reverse()`` costs
≈ 10 µs of CPU, a third of a millisecond per page for strings that never change while the
process runs. This tag is Django's ``{% url %}`` (same syntax, same output, same errors);
a URL whose arguments are plain strings or integers is kept by everything ``reverse()``
reads: view name, arguments, current application, script prefix and URL configuration.
Other uses (keyword arguments, ``as var``, other argument types) reverse every time.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template import defaulttags
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

#: Reversed URLs by what reverse() reads; emptied when full (a few hundred are enough).
_URLS: dict[tuple, str] = {}
_URLS_MAX = 4096
_PLAIN = (int, str)


class CachedURLNode(defaulttags.URLNode):
    def render(self, context):
        if self.kwargs or self.asvar:
            return super().render(context)
        args = tuple(arg.resolve(context) for arg in self.args)
        if any(type(arg) not in _PLAIN for arg in args):
            return super().render(context)
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (
            view_name,
            tuple((type(arg), arg) for arg in args),
            current_app,
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
        )
        url = _URLS.get(key)
        if url is None:
            url = reverse(view_name, args=args, current_app=current_app)
            if len(_URLS) >= _URLS_MAX:
                _URLS.clear()
            _URLS[key] = url
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}``, with :class:`CachedURLNode`."""
    node = defaulttags.url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
