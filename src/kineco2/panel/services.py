"""Writes of the panel app: roles, campaigns, candidacies, the draw, follow-up and review.

Keyword-only and atomic. A refused write raises :class:`PanelError`, whose ``str()`` is a
French message for the user; nothing is written then.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import string
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from kineco2.engine import geography
from kineco2.panel import draw as panel_draw
from kineco2.panel import selectors
from kineco2.panel.models import (
    Campaign,
    Candidate,
    Draw,
    PanelInvitation,
    PanelParticipation,
    PanelRole,
    ParticipationStatus,
    Quota,
    ReviewComment,
    RoleKind,
)
from kineco2.panel.roles import Perimeter
from kineco2.practices import services as practice_services
from kineco2.practices.models import Assessment, Membership, Practice, Role

_PARTICIPATION_SALT = "kineco2.panel.participation"
_REF_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")
ACTIVE_STATUSES = (ParticipationStatus.INVITE, ParticipationStatus.EN_COURS)


class PanelError(Exception):
    """A refused write; ``str(error)`` is the French message shown to the user."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mail(*, subject: str, template: str, context: dict[str, Any], to: list[str]) -> None:
    send_mail(
        subject=subject,
        message=render_to_string(template, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=to,
    )


# --- roles and staff invitations -------------------------------------------------------------


def _check_role(role: str, region_code: str | None) -> str | None:
    if role not in RoleKind.values:
        raise PanelError("Rôle inconnu.")
    region_code = (region_code or "").strip() or None
    if role == RoleKind.URPS:
        if not region_code:
            raise PanelError("Un coordinateur URPS coordonne une région : choisissez-la.")
        if region_code not in selectors.regions():
            raise PanelError("Région inconnue.")
        return region_code
    return None


@transaction.atomic
def role_grant(*, user, role: str, region_code: str | None = None, created_by=None) -> PanelRole:
    region_code = _check_role(role, region_code)
    existing = PanelRole.objects.filter(user=user, role=role, region_code=region_code).first()
    if existing is not None:
        return existing
    return PanelRole.objects.create(
        user=user, role=role, region_code=region_code, created_by=created_by
    )


@transaction.atomic
def role_revoke(*, role: PanelRole, by) -> None:
    if role.user_id == by.pk and role.role == RoleKind.NATIONAL:
        others = PanelRole.objects.filter(role=RoleKind.NATIONAL).exclude(user=by)
        if not others.exists():
            raise PanelError(
                "Vous êtes le seul coordinateur national : invitez-en un autre avant de "
                "retirer votre propre rôle."
            )
    role.delete()


@transaction.atomic
def staff_invite(
    *, email: str, role: str, region_code: str | None, invited_by, base_url: str = ""
) -> PanelInvitation:
    region_code = _check_role(role, region_code)
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    invitation = PanelInvitation.objects.create(
        email=email,
        role=role,
        region_code=region_code,
        token_hash=_hash(token),
        invited_by=invited_by,
    )
    link = base_url + reverse("panel_staff_accept", args=[token])
    context = {
        "invitation": invitation,
        "link": link,
        "region_name": selectors.region_name(region_code or ""),
        "invited_by": invited_by,
    }
    transaction.on_commit(
        lambda: _mail(
            subject="Invitation à coordonner un panel KinéCO2",
            template="panel/emails/staff_invitation.txt",
            context=context,
            to=[email],
        )
    )
    return invitation


def staff_invitation_for_token(token: str) -> PanelInvitation | None:
    return selectors.invitation_by_token(_hash(token or ""))


@transaction.atomic
def staff_invitation_accept(*, token: str, user) -> PanelRole:
    invitation = (
        PanelInvitation.objects.select_for_update().filter(token_hash=_hash(token or "")).first()
    )
    if invitation is None:
        raise PanelError(
            "Cette invitation n'existe pas ou a été annulée. Vérifiez que le lien a été copié "
            "en entier, ou demandez une nouvelle invitation à la coordination nationale."
        )
    if invitation.accepted_at is not None:
        raise PanelError("Cette invitation a déjà été utilisée.")
    if user.email.lower() != invitation.email.lower():
        raise PanelError(
            f"Cette invitation est adressée à {invitation.email} : connectez-vous avec cette "
            "adresse pour l'accepter."
        )
    role = role_grant(
        user=user,
        role=invitation.role,
        region_code=invitation.region_code,
        created_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return role


@transaction.atomic
def staff_invitation_cancel(*, invitation: PanelInvitation) -> None:
    if invitation.accepted_at is not None:
        raise PanelError("Cette invitation a déjà été acceptée : retirez plutôt le rôle.")
    invitation.delete()


# --- campaigns and quotas --------------------------------------------------------------------

CAMPAIGN_FIELDS = (
    "name",
    "reference_year",
    "description",
    "candidatures_open",
    "candidatures_close",
    "tirage_date",
    "collecte_open",
    "collecte_close",
    "revue_close",
    "cloture_date",
    "allowed_territories",
    "allowed_modes",
    "min_months_activity",
)
#: What can no longer change once the candidates list is frozen.
FROZEN_FIELDS = (
    "reference_year",
    "candidatures_open",
    "candidatures_close",
    "allowed_territories",
    "allowed_modes",
    "min_months_activity",
)


def _unique_slug(base: str, exclude_pk: int | None = None) -> str:
    base = (slugify(base) or "campagne")[:70]
    slug, number = base, 2
    while Campaign.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


@transaction.atomic
def campaign_create(*, created_by, slug: str = "", **fields: Any) -> Campaign:
    data = {name: fields[name] for name in CAMPAIGN_FIELDS if name in fields}
    if slug and Campaign.objects.filter(slug=slug).exists():
        raise PanelError(f"L'identifiant d'adresse « {slug} » est déjà pris.")
    return Campaign.objects.create(
        slug=slug or _unique_slug(data["name"]), created_by=created_by, **data
    )


@transaction.atomic
def campaign_update(*, campaign: Campaign, **fields: Any) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.frozen_at is not None:
        changed = [n for n in FROZEN_FIELDS if n in fields and fields[n] != getattr(campaign, n)]
        if changed:
            raise PanelError(
                "La liste des candidatures est figée : l'année de référence, les dates de "
                "candidature et les règles d'éligibilité ne peuvent plus changer."
            )
    for name in CAMPAIGN_FIELDS:
        if name in fields:
            setattr(campaign, name, fields[name])
    campaign.save()
    return campaign


def _check_stratum(stratum: dict[str, str]) -> dict[str, str]:
    choices = selectors.stratum_choices()
    clean = {}
    for key, value in stratum.items():
        if not value:
            continue
        if key not in choices or value not in dict(choices[key]):
            raise PanelError(f"Critère de strate inconnu : « {key} = {value} ».")
        clean[key] = value
    return dict(sorted(clean.items()))


@transaction.atomic
def quota_add(
    *,
    campaign: Campaign,
    perimeter: Perimeter,
    region_code: str,
    stratum: dict[str, str],
    count: int,
) -> Quota:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.frozen_at is not None:
        raise PanelError("La liste des candidatures est figée : les quotas ne changent plus.")
    if region_code not in selectors.regions():
        raise PanelError("Région inconnue.")
    if not selectors.can_edit_quota(perimeter, region_code):
        raise PanelError("Vous ne pouvez modifier que les quotas de votre région.")
    if not isinstance(count, int) or count < 1 or count > 1000:
        raise PanelError("Le nombre de places doit être un entier entre 1 et 1 000.")
    stratum = _check_stratum(stratum)
    for quota in campaign.quotas.filter(region_code=region_code):
        if dict(sorted((quota.stratum or {}).items())) == stratum:
            raise PanelError(
                f"Ce quota existe déjà ({selectors.region_name(region_code)}, "
                f"{selectors.stratum_label(stratum)}) : modifiez plutôt son nombre de places."
            )
    return Quota.objects.create(
        campaign=campaign, region_code=region_code, stratum=stratum, count=count
    )


@transaction.atomic
def quota_delete(*, quota: Quota, perimeter: Perimeter) -> None:
    campaign = Campaign.objects.select_for_update().get(pk=quota.campaign_id)
    if campaign.frozen_at is not None:
        raise PanelError("La liste des candidatures est figée : les quotas ne changent plus.")
    if not selectors.can_edit_quota(perimeter, quota.region_code):
        raise PanelError("Vous ne pouvez modifier que les quotas de votre région.")
    quota.delete()


# --- candidacies -----------------------------------------------------------------------------


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start`` to ``end`` (the month of ``start`` counts if started)."""
    return (end.year - start.year) * 12 + (end.month - start.month) + 1


def eligibility_errors(
    campaign: Campaign, *, territory: str, practice_mode: str, opened_on: datetime.date | None
) -> dict[str, str]:
    """Field name → French message for every eligibility rule the practice does not meet."""
    errors = {}
    if campaign.allowed_territories and territory not in campaign.allowed_territories:
        allowed = ", ".join(geography.TERRITORIES.get(t, t) for t in campaign.allowed_territories)
        errors["commune"] = (
            f"Cette campagne est réservée aux cabinets des territoires suivants : {allowed}. "
            f"Votre commune est en {geography.TERRITORIES.get(territory, territory)}."
        )
    if campaign.allowed_modes and practice_mode not in campaign.allowed_modes:
        labels = dict(selectors.stratum_choices()["mode"])
        allowed = ", ".join(labels.get(m, m).lower() for m in campaign.allowed_modes)
        errors["practice_mode"] = (
            f"Cette campagne est réservée aux modes d'exercice suivants : {allowed}."
        )
    if campaign.min_months_activity:
        if opened_on is None:
            errors["opened_on"] = "Indiquez depuis quand le cabinet est en activité."
        else:
            months = months_between(opened_on, campaign.reference_end)
            if months < campaign.min_months_activity:
                errors["opened_on"] = (
                    f"Cette campagne demande au moins {campaign.min_months_activity} mois "
                    f"d'activité au 31 décembre {campaign.reference_year} ; votre cabinet en "
                    f"comptera {max(months, 0)}."
                )
    return errors


DUPLICATE_MESSAGE = (
    "Une candidature a déjà été enregistrée pour un cabinet de cette commune avec cette "
    "adresse e-mail : inutile de la renvoyer, elle est bien prise en compte. Pour la modifier, "
    "écrivez à la coordination de la campagne."
)


def _new_ref(campaign: Campaign) -> str:
    while True:
        ref = "K-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
        if not Candidate.objects.filter(campaign=campaign, ref=ref).exists():
            return ref


def candidacy_submit(
    *,
    campaign: Campaign,
    practice_name: str,
    commune: str,
    practitioners: int,
    practice_mode: str,
    zone: str,
    contact_name: str,
    email: str,
    consent_data: bool,
    consent_publication: bool,
    opened_on: datetime.date | None = None,
    base_url: str = "",
) -> Candidate:
    """Record a candidacy. Region, territory and strata are derived here, never trusted."""
    if not selectors.accepts_candidates(campaign):
        raise PanelError("Les candidatures de cette campagne ne sont pas ouvertes.")
    if not (consent_data and consent_publication):
        raise PanelError("Les deux accords sont nécessaires pour participer au panel.")
    place = geography.locate(commune)  # CommuneError (unknown, ambiguous): a French message
    errors = eligibility_errors(
        campaign, territory=place.territory, practice_mode=practice_mode, opened_on=opened_on
    )
    if errors:
        raise PanelError(" ".join(errors.values()))
    guessed = geography.insee_patient_zone(place)
    if zone and zone not in geography.PATIENT_ZONES:
        raise PanelError("Zone inconnue.")
    problem = geography.patient_zone_problem(zone, place) if zone else None
    if problem:
        raise PanelError(problem)
    email = email.strip().lower()
    digits = "".join(ch for ch in commune if ch.isdigit())
    postal = digits if digits in place.postal_codes else ""
    try:
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if campaign.frozen_at is not None:
                raise PanelError("La liste des candidatures de cette campagne est figée.")
            if Candidate.objects.filter(
                campaign=campaign, email=email, commune_code=place.code_insee
            ).exists():
                raise PanelError(DUPLICATE_MESSAGE)
            candidate = Candidate.objects.create(
                campaign=campaign,
                ref=_new_ref(campaign),
                practice_name=practice_name.strip(),
                commune_code=place.code_insee,
                commune_name=place.name,
                postal_code=postal or (place.postal_codes[0] if place.postal_codes else ""),
                departement=place.departement,
                region_code=place.region_code,
                region_name=place.region_name,
                territory=place.territory,
                practitioners=practitioners,
                practice_mode=practice_mode,
                opened_on=opened_on,
                zone=zone or guessed,
                zone_guessed=guessed,
                size=selectors.size_band(practitioners),
                territory_group=selectors.territory_group(place.territory),
                contact_name=contact_name.strip(),
                email=email,
                consent_data=True,
                consent_publication=True,
            )
    except IntegrityError:
        raise PanelError(DUPLICATE_MESSAGE) from None
    context = {
        "candidate": candidate,
        "campaign": campaign,
        "zone_label": geography.PATIENT_ZONES.get(candidate.zone, candidate.zone),
        "verify_link": base_url + reverse("panel_verify", args=[campaign.slug]),
    }
    _mail(
        subject=f"Votre candidature au panel « {campaign.name} »",
        template="panel/emails/candidacy_received.txt",
        context=context,
        to=[candidate.email],
    )
    return candidate


# --- freeze and draw -------------------------------------------------------------------------


@transaction.atomic
def candidates_freeze(*, campaign: Campaign) -> Campaign:
    """Freeze the candidates list and the quotas; publish the list's hash (before the seed)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.frozen_at is not None:
        raise PanelError("La liste des candidatures est déjà figée.")
    if selectors.accepts_candidates(campaign) or selectors.today() <= campaign.candidatures_close:
        raise PanelError(
            "Les candidatures sont encore ouvertes : la liste ne peut être figée qu'après le "
            f"{campaign.candidatures_close:%d/%m/%Y}."
        )
    candidates = selectors.draw_candidates(campaign)
    if not candidates:
        raise PanelError("Aucune candidature : il n'y a rien à tirer au sort.")
    if not campaign.quotas.filter(count__gt=0).exists():
        raise PanelError("Ajoutez au moins un quota avant de figer la liste.")
    campaign.frozen_candidates = panel_draw.canonical_candidates(candidates).decode("utf-8")
    campaign.candidates_hash = panel_draw.candidates_hash(candidates)
    campaign.frozen_at = timezone.now()
    campaign.save(update_fields=["frozen_candidates", "candidates_hash", "frozen_at"])
    return campaign


def check_seed(seed: str) -> str:
    seed = (seed or "").strip()
    if not seed:
        raise PanelError(
            "La graine est vide : indiquez la graine publiée (par exemple les numéros d'un "
            "tirage public, ou la date et l'heure de la séance)."
        )
    if len(seed) > 200:
        raise PanelError("La graine est trop longue (200 caractères au plus).")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in seed):
        raise PanelError("La graine ne doit contenir ni retour à la ligne ni tabulation.")
    return seed


def participation_token(participation: PanelParticipation) -> str:
    return signing.dumps({"p": participation.pk}, salt=_PARTICIPATION_SALT)


def participation_from_token(token: str) -> PanelParticipation | None:
    try:
        payload = signing.loads(token, salt=_PARTICIPATION_SALT)
    except signing.BadSignature:
        return None
    return selectors.participation_by_id(payload.get("p") if isinstance(payload, dict) else None)


def _invite(participation: PanelParticipation, *, base_url: str, reminder: bool = False) -> None:
    campaign = participation.campaign
    context = {
        "participation": participation,
        "candidate": participation.candidate,
        "campaign": campaign,
        "link": base_url + reverse("panel_participate", args=[participation_token(participation)]),
        "reminder": reminder,
        "replacement": participation.replaces_id is not None,
    }
    subject = (
        f"Rappel : votre participation au panel « {campaign.name} »"
        if reminder
        else f"Votre cabinet est tiré au sort pour le panel « {campaign.name} »"
    )
    _mail(
        subject=subject,
        template="panel/emails/participation_invitation.txt",
        context=context,
        to=[participation.candidate.email],
    )


def _send_invitations(ids: list[int], base_url: str) -> None:
    now = timezone.now()
    for participation in PanelParticipation.objects.filter(pk__in=ids).select_related(
        "campaign", "candidate"
    ):
        _invite(participation, base_url=base_url)
        PanelParticipation.objects.filter(pk=participation.pk).update(invited_at=now)


@transaction.atomic
def draw_run(*, campaign: Campaign, seed: str, by, base_url: str = "") -> Draw:
    """Run and publish the draw: once per campaign, never again."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.drawn_at is not None or Draw.objects.filter(campaign=campaign).exists():
        raise PanelError(
            "Le tirage de cette campagne a déjà été effectué et publié : il ne peut pas être "
            "relancé. Un désistement se règle en appelant le remplaçant suivant."
        )
    if campaign.frozen_at is None:
        raise PanelError(
            "Figez d'abord la liste des candidatures et publiez son empreinte : la graine ne "
            "doit être connue qu'après."
        )
    seed = check_seed(seed)
    candidates = selectors.frozen_candidates(campaign)
    if panel_draw.candidates_hash(candidates) != campaign.candidates_hash:  # pragma: no cover
        raise PanelError("La liste figée ne correspond plus à son empreinte : tirage refusé.")
    quotas = selectors.draw_quotas(campaign)
    try:
        result = panel_draw.draw(candidates, quotas, seed)
    except panel_draw.DrawInputError as exc:
        raise PanelError(str(exc)) from None
    record = Draw.objects.create(
        campaign=campaign,
        seed=seed,
        candidates_hash=result.candidates_hash,
        algorithm_version=result.algorithm_version,
        candidates_json=campaign.frozen_candidates,
        candidates_csv=selectors.candidates_csv(candidates),
        quotas=[q.to_dict() for q in quotas],
        result=result.to_dict(),
        result_csv=result.to_csv(),
        drawn_by=by,
    )
    campaign.seed = seed
    campaign.drawn_at = record.drawn_at
    campaign.save(update_fields=["seed", "drawn_at"])
    by_ref = {c.ref: c for c in campaign.candidates.all()}
    missing = sorted(set(result.selected) - set(by_ref))
    if missing:  # a candidacy deleted (admin) after the freeze
        raise PanelError(
            f"La candidature {missing[0]} a été supprimée après le figement de la liste : "
            "le tirage ne peut pas inviter ce cabinet. Tirage annulé."
        )
    created = []
    for index, quota_result in enumerate(result.quotas):
        for ref in quota_result.all_selected:
            candidate = by_ref[ref]
            created.append(
                PanelParticipation.objects.create(
                    campaign=campaign,
                    candidate=candidate,
                    region_code=candidate.region_code,
                    quota_index=index,
                    status=ParticipationStatus.INVITE,
                )
            )
    ids = [p.pk for p in created]
    transaction.on_commit(lambda: _send_invitations(ids, base_url))
    return record


# --- follow-up -------------------------------------------------------------------------------


def _lock(participation: PanelParticipation) -> PanelParticipation:
    return (
        PanelParticipation.objects.select_for_update()
        .select_related("campaign", "candidate")
        .get(pk=participation.pk)
    )


@transaction.atomic
def participation_link(
    *,
    participation: PanelParticipation,
    user,
    practice: Practice | None = None,
    name: str = "",
    commune: str = "",
    practitioners: int = 1,
    practice_mode: str = "",
) -> PanelParticipation:
    """Tie the participation to a practice of ``user`` (existing, or created here)."""
    participation = _lock(participation)
    if participation.status == ParticipationStatus.DESISTE:
        raise PanelError(
            "Cette participation a été close après un désistement. Si c'est une erreur, "
            "écrivez à la coordination de votre région."
        )
    if participation.practice_id is not None:
        raise PanelError("Cette participation est déjà liée à un cabinet.")
    if practice is None:
        practice = practice_services.practice_create(
            user=user,
            name=name,
            commune=commune,
            practitioners=practitioners,
            practice_mode=practice_mode,
        )
    elif not Membership.objects.filter(user=user, practice=practice, role=Role.TITULAIRE).exists():
        raise PanelError("Vous n'êtes pas titulaire de ce cabinet.")
    year = participation.campaign.reference_year
    if not Assessment.objects.filter(practice=practice, reference_year=year).exists():
        practice_services.assessment_create(practice=practice, reference_year=year)
    participation.practice = practice
    if participation.status == ParticipationStatus.INVITE:
        participation.status = ParticipationStatus.EN_COURS
    participation.save(update_fields=["practice", "status"])
    return participation


@transaction.atomic
def participation_withdraw(*, participation: PanelParticipation, note: str = "") -> None:
    participation = _lock(participation)
    if participation.status == ParticipationStatus.DESISTE:
        raise PanelError("Ce cabinet est déjà noté comme désisté.")
    participation.status = ParticipationStatus.DESISTE
    participation.withdrawn_at = timezone.now()
    note = note.strip()
    if note:
        stamp = timezone.localdate().strftime("%d/%m/%Y")
        participation.notes = (participation.notes + "\n" if participation.notes else "") + (
            f"{stamp} — désistement : {note}"
        )
    participation.save(update_fields=["status", "withdrawn_at", "notes"])


@transaction.atomic
def participation_promote(
    *, participation: PanelParticipation, base_url: str = ""
) -> PanelParticipation:
    """Call up the next replacement of the withdrawn participation's quota, in the draw order."""
    Campaign.objects.select_for_update().get(pk=participation.campaign_id)  # one at a time
    participation = _lock(participation)
    if participation.status != ParticipationStatus.DESISTE:
        raise PanelError("Seul un cabinet désisté est remplacé : notez d'abord son désistement.")
    if PanelParticipation.objects.filter(replaces=participation).exists():
        raise PanelError("Ce cabinet a déjà été remplacé.")
    ref = selectors.next_replacement(participation)
    if ref is None:
        raise PanelError(
            "Plus aucun remplaçant dans la liste de ce quota : la place reste vacante (elle "
            "sera signalée comme manque dans le bilan de la campagne)."
        )
    candidate = participation.campaign.candidates.get(ref=ref)
    replacement = PanelParticipation.objects.create(
        campaign=participation.campaign,
        candidate=candidate,
        region_code=candidate.region_code,
        quota_index=participation.quota_index,
        replaces=participation,
        status=ParticipationStatus.INVITE,
    )
    pk = replacement.pk
    transaction.on_commit(lambda: _send_invitations([pk], base_url))
    return replacement


@transaction.atomic
def sync_statuses(*, campaign: Campaign) -> int:
    """Invited or in progress with a completed assessment → « complet ». Returns the count."""
    done = selectors.completed_practice_ids(campaign)
    return PanelParticipation.objects.filter(
        campaign=campaign, status__in=ACTIVE_STATUSES, practice_id__in=done
    ).update(status=ParticipationStatus.COMPLET)


@transaction.atomic
def participation_validate(*, participation: PanelParticipation, by) -> None:
    participation = _lock(participation)
    if participation.status == ParticipationStatus.VALIDE:
        raise PanelError("Cette participation est déjà validée.")
    if participation.status == ParticipationStatus.DESISTE:
        raise PanelError("Un cabinet désisté ne peut pas être validé.")
    if selectors.latest_snapshot(participation) is None:
        raise PanelError("Le cabinet n'a pas encore terminé son bilan : il n'y a rien à valider.")
    participation.status = ParticipationStatus.VALIDE
    participation.validated_by = by
    participation.validated_at = timezone.now()
    participation.save(update_fields=["status", "validated_by", "validated_at"])


@transaction.atomic
def participation_notes(*, participation: PanelParticipation, notes: str) -> None:
    if len(notes) > 10_000:
        raise PanelError("Les notes sont trop longues (10 000 caractères au plus).")
    PanelParticipation.objects.filter(pk=participation.pk).update(notes=notes.strip())


@transaction.atomic
def comment_add(
    *, participation: PanelParticipation, author, body: str, post_id: str = "", base_url: str = ""
) -> ReviewComment:
    body = body.strip()
    if not body:
        raise PanelError("Le commentaire est vide.")
    if len(body) > 5_000:
        raise PanelError("Le commentaire est trop long (5 000 caractères au plus).")
    comment = ReviewComment.objects.create(
        participation=participation, author=author, body=body, post_id=post_id[:40]
    )
    recipients: list[str] = []
    if participation.practice_id:
        recipients = list(
            Membership.objects.filter(practice_id=participation.practice_id).values_list(
                "user__email", flat=True
            )
        )
    if recipients:
        context = {
            "campaign": participation.campaign,
            "link": base_url + reverse("panel_my_campaigns"),
        }
        transaction.on_commit(
            lambda: _mail(
                subject=f"Un commentaire sur votre bilan — panel « {context['campaign'].name} »",
                template="panel/emails/review_comment.txt",
                context=context,
                to=recipients,
            )
        )
    return comment


# --- reminders -------------------------------------------------------------------------------


def reminders_due(*, days: int = 7, now: datetime.datetime | None = None) -> list:
    """Participations to remind: invited or in progress, not complete, campaign collecting,
    last reminder (or invitation) at least ``days`` calendar days ago, and nothing sent to them
    today (so that a daily run at a fixed hour is not thrown off by a few seconds)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = []
    participations = (
        PanelParticipation.objects.filter(
            status__in=ACTIVE_STATUSES,
            campaign__drawn_at__isnull=False,
            campaign__collecte_close__gte=today,
        )
        .select_related("campaign", "candidate")
        .order_by("campaign_id", "pk")
    )
    completed: dict[int, set[int]] = {}
    for participation in participations:
        campaign = participation.campaign
        if campaign.pk not in completed:
            completed[campaign.pk] = selectors.completed_practice_ids(campaign)
        if participation.practice_id in completed[campaign.pk]:
            continue
        last = participation.last_reminder_at or participation.invited_at
        if last is None:
            continue  # the invitation itself is not sent yet
        if timezone.localdate(last) == today:
            continue  # at most one e-mail a day: invited or reminded today already
        if (today - timezone.localdate(last)).days >= days:
            due.append(participation)
    return due


def send_reminders(
    *,
    days: int = 7,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
    base_url: str = "",
) -> list[PanelParticipation]:
    """E-mail the due participations (see :func:`reminders_due`); returns them."""
    now = now or timezone.now()
    for campaign in Campaign.objects.filter(drawn_at__isnull=False):
        if not dry_run:
            sync_statuses(campaign=campaign)
    due = reminders_due(days=days, now=now)
    if dry_run:
        return due
    sent = []
    for participation in due:
        with transaction.atomic():
            locked = _lock(participation)
            last = locked.last_reminder_at or locked.invited_at
            if last is not None and timezone.localdate(last) == timezone.localdate(now):
                continue
            _invite(locked, base_url=base_url, reminder=True)
            locked.last_reminder_at = now
            locked.reminders_sent += 1
            locked.save(update_fields=["last_reminder_at", "reminders_sent"])
            sent.append(locked)
    return sent


# --- RGPD --------------------------------------------------------------------------------------


@transaction.atomic
def candidacies_forget(*, email: str, practice_ids: Iterable[int] = ()) -> int:
    """RGPD erasure: anonymise the candidacies of ``email`` and of the practices ``practice_ids``.

    The contact's name, e-mail and the practice's name are replaced; the row stays, because a
    frozen list and its published hash refer to its public number and strata only (which
    identify nobody), so that a past draw can still be checked. Returns the number anonymised.
    """
    email = (email or "").strip()
    wanted = Candidate.objects.none()
    if email:
        wanted = Candidate.objects.filter(email__iexact=email)
    ids = list(practice_ids)
    if ids:
        wanted = wanted | Candidate.objects.filter(participation__practice_id__in=ids)
    count = 0
    pks = set(wanted.values_list("pk", flat=True))  # (no FOR UPDATE with DISTINCT/OR joins)
    for candidate in Candidate.objects.filter(pk__in=pks).order_by("pk").select_for_update():
        candidate.contact_name = "Compte supprimé"
        candidate.email = f"candidature-{candidate.pk}@supprime.invalid"
        candidate.practice_name = f"Candidature {candidate.ref} (données supprimées)"
        candidate.save(update_fields=["contact_name", "email", "practice_name"])
        count += 1
    return count
