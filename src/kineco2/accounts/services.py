"""Writes on accounts: sign-up, e-mail confirmation, profile, API tokens, RGPD export and deletion.

Keyword-only, atomic. The clear API token only ever exists in the return value of
:func:`api_token_create`; the database holds its sha256.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

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


@dataclass
class SignupOutcome:
    """What a sign-up did. Only the server knows: the visitor sees the same page either way."""

    user: User | None  # the new account, or None when the address already had one
    created: bool


def user_signup(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    base_url: str = "",
    next_url: str = "",
    email_confirmed: bool = False,
) -> SignupOutcome:
    """Sign up without telling whether ``email`` already has an account (decision 0011).

    * new address: the account is created **unconfirmed** (it cannot log in) and the
      confirmation link is sent; ``email_confirmed=True`` only when the caller holds a proof
      that the visitor reads this mailbox (a practice invitation sent to it);
    * existing address: nothing changes on that account; its owner is told by e-mail that
      someone tried to create an account with it, with links to log in or choose a new
      password.

    Both paths hash the password once and send one e-mail, so that neither the page, the
    status nor the time taken tells them apart. Two sign-ups racing for the same new
    address: the loser takes the "existing" path.
    """
    email = email.strip().lower()
    try:
        with transaction.atomic():
            if _address_taken(email):
                raise _AddressTaken
            user = User.objects.create_user(
                email=email,
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                email_confirmed=email_confirmed,
                email_confirm_sent_at=None if email_confirmed else timezone.now(),
            )
    except (_AddressTaken, IntegrityError):
        make_password(password)  # the same work as creating the account
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            signup_existing_send(user=existing, base_url=base_url, next_url=next_url)
        return SignupOutcome(user=None, created=False)
    if not email_confirmed:
        email_confirm_send(user=user, base_url=base_url, next_url=next_url)
    return SignupOutcome(user=user, created=True)


class _AddressTaken(Exception):
    pass


def _address_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def signup_existing_send(*, user: User, base_url: str = "", next_url: str = "") -> None:
    """Tell the owner of ``user`` that someone tried to sign up with their address."""
    login_query = {"email": user.email, **({"next": next_url} if next_url else {})}
    send_mail(
        subject="Tentative de création d'un compte KinéCO2 avec votre adresse",
        message=render_to_string(
            "accounts/signup_existing_email.txt",
            {
                "user": user,
                "login_link": base_url + reverse("login") + "?" + urlencode(login_query),
                "reset_link": base_url + reverse("password_reset"),
            },
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def email_confirm_token(user: User, next_url: str = "") -> str:
    """A signed, timestamped token naming the user, the address to confirm and where to go
    next (a path on this site, checked again when used)."""
    payload = {"u": user.pk, "e": user.email}
    if next_url:
        payload["n"] = next_url
    return signing.dumps(payload, salt=_EMAIL_CONFIRM_SALT)


def email_confirm_next(token: str) -> str:
    """The ``next`` path carried by a (valid) confirmation token, else ``""``."""
    try:
        payload = signing.loads(token, salt=_EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return ""
    return payload.get("n", "") if isinstance(payload.get("n"), str) else ""


def email_confirm_send(*, user: User, base_url: str = "", next_url: str = "") -> None:
    """Send the confirmation link (``base_url`` is ``scheme://host``, no trailing slash)."""
    link = base_url + reverse("email_confirm", args=[email_confirm_token(user, next_url)])
    days = EMAIL_CONFIRM_MAX_AGE // (24 * 3600)
    send_mail(
        subject="Confirmez votre adresse e-mail sur KinéCO2",
        message=render_to_string(
            "accounts/email_confirm_email.txt", {"user": user, "link": link, "days": days}
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def email_confirm_resend_interval() -> timedelta:
    """Time between two confirmation e-mails of one account
    (``KINECO2_EMAIL_CONFIRM_RESEND_MINUTES``, 15 by default)."""
    return timedelta(minutes=float(getattr(settings, "KINECO2_EMAIL_CONFIRM_RESEND_MINUTES", 15)))


def email_confirm_next_allowed(user: User) -> datetime | None:
    """When a new confirmation link may be sent to ``user``; ``None``: now."""
    if user.email_confirm_sent_at is None:
        return None
    allowed = user.email_confirm_sent_at + email_confirm_resend_interval()
    return allowed if allowed > timezone.now() else None


def email_confirm_resend(*, user: User, base_url: str = "", next_url: str = "") -> bool:
    """Send a new confirmation link, at most one per :func:`email_confirm_resend_interval`
    per account (counted from the last link sent, the sign-up's included); ``False`` when
    nothing was sent (already confirmed, or a link was sent less than that ago).

    The time of the last link is kept on the account and taken by one conditional UPDATE,
    so that concurrent requests, several web processes or a flushed cache never send two.
    If sending fails, the UPDATE is rolled back and the next request may try again.
    """
    if user.email_confirmed:
        return False
    now = timezone.now()
    with transaction.atomic():
        taken = (
            User.objects.filter(pk=user.pk, email_confirmed=False, is_active=True)
            .filter(
                Q(email_confirm_sent_at__isnull=True)
                | Q(email_confirm_sent_at__lte=now - email_confirm_resend_interval())
            )
            .update(email_confirm_sent_at=now)
        )
        if not taken:
            user.refresh_from_db(fields=["email_confirmed", "email_confirm_sent_at"])
            return False
        email_confirm_send(user=user, base_url=base_url, next_url=next_url)
    user.email_confirm_sent_at = now
    return True


@transaction.atomic
def email_mark_confirmed(*, user: User) -> None:
    """The address is proven by another way (a password-reset link opened from the mailbox)."""
    if not user.email_confirmed:
        User.objects.filter(pk=user.pk).update(email_confirmed=True)
        user.email_confirmed = True


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """Mark the address named by ``token`` as confirmed; :class:`EmailConfirmError` if unusable."""
    try:
        payload = signing.loads(token, salt=_EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailConfirmError(
            "Ce lien de confirmation a expiré. Pour en recevoir un nouveau, connectez-vous avec "
            "votre adresse et votre mot de passe."
        ) from None
    except signing.BadSignature:
        raise EmailConfirmError(
            "Ce lien de confirmation n'est pas valide. Vérifiez qu'il a été copié en entier ; "
            "pour en recevoir un nouveau, connectez-vous avec votre adresse et votre mot de passe."
        ) from None
    user = (
        User.objects.select_for_update()
        .filter(pk=payload.get("u"), email=payload.get("e"), is_active=True)
        .first()
    )
    if user is None:
        raise EmailConfirmError(
            "Ce lien de confirmation ne correspond plus à aucun compte (l'adresse a peut-être "
            "changé). Pour en recevoir un nouveau, connectez-vous avec votre adresse et votre "
            "mot de passe."
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
