"""Fixtures of the API tests: personal tokens, assessments, JSON helpers.

``user``, ``other_user``, ``practice`` (titulaire: ``user``), ``other_practice`` and
``logged_client`` come from ``tests/conftest.py``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

#: A complete enough profile to compute: Rennes, 2 kinés.
PROFILE = {"commune": "35000", "practitioners": 2, "sessions_per_year": 8000}


def make_token(user, name: str = "tests") -> str:
    from kineco2.accounts.models import ApiToken

    token = ApiToken.new_token()
    ApiToken.objects.create(
        user=user,
        name=name,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        prefix=token[:8],
    )
    return token


class ApiClient:
    """``django.test.Client`` speaking JSON, with optional bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, url: str, body: Any = None, raw: str | bytes | None = None):
        kwargs: dict[str, Any] = {"headers": self.headers}
        if raw is not None:
            kwargs.update(data=raw, content_type="application/json")
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, url: str):
        return self.request("GET", url)

    def post(self, url: str, body: Any = None, **kwargs: Any):
        return self.request("POST", url, body, **kwargs)

    def put(self, url: str, body: Any = None, **kwargs: Any):
        return self.request("PUT", url, body, **kwargs)

    def patch(self, url: str, body: Any = None, **kwargs: Any):
        return self.request("PATCH", url, body, **kwargs)


@pytest.fixture(autouse=True)
def _clean_cache(clear_cache):
    """Cached results must not leak from one test to the next."""
    return clear_cache


@pytest.fixture
def token(user) -> str:
    return make_token(user)


@pytest.fixture
def other_token(other_user) -> str:
    return make_token(other_user)


@pytest.fixture
def token_api(client, token) -> ApiClient:
    return ApiClient(client, token)


@pytest.fixture
def session_api(logged_client) -> ApiClient:
    return ApiClient(logged_client)


@pytest.fixture
def anonymous_api(client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def other_api(client, other_token) -> ApiClient:
    return ApiClient(client, other_token)


@pytest.fixture
def assessment(practice):
    """The 2024 assessment of ``practice``, with a profile complete enough to compute."""
    from kineco2.practices.services import assessment_create, assessment_replace_answers

    created = assessment_create(practice=practice, reference_year=2024)
    return assessment_replace_answers(
        assessment=created, answers={"profile": {**PROFILE, "reference_year": 2024}}
    )


@pytest.fixture
def other_assessment(other_practice):
    from kineco2.practices.services import assessment_create

    return assessment_create(practice=other_practice, reference_year=2024)
