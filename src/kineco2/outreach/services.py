"""Writes of the outreach app: subscriptions, news, webinars, FAQ, support requests.

Every e-mail goes through the task queue (:func:`kineco2.jobs.mail.queue_email`); nothing here
talks to the SMTP server. Links in e-mails are signed (:mod:`django.core.signing`):

* confirmation: names the subscriber and a random nonce, valid :data:`CONFIRM_MAX_AGE`, usable
  once (the nonce is cleared when used, so a replayed link never re-subscribes anyone);
* management (unsubscribe, data): names the subscriber, never expires (every past e-mail's
  link keeps working), works without logging in, unsubscribes in one click.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kineco2.engine.geography import CommuneError, locate
from kineco2.jobs import mail as jobs_mail
from kineco2.jobs.models import OutboundEmail
from kineco2.outreach import markdown
from kineco2.outreach.models import (
    Audience,
    FaqEntry,
    NewsItem,
    NewsStatus,
    Subscriber,
    SubscriberStatus,
    SupportNote,
    SupportRequest,
    SupportStatus,
    Webinar,
    WebinarQuestion,
    WebinarRegistration,
)
from kineco2.outreach.permissions import can_handle_region, can_write_to
from kineco2.panel.roles import Perimeter

CONFIRM_SALT = "kineco2.outreach.subscribe.confirm"
MANAGE_SALT = "kineco2.outreach.subscriber.manage"
REGISTRATION_SALT = "kineco2.outreach.webinar.registration"
#: A confirmation link is valid 7 days.
CONFIRM_MAX_AGE = 7 * 24 * 3600
#: No second confirmation e-mail to the same address within this delay.
CONFIRM_RESEND_DELAY = timedelta(minutes=2)

CONSENT_TEXT = (
    "J'accepte de recevoir la lettre d'information de KinéCO2 et les actualités de mon union "
    "régionale (URPS). Mes données (nom, prénom, e-mail, code postal, fonction) ne servent qu'à "
    "cet envoi ; je peux me désabonner à tout moment par le lien présent dans chaque message, "
    "et demander l'export ou la suppression de mes données."
)


class OutreachError(ValueError):
    """A French message for the person, never a 500."""


def site_url(base_url: str = "") -> str:
    return (base_url or settings.KINECO2_SITE_URL).rstrip("/")


def _mail(to: str, subject: str, template: str, context: dict[str, Any], **kw) -> OutboundEmail:
    text = render_to_string(f"outreach/email/{template}.txt", context)
    html = render_to_string(f"outreach/email/{template}.html", context)
    return jobs_mail.queue_email(to=to, subject=subject, body_text=text, body_html=html, **kw)


# --- subscriptions ---------------------------------------------------------------------------


def region_of_postal_code(postal_code: str) -> tuple[str, str, str]:
    """``(region_code, region_name, commune_name)`` of a postal code; :class:`OutreachError`."""
    code = "".join(str(postal_code).split())
    if not (len(code) == 5 and code.isdigit()):
        raise OutreachError("Indiquez un code postal à 5 chiffres (ex. 69003, 97400).")
    try:
        commune = locate(f"CP {code}")  # a postal code, never another commune's INSEE code
    except CommuneError as exc:
        raise OutreachError(f"Aucune commune n'a le code postal {code}. Vérifiez-le.") from exc
    return commune.region_code, commune.region_name, commune.name


def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "n": subscriber.confirm_nonce}, salt=CONFIRM_SALT)


def manage_token(subscriber: Subscriber) -> str:
    """The subscriber's link to unsubscribe or manage their data: signed, without expiry and
    without a timestamp, so that every link of one e-mail (body and List-Unsubscribe header)
    and of every e-mail is the same."""
    return signing.Signer(salt=MANAGE_SALT).sign_object({"s": subscriber.pk})


def unsubscribe_url(subscriber: Subscriber, base_url: str = "") -> str:
    return site_url(base_url) + reverse("outreach_unsubscribe", args=[manage_token(subscriber)])


def manage_url(subscriber: Subscriber, base_url: str = "") -> str:
    return site_url(base_url) + reverse("outreach_my_data", args=[manage_token(subscriber)])


def list_headers(subscriber: Subscriber, base_url: str = "") -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show a one-click « se désabonner »."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber, base_url)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@transaction.atomic
def subscribe(
    *,
    email: str,
    first_name: str,
    last_name: str,
    postal_code: str,
    function: str = "",
    base_url: str = "",
) -> Subscriber:
    """Record a subscription request and queue the confirmation e-mail (double opt-in).

    An address already subscribed is not changed (nobody may change someone else's details
    without their confirmation): it receives a short notice instead. The page shown is the
    same in every case, so the form does not reveal who is subscribed.
    """
    email = email.strip().lower()
    region_code, region_name, commune_name = region_of_postal_code(postal_code)
    now = timezone.now()
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    recent = (
        subscriber is not None
        and subscriber.confirmation_sent_at is not None
        and now - subscriber.confirmation_sent_at < CONFIRM_RESEND_DELAY
    )
    if subscriber is not None and subscriber.status == SubscriberStatus.ACTIVE:
        if not recent:
            subscriber.confirmation_sent_at = now
            subscriber.save(update_fields=["confirmation_sent_at", "updated_at"])
            _mail(
                email,
                "Vous êtes déjà abonné(e) à la lettre KinéCO2",
                "already_subscribed",
                {
                    "subscriber": subscriber,
                    "unsubscribe_url": unsubscribe_url(subscriber, base_url),
                    "manage_url": manage_url(subscriber, base_url),
                },
                category="inscription",
                headers=list_headers(subscriber, base_url),
            )
        return subscriber
    if subscriber is None:
        subscriber = Subscriber(email=email)
    subscriber.first_name = first_name.strip()
    subscriber.last_name = last_name.strip()
    subscriber.postal_code = "".join(postal_code.split())
    subscriber.commune_name = commune_name
    subscriber.region_code = region_code
    subscriber.region_name = region_name
    subscriber.function = function.strip()
    subscriber.consent_text = CONSENT_TEXT
    subscriber.consent_at = now
    subscriber.status = SubscriberStatus.PENDING
    if recent and subscriber.confirm_nonce:
        subscriber.save()
        return subscriber  # the e-mail sent a moment ago is still valid
    subscriber.confirm_nonce = secrets.token_hex(16)
    subscriber.confirmation_sent_at = now
    subscriber.save()
    link = site_url(base_url) + reverse("outreach_confirm", args=[confirm_token(subscriber)])
    _mail(
        email,
        "Confirmez votre abonnement à la lettre KinéCO2",
        "confirm",
        {"subscriber": subscriber, "link": link, "days": CONFIRM_MAX_AGE // 86400},
        category="inscription",
    )
    return subscriber


@transaction.atomic
def confirm(token: str) -> Subscriber:
    """Activate the subscriber named by a confirmation link; :class:`OutreachError` if unusable."""
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise OutreachError(
            "Ce lien de confirmation a expiré (il est valable 7 jours). "
            "Inscrivez-vous à nouveau : un nouveau lien vous sera envoyé."
        ) from exc
    except signing.BadSignature as exc:
        raise OutreachError(
            "Ce lien de confirmation n'est pas valide. Copiez-le en entier depuis l'e-mail."
        ) from exc
    subscriber = Subscriber.objects.select_for_update().filter(pk=payload.get("s")).first()
    if subscriber is None:
        raise OutreachError("Cette inscription n'existe plus.")
    if not subscriber.confirm_nonce or subscriber.confirm_nonce != payload.get("n"):
        if subscriber.status == SubscriberStatus.ACTIVE:
            return subscriber  # already confirmed: a second click changes nothing
        raise OutreachError(
            "Ce lien de confirmation a déjà été utilisé ou remplacé par un plus récent. "
            "Pour vous abonner, inscrivez-vous à nouveau."
        )
    subscriber.status = SubscriberStatus.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.confirm_nonce = ""
    subscriber.unsubscribed_at = None
    subscriber.save()
    return subscriber


def subscriber_from_manage_token(token: str) -> Subscriber:
    try:
        payload = signing.Signer(salt=MANAGE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        try:  # links of the first e-mails were timestamped (``signing.dumps``)
            payload = signing.loads(token, salt=MANAGE_SALT)
        except signing.BadSignature as exc:
            raise OutreachError(
                "Ce lien n'est pas valide. Copiez-le en entier depuis l'e-mail reçu."
            ) from exc
    subscriber = Subscriber.objects.filter(pk=payload.get("s")).first()
    if subscriber is None:
        raise OutreachError("Aucune donnée n'est plus enregistrée pour ce lien.")
    return subscriber


@transaction.atomic
def unsubscribe(token: str) -> Subscriber:
    """One click, no login: the subscriber named by ``token`` receives nothing more."""
    subscriber = subscriber_from_manage_token(token)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.confirm_nonce = ""
        subscriber.save()
    jobs_mail.cancel_queued(OutboundEmail.objects.filter(to=subscriber.email, category="lettre"))
    return subscriber


def subscriber_export(subscriber: Subscriber) -> dict[str, Any]:
    def dt(value):
        return value.isoformat() if value else None

    return {
        "adresse_e_mail": subscriber.email,
        "prenom": subscriber.first_name,
        "nom": subscriber.last_name,
        "code_postal": subscriber.postal_code,
        "commune": subscriber.commune_name,
        "region": subscriber.region_name,
        "fonction": subscriber.function,
        "statut": subscriber.get_status_display(),
        "consentement": subscriber.consent_text,
        "consentement_le": dt(subscriber.consent_at),
        "confirme_le": dt(subscriber.confirmed_at),
        "desabonne_le": dt(subscriber.unsubscribed_at),
        "inscrit_le": dt(subscriber.created_at),
        "inscriptions_webconferences": [
            {"webconference": r.webinar.title, "le": dt(r.created_at)}
            for r in WebinarRegistration.objects.filter(email=subscriber.email).select_related(
                "webinar"
            )
        ],
    }


@transaction.atomic
def forget_email(email: str) -> int:
    """RGPD erasure of everything stored for ``email`` outside an account: subscription,
    webinar registrations, queued and past e-mails. Returns the number of rows removed."""
    email = email.strip().lower()
    removed = 0
    removed += Subscriber.objects.filter(email=email).delete()[0]
    removed += WebinarRegistration.objects.filter(email__iexact=email).delete()[0]
    removed += OutboundEmail.objects.filter(to__iexact=email).delete()[0]
    return removed


# --- news ------------------------------------------------------------------------------------


def _check_audience(perimeter: Perimeter, audience: str, region_code: str) -> tuple[str, str]:
    from kineco2.benchmarks.aggregates import regions

    if audience == Audience.NATIONAL:
        region_code = ""
    elif region_code not in regions():
        raise OutreachError("Choisissez la région destinataire.")
    if not can_write_to(perimeter, audience, region_code):
        raise OutreachError(
            "Vous ne pouvez écrire qu'aux abonnés des régions que vous coordonnez."
            if audience == Audience.REGIONAL
            else "Seule la coordination nationale écrit à tous les abonnés."
        )
    return region_code, regions().get(region_code, "")


def news_save(
    *,
    perimeter: Perimeter,
    author,
    title: str,
    body: str,
    audience: str,
    region_code: str = "",
    news: NewsItem | None = None,
) -> NewsItem:
    region_code, region_name = _check_audience(perimeter, audience, region_code)
    if news is not None and news.status != NewsStatus.DRAFT:
        raise OutreachError("Cette actualité est déjà envoyée : elle ne peut plus être modifiée.")
    news = news or NewsItem(author=author)
    news.title = title.strip()
    news.body = body
    news.audience = audience
    news.region_code = region_code
    news.region_name = region_name
    news.save()
    return news


def news_recipients(news: NewsItem):
    qs = Subscriber.objects.filter(status=SubscriberStatus.ACTIVE)
    if news.audience == Audience.REGIONAL:
        qs = qs.filter(region_code=news.region_code)
    return qs.order_by("pk")


@transaction.atomic
def news_send(*, perimeter: Perimeter, news: NewsItem, base_url: str = "") -> NewsItem:
    """Hand the news item to the queue; the worker writes one e-mail per subscriber."""
    news = NewsItem.objects.select_for_update().get(pk=news.pk)
    if not can_write_to(perimeter, news.audience, news.region_code):
        raise OutreachError("Vous ne pouvez pas envoyer cette actualité.")
    if news.status != NewsStatus.DRAFT:
        raise OutreachError("Cette actualité est déjà envoyée.")
    news.status = NewsStatus.SENDING
    news.save(update_fields=["status", "updated_at"])
    from kineco2.outreach.tasks import dispatch_news

    dispatch_news.enqueue(news.pk, site_url(base_url))
    return news


def dispatch(news_id: int, base_url: str) -> int:
    """Worker side of :func:`news_send`: one queued e-mail per active recipient."""
    with transaction.atomic():
        news = NewsItem.objects.select_for_update().filter(pk=news_id).first()
        if news is None or news.status != NewsStatus.SENDING:
            return 0
        body_html = markdown.render(news.body)
        archive = base_url + reverse("outreach_news_detail", args=[news.pk])
        emails = []
        for subscriber in news_recipients(news):
            context = {
                "news": news,
                "body_html": body_html,
                "subscriber": subscriber,
                "archive_url": archive,
                "unsubscribe_url": unsubscribe_url(subscriber, base_url),
                "manage_url": manage_url(subscriber, base_url),
            }
            emails.append(
                jobs_mail.Email(
                    to=subscriber.email,
                    subject=news.title,
                    body_text=render_to_string("outreach/email/news.txt", context),
                    body_html=render_to_string("outreach/email/news.html", context),
                    headers=list_headers(subscriber, base_url),
                )
            )
        jobs_mail.queue_emails(emails, category="lettre", source=news.source_key)
        news.status = NewsStatus.SENT
        news.sent_at = timezone.now()
        news.recipients = len(emails)
        news.save(update_fields=["status", "sent_at", "recipients", "updated_at"])
    return len(emails)


# --- webinars --------------------------------------------------------------------------------


def webinar_save(*, perimeter: Perimeter, user, data: dict[str, Any], webinar=None) -> Webinar:
    region_code = data.get("region_code") or ""
    audience = Audience.REGIONAL if region_code else Audience.NATIONAL
    if webinar is not None and not can_write_to(
        perimeter,
        Audience.REGIONAL if webinar.region_code else Audience.NATIONAL,
        webinar.region_code,
    ):
        raise OutreachError("Vous ne pouvez pas modifier cette webconférence.")
    region_code, region_name = _check_audience(perimeter, audience, region_code)
    webinar = webinar or Webinar(created_by=user)
    previous_start = webinar.starts_at if webinar.pk else None
    for field in (
        "title",
        "description",
        "starts_at",
        "duration_minutes",
        "speakers",
        "join_url",
        "replay_url",
        "slides_url",
    ):
        if field in data:
            setattr(webinar, field, data[field] or ("" if field not in ("starts_at",) else None))
    webinar.region_code = region_code
    webinar.region_name = region_name
    with transaction.atomic():
        webinar.save()
        if previous_start != webinar.starts_at:
            schedule_reminders(webinar)
    return webinar


REMINDER_BEFORE = timedelta(hours=24)


def schedule_reminders(webinar: Webinar) -> None:
    """Enqueue the reminder task for the day before (``run_after`` = start − 24 h)."""
    from kineco2.outreach.tasks import webinar_reminders

    if webinar.starts_at <= timezone.now():
        return
    run_after = max(webinar.starts_at - REMINDER_BEFORE, timezone.now())
    webinar_reminders.using(run_after=run_after).enqueue(webinar.pk, webinar.starts_at.isoformat())


def registration_token(registration: WebinarRegistration) -> str:
    return signing.dumps({"r": registration.pk}, salt=REGISTRATION_SALT)


def registration_from_token(token: str) -> WebinarRegistration:
    try:
        payload = signing.loads(token, salt=REGISTRATION_SALT)
    except signing.BadSignature as exc:
        raise OutreachError("Ce lien n'est pas valide.") from exc
    registration = (
        WebinarRegistration.objects.select_related("webinar").filter(pk=payload.get("r")).first()
    )
    if registration is None:
        raise OutreachError("Cette inscription n'existe plus.")
    return registration


def _webinar_mail_context(registration: WebinarRegistration, base_url: str) -> dict[str, Any]:
    base = site_url(base_url)
    return {
        "registration": registration,
        "webinar": registration.webinar,
        "page_url": base + reverse("outreach_webinar_detail", args=[registration.webinar_id]),
        "cancel_url": base
        + reverse("outreach_webinar_cancel", args=[registration_token(registration)]),
    }


@transaction.atomic
def register(
    *, webinar: Webinar, email: str, first_name: str, last_name: str, base_url: str = ""
) -> WebinarRegistration:
    if webinar.starts_at <= timezone.now():
        raise OutreachError("Cette webconférence a déjà eu lieu : regardez son replay.")
    email = email.strip().lower()
    registration, created = WebinarRegistration.objects.get_or_create(
        webinar=webinar,
        email=email,
        defaults={"first_name": first_name.strip(), "last_name": last_name.strip()},
    )
    if not created and registration.cancelled_at is None:
        return registration  # already registered: no second e-mail
    registration.cancelled_at = None
    registration.first_name = first_name.strip()
    registration.last_name = last_name.strip()
    registration.save()
    _mail(
        email,
        f"Inscription confirmée : {webinar.title}",
        "webinar_registered",
        _webinar_mail_context(registration, base_url),
        category="webconference",
        source=f"webinar:{webinar.pk}",
    )
    return registration


def cancel_registration(token: str) -> WebinarRegistration:
    registration = registration_from_token(token)
    if registration.cancelled_at is None:
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["cancelled_at"])
    return registration


def send_reminders(webinar_id: int, expected_start: str | None = None) -> int:
    """Queue the reminder of every registration not reminded yet; return how many.

    ``expected_start``: the start time the reminder was scheduled for; if the event was moved
    since, this run does nothing (the move scheduled a new one). Never twice per registration.
    """
    base = site_url()
    count = 0
    with transaction.atomic():
        webinar = Webinar.objects.select_for_update().filter(pk=webinar_id).first()
        if webinar is None or webinar.starts_at <= timezone.now():
            return 0
        if expected_start and webinar.starts_at != datetime.fromisoformat(expected_start):
            return 0  # moved since: the move scheduled its own reminder
        pending = webinar.registrations.select_for_update().filter(
            cancelled_at__isnull=True, reminded_at__isnull=True
        )
        now = timezone.now()
        for registration in pending:
            _mail(
                registration.email,
                f"Rappel : {webinar.title}, demain",
                "webinar_reminder",
                _webinar_mail_context(registration, base),
                category="webconference",
                source=f"webinar:{webinar.pk}",
            )
            registration.reminded_at = now
            registration.save(update_fields=["reminded_at"])
            count += 1
    return count


def due_reminders() -> list[int]:
    """Webinars starting within 24 h with registrations not reminded yet (cron fallback)."""
    now = timezone.now()
    return list(
        Webinar.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + REMINDER_BEFORE,
            registrations__cancelled_at__isnull=True,
            registrations__reminded_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def question_ask(*, webinar: Webinar, question: str, asked_by: str = "") -> WebinarQuestion:
    question = question.strip()
    if len(question) < 5:
        raise OutreachError("Écrivez votre question (au moins quelques mots).")
    return WebinarQuestion.objects.create(
        webinar=webinar, question=question[:4000], asked_by=asked_by.strip()[:100]
    )


def question_answer(*, question: WebinarQuestion, user, answer: str, to_faq: bool) -> None:
    answer = answer.strip()
    with transaction.atomic():
        question.answer = answer
        question.answered_by = user if answer else None
        question.answered_at = timezone.now() if answer else None
        if to_faq:
            if not answer:
                raise OutreachError("Répondez à la question avant de l'ajouter à la FAQ.")
            if question.faq_entry_id:
                FaqEntry.objects.filter(pk=question.faq_entry_id).update(
                    question=question.question, answer=answer, published=True
                )
            else:
                question.faq_entry = FaqEntry.objects.create(
                    question=question.question,
                    answer=answer,
                    webinar=question.webinar,
                    created_by=user,
                )
        question.save()


# --- support requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportInput:
    topics: list[str]
    message: str
    contact_method: str
    phone: str
    availability: str
    origin: str


def support_request_create(*, user, practice, data: SupportInput, base_url: str = ""):
    with transaction.atomic():
        request = SupportRequest.objects.create(
            requester=user,
            practice=practice,
            region_code=practice.region_code,
            region_name=practice.region_name,
            topics=list(data.topics),
            message=data.message.strip(),
            contact_method=data.contact_method,
            phone=data.phone.strip(),
            availability=data.availability.strip(),
            origin=data.origin,
        )
        link = site_url(base_url) + reverse("outreach_support_detail", args=[request.pk])
        for email in _coordinator_emails(practice.region_code):
            _mail(
                email,
                f"Nouvelle demande d'accompagnement — {practice.region_name}",
                "support_new",
                {"request": request, "link": link},
                category="accompagnement",
                source=f"support:{request.pk}",
            )
    return request


def _coordinator_emails(region_code: str) -> list[str]:
    """The URPS coordinators of the region; the national coordination if there are none."""
    from kineco2.panel.models import PanelRole, RoleKind

    regional = PanelRole.objects.filter(
        role=RoleKind.URPS, region_code=region_code, user__is_active=True
    )
    rows = (
        regional
        if regional.exists()
        else PanelRole.objects.filter(role=RoleKind.NATIONAL, user__is_active=True)
    )
    return sorted(set(rows.values_list("user__email", flat=True)))


def coordinators_for(region_code: str):
    """Users who may be assigned a request of ``region_code``."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from kineco2.panel.models import RoleKind

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(panel_roles__role=RoleKind.URPS, panel_roles__region_code=region_code)
            | Q(panel_roles__role=RoleKind.NATIONAL)
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def support_update(
    *,
    perimeter: Perimeter,
    user,
    request: SupportRequest,
    status: str,
    assigned_to_id: int | None,
    note: str = "",
) -> SupportRequest:
    if not can_handle_region(perimeter, request.region_code):
        raise OutreachError("Cette demande ne relève pas de votre région.")
    if status not in SupportStatus.values:
        raise OutreachError("Statut inconnu.")
    if (
        assigned_to_id
        and not coordinators_for(request.region_code).filter(pk=assigned_to_id).exists()
    ):
        raise OutreachError("Cette personne ne coordonne pas la région de la demande.")
    now = timezone.now()
    with transaction.atomic():
        request.assigned_to_id = assigned_to_id or None
        if status != SupportStatus.NEW and request.answered_at is None:
            request.answered_at = now
        request.status = status
        request.closed_at = now if status == SupportStatus.CLOSED else None
        request.save()
        if note.strip():
            SupportNote.objects.create(request=request, author=user, text=note.strip())
    return request
