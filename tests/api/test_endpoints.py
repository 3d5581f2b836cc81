"""Happy paths of every endpoint, with a personal token and with the session."""

from __future__ import annotations

import pytest

from kineco2.engine.factors import load_factors
from kineco2.practices.models import Assessment, Practice

from .conftest import PROFILE

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["token", "session"])
def api(request):
    return request.getfixturevalue(f"{request.param}_api")


def test_openapi_and_docs_are_served(anonymous_api):
    schema = anonymous_api.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "KinéCO2 API"
    assert "/api/assessments/{assessment_id}/answers" in schema["paths"]
    put = schema["paths"]["/api/assessments/{assessment_id}/answers"]["put"]
    assert put["summary"] == "Remplacer toutes les réponses"
    docs = anonymous_api.get("/api/docs")
    assert docs.status_code == 200
    assert "openapi.json" in docs.content.decode()


def test_practices(api, practice, other_practice):
    listed = api.get("/api/practices")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()] == [practice.pk]

    detail = api.get(f"/api/practices/{practice.pk}").json()
    assert detail["name"] == "Cabinet des Lices"
    assert detail["commune_name"] == "Rennes"
    assert detail["practitioners"] == 2


def test_create_practice(api, user):
    response = api.post(
        "/api/practices",
        {"name": " Kiné du Port ", "commune": "2A004", "practitioners": 3, "practice_mode": "msp"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Kiné du Port"
    assert body["commune_name"] == "Ajaccio"
    practice = Practice.objects.get(pk=body["id"])
    assert practice.memberships.get().user == user


def test_assessments_create_list_detail(api, practice, assessment):
    response = api.post(
        f"/api/practices/{practice.pk}/assessments", {"reference_year": 2025, "copy_previous": True}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["reference_year"] == 2025
    assert created["copied_from_id"] == assessment.pk
    assert created["answers"]["profile"]["sessions_per_year"] == PROFILE["sessions_per_year"]
    assert created["answers"]["profile"]["reference_year"] == 2025
    assert created["years"] == [2025, 2024]

    listed = api.get(f"/api/practices/{practice.pk}/assessments").json()
    assert [a["reference_year"] for a in listed] == [2025, 2024]

    detail = api.get(f"/api/assessments/{assessment.pk}").json()
    assert detail["level"] == "express"
    assert detail["revision"] == assessment.revision
    assert detail["answers"]["profile"]["commune"] == "35000"

    again = api.post(f"/api/practices/{practice.pk}/assessments", {"reference_year": 2025})
    assert again.status_code == 409
    assert "existe déjà" in again.json()["detail"]


def test_replace_answers_with_the_cli_schema(api, assessment):
    body = {
        "schema_version": "1.0",
        "profile": {"commune": " 69123 ", "practitioners": 1, "surface_m2": 45},
        "energie": {"electricity_kwh": 4200, "heating_energy": "gaz", "heating_kwh": None},
    }
    response = api.put(f"/api/assessments/{assessment.pk}/answers", body)
    assert response.status_code == 200, response.content
    answers = response.json()["answers"]
    assert answers["profile"] == {
        "commune": "69123",
        "practitioners": 1,
        "surface_m2": 45.0,
        "reference_year": 2024,
    }
    # an explicit null is kept (« je ne sais pas »), unsent questions are absent
    assert answers["energie"] == {
        "electricity_kwh": 4200.0,
        "heating_energy": "gaz",
        "heating_kwh": None,
    }
    assert "schema_version" not in answers and "froid" not in answers
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.answers == answers
    assert stored.revision == assessment.revision + 1


def test_save_one_answer(api, assessment):
    url = f"/api/assessments/{assessment.pk}/answers/energie/electricity_kwh"
    first = api.patch(url, {"value": "4 200,5"})
    assert first.status_code == 200, first.content
    assert first.json() == {
        "value": 4200.5,
        "revision": assessment.revision + 1,
        "warning": None,
    }

    second = api.patch(url, {"value": 5000, "previous": 4200.5})
    assert second.status_code == 200
    assert second.json()["value"] == 5000

    dont_know = api.patch(url, {"value": None, "previous": 5000})
    assert dont_know.status_code == 200
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.answers["energie"] == {"electricity_kwh": None}


def test_compute_results_and_stateless_compute(api, assessment):
    computed = api.post(f"/api/assessments/{assessment.pk}/compute?draws=500")
    assert computed.status_code == 200, computed.content
    result = computed.json()
    assert result["total_kgco2e"] > 0
    assert result["monte_carlo"]["draws"] == 500
    low, high = result["interval_95"]
    assert low < result["total_kgco2e"] < high
    assert result["commune"] == "Rennes"
    assert {post["id"] for post in result["posts"]} >= {"energie", "deplacements_patients"}

    no_draws = api.post(f"/api/assessments/{assessment.pk}/compute").json()
    assert no_draws["interval_95"] is None
    assert no_draws["total_kgco2e"] == pytest.approx(result["total_kgco2e"])

    cached = api.get(f"/api/assessments/{assessment.pk}/results").json()
    assert cached["total_kgco2e"] == pytest.approx(result["total_kgco2e"])
    assert cached["monte_carlo"]["draws"] == 2000  # settings.KINECO2_DRAWS in tests

    stateless = api.post("/api/compute?draws=100", {"profile": PROFILE})
    assert stateless.status_code == 200, stateless.content
    assert stateless.json()["total_kgco2e"] == pytest.approx(result["total_kgco2e"])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy divides by 0 sessions
def test_no_sessions_gives_null_not_nan(api):
    response = api.post("/api/compute?draws=100", {"profile": {**PROFILE, "sessions_per_year": 0}})
    assert response.status_code == 200
    assert b"NaN" not in response.content
    assert response.json()["per_session_kgco2e"] is None


def test_public_reference_data(anonymous_api):
    schema = anonymous_api.get("/api/schema")
    assert schema.status_code == 200
    assert schema.json()["title"] == "Bilan carbone d'un cabinet de kinésithérapie"

    factors = anonymous_api.get("/api/factors").json()
    assert factors["version"] == load_factors().version
    assert len(factors["factors"]) == len(load_factors())
    assert all(f["source"] for f in factors["factors"])

    explicit = anonymous_api.get(f"/api/factors?version={factors['version']}")
    assert explicit.json() == factors

    unknown = anonymous_api.get("/api/factors?version=1999.9")
    assert unknown.status_code == 404
    assert "inconnue" in unknown.json()["detail"]


def test_token_marks_last_use(token_api, user):
    assert token_api.get("/api/practices").status_code == 200
    assert user.api_tokens.get().last_used_at is not None


@pytest.mark.parametrize("value", ["oui", "true", 1, 0, None, [], {}])
def test_copy_previous_refuses_a_value_of_the_wrong_type(api, practice, value):
    """Issue 9: « copy_previous » must be a JSON boolean; nothing is created otherwise."""
    from kineco2.practices.models import Assessment

    before = Assessment.objects.count()
    response = api.post(
        f"/api/practices/{practice.pk}/assessments",
        {"reference_year": 2026, "copy_previous": value},
    )
    assert response.status_code == 422, response.content
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "copy_previous"
    assert "oui ou non" in detail["msg"]
    assert Assessment.objects.count() == before
