"""Personal API tokens: ``Authorization: Bearer kco2_…`` (django-ninja).

Usage in the API: ``NinjaAPI(auth=TokenAuth())`` or ``@router.get(..., auth=TokenAuth())``.
Only the sha256 of a token is stored, so a database leak does not leak usable tokens.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

#: ``last_used_at`` is written at most once per this interval (no write on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        from kineco2.accounts.models import ApiToken

        token = (token or "").strip()
        if not token:
            return None
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
            api_token.last_used_at = now
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user
