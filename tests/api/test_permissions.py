"""Every endpoint, walked as anonymous (401), as a non-member (404) and as a member (2xx)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from kineco2.api.api import api as ninja_api
from kineco2.practices.models import Membership, Role

from .conftest import PROFILE, ApiClient

pytestmark = pytest.mark.django_db

#: (method, path template, body): every operation of the API (checked against the OpenAPI).
OBJECT_ENDPOINTS = [
    ("GET", "/api/practices/{practice_id}", None),
    ("GET", "/api/practices/{practice_id}/assessments", None),
    ("POST", "/api/practices/{practice_id}/assessments", {"reference_year": 2025}),
    ("GET", "/api/assessments/{assessment_id}", None),
    ("PUT", "/api/assessments/{assessment_id}/answers", {"profile": PROFILE}),
    (
        "PATCH",
        "/api/assessments/{assessment_id}/answers/{section}/{field}",
        {"value": 1234},
    ),
    ("POST", "/api/assessments/{assessment_id}/compute", None),
    ("GET", "/api/assessments/{assessment_id}/results", None),
]
USER_ENDPOINTS = [
    ("GET", "/api/practices", None),
    (
        "POST",
        "/api/practices",
        {"name": "Cabinet", "commune": "35000", "practitioners": 1, "practice_mode": "seul"},
    ),
    ("POST", "/api/compute", {"profile": PROFILE}),
]
PUBLIC_ENDPOINTS = [("GET", "/api/schema", None), ("GET", "/api/factors", None)]


def _url(template: str, practice, assessment) -> str:
    return template.format(
        practice_id=practice.pk,
        assessment_id=assessment.pk,
        section="energie",
        field="electricity_kwh",
    )


def test_every_operation_is_walked():
    schema = ninja_api.get_openapi_schema()
    operations = {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item
    }
    walked = {
        (method, template)
        for method, template, _ in OBJECT_ENDPOINTS + USER_ENDPOINTS + PUBLIC_ENDPOINTS
    }
    assert operations == walked


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_ENDPOINTS + USER_ENDPOINTS)
def test_anonymous_gets_401(anonymous_api, practice, assessment, method, template, body):
    response = anonymous_api.request(method, _url(template, practice, assessment), body)
    assert response.status_code == 401, response.content
    assert "Authentification requise" in response.json()["detail"]


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_ENDPOINTS + USER_ENDPOINTS)
def test_bad_token_gets_401(client, practice, assessment, method, template, body):
    api = ApiClient(client, "kco2_not-a-real-token")
    response = api.request(method, _url(template, practice, assessment), body)
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_ENDPOINTS)
def test_non_member_gets_404(
    other_api, practice, assessment, other_practice, method, template, body
):
    response = other_api.request(method, _url(template, practice, assessment), body)
    assert response.status_code == 404, response.content
    assert response.json()["detail"] in ("Cabinet introuvable", "Bilan introuvable")


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_ENDPOINTS)
def test_non_member_cannot_tell_missing_from_forbidden(
    other_api, practice, assessment, method, template, body
):
    url = _url(template, practice, assessment)
    forbidden = other_api.request(method, url, body)
    missing_url = template.format(
        practice_id=practice.pk + 1000,
        assessment_id=assessment.pk + 1000,
        section="energie",
        field="electricity_kwh",
    )
    missing = other_api.request(method, missing_url, body)
    assert (forbidden.status_code, forbidden.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize("who", ["token", "session", "collaborator"])
@pytest.mark.parametrize(
    ("method", "template", "body"), OBJECT_ENDPOINTS + USER_ENDPOINTS + PUBLIC_ENDPOINTS
)
def test_member_gets_2xx(
    request, practice, assessment, other_user, other_api, who, method, template, body
):
    if who == "collaborator":
        Membership.objects.create(user=other_user, practice=practice, role=Role.COLLABORATEUR)
        api = other_api
    else:
        api = request.getfixturevalue(f"{who}_api")
    response = api.request(method, _url(template, practice, assessment), body)
    assert 200 <= response.status_code < 300, response.content


@pytest.mark.parametrize(("method", "template", "body"), PUBLIC_ENDPOINTS)
def test_reference_data_is_public(anonymous_api, method, template, body):
    assert anonymous_api.request(method, template, body).status_code == 200


def test_lists_only_show_own_practices(other_api, practice, other_practice):
    listed = other_api.get("/api/practices").json()
    assert [p["id"] for p in listed] == [other_practice.pk]


@pytest.fixture
def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_session_needs_csrf_for_unsafe_methods(csrf_client, practice):
    url = f"/api/practices/{practice.pk}/assessments"
    assert csrf_client.get(url).status_code == 200
    refused = csrf_client.post(url, {"reference_year": 2025}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    token = get_random_string(32)  # what a page of the site would have set as cookie
    csrf_client.cookies["csrftoken"] = token
    accepted = csrf_client.post(
        url,
        {"reference_year": 2025},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201, accepted.content


def test_token_needs_no_csrf(practice, token):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/practices/{practice.pk}/assessments",
        {"reference_year": 2025},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.content


def test_anonymous_post_is_401_even_with_csrf_enforced():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/practices", {}, content_type="application/json")
    assert response.status_code == 401
