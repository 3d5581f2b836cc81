"""Writes: practices, members, invitations and assessments (atomic, keyword-only)."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kineco2.engine import geography
from kineco2.engine.numbers import AmbiguousNumber
from kineco2.practices.answers import STEPS, coerce, field_specs, validate_answer
from kineco2.practices.models import (
    Assessment,
    Invitation,
    Membership,
    Practice,
    ResultSnapshot,
    Role,
    hash_token,
)


def _locate(commune: str) -> geography.Commune:
    # Raises UnknownCommuneError or AmbiguousCommuneError (French messages).
    return geography.locate(commune)


def _typed_postal_code(commune: str, place: geography.Commune) -> str | None:
    """The postal code the user typed (``"69003"``, ``"CP 97410"``), if it is ``place``'s."""
    digits = "".join(ch for ch in commune if ch.isdigit())
    return digits if digits in place.postal_codes else None


def commune_for_engine(practice: Practice) -> str:
    """The text the engine reads as the practice's commune, and as nothing else.

    The practice's postal code when it designates this commune alone (or as the most
    populated commune of that code), else :func:`geography.designation` of its INSEE code:
    a postal code shared with a larger commune, or an ambiguous code, never stands for it.
    """
    place = geography.commune_by_insee(practice.commune_code)
    return geography.designation(place, preferred=practice.postal_code)


@transaction.atomic
def practice_create(
    *, user, name: str, commune: str, practitioners: int, practice_mode: str
) -> Practice:
    place = _locate(commune)
    postal = _typed_postal_code(commune, place) or (
        place.postal_codes[0] if place.postal_codes else ""
    )
    practice = Practice.objects.create(
        name=name.strip(),
        commune_code=place.code_insee,
        commune_name=place.name,
        postal_code=postal,
        departement=place.departement,
        region_code=place.region_code,
        region_name=place.region_name,
        territory=place.territory,
        practitioners=practitioners,
        practice_mode=practice_mode,
    )
    Membership.objects.create(user=user, practice=practice, role=Role.TITULAIRE)
    return practice


@transaction.atomic
def practice_update(
    *, practice: Practice, name: str, commune: str, practitioners: int, practice_mode: str
) -> Practice:
    place = _locate(commune)
    practice.name = name.strip()
    practice.commune_code = place.code_insee
    practice.commune_name = place.name
    typed_postal = _typed_postal_code(commune, place)
    if typed_postal:
        practice.postal_code = typed_postal
    elif practice.postal_code not in place.postal_codes:
        practice.postal_code = place.postal_codes[0] if place.postal_codes else ""
    practice.departement = place.departement
    practice.region_code = place.region_code
    practice.region_name = place.region_name
    practice.territory = place.territory
    practice.practitioners = practitioners
    practice.practice_mode = practice_mode
    practice.save()
    return practice


def _profile_from_practice(practice: Practice) -> dict[str, Any]:
    return {
        "commune": commune_for_engine(practice),
        "practitioners": practice.practitioners,
        "practice_mode": practice.practice_mode,
    }


@transaction.atomic
def assessment_create(
    *, practice: Practice, reference_year: int, copy_previous: bool = True
) -> Assessment:
    """A new assessment; by default it starts from a copy of the latest previous year's answers."""
    previous = (
        Assessment.objects.filter(practice=practice, reference_year__lt=reference_year)
        .order_by("-reference_year")
        .first()
    )
    answers: dict[str, Any] = {}
    level = "express"
    if copy_previous and previous is not None:
        answers = copy.deepcopy(previous.answers)
        level = previous.level
        # A patients' mobility survey measures its own year: the new year proposes a new one.
        (answers.get("deplacements_patients") or {}).pop("enquete", None)
    profile = answers.setdefault("profile", {})
    profile.update(_profile_from_practice(practice))
    profile["reference_year"] = reference_year
    return Assessment.objects.create(
        practice=practice,
        reference_year=reference_year,
        answers=answers,
        level=level,
        copied_from=previous if copy_previous else None,
    )


_UNSET = object()


@dataclass(frozen=True)
class SaveOutcome:
    ok: bool
    value: Any = None
    error: str | None = None
    conflict: bool = False
    current: Any = None
    revision: int = 0
    #: « 14.200 »: the two readings to ask back, ((value to submit, French label), …).
    choices: tuple[tuple[str, str], ...] = ()
    #: The answers as stored by a successful save (the caller need not read them again).
    answers: dict | None = None


@transaction.atomic
def assessment_save_answer(
    *, assessment_id: int, section: str, name: str, raw: Any, previous: Any = _UNSET
) -> SaveOutcome:
    """Save one answer. Never loses what was saved before:

    * an invalid value is refused with a French message, the stored answers are unchanged;
    * if ``previous`` (the value the user's page showed) differs from the stored value, the
      answer was changed elsewhere (another tab): the save is refused as a conflict and the
      current value is returned, so the user decides.
    """
    assessment = Assessment.objects.select_for_update().get(pk=assessment_id)
    if section not in STEPS:
        return SaveOutcome(ok=False, error="Section inconnue.", revision=assessment.revision)
    spec = next((s for s in field_specs(section) if s.name == name), None)
    if spec is None:
        return SaveOutcome(ok=False, error="Question inconnue.", revision=assessment.revision)
    try:
        value = coerce(spec, raw)
    except AmbiguousNumber as exc:
        return SaveOutcome(
            ok=False, error=str(exc), choices=exc.choices, revision=assessment.revision
        )
    except ValueError as exc:
        return SaveOutcome(ok=False, error=str(exc), revision=assessment.revision)
    stored_section = assessment.answers.get(section) or {}
    current = stored_section.get(name)
    if previous is not _UNSET:
        try:
            previous_value = coerce(spec, previous) if previous not in (None, "") else None
        except (ValueError, OverflowError):
            previous_value = previous
        if name in stored_section and previous_value != current and value != current:
            return SaveOutcome(
                ok=False,
                conflict=True,
                current=current,
                error="Cette réponse a été modifiée ailleurs (un autre onglet ?).",
                revision=assessment.revision,
            )
    error = validate_answer(assessment.answers, section, name, value)
    if error:
        return SaveOutcome(ok=False, error=error, revision=assessment.revision)
    answers = copy.deepcopy(assessment.answers)
    answers.setdefault(section, {})[name] = value
    if section == "profile" and name == "commune":
        _drop_zone_of_another_territory(answers["profile"])
    assessment.answers = answers
    assessment.revision += 1
    assessment.last_step = section
    assessment.save(update_fields=["answers", "revision", "last_step", "updated_at"])
    if section == "profile":
        _sync_practice_profile(assessment, name, value)
    return SaveOutcome(ok=True, value=value, revision=assessment.revision, answers=answers)


