"""Throttling of failed logins, in Django's cache, with atomic counters.

Rule: at most ``MAX_FAILURES`` (5) password checks for the same normalised e-mail *or* from the
same IP address in a window of ``WINDOW`` (15 minutes, fixed windows); the attempt that makes the
5th failure locks that e-mail / IP for ``LOCKOUT`` (15 minutes): every attempt is then refused,
even with the right password, without checking it. Attempts refused during a lock are not
counted (the lock is not extended by them). A successful login (or a password reset) clears the
e-mail's counter (and gives back its own attempt to the IP's counter, never more: one valid
account must not reset an attacker's IP counter).

**Atomicity.** An attempt is *reserved* before the password is checked (:func:`reserve`):
``cache.add(key, 0)`` then ``cache.incr(key)`` — atomic in Redis (``INCR``) and in the local
memory cache (under its lock) — so that a burst of simultaneous wrong passwords gets exactly
5 checks, never more (the 6th reservation and the following are refused). Production requires
a shared cache (Redis, ``REDIS_URL``): a per-process cache would give each worker its own
counters.

Keys: ``login-count:email:<sha256 of the e-mail>:<window>`` and ``login-count:ip:<ip>:<window>``
count attempts; ``login-lock:…`` holds the end of a lock. E-mails are hashed so that the cache
never holds them in clear.

Behind a reverse proxy, set ``KINECO2_NUM_PROXIES`` (number of trusted proxies adding
``X-Forwarded-For``), otherwise every visitor shares the proxy's address.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

MAX_FAILURES = 5
WINDOW = 15 * 60  # seconds
LOCKOUT = 15 * 60  # seconds


def _now() -> float:
    return time.time()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def client_ip(request) -> str:
    """The client's IP: ``REMOTE_ADDR``, or the address seen by the first trusted proxy."""
    proxies = int(getattr(settings, "KINECO2_NUM_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def _subjects(email: str, ip: str) -> list[str]:
    subjects = [f"ip:{ip}"]
    email = normalise_email(email)
    if email:
        subjects.insert(0, "email:" + hashlib.sha256(email.encode()).hexdigest())
    return subjects


def seconds_locked(*, email: str, ip: str) -> int:
    """Seconds until attempts for this e-mail and IP are accepted again (0: not locked)."""
    now = _now()
    remaining = 0.0
    for subject in _subjects(email, ip):
        until = cache.get(f"login-lock:{subject}")
        if until is not None and until > now:
            remaining = max(remaining, until - now)
    return math.ceil(remaining)


def minutes_locked(*, email: str, ip: str) -> int:
    seconds = seconds_locked(email=email, ip=ip)
    return math.ceil(seconds / 60) if seconds else 0


def _window(now: float) -> int:
    return int(now // WINDOW)


def _counter(subject: str, now: float) -> str:
    return f"login-count:{subject}:{_window(now)}"


def _incr(key: str, delta: int = 1) -> int:
    cache.add(key, 0, timeout=2 * WINDOW)
    try:
        return cache.incr(key, delta)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=2 * WINDOW)
        return cache.incr(key, delta)


def _lock(subject: str, now: float) -> None:
    cache.add(f"login-lock:{subject}", now + LOCKOUT, timeout=LOCKOUT)


def reserve(*, email: str, ip: str) -> int:
    """Reserve one password check: 0 if it may go ahead, else the seconds of lock to wait.

    Call :func:`register_failure` or :func:`register_success` once the password is checked.
    """
    locked = seconds_locked(email=email, ip=ip)
    if locked:
        return locked
    now = _now()
    taken: list[str] = []
    for subject in _subjects(email, ip):
        key = _counter(subject, now)
        count = _incr(key)
        taken.append(key)
        if count > MAX_FAILURES:  # others are being checked right now: refuse, uncounted
            for done in taken:
                _incr(done, -1)
            _lock(subject, now)
            return seconds_locked(email=email, ip=ip) or LOCKOUT
    return 0


def register_failure(*, email: str, ip: str) -> None:
    """A reserved attempt failed: lock what has reached ``MAX_FAILURES`` failures."""
    now = _now()
    for subject in _subjects(email, ip):
        if (cache.get(_counter(subject, now)) or 0) >= MAX_FAILURES:
            _lock(subject, now)


def register_success(*, email: str, ip: str) -> None:
    """A reserved attempt succeeded: forget the e-mail's attempts, give back the IP's one."""
    now = _now()
    clear_email(email=email)
    key = _counter(f"ip:{ip}", now)
    if (cache.get(key) or 0) > 0:
        _incr(key, -1)


def clear_email(*, email: str) -> None:
    """Forget an e-mail's attempts and lock (after a login or a password reset)."""
    now = _now()
    for subject in _subjects(email, ip=""):
        if subject.startswith("email:"):
            cache.delete_many(
                [
                    _counter(subject, now),
                    _counter(subject, now - WINDOW),
                    f"login-lock:{subject}",
                ]
            )


def locked_message(minutes: int) -> str:
    unit = "minute" if minutes <= 1 else "minutes"
    return (
        "Trop de tentatives de connexion. Pour protéger votre compte, "
        f"réessayez dans {max(minutes, 1)} {unit}."
    )
