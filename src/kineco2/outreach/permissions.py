"""Who may write to which audience, and see which support requests.

Built on :func:`kineco2.panel.roles.perimeter_for`: a URPS coordinator acts for the regions of
their roles; the national coordination for the whole country. Methodology maintainers have a
national *reading* perimeter for the panel, but they neither write to subscribers nor read
support requests (personal data they do not need).
"""

from __future__ import annotations

from kineco2.panel.roles import Perimeter, perimeter_for

__all__ = [
    "can_coordinate",
    "can_handle_region",
    "can_write_to",
    "perimeter_for",
    "writable_regions",
]


def can_coordinate(perimeter: Perimeter) -> bool:
    """Access to the coordinators' outreach pages (news, webinars, support inbox)."""
    return perimeter.is_national_coordinator or bool(perimeter.regions)


def can_handle_region(perimeter: Perimeter, region_code: str) -> bool:
    """May read and act on what belongs to ``region_code`` (support requests, regional items)."""
    return perimeter.is_national_coordinator or (region_code or "") in perimeter.regions


def can_write_to(perimeter: Perimeter, audience: str, region_code: str = "") -> bool:
    """May send a news item / publish an event for ``audience`` (``national`` or ``regional``)."""
    if audience == "national":
        return perimeter.is_national_coordinator
    return bool(region_code) and can_handle_region(perimeter, region_code)


def writable_regions(perimeter: Perimeter) -> dict[str, str]:
    """Regions (code → name) this viewer may write to, in the usual order."""
    from kineco2.benchmarks.aggregates import regions

    names = regions()
    if perimeter.is_national_coordinator:
        return dict(names)
    return {code: name for code, name in names.items() if code in perimeter.regions}
