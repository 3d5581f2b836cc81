"""An MSP in Rennes coordinated by ``coordinator``, with two member practices."""

from __future__ import annotations

import pytest

ANSWERS = {
    "profile": {
        "commune": "35000",
        "practitioners": 2,
        "practice_mode": "msp",
        "reference_year": 2025,
        "sessions_per_year": 8600,
        "home_visit_percent": 10,
        "surface_m2": 70,
    },
    "energie": {"electricity_kwh": 7800, "heating_energy": "gaz", "heating_kwh": 15600},
    "visites_domicile": {"round_trip_km_per_visit": 7, "vehicle": "voiture_gazole"},
}
PREMISES = {
    "energie": {"electricity_kwh": 42000, "heating_energy": "gaz", "heating_kwh": 61000},
    "froid": {"ac_units": 2},
    "services": {"cleaning_maintenance_eur": 6000},
}


@pytest.fixture(autouse=True)
def _clean_cache(clear_cache):
    return clear_cache


@pytest.fixture
def coordinator(db):
    from kineco2.accounts.models import User

    return User.objects.create_user(
        email="coordination@msp-lices.example.fr",
        password="coordination-2025!",
        first_name="Alex",
        last_name="Coord",
        email_confirmed=True,
    )


@pytest.fixture
def outsider(db):
    from kineco2.accounts.models import User

    return User.objects.create_user(
        email="personne@example.fr", password="personne-2025!", email_confirmed=True
    )


@pytest.fixture
def structure(coordinator):
    from kineco2.structures.services import structure_create

    return structure_create(
        user=coordinator, kind="msp", name="MSP des Lices", commune="35000", finess="350099999"
    )


def completed_assessment(practice, year=2025, **changes):
    import copy

    from kineco2.practices import services
    from kineco2.practices.selectors import assessment_result

    answers = copy.deepcopy(ANSWERS)
    answers["profile"]["reference_year"] = year
    for section, fields in changes.items():
        answers.setdefault(section, {}).update(fields)
    assessment = services.assessment_create(practice=practice, reference_year=year)
    assessment = services.assessment_replace_answers(assessment=assessment, answers=answers)
    services.assessment_complete(assessment=assessment, result=assessment_result(assessment))
    return assessment


@pytest.fixture
def members(structure, practice, other_practice):
    """Both practices joined; ``practice`` shares its footprint, ``other_practice`` does not."""
    from kineco2.structures.models import MemberPractice

    first = MemberPractice.objects.create(
        structure=structure,
        practice=practice,
        share_footprint=True,
        surface_m2=60,
        sessions_per_year=8600,
        hours_per_week=45,
        headcount=2,
    )
    second = MemberPractice.objects.create(
        structure=structure,
        practice=other_practice,
        share_footprint=False,
        surface_m2=40,
        sessions_per_year=5000,
        hours_per_week=30,
        headcount=3,
    )
    return first, second


@pytest.fixture
def premises(structure, members, coordinator):
    from kineco2.structures.models import OtherProfessional
    from kineco2.structures.services import premises_save, structure_update

    OtherProfessional.objects.create(
        structure=structure,
        profession="medecin",
        headcount=3,
        surface_m2=90,
        sessions_per_year=15000,
        hours_per_week=100,
    )
    structure_update(structure=structure, common_surface_m2=110)
    return premises_save(structure=structure, year=2025, answers=PREMISES, user=coordinator)
