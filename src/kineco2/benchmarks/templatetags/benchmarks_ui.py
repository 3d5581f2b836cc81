"""Template helpers of the benchmarks: the comparison chart of the results page."""

from __future__ import annotations

import hashlib
import json

from django import template
from django.core.cache import cache

from kineco2.benchmarks.charts import inline_svg

register = template.Library()


@register.simple_tag
def comparison_chart(position):
    """The practice's value among comparable practices (``Position``), as an inline SVG."""
    if position is None:
        return ""
    from kineco2.report.charts import comparison_svg

    # Plain SVG (≈ 0,2 ms); still kept per set of figures, like the inline conversion.
    figures = json.dumps(
        [position.value, position.cell.quartiles, position.label], sort_keys=True, default=str
    )
    key = "chart:comparison:" + hashlib.sha256(figures.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        svg = comparison_svg(position.value, position.cell.quartiles, position.label)
    except (KeyError, ValueError, TypeError):
        return ""
    safe = inline_svg(svg)
    cache.set(key, safe, timeout=24 * 3600)
    return safe
