"""``@retrying_task``: a Django task that is enqueued again, later, when it fails.

Django's tasks framework runs a task once; a failure is recorded (status ``FAILED`` with the
traceback) and that is all. Jobs that talk to the outside world need retries, so::

    @retrying_task(max_attempts=4, backoff_seconds=60)
    def recompute_region(region_code: str) -> int: ...

    recompute_region.enqueue("11")

On an exception listed in ``retry_on`` the attempt is recorded as failed and the same call is
enqueued again with ``run_after`` = now + ``backoff_seconds`` × 2^(attempt − 1) (capped), until
``max_attempts``. Arguments must be JSON-serialisable (ids, not model instances). Each attempt
is its own task result, so the history of a job is visible in the admin.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

logger = logging.getLogger("kineco2.jobs")

#: Keyword argument carrying the attempt number between enqueues.
ATTEMPT_KWARG = "job_attempt"


def backoff_delay(attempt: int, base_seconds: float, cap_seconds: float) -> timedelta:
    """Delay before attempt ``attempt + 1``: ``base × 2^(attempt − 1)``, at most ``cap``."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempt - 1, 0), cap_seconds))


def retrying_task(
    *,
    max_attempts: int = 5,
    backoff_seconds: float = 30.0,
    max_backoff_seconds: float = 3600.0,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    **task_options,
):
    """Decorator: ``@task(**task_options)`` plus retries with exponential backoff."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def decorator(func):
        @functools.wraps(func)
        def runner(*args, **kwargs):
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            try:
                return func(*args, **kwargs)
            except retry_on:
                if attempt >= max_attempts:
                    logger.exception(
                        "%s: attempt %d/%d failed, giving up",
                        func.__qualname__,
                        attempt,
                        max_attempts,
                    )
                    raise
                delay = backoff_delay(attempt, backoff_seconds, max_backoff_seconds)
                job.using(run_after=timezone.now() + delay).enqueue(
                    *args, **{**kwargs, ATTEMPT_KWARG: attempt + 1}
                )
                logger.warning(
                    "%s: attempt %d/%d failed, retry in %s",
                    func.__qualname__,
                    attempt,
                    max_attempts,
                    delay,
                )
                raise

        job = task(**task_options)(runner)
        return job

    return decorator
