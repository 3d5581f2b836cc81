"""The API refuses a zone of another territory and an ambiguous commune (422, in French),
and its results say which zone was used and where it came from."""

from __future__ import annotations

import pytest

from .conftest import PROFILE

pytestmark = pytest.mark.django_db


def test_compute_refuses_a_zone_of_another_territory(token_api):
    api = token_api
    body = {"profile": {**PROFILE, "commune": "97400", "patient_zone": "paris_petite_couronne"}}
    response = api.post("/api/compute", body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "patient_zone"
    assert error["msg"].startswith("La zone « Proche banlieue de Paris")
    assert "n'existe pas à La Réunion" in error["msg"]


def test_answers_refuse_an_ambiguous_commune(token_api, assessment):
    api = token_api
    body = {"profile": {**PROFILE, "commune": "97411"}}
    response = api.put(f"/api/assessments/{assessment.pk}/answers", body)
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert "Le code « 97411 » est ambigu" in message
    assert "Saint-Denis (974) : « 97400 »" in message
    assert "Saint-Paul (974) : « 97434 »" in message


def test_practice_creation_refuses_an_ambiguous_commune(token_api):
    api = token_api
    response = api.post(
        "/api/practices",
        {"name": "Kiné du Port", "commune": "97411", "practitioners": 1, "practice_mode": "seul"},
    )
    assert response.status_code == 422
    assert "est ambigu" in response.json()["detail"][0]["msg"]
    created = api.post(
        "/api/practices",
        {"name": "Kiné du Port", "commune": "INSEE 97411", "practitioners": 1,
         "practice_mode": "seul"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["commune_name"] == "Saint-Denis"


def test_results_say_which_zone_and_where_from(token_api):
    api = token_api
    insee = api.post("/api/compute", {"profile": {**PROFILE, "commune": "97400"}}).json()
    assert insee["patient_zone"] == "grand_pole"
    assert insee["patient_zone_origin"] == "insee"
    assert insee["patient_zone_origin_label"] == "d'après le zonage INSEE"
    body = {"profile": {**PROFILE, "commune": "97400", "patient_zone": "petit_pole"}}
    chosen = api.post("/api/compute", body).json()
    assert chosen["patient_zone"] == "petit_pole"
    assert chosen["patient_zone_origin"] == "utilisateur"
    assert chosen["patient_zone_insee"] == "grand_pole"
