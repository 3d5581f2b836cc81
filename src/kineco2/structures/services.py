"""Writes: structures, coordinators, invitations, members, shared premises, collective actions."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kineco2.engine import geography
from kineco2.practices.models import Practice
from kineco2.structures.models import (
    CollectiveAction,
    Coordinator,
    CoordinatorRole,
    InvitationKind,
    MemberPractice,
    OtherProfessional,
    SharedPremises,
    Structure,
    StructureInvitation,
)


@transaction.atomic
def structure_create(*, user, kind: str, name: str, commune: str, finess: str = "") -> Structure:
    """Create a structure; its creator is its first « responsable »."""
    place = geography.locate(commune)
    structure = Structure.objects.create(
        kind=kind,
        name=name.strip(),
        commune_code=place.code_insee,
        commune_name=place.name,
        departement=place.departement,
        region_code=place.region_code,
        finess=finess.strip(),
        created_by=user,
    )
    Coordinator.objects.create(structure=structure, user=user, role=CoordinatorRole.RESPONSABLE)
    return structure


@transaction.atomic
def structure_update(*, structure: Structure, **fields: Any) -> Structure:
    commune = fields.pop("commune", None)
    if commune:
        place = geography.locate(commune)
        structure.commune_code = place.code_insee
        structure.commune_name = place.name
        structure.departement = place.departement
        structure.region_code = place.region_code
    for name, value in fields.items():
        setattr(structure, name, value)
    structure.save()
    return structure


@transaction.atomic
def invitation_create(
    *, structure: Structure, kind: str, email: str, invited_by, role: str = "", base_url: str = ""
) -> StructureInvitation:
    invitation = StructureInvitation.objects.create(
        structure=structure,
        kind=kind,
        email=email.strip().lower(),
        role=role or CoordinatorRole.COORDINATEUR,
        token=secrets.token_urlsafe(32),
        invited_by=invited_by,
    )
    link = base_url + reverse("structure_invitation", args=[invitation.token])
    if kind == InvitationKind.CABINET:
        what = (
            f"à rattacher votre cabinet à « {structure.name} » ({structure.get_kind_display()}) "
            "sur KinéCO2. Votre cabinet recevra automatiquement sa part des locaux partagés ; "
            "vous choisissez ce que vous partagez avec les coordinateurs."
        )
    else:
        what = f"à coordonner « {structure.name} » ({structure.get_kind_display()}) sur KinéCO2."
    send_mail(
        subject=f"Invitation : {structure.name} sur KinéCO2",
        message=(
            f"Bonjour,\n\n{invited_by} vous invite {what}\n\nPour répondre : {link}\n\n"
            "Si vous n'attendiez pas ce message, ignorez-le."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
    return invitation


@transaction.atomic
def invitation_accept_coordinator(*, invitation: StructureInvitation, user) -> Coordinator:
    coordinator, _ = Coordinator.objects.get_or_create(
        structure=invitation.structure, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return coordinator


@transaction.atomic
def invitation_accept_practice(
    *, invitation: StructureInvitation, practice: Practice, share_footprint: bool
) -> MemberPractice:
    member, created = MemberPractice.objects.get_or_create(
        structure=invitation.structure,
        practice=practice,
        defaults={"share_footprint": share_footprint, "headcount": practice.practitioners},
    )
    if not created and member.share_footprint != share_footprint:
        member.share_footprint = share_footprint
        member.save(update_fields=["share_footprint", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return member


@transaction.atomic
def invitation_decline(*, invitation: StructureInvitation) -> None:
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])


@transaction.atomic
def member_update_key(*, member: MemberPractice, **numbers: float) -> MemberPractice:
    for name in ("surface_m2", "sessions_per_year", "hours_per_week", "headcount"):
        if name in numbers:
            setattr(member, name, numbers[name])
    member.save()
    return member


@transaction.atomic
def member_set_sharing(*, member: MemberPractice, share_footprint: bool) -> MemberPractice:
    member.share_footprint = share_footprint
    member.save(update_fields=["share_footprint", "updated_at"])
    return member


@transaction.atomic
def member_leave(*, member: MemberPractice) -> None:
    member.delete()


@transaction.atomic
def professional_add(*, structure: Structure, **fields: Any) -> OtherProfessional:
    return OtherProfessional.objects.create(structure=structure, **fields)


@transaction.atomic
def professional_delete(*, professional: OtherProfessional) -> None:
    professional.delete()


@transaction.atomic
def premises_save(
    *, structure: Structure, year: int, answers: dict[str, dict[str, Any]], user
) -> SharedPremises:
    premises, _ = SharedPremises.objects.select_for_update().get_or_create(
        structure=structure, reference_year=year
    )
    premises.answers = answers
    premises.updated_by = user
    premises.save()
    return premises


@transaction.atomic
def action_set(
    *, structure: Structure, action_id: str, year: int, status: str, note: str = ""
) -> CollectiveAction:
    action, _ = CollectiveAction.objects.update_or_create(
        structure=structure,
        action_id=action_id,
        reference_year=year,
        defaults={"status": status, "note": note},
    )
    return action
