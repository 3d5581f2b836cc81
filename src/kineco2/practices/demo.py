"""The demonstration world loaded by ``load_demo``: every part of the product has something to show.

Besides the demo physiotherapist (made by the command itself), :func:`load` creates, once:

* :data:`PRACTICES` demo practices, each with a completed assessment of :data:`YEAR` and its
  result snapshot, from :func:`kineco2.engine.synthetic.generate` (realistic answers, every
  region, overseas included). Each practice belongs to its own **inactive** user
  (``demo-cabinet-NNN@kineco2.invalid``, unusable password): nobody can log in as them and
  they are in nobody's « Mes cabinets ». They feed the « autodiagnostics » population of the
  état des lieux and the comparison of the results page;
* two coordination accounts (:data:`NATIONAL_EMAIL`, :data:`URPS_IDF_EMAIL`, password
  :data:`PASSWORD`) with their :class:`~kineco2.panel.models.PanelRole`;
* the panel campaign :data:`CAMPAIGN_NAME`: candidacies of most demo practices, quotas per
  region, the frozen list, the draw published with the seed :data:`DRAW_SEED`, and the
  follow-up — participations linked to the practices, most « validé » (the « panel »
  population of the état des lieux), some waiting for review with a comment, a few not
  started, one withdrawal replaced by the next candidate of the draw.

Everything goes through the services of the apps (``practices.services``,
``panel.services``); only the candidacies are written directly (their public number is derived
from the practice number, so that the draw is the same on every machine). Idempotent: what
exists is kept, what is missing is created; a second run writes nothing. E-mails the services
send (draw invitations, review comments) go nowhere: the demo addresses do not exist.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from kineco2.accounts.models import User
from kineco2.engine import compute, geography
from kineco2.engine.synthetic import generate
from kineco2.practices import services
from kineco2.practices.answers import to_input
from kineco2.practices.models import Assessment, Level, Membership, Practice, Role

__all__ = [
    "CAMPAIGN_NAME",
    "CAMPAIGN_SLUG",
    "DRAW_SEED",
    "NATIONAL_EMAIL",
    "PASSWORD",
    "PRACTICES",
    "URPS_IDF_EMAIL",
    "YEAR",
    "Summary",
    "load",
    "practice_email",
]

YEAR = 2025
PRACTICES = 120
SYNTHETIC_SEED = 2025
PASSWORD = "demo-kineco2-2025"  # noqa: S105  (public demo accounts, documented)
NATIONAL_EMAIL = "coordination@kineco2.fr"
URPS_IDF_EMAIL = "urps-idf@kineco2.fr"
IDF = "11"

CAMPAIGN_NAME = "Panel KinéCO2 2025 (démonstration)"
CAMPAIGN_SLUG = "panel-kineco2-2025-demonstration"
DRAW_SEED = "KinéCO2 démonstration 2025"
#: One demo practice in ``NOT_CANDIDATE`` did not apply to the panel (self-diagnosis only).
NOT_CANDIDATE = 10
#: Places of a region's quotas, as a share of its candidacies.
QUOTA_SHARE = 0.75
#: Île-de-France also has a quota of practitioners working alone (a stratum, for the demo).
IDF_ALONE_PLACES = 2
#: Regions with this many participations show every state of the follow-up (see _follow_up).
BUSY_REGION = 8

_REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # as kineco2.panel.services: no 0 O 1 I L
_SILENT_MAIL = "django.core.mail.backends.locmem.EmailBackend"


def practice_email(number: int) -> str:
    return f"demo-cabinet-{number:03d}@kineco2.invalid"


@dataclass
class Summary:
    practices: int = 0
    practices_created: int = 0
    campaign_created: bool = False
    participations: int = 0
    validated: int = 0


@dataclass(frozen=True)
class _Demo:
    number: int
    code: str  # the commune code of the answers (locates the practice's commune)
    practice: Practice
    owner: User


# -- accounts ---------------------------------------------------------------------------------
def _staff_user(email: str, first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"first_name": first_name, "last_name": last_name, "email_confirmed": True},
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def _staff() -> tuple[User, User]:
    from kineco2.panel import services as panel_services
    from kineco2.panel.models import RoleKind

    national = _staff_user(NATIONAL_EMAIL, "Dominique", "Coordination nationale")
    urps = _staff_user(URPS_IDF_EMAIL, "Sacha", "URPS Île-de-France")
    panel_services.role_grant(user=national, role=RoleKind.NATIONAL)
    panel_services.role_grant(user=urps, role=RoleKind.URPS, region_code=IDF, created_by=national)
    return national, urps


# -- practices --------------------------------------------------------------------------------
def _owner(number: int) -> User:
    user = User(
        email=practice_email(number),
        first_name="Cabinet",
        last_name=f"démo {number:03d}",
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    return user


def _complete(practice: Practice, answers: dict) -> None:
    """The assessment of :data:`YEAR`, with ``answers``, completed with its result snapshot."""
    assessment = Assessment.objects.filter(practice=practice, reference_year=YEAR).first()
    if assessment is None:
        assessment = services.assessment_create(
            practice=practice, reference_year=YEAR, copy_previous=False
        )
    inputs = to_input(answers)
    assessment = services.assessment_replace_answers(assessment=assessment, answers=answers)
    assessment = services.assessment_set_level(assessment=assessment, level=Level.COMPLET)
    # No Monte Carlo: nobody opens these results, the état des lieux reads the totals.
    services.assessment_complete(assessment=assessment, result=compute(inputs, draws=0))


def _practices(summary: Summary) -> list[_Demo]:
    answers = generate(PRACTICES, seed=SYNTHETIC_SEED)
    emails = [practice_email(n) for n in range(1, PRACTICES + 1)]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    owned = dict(
        Membership.objects.filter(user__email__in=emails, role=Role.TITULAIRE)
        .order_by("pk")
        .values_list("user__email", "practice_id")
    )
    practices = Practice.objects.in_bulk(list(owned.values()))
    completed = set(
        Assessment.objects.filter(
            practice_id__in=list(owned.values()),
            reference_year=YEAR,
            completed_at__isnull=False,
            snapshots__isnull=False,
        ).values_list("practice_id", flat=True)
    )
    demos = []
    for number, data in enumerate(answers, start=1):
        email = practice_email(number)
        profile = data["profile"]
        profile["reference_year"] = YEAR
        owner = users.get(email) or _owner(number)
        practice = practices.get(owned.get(email, 0))
        if practice is None:
            place = geography.locate(profile["commune"])
            practice = services.practice_create(
                user=owner,
                name=f"Cabinet {place.name} (démo {number:03d})",
                commune=profile["commune"],
                practitioners=profile["practitioners"],
                practice_mode=profile["practice_mode"],
            )
            summary.practices_created += 1
        if practice.pk not in completed:
            _complete(practice, data)
        demos.append(_Demo(number, profile["commune"], practice, owner))
    summary.practices = len(demos)
    return demos


# -- the panel campaign -----------------------------------------------------------------------
def _ref(number: int) -> str:
    """A public candidacy number in the format of the app (``K-XXXXXX``), fixed per practice."""
    digest = hashlib.sha256(f"{CAMPAIGN_SLUG}|{number}".encode()).digest()
    return "K-" + "".join(_REF_ALPHABET[b % len(_REF_ALPHABET)] for b in digest[:6])


def _candidate(campaign, demo: _Demo):
    from kineco2.panel import selectors as panel_selectors
    from kineco2.panel.models import Candidate

    practice = demo.practice
    place = geography.locate(demo.code)
    guessed = geography.insee_patient_zone(place)
    return Candidate.objects.create(
        campaign=campaign,
        ref=_ref(demo.number),
        practice_name=practice.name,
        commune_code=place.code_insee,
        commune_name=place.name,
        postal_code=practice.postal_code,
        departement=place.departement,
        region_code=place.region_code,
        region_name=place.region_name,
        territory=place.territory,
        practitioners=practice.practitioners,
        practice_mode=practice.practice_mode,
        opened_on=datetime.date(1995 + demo.number % 28, 1 + demo.number % 12, 1),
        zone=guessed,
        zone_guessed=guessed,
        size=panel_selectors.size_band(practice.practitioners),
        territory_group=panel_selectors.territory_group(place.territory),
        contact_name=f"Kiné titulaire du cabinet démo {demo.number:03d}",
        email=demo.owner.email,
        consent_data=True,
        consent_publication=True,
    )


def _dates() -> dict[str, datetime.date]:
    """Candidacies closed four months ago, collection just over: the data review is under way."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    return {
        "candidatures_open": today - 150 * day,
        "candidatures_close": today - 120 * day,
        "tirage_date": today - 115 * day,
        "collecte_open": today - 110 * day,
        "collecte_close": today - 20 * day,
        "revue_close": today + 40 * day,
        "cloture_date": today + 70 * day,
    }


