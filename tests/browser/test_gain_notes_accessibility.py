"""axe on the pages that now say why an action gains nothing for a member of shared premises:
the plan, the recommendations, the action page and the simulator (no serious or critical
violation)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_journey import assert_accessible
from tests.ecosoins.conftest import ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "msp-lices-2025!"


def test_gain_notes_pages_are_accessible(live_server, browser):
    import copy

    from kineco2.accounts.models import User
    from kineco2.ecosoins.models import PlannedAction
    from kineco2.ecosoins.services import sync_catalogue
    from kineco2.practices import services
    from kineco2.practices.services import practice_create
    from kineco2.structures.models import MemberPractice
    from kineco2.structures.services import premises_save, structure_create

    sync_catalogue()
    user = User.objects.create_user(
        email="claire@cabinet-lices.example.fr",
        password=PASSWORD,
        first_name="Claire",
        last_name="Lices",
        email_confirmed=True,
    )
    practice = practice_create(
        user=user, name="Cabinet des Lices", commune="35000", practitioners=2, practice_mode="msp"
    )
    assessment = services.assessment_create(practice=practice, reference_year=2025)
    assessment = services.assessment_replace_answers(
        assessment=assessment, answers=copy.deepcopy(ANSWERS)
    )
    structure = structure_create(
        user=user, kind="msp", name="MSP des Lices", commune="35000", finess="350099999"
    )
    MemberPractice.objects.create(
        structure=structure,
        practice=practice,
        surface_m2=60,
        sessions_per_year=8600,
        hours_per_week=45,
        headcount=2,
    )
    premises_save(
        structure=structure,
        year=2025,
        answers={
            "energie": {"electricity_kwh": 42000, "heating_energy": "gaz", "heating_kwh": 61000}
        },
        user=user,
    )
    for action_id in ("eclairage_led", "draps_lavables"):
        PlannedAction.objects.create(practice=practice, action_id=action_id)

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(base + "/compte/connexion/")
    page.fill('[name="email"]', user.email)
    page.fill('[name="password"]', PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    pages = {
        "plan d'action": f"/ecosoins/cabinets/{practice.pk}/plan/",
        "recommandations": f"/ecosoins/bilans/{assessment.pk}/recommandations/",
        "fiche action": "/ecosoins/actions/eclairage_led/",
        "simulateur": f"/ecosoins/bilans/{assessment.pk}/simulateur/?action=eclairage_led",
    }
    for name, path in pages.items():
        page.goto(base + path)
        assert "locaux partagés de « MSP des Lices »" in page.content(), name
        assert_accessible(page, name)
    page.screenshot(path=str(ARTIFACTS / "notes-de-gain-simulateur.png"), full_page=True)
    context.close()
