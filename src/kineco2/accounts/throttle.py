"""Throttling of failed logins, in Django's cache.

Rule: after ``MAX_FAILURES`` (5) failed attempts for the same normalised e-mail *or* from the
same IP address within ``WINDOW`` (15 minutes), that e-mail / IP is locked for ``LOCKOUT``
(15 minutes): every attempt is refused, even with the right password, without checking it.
Attempts refused during a lock are not counted (the lock is not extended by them). A successful
login (or a password reset) clears the e-mail's failures (never the IP's: one valid account must not reset an
attacker's IP counter).

Keys: ``login-fail:email:<sha256 of the e-mail>`` and ``login-fail:ip:<ip>`` hold the
timestamps of recent failures; ``login-lock:…`` holds the end of a lock. E-mails are hashed so
that the cache never holds them in clear.

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


def register_failure(*, email: str, ip: str) -> None:
    now = _now()
    for subject in _subjects(email, ip):
        key = f"login-fail:{subject}"
        failures = [t for t in cache.get(key, []) if t > now - WINDOW]
        failures.append(now)
        if len(failures) >= MAX_FAILURES:
            cache.set(f"login-lock:{subject}", now + LOCKOUT, timeout=LOCKOUT)
            cache.delete(key)
        else:
            cache.set(key, failures, timeout=WINDOW)


def clear_email(*, email: str) -> None:
    """Forget an e-mail's failures and lock (after a login or a password reset)."""
    for subject in _subjects(email, ip=""):
        if subject.startswith("email:"):
            cache.delete_many([f"login-fail:{subject}", f"login-lock:{subject}"])


def locked_message(minutes: int) -> str:
    unit = "minute" if minutes <= 1 else "minutes"
    return (
        "Trop de tentatives de connexion. Pour protéger votre compte, "
        f"réessayez dans {max(minutes, 1)} {unit}."
    )
