"""Fixtures of the practice journey tests: an assessment with complete answers, HTMX posts."""

from __future__ import annotations

import copy

import pytest

#: Complete answers for the ``practice`` fixture (Rennes, 2 kinés).
ANSWERS = {
    "profile": {
        "commune": "35000",
        "practitioners": 2,
        "practice_mode": "groupe",
        "reference_year": 2025,
        "sessions_per_year": 8600,
        "home_visit_percent": 10,
        "surface_m2": 70,
    },
    "energie": {
        "data_quality": "mesure",
        "electricity_kwh": 7800,
        "heating_energy": "gaz",
        "heating_kwh": 15600,
    },
    "visites_domicile": {"round_trip_km_per_visit": 7, "vehicle": "voiture_gazole"},
    "materiel": {"electric_tables": 3, "laptops": 2},
}


@pytest.fixture
def answers() -> dict:
    return copy.deepcopy(ANSWERS)


@pytest.fixture
def assessment(practice, answers):
    """The practice's 2025 assessment, every required answer given (express level)."""
    from kineco2.practices import services

    created = services.assessment_create(practice=practice, reference_year=2025)
    return services.assessment_replace_answers(assessment=created, answers=answers)


@pytest.fixture
def htmx_post(logged_client):
    """POST as HTMX does (``HX-Request: true``)."""

    def post(url, data):
        return logged_client.post(url, data, HTTP_HX_REQUEST="true")

    return post
