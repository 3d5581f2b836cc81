"""The simulator: HTMX and full POST, good and bad parameters, members only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineco2.ecosoins.models import PlannedAction
from kineco2.engine import compute
from kineco2.engine.actions import simulate
from kineco2.practices.answers import to_input

pytestmark = pytest.mark.django_db


def url(assessment):
    return reverse("ecosoins_simulator", args=[assessment.pk])


def test_page_lists_applicable_actions_with_their_parameters(logged_client, synced, assessment):
    response = logged_client.get(url(assessment))
    assert response.status_code == 200
    html = response.content.decode()
    ids = {a["action"].id for g in response.context["groups"] for a in g["actions"]}
    assert "chauffage_consigne" in ids and "climatisation_r32" not in ids
    assert 'name="p-chauffage_consigne-degres"' in html
    assert "Baisse de la consigne de chauffage" in html
    assert 'hx-post="' + url(assessment) in html and 'hx-trigger="change"' in html
    assert "Cochez une ou plusieurs actions" in html
    assert "<svg" in html  # the trajectory, baseline only


def test_get_preselects_an_action(logged_client, synced, assessment):
    response = logged_client.get(url(assessment), {"action": "chauffage_consigne"})
    assert response.context["choices"].selected == ["chauffage_consigne"]
    assert response.context["simulation"] is not None
    assert 'value="chauffage_consigne" id="sim-chauffage_consigne" checked' in (
        response.content.decode()
    )


def test_htmx_post_returns_the_recomputed_result(logged_client, htmx, synced, assessment):
    data = {
        "action": ["chauffage_consigne", "patients_marche_velo"],
        "p-chauffage_consigne-degres": "2",
        "p-patients_marche_velo-part_report": "30",
        "rate": "5",
    }
    response = htmx.post(url(assessment), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="sim-result"')
    assert "<html" not in html
    inputs = to_input(assessment.answers)
    expected = simulate(
        inputs,
        [("chauffage_consigne", {"degres": 2}), ("patients_marche_velo", {"part_report": 30})],
        draws=0,
    )
    simulation = response.context["simulation"]
    assert simulation.avoided_kgco2e == pytest.approx(expected.avoided_kgco2e)
    assert simulation.avoided_interval_95 is not None
    assert simulation.scenario.total_kgco2e == pytest.approx(
        compute(inputs).total_kgco2e - expected.avoided_kgco2e
    )
    rows = {r["id"] for r in response.context["post_changes"]}
    assert rows == {"energie", "deplacements_patients"}
    assert "Intervalle de confiance à 95" in html and "par séance" in html
    assert 'hx-swap-oob="true"' in html  # errors cleared next to each parameter
    assert "<svg" in html and "Trajectoire cible" in html


def test_french_decimal_comma_is_accepted(htmx, logged_client, synced, assessment):
    response = htmx.post(
        url(assessment), {"action": "chauffage_consigne", "p-chauffage_consigne-degres": "1,5"}
    )
    assert response.context["choices"].choices == [("chauffage_consigne", {"degres": 1.5})]
    assert response.context["simulation"] is not None


def test_bad_parameter_htmx_shows_an_inline_french_message(htmx, logged_client, synced, assessment):
    data = {
        "action": ["chauffage_consigne", "patients_marche_velo"],
        "p-chauffage_consigne-degres": "9",
        "p-patients_marche_velo-part_report": "abc",
    }
    response = htmx.post(url(assessment), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["simulation"] is None
    assert "Choisissez une valeur entre 1 et 3\u00a0°C." in html
    assert "« abc » n&#x27;est pas un nombre" in html
    assert (
        'id="sim-chauffage_consigne-degres-error" hx-swap-oob="true" role="alert">Choisissez'
        in html
    )
    assert "Vos autres choix sont conservés" in html


def test_bad_parameter_full_post_keeps_every_choice(logged_client, synced, assessment):
    data = {
        "action": ["chauffage_consigne", "gels_huiles_vrac"],
        "p-chauffage_consigne-degres": "-4",
        "p-gels_huiles_vrac-baisse": "35",
        "rate": "7",
    }
    response = logged_client.post(url(assessment), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'aria-invalid="true"' in html
    assert "Choisissez une valeur entre 1 et 3" in html
    assert 'name="p-chauffage_consigne-degres" value="-4"' in html
    assert 'name="p-gels_huiles_vrac-baisse" value="35"' in html
    assert 'value="gels_huiles_vrac" id="sim-gels_huiles_vrac" checked' in html
    assert 'value="chauffage_consigne" id="sim-chauffage_consigne" checked' in html
    assert 'name="rate" value="7"' in html


def test_full_post_without_javascript_computes(logged_client, synced, assessment):
    response = logged_client.post(
        url(assessment), {"action": "gels_huiles_vrac", "p-gels_huiles_vrac-baisse": "50"}
    )
    assert response.status_code == 200
    assert response.context["simulation"].avoided_kgco2e > 0
    assert "<html" in response.content.decode()


def test_bad_target_rate(htmx, logged_client, synced, assessment):
    response = htmx.post(url(assessment), {"action": "gels_huiles_vrac", "rate": "80"})
    assert "Choisissez une baisse annuelle entre 0,5 et 30 %." in response.content.decode()
    response = htmx.post(url(assessment), {"action": "gels_huiles_vrac", "rate": "10"})
    assert response.context["trajectory"]["rate"] == 10
    assert "10\u00a0% par an" in response.content.decode()


def test_unknown_or_non_applicable_action_is_ignored_with_a_message(
    logged_client, synced, assessment
):
    response = logged_client.post(
        url(assessment), {"action": ["climatisation_r32", "nimporte_quoi", "gels_huiles_vrac"]}
    )
    assert response.status_code == 200
    assert response.context["choices"].selected == ["gels_huiles_vrac"]
    assert "elle est ignorée" in response.content.decode()


def test_members_only(client, other_user, synced, assessment):
    response = client.get(url(assessment))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(other_user)
    assert client.get(url(assessment)).status_code == 404
    assert client.post(url(assessment), {"action": "gels_huiles_vrac"}).status_code == 404


def test_add_checked_actions_to_the_plan_from_the_simulator(logged_client, synced, assessment):
    data = {
        "action": ["chauffage_consigne", "gels_huiles_vrac"],
        "p-chauffage_consigne-degres": "2",
        "p-gels_huiles_vrac-baisse": "20",
        "from": "simulateur",
    }
    response = logged_client.post(reverse("ecosoins_plan_add", args=[assessment.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("ecosoins_plan", args=[assessment.practice_id])
    planned = {p.action_id: p.parameters for p in PlannedAction.objects.all()}
    assert planned == {"chauffage_consigne": {"degres": 2.0}, "gels_huiles_vrac": {"baisse": 20.0}}


def test_bad_parameters_when_adding_from_the_simulator_save_nothing(
    logged_client, synced, assessment
):
    data = {
        "action": ["chauffage_consigne", "gels_huiles_vrac"],
        "p-chauffage_consigne-degres": "12",
        "p-gels_huiles_vrac-baisse": "20",
        "from": "simulateur",
    }
    response = logged_client.post(reverse("ecosoins_plan_add", args=[assessment.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "rien n&#x27;a été ajouté au plan" in html
    assert 'name="p-chauffage_consigne-degres" value="12"' in html
    assert not PlannedAction.objects.exists()


def test_renders_when_earlier_years_are_completed(logged_client, synced, practice, assessment):
    from kineco2.practices import services
    from kineco2.practices.selectors import assessment_result

    services.assessment_complete(
        assessment=assessment, result=assessment_result(assessment, draws=0)
    )
    next_year = services.assessment_create(practice=practice, reference_year=2026)
    response = logged_client.get(url(next_year), {"action": "chauffage_consigne"})
    assert response.status_code == 200
    assert response.context["trajectory"]["target_next"] == pytest.approx(
        response.context["baseline"].total_kgco2e * 0.95
    )
