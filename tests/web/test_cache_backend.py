"""The Redis cache backend of the settings reuses one client per pool (kineco2.web.cache)."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

REDIS_URL = os.environ.get("KINECO2_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _redis_available(), reason=f"Redis injoignable ({REDIS_URL})")
def test_one_client_serves_every_operation_and_every_thread():
    config = {
        "BACKEND": "kineco2.web.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"kineco2-test-{uuid.uuid4().hex}",
    }
    with override_settings(CACHES={"default": config}):
        cache = caches["default"]
        try:
            cache.set("a", {"x": 1}, 30)
            assert cache.get("a") == {"x": 1}
            client = cache._cache.get_client()
            assert cache._cache.get_client(write=True) is client
            errors = []

            def work(n: int) -> None:
                try:
                    for i in range(50):
                        cache.set(f"t{n}-{i}", (n, i), 30)
                        assert cache.get(f"t{n}-{i}") == (n, i)
                    assert cache.add(f"t{n}-count", 0)
                    assert cache.incr(f"t{n}-count") == 1
                except Exception as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
            assert cache._cache.get_client() is client
        finally:
            cache.clear()