def _drop_zone_of_another_territory(profile: dict[str, Any]) -> None:
    """A new commune in another territory: a chosen patient zone that does not exist
    there (« Proche banlieue de Paris » after moving to La Réunion) is dropped, so the
    engine takes the zone of INSEE's zoning until the user chooses another."""
    zone = profile.get("patient_zone")
    if not zone:
        return
    try:
        place = geography.locate(str(profile.get("commune")))
    except geography.CommuneError:
        return
    if zone not in geography.patient_zones_for(place.territory):
        profile.pop("patient_zone", None)


def _sync_practice_profile(assessment: Assessment, name: str, value: Any) -> None:
    """Keep the practice's profile in step with the latest assessment's profile."""
    latest = assessment.practice.assessments.order_by("-reference_year").first()
    if latest is None or latest.pk != assessment.pk or value is None:
        return
    practice = assessment.practice
    if name == "practitioners":
        practice.practitioners = value
        practice.save(update_fields=["practitioners"])
    elif name == "practice_mode":
        practice.practice_mode = value
        practice.save(update_fields=["practice_mode"])


def assessment_mark_seen(*, assessment: Assessment, step: str) -> None:
    """Remember that the user displayed ``step`` at the assessment's current level."""
    key = f"{assessment.level}:{step}"
    if key in (assessment.seen_steps or []):
        return
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        seen = list(locked.seen_steps or [])
        if key not in seen:
            seen.append(key)
            Assessment.objects.filter(pk=locked.pk).update(seen_steps=seen)
    assessment.seen_steps = seen


@transaction.atomic
def assessment_set_level(*, assessment: Assessment, level: str) -> Assessment:
    assessment.level = level
    assessment.save(update_fields=["level", "updated_at"])
    return assessment


@transaction.atomic
def assessment_replace_answers(*, assessment: Assessment, answers: dict) -> Assessment:
    """Replace every answer (JSON import). The caller validated them with ``to_input``."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    assessment.answers = answers
    assessment.revision += 1
    assessment.save(update_fields=["answers", "revision", "updated_at"])
    return assessment


@transaction.atomic
def assessment_complete(*, assessment: Assessment, result) -> ResultSnapshot:
    """Mark the assessment complete and keep a snapshot of its result and versions."""
    from kineco2.practices.selectors import answers_hash

    unc = result.uncertainty
    snapshot = ResultSnapshot.objects.create(
        assessment=assessment,
        answers_hash=answers_hash(
            assessment.answers, draws=unc.draws if unc else 0, seed=unc.seed if unc else 0
        ),
        factors_version=result.factors_version,
        defaults_version=result.defaults_version,
        schema_version=result.schema_version,
        engine_version=result.engine_version,
        total_kgco2e=result.total_kgco2e,
        per_session_kgco2e=result.per_session_kgco2e,
        interval_low_kgco2e=unc.total.low if unc else None,
        interval_high_kgco2e=unc.total.high if unc else None,
        posts={post.id: post.kgco2e for post in result.posts},
        data=result.to_dict(),
    )
    if assessment.completed_at is None:
        assessment.completed_at = timezone.now()
        assessment.save(update_fields=["completed_at", "updated_at"])
    return snapshot


@transaction.atomic
def invitation_create(
    *, practice: Practice, email: str, role: str, invited_by, base_url: str = ""
) -> Invitation:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        practice=practice,
        email=email.strip().lower(),
        role=role,
        token_hash=hash_token(token),
        invited_by=invited_by,
    )
    invitation.token = token  # for the e-mail (and the tests) only: never stored
    link = base_url + reverse("invitation_accept", args=[token])
    send_mail(
        subject=f"Invitation à rejoindre {practice.name} sur KinéCO2",
        message=(
            f"Bonjour,\n\n{invited_by} vous invite à rejoindre le cabinet « {practice.name} » "
            f"sur KinéCO2, pour mesurer et réduire ensemble son empreinte carbone.\n\n"
            f"Pour accepter : {link}\n\nCe lien est valable jusqu'au "
            f"{timezone.localtime(invitation.expires_at):%d/%m/%Y}.\n\n"
            "Si vous n'attendiez pas ce message, ignorez-le."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, practice=invitation.practice, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def assessment_set_last_step(*, assessment: Assessment, step: str) -> Assessment:
    """Remember where the user stopped in the questionnaire (to resume there)."""
    if step in STEPS and assessment.last_step != step:
        assessment.last_step = step
        assessment.save(update_fields=["last_step", "updated_at"])
    return assessment