def _campaign(demos: list[_Demo], national: User, urps: User, summary: Summary):
    from kineco2.panel import services as panel_services
    from kineco2.panel.models import Campaign
    from kineco2.panel.roles import perimeter_for

    campaign = Campaign.objects.filter(slug=CAMPAIGN_SLUG).first()
    if campaign is not None:
        return campaign
    campaign = panel_services.campaign_create(
        created_by=national,
        slug=CAMPAIGN_SLUG,
        name=CAMPAIGN_NAME,
        reference_year=YEAR,
        description=(
            "Campagne de démonstration : les cabinets, les candidatures et les résultats sont "
            "fictifs (réponses synthétiques réalistes). Le tirage au sort, lui, est réel et "
            "vérifiable avec la graine publiée."
        ),
        min_months_activity=12,
        **_dates(),
    )
    candidates = [_candidate(campaign, d) for d in demos if d.number % NOT_CANDIDATE]
    by_region: dict[str, int] = {}
    for candidate in candidates:
        by_region[candidate.region_code] = by_region.get(candidate.region_code, 0) + 1
    perimeter = perimeter_for(national)
    for region, count in sorted(by_region.items()):
        places = max(1, round(QUOTA_SHARE * count))
        if region == IDF:
            panel_services.quota_add(
                campaign=campaign,
                perimeter=perimeter,
                region_code=region,
                stratum={"size": "seul"},
                count=IDF_ALONE_PLACES,
            )
            places -= IDF_ALONE_PLACES
        panel_services.quota_add(
            campaign=campaign, perimeter=perimeter, region_code=region, stratum={}, count=places
        )
    campaign = panel_services.candidates_freeze(campaign=campaign)
    panel_services.draw_run(campaign=campaign, seed=DRAW_SEED, by=national)
    _follow_up(campaign, demos, national, urps)
    summary.campaign_created = True
    return campaign


