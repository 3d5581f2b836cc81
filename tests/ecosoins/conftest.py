"""Fixtures of the écosoins tests: an assessment, the synced catalogue, a moderator."""

from __future__ import annotations

import copy

import pytest

#: Complete answers for the ``practice`` fixture (Rennes, 2 kinés, gas, paper couch roll, no
#: air conditioning, no plane): the climatisation and electric-heating actions do not apply.
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
    "linge": {"couch_cover": "papier"},
}


@pytest.fixture(autouse=True)
def _clean_cache(clear_cache):
    """Every test starts with an empty cache (rankings, simulations, login throttle)."""
    return clear_cache


@pytest.fixture
def answers() -> dict:
    return copy.deepcopy(ANSWERS)


@pytest.fixture
def assessment(practice, answers):
    from kineco2.practices import services

    created = services.assessment_create(practice=practice, reference_year=2025)
    return services.assessment_replace_answers(assessment=created, answers=answers)


@pytest.fixture
def other_assessment(other_practice, answers):
    from kineco2.practices import services

    created = services.assessment_create(practice=other_practice, reference_year=2025)
    return services.assessment_replace_answers(assessment=created, answers=answers)


@pytest.fixture
def synced(db):
    from kineco2.ecosoins.services import sync_catalogue

    return sync_catalogue()


@pytest.fixture
def colleague(db, practice):
    """A second member of ``practice`` (collaborateur)."""
    from kineco2.accounts.models import User
    from kineco2.practices.models import Membership, Role

    user = User.objects.create_user(
        email="alex.kine@example.fr",
        password="collegue-kine-2025!",
        first_name="Alex",
        last_name="Petit",
        email_confirmed=True,
    )
    Membership.objects.create(user=user, practice=practice, role=Role.COLLABORATEUR)
    return user


@pytest.fixture
def moderator(db):
    """A coordinator in the « Modérateurs » group (created by the data migration)."""
    from django.contrib.auth.models import Group

    from kineco2.accounts.models import User

    user = User.objects.create_user(
        email="coordination@example.fr",
        password="moderation-2025!",
        first_name="Claude",
        last_name="Coordination",
        email_confirmed=True,
    )
    user.groups.add(Group.objects.get(name="Modérateurs"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def htmx(client):
    """``client`` posting and getting as HTMX does (``HX-Request: true``)."""

    class Htmx:
        def post(self, url, data):
            return client.post(url, data, HTTP_HX_REQUEST="true")

        def get(self, url, data=None):
            return client.get(url, data or {}, HTTP_HX_REQUEST="true")

    return Htmx()


INITIATIVE = {
    "title": "Draps nominatifs lavables pour tous les patients",
    "description": "Chaque patient reçoit un drap en coton à son nom, rangé dans un sac "
    "individuel fermé ; lavage à 60 °C en machine pleine au cabinet.",
    "commune": "24000",
    "sector": "cabinet_liberal",
    "posts": ["consommables", "linge"],
    "cost_eur": "1 200",
    "time_to_implement": "1 à 6 mois",
    "scope_of_action": "collective",
    "observed_results": "Plus de rouleau de papier acheté ; 2 machines de plus par semaine.",
}


@pytest.fixture
def initiative_data() -> dict:
    return copy.deepcopy(INITIATIVE)


@pytest.fixture
def initiative(user):
    """A submitted (not yet published) initiative of ``user``."""
    from kineco2.ecosoins import services

    return services.initiative_submit(
        user=user,
        title="Vélo-cargo pour les visites à domicile",
        description="Les visites de moins de 4 km se font en vélo-cargo électrique, avec la "
        "table pliante et le petit matériel dans le coffre.",
        commune_code="35238",
        commune_name="Rennes",
        region_name="Bretagne",
        posts=["visites_domicile"],
        cost_eur=4500,
        time_to_implement="1 à 6 mois",
        scope_of_action="individuelle",
        observed_results="Environ 3 000 km de voiture évités par an.",
        sector="cabinet_liberal",
    )
