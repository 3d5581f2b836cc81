"""The patient zone in the web questionnaire and results: the select offers the zones of
the practice's territory, a zone of another territory is refused in French, moving the
commune to another territory drops a zone that does not exist there, and the results
page says which zone was used and where it came from."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from kineco2.engine import geography
from kineco2.practices import services
from kineco2.practices.models import Assessment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def zone_options(html: str) -> list[str]:
    select = html.split('name="profile-patient_zone"', 1)[1].split("</select>", 1)[0]
    return [part.split('"', 1)[0] for part in select.split('<option value="')[1:]]


def profile_step(client, assessment) -> str:
    services.assessment_set_level(assessment=assessment, level="complet")
    url = reverse("assessment_step", args=[assessment.pk, "profile"])
    return client.get(url).content.decode()


def reunion(assessment: Assessment) -> Assessment:
    answers = copy.deepcopy(assessment.answers)
    answers["profile"]["commune"] = "97400"
    return services.assessment_replace_answers(assessment=assessment, answers=answers)


def test_mainland_practice_is_offered_every_zone(logged_client, assessment):
    options = zone_options(profile_step(logged_client, assessment))
    zones = [value for value in options if value in geography.PATIENT_ZONES]
    assert zones == list(geography.PATIENT_ZONES)


def test_reunion_practice_is_never_offered_paris(logged_client, assessment):
    html = profile_step(logged_client, reunion(assessment))
    zones = [value for value in zone_options(html) if value in geography.PATIENT_ZONES]
    assert zones == list(geography.patient_zones_for("la_reunion"))
    assert "paris_petite_couronne" not in zones and "couronne_idf" not in zones
    assert "Proche banlieue de Paris" not in html
    assert "zone d&#x27;après le zonage INSEE : Centre d&#x27;une grande ville" in html


def test_saving_a_zone_of_another_territory_is_refused_in_french(htmx_post, assessment):
    assessment = reunion(assessment)
    response = htmx_post(
        reverse("assessment_save", args=[assessment.pk]),
        {"field": "profile.patient_zone", "profile-patient_zone": "paris_petite_couronne",
         "profile-patient_zone-previous": ""},
    )  # fmt: skip
    html = response.content.decode()
    assert "n&#x27;existe pas à La Réunion" in html
    assessment.refresh_from_db()
    assert "patient_zone" not in assessment.answers["profile"]


def test_moving_to_another_territory_drops_a_zone_that_does_not_exist_there(assessment):
    outcome = services.assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="patient_zone", raw="couronne_idf"
    )
    assert outcome.ok
    outcome = services.assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="commune", raw="97400"
    )
    assert outcome.ok, outcome.error
    assessment.refresh_from_db()
    assert assessment.answers["profile"]["commune"] == "97400"
    assert "patient_zone" not in assessment.answers["profile"]  # INSEE's zone until chosen
    # A zone that exists in the new territory is kept.
    services.assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="patient_zone", raw="petit_pole"
    )
    services.assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="commune", raw="2A004"
    )
    assessment.refresh_from_db()
    assert assessment.answers["profile"]["patient_zone"] == "petit_pole"


def test_results_page_says_which_zone_and_where_from(logged_client, assessment):
    url = reverse("assessment_results", args=[assessment.pk])
    html = logged_client.get(url).content.decode()
    assert "Zone des patients : Centre d&#x27;une très grande ville" in html  # Rennes
    assert "(d&#x27;après le zonage INSEE)" in html
    services.assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="patient_zone", raw="grand_pole"
    )
    html = logged_client.get(url).content.decode()
    assert "Zone des patients : Centre d&#x27;une grande ville" in html
    assert "(choisie par l&#x27;utilisateur (zonage INSEE : « Centre d&#x27;une très grande" in html


def test_ambiguous_commune_in_the_questionnaire_lists_the_candidates(htmx_post, assessment):
    response = htmx_post(
        reverse("assessment_save", args=[assessment.pk]),
        {"field": "profile.commune", "profile-commune": "97411",
         "profile-commune-previous": "35000"},
    )  # fmt: skip
    html = response.content.decode()
    assert "Le code « 97411 » est ambigu" in html
    assert "Saint-Denis (974) : « 97400 »" in html
    assessment.refresh_from_db()
    assert assessment.answers["profile"]["commune"] == "35000"


def test_migration_rewrites_a_stored_ambiguous_commune_of_the_practice(user):
    """Profiles stored before ambiguity was refused (``69003`` read as Lyon) are fixed."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "kineco2.practices.migrations.0002_unambiguous_assessment_communes"
    )
    lyon = services.practice_create(
        user=user, name="Cabinet de Lyon", commune="CP 69003", practitioners=1,
        practice_mode="seul",
    )  # fmt: skip
    elsewhere = services.practice_create(
        user=user, name="Cabinet de Rennes", commune="35000", practitioners=1,
        practice_mode="seul",
    )  # fmt: skip
    fixed = services.assessment_create(practice=lyon, reference_year=2025)
    kept = services.assessment_create(practice=elsewhere, reference_year=2025)
    for assessment in (fixed, kept):
        assessment.answers["profile"]["commune"] = "69003"
        assessment.save(update_fields=["answers"])
    migration.forwards(apps, None)
    fixed.refresh_from_db()
    kept.refresh_from_db()
    assert fixed.answers["profile"]["commune"] == "69123"  # Lyon, and nothing else
    assert kept.answers["profile"]["commune"] == "69003"  # not the practice's: user decides


def test_methodology_page_says_the_zone_is_an_approximation(client):
    html = client.get(reverse("methodology")).content.decode()
    assert "La zone de vos patients : une approximation" in html
    assert "zonage de l'INSEE en aires" in html
    assert "un cabinet de La Réunion ne se voit jamais proposer les zones de Paris" in " ".join(
        html.split()
    )
    assert "Bourg-en-Bresse" in html
