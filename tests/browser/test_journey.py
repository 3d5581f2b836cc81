"""The physiotherapist's journey in a real browser: sign up → express questionnaire →
results → PDF download; axe reports no serious or critical violation on the main pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = {"serious", "critical"}


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} élément(s)"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert not violations, f"{name} : " + "; ".join(violations)


def answer(page, section: str, name: str, value: str) -> None:
    """Type an answer as a person would; the HTMX autosave confirms « Enregistré »."""
    field = page.locator(f'[name="{section}-{name}"]')
    if field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value)
    elif field.get_attribute("type") == "radio":
        page.locator(f'[name="{section}-{name}"][value="{value}"]').check()
    else:
        field.fill(value)
        field.press("Tab")
    container = page.locator(f'#field-{section}-{name}, [data-question="{section}-{name}"]')
    if container.count():
        container.first.get_by_text("Enregistré").wait_for()


def test_sign_up_answer_express_read_results_download_pdf(live_server, page, screenshot):
    base = live_server.url
    page.goto(base + "/")
    assert_accessible(page, "accueil")
    screenshot("01-accueil")

    page.get_by_role("link", name="Créer un compte").first.click()
    page.fill('[name="email"]', "claire.martin@example.fr")
    page.fill('[name="first_name"]', "Claire")
    page.fill('[name="last_name"]', "Martin")
    page.fill('[name="password1"]', "kine-rennes-2025!")
    page.fill('[name="password2"]', "kine-rennes-2025!")
    assert_accessible(page, "inscription")
    mail.outbox.clear()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(re.compile(r"/compte/inscription/bienvenue/$"))
    assert "Vérifiez votre boîte mail" in page.content()
    assert_accessible(page, "vérifiez votre boîte mail")
    screenshot("02-inscrite")

    # Before the confirmation, the right password is told so, and may ask for a new link;
    # the sign-up's link went out a moment ago, so none is sent (one per 15 minutes).
    page.goto(base + "/compte/connexion/")
    page.fill('[name="email"]', "claire.martin@example.fr")
    page.fill('[name="password"]', "kine-rennes-2025!")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Votre adresse e-mail n'est pas encore confirmée.").wait_for()
    assert "Un lien de confirmation vous a été envoyé le " in page.content()
    assert_accessible(page, "connexion avant confirmation")
    page.get_by_role("button", name="Renvoyer le lien de confirmation").click()
    page.get_by_text("Vous pourrez en demander un nouveau à partir de").wait_for()
    assert_accessible(page, "renvoi du lien refusé")

    # The account opens with the link of the confirmation e-mail (locmem backend).
    (confirmation,) = mail.outbox
    assert confirmation.to == ["claire.martin@example.fr"]
    link = re.search(r"https?://\S+/compte/confirmation/\S+", confirmation.body).group(0)
    assert link.startswith(base)
    page.goto(link)
    page.wait_for_url(re.compile(r"/cabinets/$"))
    assert "Adresse e-mail confirmée" in page.content()

    page.goto(base + "/cabinets/nouveau/")
    page.fill('[name="name"]', "Cabinet des Lices")
    page.fill('[name="commune"]', "35000")
    page.fill('[name="practitioners"]', "2")
    assert_accessible(page, "création du cabinet")
    # No mode of practice is pre-selected: it must be chosen, consistent with 2 kinés.
    page.get_by_role("button", name="Créer le cabinet").click()
    page.get_by_text("Choisissez le mode d'exercice du cabinet.").wait_for()
    page.select_option('[name="practice_mode"]', "seul")
    page.get_by_role("button", name="Créer le cabinet").click()
    page.get_by_text("Un cabinet individuel compte un seul kiné").wait_for()
    assert_accessible(page, "création du cabinet, mode incohérent")
    page.select_option('[name="practice_mode"]', "groupe")
    page.get_by_role("button", name="Créer le cabinet").click()
    page.wait_for_url(re.compile(r"/cabinets/\d+/$"))
    assert_accessible(page, "cabinet")
    screenshot("03-cabinet")

    page.get_by_role("button", name="Créer le bilan").click()
    page.wait_for_url(re.compile(r"/preparer/$"))
    assert "factures" in page.content()
    page.check("#level-express")
    screenshot("04-preparer")
    page.get_by_role("button", name=re.compile("questionnaire")).click()
    page.wait_for_url(re.compile(r"/bilans/\d+/profile/"))
    assert_accessible(page, "questionnaire")

    answer(page, "profile", "sessions_per_year", "8600")
    answer(page, "profile", "home_visit_percent", "12")
    answer(page, "profile", "surface_m2", "70")
    screenshot("05-profil")

    # Go through the express steps, answering the energy bills, leaving the rest unknown.
    for _ in range(20):
        if "/energie/" in page.url:
            answer(page, "energie", "electricity_kwh", "5200")
            answer(page, "energie", "heating_energy", "gaz")
            answer(page, "energie", "heating_kwh", "9800")
            screenshot("06-energie")
        button = page.get_by_role("button", name=re.compile("Enregistrer et"))
        label = button.inner_text()
        button.click()
        page.wait_for_load_state()
        if "résultat" in label:
            break
    page.wait_for_url(re.compile(r"/resultats/$"))
    text = page.locator("main").inner_text()
    assert re.search(r"\d,\d\d kg CO2e\s*par séance", text), text[:500]
    assert "Intervalle de confiance à 95 %" in text
    assert "Déplacements des patients" in text
    assert_accessible(page, "résultats")
    screenshot("07-resultats")

    # Drill down to a line: quantity × factor, with a link to the factor's methodology page.
    page.locator("details.lines summary").first.click()
    assert page.locator('details[open] a[href*="/methodologie/facteurs/"]').count() > 0

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Rapport PDF").click()
    download = download_info.value
    path = download.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert download.suggested_filename.endswith(".pdf")


def test_methodology_pages_are_accessible(live_server, page, screenshot):
    for path, name in (("/methodologie/", "méthodologie"), ("/methodologie/facteurs/", "facteurs")):
        page.goto(live_server.url + path)
        assert_accessible(page, name)
    screenshot("08-facteurs")


def test_mobile_results_layout(live_server, page, browser, screenshot):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    mobile = context.new_page()
    mobile.goto(live_server.url + "/")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "la page d'accueil déborde sur un téléphone"
    mobile.screenshot(path="test-artifacts/09-mobile-accueil.png", full_page=True)
    context.close()
