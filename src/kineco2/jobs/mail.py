"""Outgoing e-mail through the task queue: per-message status, retries, a shared rate limit.

A web request never talks to the SMTP server for bulk mail: it calls :func:`queue_email` (or
:func:`queue_emails`), which stores one :class:`OutboundEmail` row per recipient and enqueues
one ``deliver_email`` task per row, in the caller's transaction (the task row lives in the same
database, so a rolled-back request leaves neither).

Rate limit: every message reserves a *slot* on the ``mail`` :class:`SendThrottle` row, slots
being ``60 / KINECO2_MAIL_RATE_PER_MINUTE`` seconds apart; the task is enqueued with
``run_after`` = its slot, so however many workers run, the SMTP server sees at most that rate.
A task that runs much later than its slot (worker stopped for a while) takes a fresh slot
instead of sending at once, so a backlog drains at the same rate.

Retries: an exception while sending marks the row ``retrying`` and enqueues it again after an
exponential backoff, until ``max_attempts``; then ``failed`` with the last error.

At most once: the row is locked and moved to ``sending`` (committed) before the SMTP call, and
a task finding a row in any other state than ``queued``/``retrying`` does nothing. A second task
for the same row, a duplicate enqueue or a restarted worker never sends it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone
from django_tasks_db.utils import exclusive_transaction

from kineco2.jobs.models import EmailStatus, OutboundEmail, SendThrottle
from kineco2.jobs.retry import backoff_delay

logger = logging.getLogger("kineco2.jobs.mail")

MAIL_STREAM = "mail"
MAIL_QUEUE = "mail"
_EPSILON = timedelta(milliseconds=500)


def _setting(name: str, default):
    return getattr(settings, name, default)


def send_interval() -> timedelta:
    """Seconds between two messages: ``60 / KINECO2_MAIL_RATE_PER_MINUTE``."""
    rate = float(_setting("KINECO2_MAIL_RATE_PER_MINUTE", 300))
    return timedelta(seconds=60.0 / rate) if rate > 0 else timedelta(0)


def reserve_slots(
    count: int = 1,
    *,
    stream: str = MAIL_STREAM,
    not_before: datetime | None = None,
    interval: timedelta | None = None,
) -> datetime:
    """Reserve ``count`` consecutive slots on ``stream``; return the first one.

    The first slot is the latest of now, ``not_before`` and the stream's next free slot; the
    stream then moves ``count × interval`` further. Serialised across processes (row lock on
    PostgreSQL, exclusive transaction on SQLite).
    """
    interval = send_interval() if interval is None else interval
    now = timezone.now()
    earliest = max(now, not_before) if not_before else now
    for _ in range(2):
        try:
            with exclusive_transaction():
                row = SendThrottle.objects.select_for_update().filter(name=stream).first()
                if row is None:
                    row = SendThrottle.objects.create(name=stream, next_slot=earliest)
                first = max(earliest, row.next_slot)
                row.next_slot = first + interval * count
                row.save(update_fields=["next_slot"])
                return first
        except IntegrityError:  # another process created the row first: read it again
            continue
    raise RuntimeError(f"cannot reserve a slot on {stream!r}")


@dataclass
class Email:
    """What :func:`queue_emails` needs for one message."""

    to: str
    subject: str
    body_text: str
    body_html: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def queue_emails(
    emails: list[Email], *, category: str = "divers", source: str = ""
) -> list[OutboundEmail]:
    """Store and enqueue ``emails`` (one task each, rate-limited slots); return the rows."""
    if not emails:
        return []
    interval = send_interval()
    max_attempts = int(_setting("KINECO2_MAIL_MAX_ATTEMPTS", 5))
    with transaction.atomic():
        first = reserve_slots(len(emails), interval=interval)
        rows = OutboundEmail.objects.bulk_create(
            [
                OutboundEmail(
                    to=e.to,
                    subject=e.subject[:255],
                    body_text=e.body_text,
                    body_html=e.body_html,
                    headers=e.headers,
                    category=category,
                    source=source,
                    max_attempts=max_attempts,
                    not_before=first + interval * i,
                )
                for i, e in enumerate(emails)
            ]
        )
        for row in rows:
            deliver_email.using(run_after=row.not_before).enqueue(row.pk)
    return rows


def queue_email(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    category: str = "divers",
    source: str = "",
) -> OutboundEmail:
    """Store and enqueue one e-mail; the worker sends it."""
    (row,) = queue_emails(
        [Email(to, subject, body_text, body_html, headers or {})], category=category, source=source
    )
    return row


def _late_grace() -> timedelta:
    return timedelta(seconds=float(_setting("KINECO2_MAIL_LATE_GRACE_SECONDS", 120)))


def _send(row: OutboundEmail) -> None:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        headers=row.headers or None,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    message.send(fail_silently=False)


def deliver(message_id: int) -> str:
    """Deliver one queued message (the body of the ``deliver_email`` task); return its status."""
    now = timezone.now()
    with exclusive_transaction():
        row = OutboundEmail.objects.select_for_update().filter(pk=message_id).first()
        if row is None:
            return "missing"
        if row.status not in (EmailStatus.QUEUED, EmailStatus.RETRYING):
            return row.status  # already sent, being sent, failed or cancelled: never twice
        if row.not_before and now > row.not_before + _late_grace():
            slot = reserve_slots(1)
            if slot > now + _EPSILON:
                row.not_before = slot
                row.save(update_fields=["not_before", "updated_at"])
                deliver_email.using(run_after=slot).enqueue(row.pk)
                return "deferred"
        row.status = EmailStatus.SENDING
        row.attempts += 1
        row.save(update_fields=["status", "attempts", "updated_at"])

    try:
        _send(row)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        with transaction.atomic():
            row.last_error = error
            if row.attempts < row.max_attempts:
                delay = backoff_delay(
                    row.attempts,
                    float(_setting("KINECO2_MAIL_RETRY_BACKOFF_SECONDS", 60)),
                    3600.0,
                )
                row.status = EmailStatus.RETRYING
                row.not_before = reserve_slots(1, not_before=timezone.now() + delay)
                row.save(update_fields=["status", "not_before", "last_error", "updated_at"])
                deliver_email.using(run_after=row.not_before).enqueue(row.pk)
            else:
                row.status = EmailStatus.FAILED
                row.save(update_fields=["status", "last_error", "updated_at"])
        logger.warning(
            "e-mail %s to %s: attempt %d failed: %s", row.pk, row.to, row.attempts, error
        )
        return row.status

    row.status = EmailStatus.SENT
    row.sent_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
    return row.status


@task(queue_name=MAIL_QUEUE)
def deliver_email(message_id: int) -> str:
    """Task: deliver the :class:`OutboundEmail` ``message_id`` (see :func:`deliver`)."""
    return deliver(message_id)


def cancel_queued(queryset) -> int:
    """Cancel messages not sent yet (e.g. the recipient unsubscribed); return how many."""
    return queryset.filter(status__in=[EmailStatus.QUEUED, EmailStatus.RETRYING]).update(
        status=EmailStatus.CANCELLED, updated_at=timezone.now()
    )


def stale_sending(older_than: timedelta = timedelta(minutes=30)):
    """Messages left in ``sending`` (worker killed during the SMTP call): check by hand."""
    return OutboundEmail.objects.filter(
        status=EmailStatus.SENDING, updated_at__lt=timezone.now() - older_than
    )


def requeue_lost(older_than: timedelta = timedelta(hours=1)) -> int:
    """Enqueue again messages still waiting long after their slot (their task was lost).

    Safe to run any time: a message is sent at most once whatever the number of its tasks.
    """
    count = 0
    for pk in OutboundEmail.objects.filter(
        status__in=[EmailStatus.QUEUED, EmailStatus.RETRYING],
        not_before__lt=timezone.now() - older_than,
    ).values_list("pk", flat=True):
        deliver_email.enqueue(pk)
        count += 1
    return count


def status_counts(**filters) -> dict[str, int]:
    """``{status: count}`` of :class:`OutboundEmail` rows matching ``filters``."""
    from django.db.models import Count

    rows = OutboundEmail.objects.filter(**filters).values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}
