"""The practice's side: open a survey, poster, follow-up, corrections, close; permissions."""

from __future__ import annotations

import subprocess

import pytest

from kineco2.survey.models import Answer, Survey

pytestmark = pytest.mark.django_db


def add_answers(survey, count, **fields):
    fields = {"mode": "voiture_seul", "one_way_km": 4.0} | fields
    Answer.objects.bulk_create(Answer(survey=survey, **fields) for _ in range(count))


def test_open_a_survey(logged_client, practice):
    page = logged_client.get(f"/enquetes/cabinet/{practice.pk}/")
    assert page.status_code == 200
    assert "Ouvrir une enquête" in page.content.decode()
    response = logged_client.post(
        f"/enquetes/cabinet/{practice.pk}/", {"reference_year": "2025", "days": "14"}
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and response.url == f"/enquetes/{survey.pk}/"
    assert survey.is_open and (survey.closes_on - survey.opens_on).days == 13
    assert len(survey.token) == 8
    detail = logged_client.get(response.url).content.decode()
    assert f"/e/{survey.token}/" in detail
    assert "Encore <strong>30</strong> réponses" in detail
    # Opening another one closes the first.
    logged_client.post(f"/enquetes/cabinet/{practice.pk}/", {"reference_year": "2025", "days": "7"})
    survey.refresh_from_db()
    assert survey.closed_at is not None


def test_open_form_errors_are_french(logged_client, practice):
    response = logged_client.post(
        f"/enquetes/cabinet/{practice.pk}/", {"reference_year": "", "days": "400"}
    )
    assert response.status_code == 400
    assert "inférieure ou égale à 60" in response.content.decode()
    assert not Survey.objects.exists()


def test_poster_is_a_pdf_with_the_short_link(logged_client, survey, tmp_path):
    response = logged_client.get(f"/enquetes/{survey.pk}/affiche.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "affiche.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=False
    ).stdout
    if text:  # poppler-utils installed by make test
        assert f"/e/{survey.token}/" in text
        assert "adresse IP" in text
        assert "Cabinet des Lices" in text


def test_qr_code_encodes_the_link():
    from kineco2.survey.poster import qr_svg

    svg = qr_svg("http://testserver/e/abcdEFGH/")
    assert svg.startswith("<svg") and "path" in svg


def test_follow_up_shows_the_measure_from_30_answers(logged_client, survey):
    add_answers(survey, 20)
    add_answers(survey, 9, mode="bus", one_way_km=3.0)
    page = logged_client.get(f"/enquetes/{survey.pk}/").content.decode()
    assert "Encore <strong>1</strong> réponse avant" in page
    assert "mesuré auprès de" not in page
    add_answers(survey, 1, mode="marche", one_way_km=0.5)
    page = logged_client.get(f"/enquetes/{survey.pk}/").content.decode()
    assert "mesuré auprès de 30 patients" in page
    # 20 × 8 km by car / 30 = 5,33 km per session; 9 × 6 km by bus / 30 = 1,8.
    assert "5,33" in page and "1,80" in page
    assert "En bus ou en car" in page


def test_capped_answers_are_visible(logged_client, survey):
    add_answers(survey, 1, one_way_km=800.0)
    page = logged_client.get(f"/enquetes/{survey.pk}/").content.decode()
    assert "1 réponse plafonnée" in page


def test_answers_stay_editable(logged_client, survey):
    add_answers(survey, 2)
    answer = Answer.objects.first()
    page = logged_client.get(f"/enquetes/reponses/{answer.pk}/")
    assert page.status_code == 200
    response = logged_client.post(
        f"/enquetes/reponses/{answer.pk}/", {"mode": "bus", "commune": "", "km": "12"}
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert (answer.mode, answer.one_way_km, answer.edited) == ("bus", 12.0, True)
    bad = logged_client.post(f"/enquetes/reponses/{answer.pk}/", {"mode": "bus", "commune": "xx"})
    assert bad.status_code == 400
    assert "Commune inconnue" in bad.content.decode()
    logged_client.post(f"/enquetes/reponses/{answer.pk}/", {"delete": "1"})
    assert Answer.objects.count() == 1


def test_close_and_reopen(logged_client, survey):
    assert logged_client.post(f"/enquetes/{survey.pk}/cloturer/").status_code == 302
    survey.refresh_from_db()
    assert not survey.is_open
    assert "Cette enquête est terminée" in logged_client.get(f"/e/{survey.token}/").content.decode()
    logged_client.post(f"/enquetes/{survey.pk}/rouvrir/")
    survey.refresh_from_db()
    assert survey.is_open


def test_another_practice_sees_nothing(logged_client, other_survey):
    add_answers(other_survey, 3)
    answer = Answer.objects.first()
    for path in (
        f"/enquetes/{other_survey.pk}/",
        f"/enquetes/{other_survey.pk}/affiche.pdf",
        f"/enquetes/reponses/{answer.pk}/",
        f"/enquetes/cabinet/{other_survey.practice.pk}/",
    ):
        assert logged_client.get(path).status_code == 404, path
    for path in (
        f"/enquetes/{other_survey.pk}/cloturer/",
        f"/enquetes/{other_survey.pk}/rouvrir/",
        f"/enquetes/reponses/{answer.pk}/",
    ):
        assert logged_client.post(path, {"delete": "1"}).status_code == 404, path
    other_survey.refresh_from_db()
    assert other_survey.closed_at is None and Answer.objects.count() == 3


def test_anonymous_is_sent_to_login(client, survey):
    for path in (f"/enquetes/{survey.pk}/", f"/enquetes/cabinet/{survey.practice.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and "/compte/" in response.url
