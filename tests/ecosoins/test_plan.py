"""The practice's action plan: add, edit, remove, owner rules, expected gain, access."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kineco2.ecosoins import selectors, services
from kineco2.ecosoins.models import PlannedAction, PlanStatus
from kineco2.engine.actions import load_actions, simulate
from kineco2.practices.answers import to_input

pytestmark = pytest.mark.django_db


def add_url(assessment):
    return reverse("ecosoins_plan_add", args=[assessment.pk])


def plan_url(practice):
    return reverse("ecosoins_plan", args=[practice.pk])


def test_add_from_recommendations_full_post(logged_client, synced, assessment):
    results = reverse("assessment_results", args=[assessment.pk])
    response = logged_client.post(
        add_url(assessment),
        {"action": "chauffage_consigne", "next": results + "#reco-chauffage_consigne"},
    )
    assert response.status_code == 302
    assert response["Location"] == results + "#reco-chauffage_consigne"
    item = PlannedAction.objects.get()
    assert (item.practice, item.action_id, item.status) == (
        assessment.practice,
        "chauffage_consigne",
        PlanStatus.PREVUE,
    )
    assert item.parameters == {"degres": 1.0}
    follow = logged_client.get(plan_url(assessment.practice))
    assert "Baisser la consigne de chauffage" in follow.content.decode()


def test_add_with_htmx_returns_a_small_confirmation(logged_client, htmx, synced, assessment):
    response = htmx.post(add_url(assessment), {"action": "gels_huiles_vrac"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "est dans votre plan d" in html and "<html" not in html
    assert PlannedAction.objects.filter(action_id="gels_huiles_vrac").exists()


def test_external_next_is_ignored(logged_client, synced, assessment):
    response = logged_client.post(
        add_url(assessment), {"action": "gels_huiles_vrac", "next": "https://evil.example/"}
    )
    assert response["Location"] == plan_url(assessment.practice)


def test_adding_again_updates_parameters_and_replans_an_abandoned_action(
    logged_client, synced, assessment
):
    logged_client.post(add_url(assessment), {"action": "gels_huiles_vrac"})
    PlannedAction.objects.update(status=PlanStatus.ABANDONNEE)
    logged_client.post(
        add_url(assessment), {"action": "gels_huiles_vrac", "p-gels_huiles_vrac-baisse": "40"}
    )
    item = PlannedAction.objects.get()
    assert item.status == PlanStatus.PREVUE and item.parameters == {"baisse": 40.0}


def test_bad_additions_save_nothing_and_say_why(logged_client, htmx, synced, assessment):
    cases = [
        {},  # no action
        {"action": "climatisation_r32"},  # not applicable: no air conditioning
        {"action": "inconnue"},
        {"action": "gels_huiles_vrac", "p-gels_huiles_vrac-baisse": "500"},
    ]
    for data in cases:
        response = logged_client.post(add_url(assessment), data, follow=True)
        assert response.status_code == 200
        messages = [str(m) for m in response.context["messages"]]
        assert any("au moins une action" in m or "Corrigez" in m for m in messages), data
    response = htmx.post(
        add_url(assessment), {"action": "gels_huiles_vrac", "p-gels_huiles_vrac-baisse": "x"}
    )
    assert "Corrigez les valeurs signalées" in response.content.decode()
    assert not PlannedAction.objects.exists()


def test_edit_status_date_owner_notes(logged_client, synced, assessment, colleague):
    item = PlannedAction.objects.create(practice=assessment.practice, action_id="gels_huiles_vrac")
    url = reverse("ecosoins_plan_edit", args=[assessment.practice_id, item.pk])
    assert logged_client.get(url).status_code == 200
    response = logged_client.post(
        url,
        {
            "status": "en_cours",
            "target_date": "30/06/2026",
            "owner": colleague.pk,
            "notes": "Fût de 5 L",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "en_cours"
    assert item.target_date == datetime.date(2026, 6, 30)
    assert item.owner == colleague and item.notes == "Fût de 5 L"
    html = logged_client.get(plan_url(assessment.practice)).content.decode()
    assert "En cours" in html and "30 juin 2026" in html and "Alex Petit" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "fini"}, "Choisissez un état de la liste"),
        ({"status": "prevue", "target_date": "31/02/2026"}, "Saisissez une date valide"),
        ({"status": "prevue", "target_date": "01/01/1990"}, "entre l&#x27;an 2000 et 2100"),
        ({"status": "prevue", "owner": "999999"}, "Le responsable doit être membre du cabinet."),
        ({"status": "prevue", "notes": "x" * 2001}, "2 000 caractères au plus"),
    ],
)
def test_bad_edits_are_refused_in_french_and_keep_the_input(
    logged_client, synced, assessment, data, message
):
    item = PlannedAction.objects.create(
        practice=assessment.practice, action_id="gels_huiles_vrac", notes="avant"
    )
    url = reverse("ecosoins_plan_edit", args=[assessment.practice_id, item.pk])
    response = logged_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "rien de ce que vous avez saisi n'est perdu" in html
    item.refresh_from_db()
    assert item.status == PlanStatus.PREVUE and item.notes == "avant" and item.target_date is None
    if "target_date" in data:
        assert data["target_date"] in html


def test_owner_must_be_a_member(logged_client, synced, assessment, other_user):
    item = PlannedAction.objects.create(practice=assessment.practice, action_id="gels_huiles_vrac")
    url = reverse("ecosoins_plan_edit", args=[assessment.practice_id, item.pk])
    response = logged_client.post(url, {"status": "prevue", "owner": other_user.pk})
    assert response.status_code == 200
    assert "Le responsable doit être membre du cabinet." in response.content.decode()
    item.refresh_from_db()
    assert item.owner is None
    with pytest.raises(ValidationError):
        services.plan_update(
            item=item, status="prevue", target_date=None, owner=other_user, notes=""
        )


def test_remove(logged_client, synced, assessment):
    item = PlannedAction.objects.create(practice=assessment.practice, action_id="gels_huiles_vrac")
    url = reverse("ecosoins_plan_remove", args=[assessment.practice_id, item.pk])
    assert logged_client.get(url).status_code == 405
    response = logged_client.post(url)
    assert response.status_code == 302
    assert not PlannedAction.objects.exists()


def test_expected_gain_simulates_every_non_abandoned_action(logged_client, synced, assessment):
    practice = assessment.practice
    PlannedAction.objects.create(
        practice=practice, action_id="chauffage_consigne", parameters={"degres": 2}
    )
    PlannedAction.objects.create(
        practice=practice, action_id="gels_huiles_vrac", status=PlanStatus.REALISEE
    )
    PlannedAction.objects.create(
        practice=practice, action_id="patients_marche_velo", status=PlanStatus.ABANDONNEE
    )
    PlannedAction.objects.create(practice=practice, action_id="climatisation_r32")
    gain = selectors.plan_gain(practice)
    expected = simulate(
        to_input(assessment.answers),
        [("chauffage_consigne", {"degres": 2}), ("gels_huiles_vrac", {"baisse": 20})],
        draws=0,
    )
    assert gain.simulation.avoided_kgco2e == pytest.approx(expected.avoided_kgco2e)
    assert [title for title, _ in gain.skipped] == [load_actions()["climatisation_r32"].title]
    response = logged_client.get(plan_url(practice))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Émissions évitées" in html and "Non comptées" in html
    assert response.context["gain"].simulation.avoided_kgco2e == pytest.approx(
        expected.avoided_kgco2e
    )


def test_plan_pages_are_for_members_only(client, other_user, synced, assessment):
    item = PlannedAction.objects.create(practice=assessment.practice, action_id="gels_huiles_vrac")
    practice = assessment.practice
    gets = [
        plan_url(practice),
        reverse("ecosoins_plan_edit", args=[practice.pk, item.pk]),
    ]
    posts = [
        (add_url(assessment), {"action": "chauffage_consigne"}),
        (reverse("ecosoins_plan_edit", args=[practice.pk, item.pk]), {"status": "abandonnee"}),
        (reverse("ecosoins_plan_remove", args=[practice.pk, item.pk]), {}),
    ]
    login = reverse("login")
    for target in gets:
        response = client.get(target)
        assert response.status_code == 302 and login in response["Location"], target
    for target, data in posts:
        response = client.post(target, data)
        assert response.status_code == 302 and login in response["Location"], target
    client.force_login(other_user)
    for target in gets:
        assert client.get(target).status_code == 404, target
    for target, data in posts:
        assert client.post(target, data).status_code == 404, target
    item.refresh_from_db()
    assert item.status == PlanStatus.PREVUE
    assert PlannedAction.objects.count() == 1


def test_an_item_of_another_practice_is_404_through_my_practice(
    logged_client, synced, assessment, other_practice
):
    foreign = PlannedAction.objects.create(practice=other_practice, action_id="gels_huiles_vrac")
    url = reverse("ecosoins_plan_edit", args=[assessment.practice_id, foreign.pk])
    assert logged_client.get(url).status_code == 404


def test_plan_follows_the_practice_to_the_next_assessment(logged_client, synced, assessment):
    from kineco2.practices import services as practice_services

    logged_client.post(add_url(assessment), {"action": "chauffage_consigne"})
    next_year = practice_services.assessment_create(
        practice=assessment.practice, reference_year=2026
    )
    assert selectors.latest_assessment(assessment.practice) == next_year
    response = logged_client.get(plan_url(assessment.practice))
    assert response.context["gain"].assessment == next_year
    assert response.context["gain"].simulation is not None
