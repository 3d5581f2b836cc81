"""Why an action gains nothing (or only part) for a practice, said where its figure is shown:
the plan, the recommendations, the action page and the simulator.

The case found in the demo: a member of an MSP whose energy comes from the structure's shared
premises (decision 0010) saw « 0 t » avoided for its energy actions, with no explanation.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineco2.ecosoins import selectors
from kineco2.ecosoins.models import PlannedAction, PlanStatus

pytestmark = pytest.mark.django_db

PREMISES = {
    "energie": {"electricity_kwh": 42000, "heating_energy": "gaz", "heating_kwh": 61000},
    "froid": {"ac_units": 2},
    "services": {"cleaning_maintenance_eur": 6000},
}
SHARED = "locaux partagés de « MSP des Lices »"


def _structure(coordinator, practice):
    from kineco2.structures.models import MemberPractice
    from kineco2.structures.services import premises_save, structure_create

    structure = structure_create(
        user=coordinator, kind="msp", name="MSP des Lices", commune="35000", finess="350099999"
    )
    MemberPractice.objects.create(
        structure=structure,
        practice=practice,
        share_footprint=True,
        surface_m2=60,
        sessions_per_year=8600,
        hours_per_week=45,
        headcount=2,
    )
    premises_save(structure=structure, year=2025, answers=PREMISES, user=coordinator)
    return structure


@pytest.fixture
def shared_structure(user, practice, assessment):
    """``practice`` (the assessment's) is a member of an MSP coordinated by ``user``, with a
    bilan des locaux partagés 2025: its energy comes from the structure."""
    return _structure(user, practice)


@pytest.fixture
def foreign_structure(other_user, practice, assessment):
    """The same, but the MSP is coordinated by someone else: ``user`` is only a member."""
    return _structure(other_user, practice)


def _plan(practice, *action_ids, status=PlanStatus.PREVUE):
    for action_id in action_ids:
        PlannedAction.objects.create(practice=practice, action_id=action_id, status=status)


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_plan_explains_energy_actions_of_a_shared_premises_member(
    logged_client, synced, assessment, shared_structure
):
    _plan(assessment.practice, "eclairage_led", "chauffage_consigne")
    html = _html(logged_client.get(reverse("ecosoins_plan", args=[assessment.practice.pk])))
    # No bare « 0 t » card: the plan says there is no computed gain, and why, per action.
    assert "Émissions évitées" not in html
    assert "Aucun gain calculé pour ce cabinet avec les actions du plan" in html
    assert html.count("Pas de gain calculé pour votre cabinet seul") == 2
    assert SHARED in html
    assert "suit la règle de répartition de la structure" in html
    assert "des locaux, selon la surface occupée" in html
    assert "se mène collectivement, avec la structure" in html
    # ``user`` coordinates the structure: the link to its collective plan.
    collective = reverse("structure_plan", args=[shared_structure.pk, 2025])
    assert f'href="{collective}"' in html
    assert "plan d&#x27;action collectif de la structure" in html


def test_plan_note_has_no_link_for_a_member_who_does_not_coordinate(
    logged_client, synced, assessment, foreign_structure
):
    _plan(assessment.practice, "eclairage_led")
    html = _html(logged_client.get(reverse("ecosoins_plan", args=[assessment.practice.pk])))
    assert SHARED in html
    assert "Parlez-en aux coordinateurs de la structure." in html
    assert reverse("structure_plan", args=[foreign_structure.pk, 2025]) not in html
    assert "plan d&#x27;action collectif de la structure" not in html


def test_plan_with_a_normal_gain_shows_the_figure_and_no_note(logged_client, synced, assessment):
    _plan(assessment.practice, "eclairage_led")
    html = _html(logged_client.get(reverse("ecosoins_plan", args=[assessment.practice.pk])))
    assert "Émissions évitées" in html
    assert "Aucun gain calculé" not in html
    assert "À savoir sur le gain" not in html
    assert "locaux partagés" not in html
    gain = selectors.plan_gain(assessment.practice)
    assert gain.notes == [] and gain.shared is None and not gain.no_gain
    assert gain.simulation.avoided_kgco2e > 1


def test_plan_gain_figures_unchanged_by_the_notes(synced, assessment, shared_structure):
    """The notes add text only: the plan's simulation is the engine's, as before."""
    from kineco2.engine.actions import simulate

    _plan(assessment.practice, "eclairage_led", "trajets_velo")
    gain = selectors.plan_gain(assessment.practice)
    inputs, baseline = selectors.baseline_of(assessment)
    choices = [("eclairage_led", {"baisse": 10.0}), ("trajets_velo", {})]
    both = simulate(inputs, choices, baseline=baseline, draws=0)
    alone = simulate(inputs, [("trajets_velo", {})], baseline=baseline, draws=0)
    assert gain.simulation.avoided_kgco2e == both.avoided_kgco2e == alone.avoided_kgco2e
    notes = dict(gain.notes)
    assert list(notes) == ["Passer à l'éclairage LED", "Venir au cabinet à vélo"]
    assert notes["Passer à l'éclairage LED"].text.startswith("Pas de gain calculé")
    # The fixture's practice gave no commuting figures: that gain is an estimate.
    assert notes["Venir au cabinet à vélo"].text.startswith("Gain estimé :")


def test_plan_explains_an_action_that_increases_emissions(logged_client, synced, assessment):
    _plan(assessment.practice, "draps_lavables")
    html = _html(logged_client.get(reverse("ecosoins_plan", args=[assessment.practice.pk])))
    assert "Elle fait augmenter « Linge »" in html
    assert f'href="{reverse("ecosoins_faq")}#draps"' in html


def test_plan_says_a_realised_action_is_already_in_the_answers(logged_client, synced, assessment):
    # The fixture's practice has no air conditioning: the action no longer applies.
    _plan(assessment.practice, "climatisation_supprimee", status=PlanStatus.REALISEE)
    html = _html(logged_client.get(reverse("ecosoins_plan", args=[assessment.practice.pk])))
    assert "réalisée : elle ne s&#x27;applique plus aux réponses du bilan 2025" in html


def test_recommendations_say_why_energy_actions_have_no_gain(
    logged_client, synced, assessment, shared_structure
):
    html = _html(logged_client.get(reverse("ecosoins_recommendations", args=[assessment.pk])))
    assert "Votre cabinet partage les locaux de « MSP des Lices »" in html
    assert "Pas de gain calculé pour votre cabinet seul" in html
    assert reverse("structure_plan", args=[shared_structure.pk, 2025]) in html


def test_recommendations_of_a_practice_without_shared_premises_have_no_such_note(
    logged_client, synced, assessment
):
    html = _html(logged_client.get(reverse("ecosoins_recommendations", args=[assessment.pk])))
    assert "locaux partagés" not in html
    assert "Pas de gain calculé pour votre cabinet seul" not in html


def test_action_page_notes_the_shared_premises(logged_client, synced, assessment, shared_structure):
    url = reverse("ecosoins_action_detail", args=["eclairage_led"])
    assert SHARED in _html(logged_client.get(url))
    # An action off the premises posts: no note.
    url = reverse("ecosoins_action_detail", args=["trajets_velo"])
    assert "locaux partagés" not in _html(logged_client.get(url))


def test_action_page_without_shared_premises_has_no_note(logged_client, synced, assessment):
    url = reverse("ecosoins_action_detail", args=["eclairage_led"])
    html = _html(logged_client.get(url))
    assert "locaux partagés" not in html and "Pas de gain calculé" not in html


def test_simulator_says_why_instead_of_zero(logged_client, synced, assessment, shared_structure):
    url = reverse("ecosoins_simulator", args=[assessment.pk]) + "?action=eclairage_led"
    html = _html(logged_client.get(url))
    assert "Aucun gain calculé" in html
    assert SHARED in html


def test_simulator_with_a_normal_gain_shows_the_figure(logged_client, synced, assessment):
    url = reverse("ecosoins_simulator", args=[assessment.pk]) + "?action=eclairage_led"
    html = _html(logged_client.get(url))
    assert "Aucun gain calculé" not in html
    assert "locaux partagés" not in html


def test_gain_on_default_values_is_said_to_be_an_estimate(synced):
    from kineco2.engine import compute
    from kineco2.engine.actions import load_actions
    from kineco2.practices.answers import to_input

    answers = {
        "profile": {
            "commune": "35000",
            "practitioners": 2,
            "practice_mode": "groupe",
            "reference_year": 2025,
            "sessions_per_year": 8600,
            "home_visit_percent": 10,
            "surface_m2": 70,
        }
    }
    result = compute(to_input(answers))
    note = selectors.default_note(load_actions()["eclairage_led"], result)
    assert note is not None
    assert note.text.startswith("Gain estimé : « Énergie du cabinet » est estimé avec des")
    answers["energie"] = {"electricity_kwh": 7800, "heating_energy": "gaz", "heating_kwh": 15600}
    measured = compute(to_input(answers))
    assert selectors.default_note(load_actions()["eclairage_led"], measured) is None
