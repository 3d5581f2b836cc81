"""The OpenAPI schema states the rules the API enforces (issue 9).

For each rule, sample values are validated against the published schema (with
``jsonschema_rs``, the validator schemathesis uses) and sent to the API: a value the schema
calls valid is never refused as invalid (422), a value it calls invalid always is.
"""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from django.core.serializers.json import DjangoJSONEncoder

from .conftest import PROFILE

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    """The schema as served at /api/openapi.json (JSON: status codes are strings)."""
    from kineco2.api.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder))


def _valid(schema: dict, value) -> bool:
    return jsonschema_rs.Draft202012Validator(schema).is_valid(value)


def _component(openapi, name: str) -> dict:
    return openapi["components"]["schemas"][name]


def _query_param(openapi, path: str, method: str, name: str) -> dict:
    params = openapi["paths"][path][method]["parameters"]
    return next(p["schema"] for p in params if p["name"] == name)


COMMUNES = [
    "35000",
    "35 000",
    " cp 97410 ",
    "code INSEE : 97411",
    "INSEE97411",
    "2a004",
    "35000\n",
    "\t35000",
    "35000\x00",
    "3500",
    "350000",
    "Rennes",
    "CP",
]


@pytest.mark.parametrize("commune", COMMUNES)
def test_practice_commune(token_api, openapi, commune):
    stated = _valid(_component(openapi, "PracticeIn")["properties"]["commune"], commune)
    response = token_api.post("/api/practices", {"name": "Cabinet", "commune": commune})
    assert response.status_code == (201 if stated else 422), (commune, response.content)


@pytest.mark.parametrize("commune", COMMUNES)
def test_engine_commune(token_api, openapi, commune):
    stated = _valid(_component(openapi, "Profile")["properties"]["commune"], commune)
    response = token_api.post("/api/compute", {"profile": {**PROFILE, "commune": commune}})
    assert response.status_code == (200 if stated else 422), (commune, response.content)


@pytest.mark.parametrize(
    "name",
    ["Cabinet des Lices", "  Kiné & Co  ", "", "   ", "\u00a0", "a\nb", "Cab\x7f", "Lices\n", "é"],
)
def test_practice_name(token_api, openapi, name):
    stated = _valid(_component(openapi, "PracticeIn")["properties"]["name"], name)
    response = token_api.post("/api/practices", {"name": name, "commune": "35000"})
    assert response.status_code == (201 if stated else 422), (name, response.content)


@pytest.mark.parametrize("version", ["1.0", "1", "1.2", "1.", "2.0", "u", "1\n", "10", ""])
def test_schema_version(token_api, openapi, version):
    stated = _valid(_component(openapi, "AssessmentInput")["properties"]["schema_version"], version)
    response = token_api.post("/api/compute", {"schema_version": version, "profile": PROFILE})
    assert response.status_code == (200 if stated else 422), (version, response.content)


@pytest.mark.parametrize("draws", [0, 1, 50, 99, 100, 20_000, 20_001, -1])
def test_draws(token_api, openapi, assessment, draws):
    for path, url, body in (
        ("/api/compute", "/api/compute", {"profile": PROFILE}),
        (
            "/api/assessments/{assessment_id}/compute",
            f"/api/assessments/{assessment.pk}/compute",
            None,
        ),
    ):
        stated = _valid(_query_param(openapi, path, "post", "draws"), draws)
        response = token_api.post(f"{url}?draws={draws}", body)
        assert response.status_code == (200 if stated else 422), (draws, response.content)


@pytest.mark.parametrize(
    ("version", "status"),
    [
        ("2025.1", 200),
        ("2099.1", 404),
        ("1999.9", 404),
        ("2025", 422),
        ("2025.1\n", 422),
        ("v2025.1", 422),
        ("2025.1" + "1" * 20, 422),
    ],
)
def test_factors_version(anonymous_api, openapi, version, status):
    stated = _valid(_query_param(openapi, "/api/factors", "get", "version"), version)
    assert stated == (status != 422)
    from urllib.parse import quote

    response = anonymous_api.get(f"/api/factors?version={quote(version)}")
    assert response.status_code == status, response.content
    if status == 404:
        assert "Version de facteurs inconnue" in response.json()["detail"]
        assert "2025.1" in response.json()["detail"]  # the versions available
    if status == 422:
        assert "Version de facteurs" in response.json()["detail"][0]["msg"] or len(version) > 20


@pytest.mark.parametrize("value", [[], [1], {}, {"a": 1}, "x" * 101])
def test_one_answer_is_a_single_value(token_api, openapi, assessment, value):
    schema = _component(openapi, "AnswerIn")
    assert not _valid(schema, {"value": value})
    url = f"/api/assessments/{assessment.pk}/answers/energie/electricity_kwh"
    response = token_api.request("PATCH", url, {"value": value})
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][-1] == "value"


@pytest.mark.parametrize("value", [4200, 4200.5, "4 200,5", None])
def test_one_answer_of_the_right_type_is_accepted(token_api, openapi, assessment, value):
    assert _valid(_component(openapi, "AnswerIn"), {"value": value})
    url = f"/api/assessments/{assessment.pk}/answers/energie/electricity_kwh"
    response = token_api.request("PATCH", url, {"value": value})
    assert response.status_code == 200, response.content


def test_every_error_status_is_documented_with_its_french_body(openapi):
    message = {"$ref": "#/components/schemas/MessageOut"}
    validation = {"$ref": "#/components/schemas/ValidationErrorOut"}
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]

            def schema(code, responses=responses):
                return responses[code]["content"]["application/json"]["schema"]

            if operation.get("parameters") or operation.get("requestBody"):
                assert schema("422") == validation, (method, path)
            if operation.get("security"):  # the public operations have none
                assert schema("401") == message, (method, path)
            if method in ("post", "put", "patch"):
                assert schema("403") == message, (method, path)  # session without CSRF
                assert schema("413") == message, (method, path)  # body too big
            if "{" in path or path == "/api/factors":
                assert schema("404") == message, (method, path)


def test_copy_previous_is_a_json_boolean_in_the_schema(openapi):
    prop = _component(openapi, "AssessmentCreateIn")["properties"]["copy_previous"]
    assert prop["type"] == "boolean"
    for value in ("oui", "true", 1, 0, 1.0, None, [], {}):
        assert not _valid(prop, value)


@pytest.mark.parametrize("value", ["false", 0.0, 1.0, "non", "1"])
def test_copy_previous_refuses_other_types_in_french(token_api, practice, value):
    from kineco2.practices.models import Assessment

    before = Assessment.objects.count()
    response = token_api.post(
        f"/api/practices/{practice.pk}/assessments",
        {"reference_year": 2027, "copy_previous": value},
    )
    assert response.status_code == 422, response.content
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "copy_previous"
    assert "oui ou non" in detail["msg"]
    assert Assessment.objects.count() == before


@pytest.mark.parametrize("km", [-1, 0, 5.5, 10_000, 10_001, 1e300])
def test_survey_values(token_api, openapi, km):
    survey = {"n_reponses": 30, "km_par_seance": {"voiture": km}}
    stated = _valid(_component(openapi, "EnquetePatients"), survey)
    response = token_api.post(
        "/api/compute", {"profile": PROFILE, "deplacements_patients": {"enquete": survey}}
    )
    assert response.status_code == (200 if stated else 422), (km, response.content)
