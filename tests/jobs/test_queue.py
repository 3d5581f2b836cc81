"""The task queue through the database worker's own run path (kineco2.jobs)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kineco2.jobs import mail as jobs_mail
from kineco2.jobs.models import EmailStatus, OutboundEmail, SendThrottle
from kineco2.jobs.retry import backoff_delay
from kineco2.jobs.worker import run_pending
from tests.jobs import flaky_backend, sample_tasks

pytestmark = pytest.mark.django_db


def _queue(n=1, **kw):
    return [
        jobs_mail.queue_email(
            to=f"kine{i}@example.fr",
            subject=f"Lettre n° {i}",
            body_text="Bonjour,\nvoici les nouvelles.",
            body_html="<p>Bonjour</p>",
            headers={"List-Unsubscribe": f"<https://kineco2.fr/d/{i}>"},
            category="test",
            **kw,
        )
        for i in range(n)
    ]


def test_a_plain_task_runs_on_the_worker_and_records_its_result():
    result = sample_tasks.plain_add.enqueue(2, 3)
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
    assert run_pending() == 1
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 5


def test_queued_email_is_sent_by_the_worker_not_by_the_caller():
    (row,) = _queue()
    assert row.status == EmailStatus.QUEUED
    assert mail.outbox == []  # nothing sent while "the request" runs
    assert DBTaskResult.objects.filter(queue_name="mail").count() == 1
    run_pending()
    row.refresh_from_db()
    assert row.status == EmailStatus.SENT and row.attempts == 1 and row.sent_at
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["kine0@example.fr"]
    assert sent.extra_headers["List-Unsubscribe"] == "<https://kineco2.fr/d/0>"
    assert sent.alternatives[0].mimetype == "text/html"


def test_a_message_fails_then_succeeds_on_retry(settings):
    settings.EMAIL_BACKEND = "tests.jobs.flaky_backend.FlakyBackend"
    settings.KINECO2_MAIL_RETRY_BACKOFF_SECONDS = 3600
    flaky_backend.FAILURES["remaining"] = 1
    (row,) = _queue()
    run_pending()
    row.refresh_from_db()
    assert row.status == EmailStatus.RETRYING
    assert row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert row.not_before > timezone.now() + timedelta(minutes=50)  # backoff respected
    assert run_pending() == 0  # the retry is not due yet
    # Time passes: the retry becomes due.
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_pending()
    row.refresh_from_db()
    assert row.status == EmailStatus.SENT and row.attempts == 2 and row.last_error == ""
    assert len(mail.outbox) == 1


def test_a_message_that_keeps_failing_ends_failed(settings):
    settings.EMAIL_BACKEND = "tests.jobs.flaky_backend.FlakyBackend"
    settings.KINECO2_MAIL_RETRY_BACKOFF_SECONDS = 0
    settings.KINECO2_MAIL_MAX_ATTEMPTS = 3
    flaky_backend.FAILURES["remaining"] = 10
    (row,) = _queue()
    run_pending()
    row.refresh_from_db()
    flaky_backend.FAILURES["remaining"] = 0
    assert row.status == EmailStatus.FAILED
    assert row.attempts == 3
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(queue_name="mail", status="READY").count() == 0


def test_duplicate_tasks_never_send_a_message_twice():
    (row,) = _queue()
    jobs_mail.deliver_email.enqueue(row.pk)
    jobs_mail.deliver_email.enqueue(row.pk)
    assert run_pending() == 3
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == EmailStatus.SENT and row.attempts == 1


def test_a_message_left_sending_by_a_killed_worker_is_not_sent_again():
    (row,) = _queue()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=EmailStatus.SENDING, attempts=1, updated_at=timezone.now() - timedelta(hours=2)
    )
    jobs_mail.requeue_lost(older_than=timedelta(0))  # the operator's recovery command
    run_pending()
    assert mail.outbox == []
    assert list(jobs_mail.stale_sending()) == [OutboundEmail.objects.get(pk=row.pk)]


def test_requeue_lost_recovers_a_message_whose_task_vanished():
    (row,) = _queue()
    DBTaskResult.objects.all().delete()  # the task row was lost
    OutboundEmail.objects.filter(pk=row.pk).update(not_before=timezone.now() - timedelta(hours=2))
    assert jobs_mail.requeue_lost() == 1
    run_pending()
    assert len(mail.outbox) == 1


def test_cancelled_messages_are_not_sent():
    rows = _queue(2)
    assert jobs_mail.cancel_queued(OutboundEmail.objects.filter(pk=rows[0].pk)) == 1
    run_pending()
    assert [m.to for m in mail.outbox] == [["kine1@example.fr"]]
    assert jobs_mail.status_counts(category="test") == {"cancelled": 1, "sent": 1}


def test_rate_limit_spaces_messages_by_the_configured_interval(settings):
    settings.KINECO2_MAIL_RATE_PER_MINUTE = 60  # one a second
    rows = _queue(3)
    slots = [r.not_before for r in rows]
    assert slots[1] - slots[0] == timedelta(seconds=1)
    assert slots[2] - slots[1] == timedelta(seconds=1)
    run_pending()
    assert len(mail.outbox) == 1  # the two others are not due yet
    assert SendThrottle.objects.get(name="mail").next_slot == slots[2] + timedelta(seconds=1)
    # A later batch queues behind the first one.
    (later,) = _queue(1)
    assert later.not_before == slots[2] + timedelta(seconds=1)


def test_a_message_far_behind_its_slot_takes_a_new_slot(settings):
    """After a worker outage the backlog drains at the configured rate, not in one burst."""
    settings.KINECO2_MAIL_RATE_PER_MINUTE = 6  # one every 10 s
    rows = _queue(2)
    past = timezone.now() - timedelta(hours=1)
    OutboundEmail.objects.filter(pk__in=[r.pk for r in rows]).update(not_before=past)
    DBTaskResult.objects.update(run_after=past)
    SendThrottle.objects.filter(name="mail").update(next_slot=past)
    run_pending()
    statuses = sorted(OutboundEmail.objects.values_list("status", flat=True))
    assert statuses == [EmailStatus.QUEUED, EmailStatus.SENT]
    waiting = OutboundEmail.objects.get(status=EmailStatus.QUEUED)
    assert waiting.not_before > timezone.now() + timedelta(seconds=5)
    assert len(mail.outbox) == 1


def test_queueing_inside_a_rolled_back_transaction_leaves_nothing():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError("la requête échoue")
    assert OutboundEmail.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_retrying_task_retries_then_succeeds(clear_cache):
    result = sample_tasks.flaky_add.enqueue(20, 22, fail_times=2)
    run_pending()
    results = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [r.status for r in results] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert results[-1].args_kwargs["kwargs"]["job_attempt"] == 3
    assert results[-1].task_result.return_value == 42
    assert DBTaskResult.objects.get(pk=result.id).exception_class_path == "builtins.ConnectionError"


def test_retrying_task_gives_up_after_max_attempts(clear_cache):
    sample_tasks.flaky_add.enqueue(1, 1, fail_times=5)
    run_pending()
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"] * 3


def test_backoff_doubles_and_is_capped():
    assert backoff_delay(1, 30, 3600) == timedelta(seconds=30)
    assert backoff_delay(3, 30, 3600) == timedelta(seconds=120)
    assert backoff_delay(20, 30, 3600) == timedelta(seconds=3600)


def test_mail_queue_command_reports_counts_and_stuck_messages():
    from io import StringIO

    from django.core.management import call_command

    rows = _queue(2)
    OutboundEmail.objects.filter(pk=rows[0].pk).update(
        status=EmailStatus.SENDING, updated_at=timezone.now() - timedelta(hours=1)
    )
    out = StringIO()
    call_command("mail_queue", stdout=out)
    text = out.getvalue()
    assert "en attente" in text and "envoi en cours" in text
    assert "1 message(s) bloqué(s)" in text
