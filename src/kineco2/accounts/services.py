"""Writes on accounts: sign-up, e-mail confirmation, profile, API tokens, RGPD export and deletion.

Keyword-only, atomic. The clear API token only ever exists in the return value of
:func:`api_token_create`; the database holds its sha256.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kineco2.accounts.api_auth import hash_token
from kineco2.accounts.models import ApiToken, User
from kineco2.practices.models import Membership, Practice, Role

#: A confirmation link is valid for three days.
EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 3600
_EMAIL_CONFIRM_SALT = "kineco2.accounts.email-confirm"

#: Version of the export format (bumped when keys change).
EXPORT_FORMAT = "kineco2-export/1"


class EmailConfirmError(Exception):
    """A confirmation link that cannot be used; ``str(exc)`` is the French message."""


# --- sign-up and e-mail confirmation ---------------------------------------------------------


@transaction.atomic
def user_signup(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    return User.objects.create_user(
        email=email.strip().lower(),
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )


def email_confirm_token(user: User) -> str:
    """A signed, timestamped token naming the user and the address to confirm."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=_EMAIL_CONFIRM_SALT)


def email_confirm_send(*, user: User, base_url: str = "") -> None:
    """Send the confirmation link (``base_url`` is ``scheme://host``, no trailing slash)."""
    link = base_url + reverse("email_confirm", args=[email_confirm_token(user)])
    days = EMAIL_CONFIRM_MAX_AGE // (24 * 3600)
    send_mail(
        subject="Confirmez votre adresse e-mail sur KinéCO2",
        message=render_to_string(
            "accounts/email_confirm_email.txt", {"user": user, "link": link, "days": days}
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """Mark the address named by ``token`` as confirmed; :class:`EmailConfirmError` if unusable."""
    try:
        payload = signing.loads(token, salt=_EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailConfirmError(
            "Ce lien de confirmation a expiré. Connectez-vous et demandez-en un nouveau "
            "depuis la page « Mon compte »."
        ) from None
    except signing.BadSignature:
        raise EmailConfirmError(
            "Ce lien de confirmation n'est pas valide. Vérifiez qu'il a été copié en entier, "
            "ou demandez-en un nouveau depuis la page « Mon compte »."
        ) from None
    user = (
        User.objects.select_for_update()
        .filter(pk=payload.get("u"), email=payload.get("e"), is_active=True)
        .first()
    )
    if user is None:
        raise EmailConfirmError(
            "Ce lien de confirmation ne correspond plus à aucun compte (l'adresse a peut-être "
            "changé). Demandez-en un nouveau depuis la page « Mon compte »."
        )
    if not user.email_confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    return user


@transaction.atomic
def user_update_profile(*, user: User, first_name: str, last_name: str) -> User:
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.save(update_fields=["first_name", "last_name"])
    return user


# --- API tokens ------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; returns it with the clear token, which is stored nowhere."""
    clear = ApiToken.new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        token_hash=hash_token(clear),
        prefix=clear[:8],
    )
    return token, clear


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


# --- RGPD: export ----------------------------------------------------------------------------


def _dt(value) -> str | None:
    return value.isoformat() if value else None


def _snapshot_dict(snapshot) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {
        "computed_at": _dt(snapshot.computed_at),
        "total_kgco2e": snapshot.total_kgco2e,
        "per_session_kgco2e": snapshot.per_session_kgco2e,
        "interval_low_kgco2e": snapshot.interval_low_kgco2e,
        "interval_high_kgco2e": snapshot.interval_high_kgco2e,
        "posts": snapshot.posts,
        "factors_version": snapshot.factors_version,
        "defaults_version": snapshot.defaults_version,
        "schema_version": snapshot.schema_version,
        "engine_version": snapshot.engine_version,
        "answers_hash": snapshot.answers_hash,
        "data": snapshot.data,
    }


def user_export(*, user: User) -> dict[str, Any]:
    """Everything KinéCO2 holds about ``user`` and the practices they belong to (RGPD art. 15, 20).

    Other members are given by role only: their e-mail addresses are their own personal data.
    """
    memberships = list(
        Membership.objects.filter(user=user).select_related("practice").order_by("created_at")
    )
    practices = []
    for membership in memberships:
        practice = membership.practice
        assessments = []
        for assessment in practice.assessments.order_by("reference_year"):
            assessments.append(
                {
                    "reference_year": assessment.reference_year,
                    "level": assessment.level,
                    "answers": assessment.answers,
                    "revision": assessment.revision,
                    "completed_at": _dt(assessment.completed_at),
                    "created_at": _dt(assessment.created_at),
                    "updated_at": _dt(assessment.updated_at),
                    "latest_result": _snapshot_dict(
                        assessment.snapshots.order_by("-computed_at", "-pk").first()
                    ),
                }
            )
        practices.append(
            {
                "id": practice.pk,
                "name": practice.name,
                "commune_code": practice.commune_code,
                "commune_name": practice.commune_name,
                "postal_code": practice.postal_code,
                "departement": practice.departement,
                "region_name": practice.region_name,
                "territory": practice.territory,
                "practitioners": practice.practitioners,
                "practice_mode": practice.practice_mode,
                "created_at": _dt(practice.created_at),
                "my_role": membership.role,
                "members": [
                    {"role": m.role, "me": m.user_id == user.pk}
                    for m in practice.memberships.order_by("created_at", "pk")
                ],
                "assessments": assessments,
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _dt(timezone.now()),
        "profile": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email_confirmed": user.email_confirmed,
            "date_joined": _dt(user.date_joined),
            "last_login": _dt(user.last_login),
        },
        "memberships": [
            {
                "practice_id": m.practice_id,
                "practice_name": m.practice.name,
                "role": m.role,
                "since": _dt(m.created_at),
            }
            for m in memberships
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _dt(t.created_at),
                "last_used_at": _dt(t.last_used_at),
            }
            for t in user.api_tokens.order_by("created_at")
        ],
        "practices": practices,
        **_outreach_export(user),
    }


def _outreach_export(user: User) -> dict[str, Any]:
    """Newsletter subscription (same address) and support requests (kineco2.outreach)."""
    from kineco2.outreach.models import Subscriber
    from kineco2.outreach.services import subscriber_export

    subscriber = Subscriber.objects.filter(email=user.email).first()
    return {
        "lettre": subscriber_export(subscriber) if subscriber else None,
        "support_requests": [
            {
                "practice": r.practice.name,
                "topics": r.topic_labels,
                "message": r.message,
                "contact_method": r.contact_method,
                "phone": r.phone,
                "availability": r.availability,
                "status": r.get_status_display(),
                "created_at": _dt(r.created_at),
            }
            for r in user.support_requests.select_related("practice").order_by("created_at")
        ],
    }


# --- RGPD: deletion --------------------------------------------------------------------------


@dataclass
class DeletionPlan:
    """What deleting an account does to the user's practices."""

    deleted: list[Practice] = field(default_factory=list)  # the user is the only member
    kept: list[Practice] = field(default_factory=list)  # other members keep them


def user_deletion_plan(*, user: User) -> DeletionPlan:
    plan = DeletionPlan()
    for membership in Membership.objects.filter(user=user).select_related("practice"):
        practice = membership.practice
        if practice.memberships.exclude(user=user).exists():
            plan.kept.append(practice)
        else:
            plan.deleted.append(practice)
    return plan


@transaction.atomic
def user_delete(*, user: User) -> DeletionPlan:
    """Delete the account (RGPD art. 17).

    * a practice where the user is the only member is deleted with its assessments, results
      and invitations;
    * a practice with other members stays; if the user was its only titulaire, the oldest
      remaining member becomes titulaire;
    * panel candidacies made with the user's e-mail or for their practices are anonymised
      (contact name, e-mail, practice name), newsletter and webinar data forgotten.
    """
    practice_ids = list(Membership.objects.filter(user=user).values_list("practice_id", flat=True))
    # Panel candidacies (contact name, e-mail): anonymised, before the practices go.
    from kineco2.panel.services import candidacies_forget

    alone = [
        pk
        for pk in practice_ids
        if not Membership.objects.filter(practice_id=pk).exclude(user=user).exists()
    ]
    candidacies_forget(email=user.email, practice_ids=alone)
    # Lock the practices so that two members deleting their accounts at once cannot both
    # leave a practice without a titulaire, or both believe the other one stays.
    practices = list(
        Practice.objects.select_for_update().filter(pk__in=practice_ids).order_by("pk")
    )
    plan = DeletionPlan()
    for practice in practices:
        others = practice.memberships.exclude(user=user).order_by("created_at", "pk")
        if not others.exists():
            plan.deleted.append(practice)
            practice.delete()
            continue
        plan.kept.append(practice)
        if not others.filter(role=Role.TITULAIRE).exists():
            heir = others.first()
            heir.role = Role.TITULAIRE
            heir.save(update_fields=["role"])
    from kineco2.outreach.services import forget_email

    forget_email(user.email)  # newsletter, webinar registrations, e-mails queued or sent
    user.delete()
    return plan
