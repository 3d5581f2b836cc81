"""Panel roles and the viewer's perimeter: which regions a user may see and act on.

Every panel query goes through :func:`perimeter_for` and :func:`scope_practices` (or a
``region_code`` filter built from the :class:`Perimeter`), server-side: a URPS coordinator of
Île-de-France (``11``) never receives a row of La Réunion (``04``). This API is used by other
apps (``kineco2.benchmarks``) and is kept stable.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NO_PERIMETER", "Perimeter", "perimeter_for", "scope_practices"]


@dataclass(frozen=True)
class Perimeter:
    """What a viewer coordinates.

    ``national``: national coordinator or methodology maintainer, every region.
    ``regions``: INSEE region codes the viewer coordinates (URPS), empty if none.
    """

    national: bool
    regions: frozenset[str]
    is_maintainer: bool
    is_national_coordinator: bool = False

    def allows_region(self, region_code: str) -> bool:
        return self.national or (region_code or "") in self.regions

    @property
    def is_staff_member(self) -> bool:
        """True for any panel role (URPS, national coordinator, methodology maintainer)."""
        return self.national or self.is_maintainer or bool(self.regions)

    @property
    def can_manage_campaigns(self) -> bool:
        """Create campaigns, run draws, invite staff: the national coordination only."""
        return self.is_national_coordinator


NO_PERIMETER = Perimeter(national=False, regions=frozenset(), is_maintainer=False)


def perimeter_for(user) -> Perimeter:
    """The perimeter of ``user`` (anonymous or without a panel role: nothing).

    Computed from :class:`kineco2.panel.models.PanelRole` on every call (one query), so a
    role removed takes effect on the next request. Inactive users have no perimeter.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_PERIMETER
    from kineco2.panel.models import PanelRole, RoleKind

    rows = list(PanelRole.objects.filter(user=user).values_list("role", "region_code"))
    if not rows:
        return NO_PERIMETER
    kinds = {role for role, _ in rows}
    national_coordinator = RoleKind.NATIONAL in kinds
    maintainer = RoleKind.MAINTAINER in kinds
    regions = frozenset(region for role, region in rows if role == RoleKind.URPS and region)
    return Perimeter(
        national=national_coordinator or maintainer,
        regions=regions,
        is_maintainer=maintainer,
        is_national_coordinator=national_coordinator,
    )


def scope_practices(queryset, perimeter: Perimeter, field: str = "region_code"):
    """``queryset`` restricted server-side to ``perimeter`` (``field``: the region lookup).

    National perimeter: unchanged; regional: ``field__in`` its regions; none: empty.
    """
    if perimeter.national:
        return queryset
    if not perimeter.regions:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": sorted(perimeter.regions)})
