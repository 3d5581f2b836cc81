"""Background jobs of the outreach app (run by the worker, see kineco2.jobs)."""

from __future__ import annotations

from kineco2.jobs.retry import retrying_task


@retrying_task(max_attempts=3, backoff_seconds=60)
def dispatch_news(news_id: int, base_url: str) -> int:
    """Write one queued e-mail per recipient of a news item (idempotent)."""
    from kineco2.outreach.services import dispatch

    return dispatch(news_id, base_url)


@retrying_task(max_attempts=3, backoff_seconds=300)
def webinar_reminders(webinar_id: int, expected_start: str) -> int:
    """The day-before reminders of a webinar (idempotent; skipped if the event moved)."""
    from kineco2.outreach.services import send_reminders

    return send_reminders(webinar_id, expected_start)