def _follow_up(campaign, demos: list[_Demo], national: User, urps: User) -> None:
    """Participations in every state of the follow-up, chosen in the order of the draw files.

    In each region of :data:`BUSY_REGION` participations or more (candidacy numbers in order),
    the last participation is « complet », awaiting review, with a coordinator's comment, and
    the one before it has not started (« invité »); every other participation is linked to its
    practice and validated. In the largest region, the second practice withdraws and the next
    replacement of its quota is called up, linked and validated.
    """
    from kineco2.panel import services as panel_services

    by_ref = {_ref(d.number): d for d in demos}
    rows: dict[str, list] = {}
    for participation in campaign.participations.select_related("candidate").order_by(
        "region_code", "candidate__ref"
    ):
        rows.setdefault(participation.region_code, []).append(participation)

    def coordinator(participation) -> User:
        return urps if participation.region_code == IDF else national

    def link(participation):
        demo = by_ref[participation.candidate.ref]
        return panel_services.participation_link(
            participation=participation, user=demo.owner, practice=demo.practice
        )

    largest = max(sorted(rows), key=lambda region: len(rows[region]))
    for region, participations in sorted(rows.items()):
        n = len(participations)
        for index, participation in enumerate(participations):
            if region == largest and index == 1:
                panel_services.participation_withdraw(
                    participation=participation,
                    note="cabinet fermé six mois pour travaux en 2025, bilan non représentatif",
                )
                replacement = panel_services.participation_promote(participation=participation)
                panel_services.participation_validate(
                    participation=link(replacement), by=coordinator(replacement)
                )
            elif n >= BUSY_REGION and index == n - 2:
                panel_services.participation_notes(
                    participation=participation,
                    notes="Relancé par téléphone : le cabinet termine son bilan cette semaine.",
                )
            elif n >= BUSY_REGION and index == n - 1:
                panel_services.comment_add(
                    participation=link(participation),
                    author=coordinator(participation),
                    post_id="energie",
                    body=(
                        "Merci pour votre bilan. Pouvez-vous vérifier la consommation "
                        "d'électricité (total des factures de l'année) et nous dire si elle "
                        "comprend le chauffage ?"
                    ),
                )
            else:
                panel_services.participation_validate(
                    participation=link(participation), by=coordinator(participation)
                )


def _backdate_invitations(campaign) -> None:
    """The invitations went out on the day of the draw (the services stamp them « now »)."""
    from kineco2.panel.models import PanelParticipation

    drawn = timezone.make_aware(
        datetime.datetime.combine(campaign.tirage_date, datetime.time(10, 0))
    )
    participations = PanelParticipation.objects.filter(campaign=campaign)
    participations.filter(replaces__isnull=True).exclude(invited_at=drawn).update(invited_at=drawn)
    later = drawn + datetime.timedelta(days=30)
    participations.filter(replaces__isnull=False).exclude(invited_at=later).update(invited_at=later)


# -- entry point --------------------------------------------------------------------------------
def load() -> Summary:
    """Create what is missing of the demonstration world (see the module docstring)."""
    from kineco2.benchmarks.services import sync_figures
    from kineco2.panel.models import ParticipationStatus

    summary = Summary()
    # The services e-mail the (non-existent) demo addresses: keep those e-mails in memory.
    with override_settings(EMAIL_BACKEND=_SILENT_MAIL):
        with transaction.atomic():
            national, urps = _staff()
            demos = _practices(summary)
            campaign = _campaign(demos, national, urps, summary)
        # after the commit: the invitation e-mails (and their date) are sent on commit
        _backdate_invitations(campaign)
    sync_figures()  # the état des lieux reads the new results at once
    participations = campaign.participations.all()
    summary.participations = participations.count()
    summary.validated = participations.filter(status=ParticipationStatus.VALIDE).count()
    return summary
