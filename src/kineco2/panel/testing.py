"""Factories for the panel's tests and demonstrations (never used by the app itself).

They write straight to the database, bypassing the phase checks of the services, so that a
test can set up any state (a campaign whose candidacies closed yesterday, completed
assessments with chosen figures…) in one line.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from kineco2.engine import geography
from kineco2.panel import selectors
from kineco2.panel.models import Campaign, Candidate, PanelRole, Quota, RoleKind
from kineco2.practices import services as practice_services
from kineco2.practices.models import Assessment, Practice, ResultSnapshot

IDF = "11"
REUNION = "04"
BRETAGNE = "53"

#: Password of the users made by :func:`make_user` (tests and local demonstrations only).
PASSWORD = "panel-kine-2026!"  # noqa: S105

_counter = itertools.count(1)


def make_user(email: str, *, password: str = PASSWORD, **extra):
    from kineco2.accounts.models import User

    return User.objects.create_user(email=email, password=password, email_confirmed=True, **extra)


def grant(user, role: str, region_code: str | None = None) -> PanelRole:
    return PanelRole.objects.create(user=user, role=role, region_code=region_code)


def national(user) -> PanelRole:
    return grant(user, RoleKind.NATIONAL)


def urps(user, region_code: str) -> PanelRole:
    return grant(user, RoleKind.URPS, region_code)


def make_campaign(phase: str = "candidatures", **overrides: Any) -> Campaign:
    """A campaign in ``phase``: ``candidatures`` (open today), ``closed`` (closed yesterday),
    ``preparation`` (opens in a week) or ``collecte`` (collecting today, not drawn yet)."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    starts = {
        "candidatures": today - 10 * day,
        "closed": today - 20 * day,
        "preparation": today + 7 * day,
        "collecte": today - 60 * day,
    }[phase]
    close = {
        "candidatures": today + 10 * day,
        "closed": today - day,
        "preparation": today + 30 * day,
        "collecte": today - 40 * day,
    }[phase]
    number = next(_counter)
    fields: dict[str, Any] = {
        "name": f"Panel national {number}",
        "slug": f"panel-{number}",
        "reference_year": today.year - 1,
        "candidatures_open": starts,
        "candidatures_close": close,
        "tirage_date": close + day,
        "collecte_open": min(close + 2 * day, today) if phase == "collecte" else close + 2 * day,
        "collecte_close": close + 90 * day,
        "revue_close": close + 120 * day,
        "cloture_date": close + 150 * day,
    }
    fields.update(overrides)
    return Campaign.objects.create(**fields)


def make_candidate(
    campaign: Campaign,
    commune: str = "75011",
    *,
    practitioners: int = 2,
    mode: str = "groupe",
    zone: str | None = None,
    email: str | None = None,
    name: str | None = None,
    ref: str | None = None,
) -> Candidate:
    place = geography.locate(commune)
    number = next(_counter)
    guessed = geography.insee_patient_zone(place)
    return Candidate.objects.create(
        campaign=campaign,
        ref=ref or f"K-{number:05d}",
        practice_name=name or f"Cabinet {number}",
        commune_code=place.code_insee,
        commune_name=place.name,
        postal_code=place.postal_codes[0] if place.postal_codes else "",
        departement=place.departement,
        region_code=place.region_code,
        region_name=place.region_name,
        territory=place.territory,
        practitioners=practitioners,
        practice_mode=mode,
        zone=zone or guessed,
        zone_guessed=guessed,
        size=selectors.size_band(practitioners),
        territory_group=selectors.territory_group(place.territory),
        contact_name=f"Contact {number}",
        email=email or f"cabinet{number}@example.fr",
        consent_data=True,
        consent_publication=True,
    )


def make_quota(campaign: Campaign, region_code: str, count: int, **stratum: str) -> Quota:
    return Quota.objects.create(
        campaign=campaign, region_code=region_code, stratum=stratum, count=count
    )


def make_practice(user, commune: str = "75011", name: str = "Cabinet du panel") -> Practice:
    from kineco2.practices.services import practice_create

    return practice_create(
        user=user, name=name, commune=commune, practitioners=2, practice_mode="groupe"
    )


def complete_assessment(
    practice: Practice,
    year: int,
    posts: dict[str, float],
    *,
    quality: dict[str, str] | None = None,
    profile: dict[str, Any] | None = None,
) -> ResultSnapshot:
    """A completed assessment of ``year`` with a snapshot of the given per-post figures."""
    quality = quality or {}
    if profile is None:
        profile = {
            "commune": practice_services.commune_for_engine(practice),
            "practitioners": practice.practitioners,
            "practice_mode": practice.practice_mode,
            "sessions_per_year": 8000,
            "surface_m2": 70,
            "home_visit_percent": 10,
        }
    assessment, _ = Assessment.objects.get_or_create(practice=practice, reference_year=year)
    assessment.answers = {**assessment.answers, "profile": profile}
    assessment.completed_at = timezone.now()
    assessment.save(update_fields=["answers", "completed_at"])
    total = sum(posts.values())
    return ResultSnapshot.objects.create(
        assessment=assessment,
        answers_hash="0" * 64,
        factors_version="2025.1",
        defaults_version="2025.1",
        schema_version="1",
        engine_version="1",
        total_kgco2e=total,
        per_session_kgco2e=total / 8000,
        posts=dict(posts),
        data={
            "total_kgco2e": total,
            "posts": [
                {
                    "id": post_id,
                    "label": post_id.replace("_", " ").capitalize(),
                    "kgco2e": kg,
                    "data_quality": quality.get(post_id, "mesure"),
                }
                for post_id, kg in posts.items()
            ],
        },
    )
