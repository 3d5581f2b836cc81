"""The mode of practice of a new practice is chosen, never pre-selected (QA: a practice of
2 kinés or more started as « Cabinet individuel », a stratum of the published statistics).

« Cabinet individuel » with 2 kinés or more is refused with a French message; one kiné may be
in any mode (group practice with other professions, MSP, health centre): nothing is guessed.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from kineco2.panel.forms import CandidacyForm, ParticipationPracticeForm
from kineco2.panel.testing import make_campaign
from kineco2.practices.forms import PracticeForm
from kineco2.practices.models import Practice, PracticeMode, practice_mode_problem

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

NEW = {"name": "Cabinet des Lices", "commune": "35000", "practitioners": "3"}


def _mode_select(html: str) -> str:
    match = re.search(r'<select name="practice_mode".*?</select>', html, re.S)
    assert match, html
    return match.group(0)


def _assert_nothing_chosen(select: str) -> None:
    options = re.findall(r"<option[^>]*>", select)
    assert options[0] == '<option value="" selected>'  # the blank option, shown first
    assert [o for o in options if "selected" in o] == [options[0]]
    assert len(options) == 1 + len(PracticeMode.choices)


def test_rule():
    assert practice_mode_problem(1, "seul") is None
    for mode in ("groupe", "msp", "centre_sante"):
        assert practice_mode_problem(1, mode) is None
        assert practice_mode_problem(2, mode) is None
    assert "Un cabinet individuel compte un seul kiné ; vous en avez indiqué 2." in (
        practice_mode_problem(2, "seul")
    )
    assert practice_mode_problem(None, "seul") is None  # the count is wrong: its own error


def test_the_create_page_preselects_no_mode(logged_client):
    html = logged_client.get(reverse("practice_create")).content.decode()
    select = _mode_select(html)
    _assert_nothing_chosen(select)
    assert "Choisissez le mode d&#x27;exercice" in select


def test_a_mode_must_be_chosen(logged_client):
    response = logged_client.post(reverse("practice_create"), NEW)
    assert response.status_code == 200
    assert "Choisissez le mode d'exercice du cabinet." in unescape(response.content.decode())
    assert not Practice.objects.exists()


def test_cabinet_individuel_with_several_kines_is_refused(logged_client):
    response = logged_client.post(reverse("practice_create"), {**NEW, "practice_mode": "seul"})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Un cabinet individuel compte un seul kiné ; vous en avez indiqué 3." in html
    assert "ou corrigez le nombre de kinésithérapeutes" in html
    assert not Practice.objects.exists()


@pytest.mark.parametrize(
    ("practitioners", "mode"),
    [("1", "seul"), ("1", "groupe"), ("1", "msp"), ("3", "groupe"), ("3", "centre_sante")],
)
def test_the_chosen_mode_is_stored(logged_client, practitioners, mode):
    data = {**NEW, "practitioners": practitioners, "practice_mode": mode}
    response = logged_client.post(reverse("practice_create"), data)
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert (practice.practitioners, practice.practice_mode) == (int(practitioners), mode)


def test_forms_have_no_initial_mode():
    campaign = make_campaign()
    for form in (PracticeForm(), CandidacyForm(campaign=campaign), ParticipationPracticeForm()):
        assert form["practice_mode"].value() in (None, "")
        _assert_nothing_chosen(_mode_select(str(form["practice_mode"])))


def test_panel_forms_refuse_cabinet_individuel_with_several_kines():
    campaign = make_campaign()
    candidacy = CandidacyForm(
        {"practice_name": "Cabinet", "commune": "75011", "practitioners": "2",
         "practice_mode": "seul", "zone": "", "contact_name": "Alex Dupont",
         "email": "alex@example.fr", "consent_data": "on", "consent_publication": "on"},
        campaign=campaign,
    )  # fmt: skip
    assert not candidacy.is_valid()
    assert "Un cabinet individuel compte un seul kiné" in candidacy.errors["practice_mode"][0]
    participation = ParticipationPracticeForm(
        {"name": "Cabinet", "commune": "35000", "practitioners": "4", "practice_mode": "seul"}
    )
    assert not participation.is_valid()
    assert "vous en avez indiqué 4" in participation.errors["practice_mode"][0]
    participation = ParticipationPracticeForm(
        {"name": "Cabinet", "commune": "35000", "practitioners": "4", "practice_mode": "msp"}
    )
    assert participation.is_valid(), participation.errors


def test_api_refuses_cabinet_individuel_with_several_kines(client, user):
    from kineco2.accounts.services import api_token_create

    _, token = api_token_create(user=user, name="test")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"name": "Cabinet des Lices", "commune": "35000", "practitioners": 3}
    for extra in ({}, {"practice_mode": "seul"}):  # « seul » is the field's default
        response = client.post(
            "/api/practices", {**body, **extra}, content_type="application/json", headers=headers
        )
        assert response.status_code == 422
        (item,) = response.json()["detail"]
        assert item["loc"] == ["body", "practice_mode"]
        assert "Un cabinet individuel compte un seul kiné" in item["msg"]
    assert not Practice.objects.exists()
    response = client.post(
        "/api/practices", {**body, "practice_mode": "msp"}, content_type="application/json",
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 201
    alone = {**body, "practitioners": 1}
    response = client.post(
        "/api/practices", alone, content_type="application/json", headers=headers
    )
    assert response.status_code == 201
    assert response.json()["practice_mode"] == "seul"  # one kiné: the default still applies
