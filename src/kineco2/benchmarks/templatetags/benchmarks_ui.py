"""Template helpers of the benchmarks: the comparison chart of the results page."""

from __future__ import annotations

from django import template

from kineco2.benchmarks.charts import inline_svg

register = template.Library()


@register.simple_tag
def comparison_chart(position):
    """The practice's value among comparable practices (``Position``), as an inline SVG."""
    if position is None:
        return ""
    from kineco2.report.charts import comparison_svg

    # Plain SVG written directly (≈ 0,2 ms): cheaper than a cache round trip, and the
    # practice's value changes with every answer, so it is drawn each time.
    try:
        svg = comparison_svg(position.value, position.cell.quartiles, position.label)
    except (KeyError, ValueError, TypeError):
        return ""
    return inline_svg(svg)
