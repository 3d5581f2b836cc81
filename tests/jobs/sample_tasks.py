"""Tasks used by tests/jobs (module level, as the worker imports them by path)."""

from __future__ import annotations

from django.core.cache import cache
from django.tasks import task

from kineco2.jobs.retry import retrying_task


@retrying_task(max_attempts=3, backoff_seconds=0)
def flaky_add(a: int, b: int, fail_times: int) -> int:
    """Fails ``fail_times`` times (counted in the cache), then returns ``a + b``."""
    key = f"flaky_add:{a}:{b}"
    calls = cache.get(key, 0) + 1
    cache.set(key, calls)
    if calls <= fail_times:
        raise ConnectionError(f"panne simulée n° {calls}")
    return a + b


@task()
def plain_add(a: int, b: int) -> int:
    return a + b
