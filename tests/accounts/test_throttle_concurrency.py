"""Login throttling under a burst: the counters are atomic (cache.add + incr).

Issue 9: a burst of 40 simultaneous wrong passwords got 21 password checks instead of 5, even
with Redis. Here 40 threads start together (a barrier) and try the same e-mail; at most 5
may reach the password check — with the local memory cache and with Redis (database 9 of the
local server, skipped when no Redis answers).
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from kineco2.accounts import throttle

REDIS_URL = os.environ.get("KINECO2_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def burst(n: int = 40) -> int:
    """``n`` simultaneous wrong passwords for one e-mail, each from its own address."""
    email = f"rafale-{uuid.uuid4().hex}@example.fr"
    network = uuid.uuid4().hex[:8]
    barrier = threading.Barrier(n)
    checks: list[int] = []
    guard = threading.Lock()

    def attempt(number: int):
        ip = f"{network}.{number}"
        barrier.wait()
        if throttle.reserve(email=email, ip=ip) == 0:
            with guard:
                checks.append(1)
            time.sleep(0.02)  # the password check
            throttle.register_failure(email=email, ip=ip)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert throttle.seconds_locked(email=email, ip="10.200.0.1") > 0  # locked afterwards
    return len(checks)


def test_burst_with_the_local_memory_cache():
    location = f"burst-{uuid.uuid4().hex}"
    cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": location}
    with override_settings(CACHES={"default": cache}):
        for _ in range(3):
            assert burst() == throttle.MAX_FAILURES


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _redis_available(), reason=f"Redis injoignable ({REDIS_URL})")
@pytest.mark.parametrize(
    "backend",
    [
        "kineco2.web.cache.RedisCache",  # what the settings use: one client shared by threads
        "django.core.cache.backends.redis.RedisCache",
    ],
)
def test_burst_with_redis(backend):
    cache = {
        "BACKEND": backend,
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"kineco2-test-{uuid.uuid4().hex}",
    }
    with override_settings(CACHES={"default": cache}):
        try:
            for _ in range(3):
                assert burst() == throttle.MAX_FAILURES
        finally:
            caches["default"].clear()


def test_a_refused_attempt_is_not_counted_and_success_gives_back_the_ip():
    email, ip = f"seq-{uuid.uuid4().hex}@example.fr", "10.77.0.1"
    for _ in range(4):
        assert throttle.reserve(email=email, ip=ip) == 0
        throttle.register_failure(email=email, ip=ip)
    assert throttle.reserve(email=email, ip=ip) == 0
    throttle.register_success(email=email, ip=ip)  # the 5th was the right password
    assert throttle.reserve(email=email, ip=ip) == 0  # the e-mail's counter was cleared


def test_production_refuses_to_start_without_a_shared_cache(settings):
    """A per-process cache would give each worker its own counters (kineco2.web.production)."""
    from kineco2.web import production

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert any(p.startswith("REDIS_URL") for p in production.static_problems())
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    assert not any(p.startswith("REDIS_URL") for p in production.static_problems())
