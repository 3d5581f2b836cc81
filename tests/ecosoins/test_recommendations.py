"""Recommendations on the results page: applicable actions ranked by the engine."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from kineco2.ecosoins import selectors
from kineco2.ecosoins.models import CatalogueAction, PlannedAction, PlanStatus
from kineco2.engine import compute
from kineco2.engine.actions import applicable_actions, load_actions, simulate
from kineco2.practices.answers import to_input

pytestmark = pytest.mark.django_db


def engine_result(assessment):
    inputs = to_input(assessment.answers)
    return inputs, compute(inputs)


def test_ranked_by_avoided_emissions_with_interval(synced, assessment):
    inputs, result = engine_result(assessment)
    recos = selectors.recommendations(assessment, result)
    ranked = recos.items + recos.others
    assert len(recos.items) == 8
    gains = [r.avoided_kgco2e for r in ranked]
    assert gains == sorted(gains, reverse=True)
    assert all(g > 0 for g in gains)
    top = ranked[0]
    expected = simulate(inputs, [(top.action_id, None)], draws=0)
    assert top.avoided_kgco2e == pytest.approx(expected.avoided_kgco2e)
    assert top.avoided_per_session_kgco2e == pytest.approx(expected.avoided_per_session_kgco2e)
    assert top.interval_low_kgco2e < top.avoided_kgco2e < top.interval_high_kgco2e
    assert top.cost_level and top.effort and top.time_to_implement


def test_non_applicable_actions_are_never_recommended(synced, assessment):
    inputs, result = engine_result(assessment)
    recos = selectors.recommendations(assessment, result)
    listed = {r.action_id for r in recos.items + recos.others} | {
        w.action_id for w in recos.without_gain
    }
    applicable = {a.id for a in applicable_actions(inputs, result)}
    assert listed == applicable
    for action_id in (
        "climatisation_r32",  # no air conditioning
        "climatisation_supprimee",
        "radiateurs_vers_pompe_a_chaleur",  # gas heating
        "formations_train",  # no plane
        "dasri_limites",
    ):
        assert action_id not in listed
    assert recos.not_applicable == len(load_actions()) - len(applicable)


def test_actions_without_gain_are_listed_apart_with_the_reason(synced, assessment):
    _, result = engine_result(assessment)
    recos = selectors.recommendations(assessment, result)
    sheets = next(w for w in recos.without_gain if w.action_id == "draps_lavables")
    assert sheets.change_kgco2e > 0
    assert "Linge" in sheets.reason and "augmenter" in sheets.reason
    assert "draps_lavables" not in {r.action_id for r in recos.items + recos.others}


def test_unpublished_actions_are_not_recommended(synced, assessment):
    _, result = engine_result(assessment)
    top = selectors.recommendations(assessment, result).items[0].action_id
    CatalogueAction.objects.filter(action_id=top).update(published=False)
    recos = selectors.recommendations(assessment, result)
    assert top not in {r.action_id for r in recos.items + recos.others}


def test_ranking_is_cached_by_answers(synced, assessment, monkeypatch):
    _, result = engine_result(assessment)
    selectors.recommendations(assessment, result)
    calls = []
    monkeypatch.setattr(selectors, "rank_actions", lambda *a, **k: calls.append(1) or [])
    selectors.recommendations(assessment, result)
    assert calls == []
    assessment.answers["profile"]["sessions_per_year"] = 9000
    selectors.recommendations(assessment, result)
    assert calls == [1]


def test_planned_actions_are_marked(synced, assessment):
    _, result = engine_result(assessment)
    top = selectors.recommendations(assessment, result).items[0]
    PlannedAction.objects.create(practice=assessment.practice, action_id=top.action_id)
    assert selectors.recommendations(assessment, result).items[0].planned
    PlannedAction.objects.filter(action_id=top.action_id).update(status=PlanStatus.ABANDONNEE)
    assert not selectors.recommendations(assessment, result).items[0].planned


def test_partial_renders_plan_and_simulate_buttons(synced, assessment, user):
    _, result = engine_result(assessment)
    request = RequestFactory().get(reverse("assessment_results", args=[assessment.pk]))
    request.user = user
    template = Template('{% include "ecosoins/_recommendations.html" %}')
    html = template.render(
        Context(
            {
                "request": request,
                "assessment": assessment,
                "recommendations": selectors.recommendations(assessment, result),
                "csrf_token": "x",
            }
        )
    )
    assert html.count("Ajouter à mon plan") == len(
        selectors.recommendations(assessment, result).items
    ) + len(selectors.recommendations(assessment, result).others)
    assert reverse("ecosoins_plan_add", args=[assessment.pk]) in html
    assert reverse("ecosoins_simulator", args=[assessment.pk]) + "?action=" in html
    assert "Sans gain calculé pour votre cabinet" in html
    assert "t CO2e" in html and "par séance" in html and "intervalle à 95" in html


def test_inclusion_tag_needs_no_view_change(synced, assessment, user):
    _, result = engine_result(assessment)
    request = RequestFactory().get("/")
    request.user = user
    html = Template("{% load ecosoins %}{% ecosoins_recommendations assessment result %}").render(
        Context({"request": request, "assessment": assessment, "result": result})
    )
    assert 'id="ecosoins"' in html and "Ajouter à mon plan" in html


def test_page_for_members_only(client, logged_client, other_user, synced, assessment):
    url = reverse("ecosoins_recommendations", args=[assessment.pk])
    response = logged_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    top = response.context["recommendations"].items[0]
    assert escape(top.title) in html
    assert logged_client.post(url).status_code == 405
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(other_user)
    assert client.get(url).status_code == 404


def test_incomplete_assessment_gets_a_french_page(logged_client, synced, practice):
    from kineco2.practices import services

    assessment = services.assessment_create(practice=practice, reference_year=2024)
    services.assessment_replace_answers(assessment=assessment, answers={})
    response = logged_client.get(reverse("ecosoins_recommendations", args=[assessment.pk]))
    assert response.status_code == 200
    assert "encore incomplet" in response.content.decode()
