"""Reads of the outreach app, always scoped to the viewer's perimeter."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kineco2.outreach import publication
from kineco2.outreach.models import (
    Audience,
    NewsItem,
    Subscriber,
    SubscriberStatus,
    SupportRequest,
    Webinar,
)
from kineco2.outreach.permissions import writable_regions
from kineco2.panel.roles import Perimeter


def news_for(perimeter: Perimeter):
    """News items this coordinator may write (national ones: national coordination only)."""
    qs = NewsItem.objects.select_related("author")
    if perimeter.is_national_coordinator:
        return qs
    return qs.filter(audience=Audience.REGIONAL, region_code__in=sorted(perimeter.regions))


def subscriber_counts(perimeter: Perimeter) -> list[tuple[str, str, int]]:
    """``(code, name, active subscribers)`` for each region the viewer writes to.

    These are operational counts for the people who write to those subscribers, not a
    published statistic (they know their own list).
    """
    regions = writable_regions(perimeter)
    rows = dict(
        Subscriber.objects.filter(status=SubscriberStatus.ACTIVE, region_code__in=list(regions))
        .values_list("region_code")
        .annotate(n=Count("pk"))
    )
    return [(code, name, rows.get(code, 0)) for code, name in regions.items()]


def webinars_for(perimeter: Perimeter):
    qs = Webinar.objects.annotate(
        n_registrations=Count("registrations", filter=Q(registrations__cancelled_at__isnull=True))
    )
    if perimeter.is_national_coordinator:
        return qs
    return qs.filter(region_code__in=sorted(perimeter.regions))


def support_requests_of(user):
    """Requests the user made, or made for a practice the user belongs to."""
    from kineco2.practices.selectors import practices_for_user

    return (
        SupportRequest.objects.filter(Q(requester=user) | Q(practice__in=practices_for_user(user)))
        .select_related("practice")
        .distinct()
    )


def support_inbox(perimeter: Perimeter):
    """Requests of the viewer's regions only (the national coordination: all)."""
    qs = SupportRequest.objects.select_related("practice", "assigned_to")
    if perimeter.is_national_coordinator:
        return qs
    if not perimeter.regions:
        return qs.none()
    return qs.filter(region_code__in=sorted(perimeter.regions))


@dataclass(frozen=True)
class MonthRow:
    month: str
    region_name: str
    requests: int | None
    answered: int | None
    actions_started: int | None


def support_monthly(perimeter: Perimeter) -> dict:
    """Requests, answered requests and practices that started an action, per month and region.

    Published under the publication rules (:mod:`.publication`): each figure of a month is a
    count of requests of one region; a figure under the threshold is not shown.
    """
    from kineco2.ecosoins.models import PlannedAction, PlanStatus

    qs = support_inbox(perimeter).annotate(month=TruncMonth("created_at"))
    started = set(
        PlannedAction.objects.filter(status__in=[PlanStatus.EN_COURS, PlanStatus.REALISEE])
        .values_list("practice_id", flat=True)
        .distinct()
    )
    counts: dict[tuple, Counter] = defaultdict(Counter)
    names: dict[str, str] = {}
    for month, region, name, practice_id, answered_at in qs.values_list(
        "month", "region_code", "region_name", "practice_id", "answered_at"
    ):
        key = (month, region)
        names[region] = name
        counts[key]["requests"] += 1
        counts[key]["answered"] += answered_at is not None
        counts[key]["actions"] += practice_id in started
    rows = []
    for (month, region), c in sorted(
        counts.items(), key=lambda kv: (kv[0][0], names[kv[0][1]]), reverse=True
    ):
        rows.append(
            MonthRow(
                month=_month_label(month),
                region_name=names[region],
                requests=publication.count(c["requests"]),
                answered=publication.count(c["answered"]),
                actions_started=publication.count(c["actions"]),
            )
        )
    return {
        "rows": rows,
        "threshold": publication.threshold(),
        "suppressed": publication.SUPPRESSED,
        "generated_at": timezone.now(),
    }


MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def _month_label(value) -> str:
    if value is None:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{MONTHS[value.month - 1]} {value.year}"
