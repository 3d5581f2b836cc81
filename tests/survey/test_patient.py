"""The patient's side: three questions, no account, anonymous, one answer per visit, and
every abuse (flood, closed or unknown link, malformed input) answered kindly with nothing
stored."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.utils import timezone

from kineco2.survey.models import Answer

pytestmark = pytest.mark.django_db


def url(survey, suffix=""):
    return f"/e/{survey.token}/{suffix}"


def post(client, survey, **data):
    payload = {"mode": "voiture_seul", "commune": "", "km": "", "only_for_session": "oui"}
    payload.update(data)
    return client.post(url(survey), payload)


def test_form_is_plain_french_and_says_it_is_anonymous(client, survey):
    response = client.get(url(survey))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Comment êtes-vous venu(e) aujourd'hui" in body
    assert "Cabinet des Lices" in body
    assert "adresse IP" in body and "Anonyme" in body
    assert "Déposé" not in body  # labels come from the engine's list
    for label in ("À pied", "En bus ou en car", "En taxi ou en VSL", "venu exprès pour moi"):
        assert label in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_answer_by_postal_code_is_stored_without_identity(client, survey, clear_cache):
    response = post(client, survey, mode="bus", commune="35510", only_for_session="non")
    assert response.status_code == 302 and response.url == url(survey, "merci/")
    answer = Answer.objects.get()
    assert (answer.mode, answer.commune_insee, answer.one_way_km) == ("bus", "35051", None)
    assert answer.only_for_session is False
    assert answer.answered_on == timezone.localdate()
    # Anonymous by design: nothing else is stored about the patient.
    fields = {f.name for f in Answer._meta.get_fields()}
    assert fields == {
        "id",
        "survey",
        "mode",
        "commune_insee",
        "one_way_km",
        "only_for_session",
        "answered_on",
        "edited",
    }
    assert "Merci" in client.get(response.url).content.decode()


def test_answer_by_autocomplete_label_and_by_km(client, survey, clear_cache):
    post(client, survey, commune="Cesson-Sévigné (35510)")
    assert Answer.objects.get().commune_insee == "35051"
    other = Client()
    post(other, survey, mode="marche", km="1,5 km")
    assert Answer.objects.get(mode="marche").one_way_km == 1.5


def test_one_answer_per_visit(client, survey, clear_cache):
    post(client, survey, km="4")
    again = post(client, survey, km="4")
    assert again.status_code == 200
    assert "déjà enregistrée" in again.content.decode()
    assert "déjà enregistrée" in client.get(url(survey)).content.decode()
    assert Answer.objects.count() == 1
    cookie = client.cookies[f"kineco2_enquete_{survey.pk}"]
    assert cookie["httponly"] and cookie["max-age"] == 12 * 3600


def test_ambiguous_commune_asks_without_storing(client, survey, clear_cache):
    response = post(client, survey, commune="Saint-Denis")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Plusieurs communes correspondent" in body
    assert "Saint-Denis (974)" in body and "Saint-Denis (93)" in body
    assert Answer.objects.count() == 0
    response = post(client, survey, commune="Saint-Denis", commune_choice="93066")
    assert response.status_code == 302
    assert Answer.objects.get().commune_insee == "93066"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": ""}, "Choisissez comment vous êtes venu(e)."),
        ({"mode": "helicoptere", "km": "3"}, "Sélectionnez un choix valide"),
        ({"km": "abc"}, "Indiquez un nombre de kilomètres"),
        ({"km": "-3"}, "nombre positif"),
        ({"km": "1e9"}, "distance maximale acceptée"),
        ({"km": "nan"}, "nombre positif"),
        ({"commune": "Zzyzx-sur-Mer"}, "Nous ne trouvons pas la commune"),
        ({}, "Indiquez votre commune ou le nombre de kilomètres."),
        ({"commune": "97502"}, "indiquez plutôt le nombre de kilomètres"),
        ({"commune_choice": "99999", "km": ""}, "Cette commune n'existe pas"),
        ({"km": "4", "only_for_session": "peut-être"}, "Sélectionnez un choix valide"),
        ({"commune": "x" * 500}, "80 caractères"),
    ],
)
def test_malformed_input_gets_a_french_message_and_stores_nothing(
    client, survey, clear_cache, data, message
):
    response = post(client, survey, **data)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert "pas encore enregistrée" in response.content.decode()
    assert Answer.objects.count() == 0


def test_closed_survey_is_said_kindly_and_stores_nothing(client, survey, clear_cache):
    from kineco2.survey.services import survey_close

    survey_close(survey=survey)
    page = client.get(url(survey))
    assert page.status_code == 200
    assert "Cette enquête est terminée" in page.content.decode()
    response = post(client, survey, km="3")
    assert response.status_code == 410
    assert "n'a pas été enregistrée" in response.content.decode()
    assert Answer.objects.count() == 0


def test_survey_past_its_end_date_is_closed(client, survey, clear_cache):
    survey.closes_on = timezone.localdate() - timezone.timedelta(days=1)
    survey.save()
    assert post(client, survey, km="3").status_code == 410
    assert Answer.objects.count() == 0


def test_unknown_link_is_said_kindly(client, db):
    for path in ("/e/inconnu/", "/e/inconnu/merci/", "/e/" + "x" * 40 + "/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Nous ne trouvons pas cette enquête" in response.content.decode()
    assert client.post("/e/inconnu/", {"mode": "bus", "km": "3"}).status_code == 404
    assert client.get("/e/inconnu/communes/?commune=ren").status_code == 404


def test_flooding_is_limited_per_survey(survey, clear_cache, settings):
    settings.KINECO2_SURVEY_RATE = (3, 600)
    statuses = [post(Client(), survey, km=str(k)).status_code for k in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Answer.objects.count() == 3
    busy = post(Client(), survey, km="2")
    assert "Réessayez dans une dizaine de minutes" in busy.content.decode()


def test_autocomplete_options(client, survey):
    response = client.get(url(survey, "communes/") + "?commune=cesson")
    assert response.status_code == 200
    assert '<option value="Cesson-Sévigné (35510)">' in response.content.decode()
    assert client.get(url(survey, "communes/") + "?commune=c").content.strip() == b""
