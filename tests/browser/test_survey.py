"""The patients' mobility survey in a real browser: the kiné opens a survey and gets the
poster; patients answer on a phone (one with JavaScript off); the kiné's follow-up shows
the new answers. axe reports no serious or critical violation on the patient's pages."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_journey import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def phone(browser, *, javascript: bool = True):
    context = browser.new_context(
        locale="fr-FR",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_poster_phone_answers_follow_up(
    live_server, page, browser, user, practice, password, tmp_path
):
    base = live_server.url
    page.goto(base + "/compte/connexion/")
    page.fill('[name="email"]', user.email)
    page.fill('[name="password"]', password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    page.goto(f"{base}/cabinets/{practice.pk}/")
    page.get_by_role("link", name="enquête mobilité patients").click()
    page.fill('[name="reference_year"]', "2025")
    page.get_by_role("button", name="Ouvrir l'enquête").click()
    page.wait_for_url(re.compile(r"/enquetes/\d+/$"))
    assert_accessible(page, "suivi de l'enquête")
    follow_up = page.url
    link = page.locator("#lien-court").get_attribute("href")
    assert re.fullmatch(re.escape(base) + r"/e/[\w-]{8}/", link)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("affiche A4")).click()
    poster = tmp_path / "affiche.pdf"
    download.value.save_as(poster)
    text = subprocess.run(["pdftotext", str(poster), "-"], capture_output=True, text=True).stdout
    assert link.split("://", 1)[1] in text

    # A patient with a phone and JavaScript: the autocomplete suggests the commune.
    context, patient = phone(browser)
    patient.goto(link)
    assert_accessible(patient, "questionnaire patient")
    patient.get_by_label("En bus ou en car").check()
    patient.fill("#id_commune", "Cesson-S")
    patient.locator("#communes option").first.wait_for(state="attached")
    assert patient.locator("#communes option").first.get_attribute("value") == (
        "Cesson-Sévigné (35510)"
    )
    patient.fill("#id_commune", "Cesson-Sévigné (35510)")
    ARTIFACTS.mkdir(exist_ok=True)
    patient.screenshot(path=str(ARTIFACTS / "enquete-telephone.png"), full_page=True)
    patient.get_by_role("button", name="Envoyer ma réponse").click()
    patient.wait_for_url(re.compile(r"/merci/$"))
    assert "Votre réponse est enregistrée" in patient.content()
    patient.goto(link)
    assert "déjà enregistrée" in patient.content()
    context.close()

    # An old phone without JavaScript: an ambiguous commune is asked again, then sent.
    context, patient = phone(browser, javascript=False)
    patient.goto(link)
    patient.get_by_label("À pied").check()
    patient.fill("#id_commune", "Saint-Denis")
    patient.get_by_role("button", name="Envoyer ma réponse").click()
    assert "Plusieurs communes correspondent" in patient.content()
    # (axe needs JavaScript: the error page is checked below, on the kiné's browser.)
    patient.get_by_label("Saint-Denis (93)").check()
    patient.get_by_role("button", name="Envoyer ma réponse").click()
    patient.wait_for_url(re.compile(r"/merci/$"))
    context.close()

    page.goto(link)  # the kiné's browser has not answered: it shows the form
    page.get_by_role("button", name="Envoyer ma réponse").click()
    assert "pas encore enregistrée" in page.content()
    assert_accessible(page, "questionnaire patient avec erreur")

    page.goto(follow_up)
    assert page.locator("#nombre-reponses").inner_text() == "2"
    assert "En bus ou en car" in page.content() and "À pied" in page.content()
