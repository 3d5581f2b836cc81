"""A coordinator creates an MSP, invites two practices, enters the shared bills; each practice
sees its allocated share and the structure report adds up — in a real browser."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.browser.test_journey import assert_accessible
from tests.structures.conftest import completed_assessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "msp-lices-2025!"


def _user(email, first, last):
    from kineco2.accounts.models import User

    return User.objects.create_user(
        email=email, password=PASSWORD, first_name=first, last_name=last, email_confirmed=True
    )


def _login(browser, base, email):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(base + "/compte/connexion/")
    page.fill('[name="email"]', email)
    page.fill('[name="password"]', PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    return page


def _kg(text: str) -> float:
    """« 1 234,567 kg CO2e » → 1234.567."""
    number = re.sub(r"[\s\u202f\u00a0]", "", text).replace("kgCO2e", "").replace(",", ".")
    return float(number)


def test_coordinator_msp_two_practices_shared_bills_and_report(live_server, browser, screenshot):
    from kineco2.practices.services import practice_create

    base = live_server.url
    coordinator = _user("coordination@msp-lices.example.fr", "Alex", "Coord")
    assert coordinator
    kines = []
    for email, name in (
        ("claire@cabinet-lices.example.fr", "Cabinet des Lices"),
        ("yann@cabinet-thabor.example.fr", "Cabinet du Thabor"),
    ):
        titulaire = _user(email, "Kiné", name.split()[-1])
        practice = practice_create(
            user=titulaire, name=name, commune="35000", practitioners=2, practice_mode="msp"
        )
        kines.append((email, practice, completed_assessment(practice)))

    # 1. The coordinator creates the MSP and invites the two practices.
    page = _login(browser, base, coordinator.email)
    page.goto(base + "/structures/nouvelle/")
    page.select_option('[name="kind"]', "msp")
    page.fill('[name="name"]', "MSP des Lices")
    page.fill('[name="commune"]', "35000")
    assert_accessible(page, "création de la structure")
    page.get_by_role("button", name="Créer la structure").click()
    page.wait_for_url(re.compile(r"/structures/\d+/$"))
    structure_url = page.url
    for email, _, _ in kines:
        page.select_option('[name="kind"]', "cabinet")
        page.fill('[name="email"]', email)
        page.get_by_role("button", name="Envoyer l'invitation").click()
        page.wait_for_load_state()
    assert "Invitation envoyée" in page.content()
    screenshot("structures-01-invitations")
    links = [
        next(w for w in message.body.split() if "/structures/invitation/" in w)
        for message in mail.outbox
    ]
    assert len(links) == 2

    # 2. Each titulaire accepts for its practice and agrees to share its footprint.
    for (email, practice, _), link in zip(kines, links, strict=True):
        kine_page = _login(browser, base, email)
        kine_page.goto(link.replace("http://testserver", base))
        kine_page.select_option('[name="practice"]', str(practice.pk))
        kine_page.check('[name="share_footprint"]')
        kine_page.get_by_role("button", name="Rejoindre la structure").click()
        kine_page.wait_for_url(re.compile(r"/structures/\d+/$"))
        kine_page.context.close()

    # 3. The coordinator enters the allocation key and the shared bills.
    page.goto(structure_url)
    forms = page.locator("form.member-key")
    assert forms.count() == 2
    for index, (surface, sessions) in enumerate((("60", "8600"), ("40", "5000"))):
        form = page.locator("form.member-key").nth(index)
        form.locator('[name$="surface_m2"]').fill(surface)
        form.locator('[name$="sessions_per_year"]').fill(sessions)
        form.get_by_role("button", name="Enregistrer").click()
        page.wait_for_load_state()
    page.select_option('[name="profession"]', "medecin")
    page.fill("#id_headcount", "3")
    page.fill("#id_surface_m2", "90")
    page.fill("#id_sessions_per_year", "15000")
    page.fill("#id_hours_per_week", "100")
    page.get_by_role("button", name="Ajouter").click()
    page.wait_for_load_state()
    page.fill('[name="common_surface_m2"]', "110")
    page.get_by_role("button", name="Enregistrer la clé").click()
    page.wait_for_load_state()
    assert_accessible(page, "structure")
    screenshot("structures-02-structure")

    page.get_by_role("link", name="saisir le bilan des locaux partagés").click()
    page.fill('[name="energie-electricity_kwh"]', "42000")
    page.select_option('[name="energie-heating_energy"]', "gaz")
    page.fill('[name="energie-heating_kwh"]', "61000")
    page.fill('[name="froid-ac_units"]', "2")
    assert_accessible(page, "bilan des locaux partagés")
    page.get_by_role("button", name="Enregistrer et calculer").click()
    page.wait_for_url(re.compile(r"/bilan/\d{4}/$"))
    assert_accessible(page, "bilan consolidé")
    screenshot("structures-03-bilan-consolide")

    # 4. The structure report adds up: members' rows = total, shares = the premises' total.
    table = page.locator("#par-membre ~ div table, section[aria-labelledby='par-membre'] table")
    rows = table.first.locator("tbody tr")
    assert rows.count() == 3  # two practices and the doctors
    totals = [_kg(rows.nth(i).locator("td").nth(3).inner_text()) for i in range(rows.count())]
    shares = [_kg(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(rows.count())]
    footer = table.first.locator("tfoot td")
    assert round(sum(totals), 3) == round(_kg(footer.nth(3).inner_text()), 3)
    assert round(sum(shares), 3) == round(_kg(footer.nth(1).inner_text()), 3)
    page_text = table.first.inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    assert download_info.value.suggested_filename.endswith(".csv")
    pdf = page.request.get(page.url + "rapport.pdf")
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"

    # 5. Each practice sees its allocated share, in the structure and in its own results.
    for (email, _, assessment), share in zip(kines, shares[:2], strict=True):
        kine_page = _login(browser, base, email)
        kine_page.goto(structure_url)
        text = kine_page.locator("main").inner_text()
        assert "Part des locaux partagés" in text
        kine_page.goto(f"{base}/cabinets/bilans/{assessment.pk}/resultats/")
        results = kine_page.locator("main").inner_text()
        assert "part des locaux partagés" in results
        assert "MSP des Lices" in results
        assert share > 0, page_text
        kine_page.context.close()
    page.context.close()
