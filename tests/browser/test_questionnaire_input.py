"""Questionnaire input in a real browser: « 14.200 » asked back, and the sticky subtotal
never hides the focused field (WCAG 2.4.11), tabbing forwards or backwards."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logged_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 640})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def complete_assessment(practice):
    from kineco2.practices import services

    assessment = services.assessment_create(practice=practice, reference_year=2025)
    return services.assessment_set_level(assessment=assessment, level="complet")


def test_ambiguous_number_is_asked_back(live_server, logged_page, complete_assessment):
    page = logged_page
    page.goto(
        live_server.url + reverse("assessment_step", args=[complete_assessment.pk, "energie"])
    )
    field = page.locator('[name="energie-electricity_kwh"]')
    field.fill("14.200")
    field.press("Tab")
    question = page.locator("#field-energie-electricity_kwh")
    question.get_by_text("voulez-vous dire").wait_for()
    question.get_by_role("button", name="14\u202f200 kWh").click()
    question.get_by_text("Enregistré").wait_for()
    assert page.locator('[name="energie-electricity_kwh"]').input_value() == "14200"
    complete_assessment.refresh_from_db()
    assert complete_assessment.answers["energie"]["electricity_kwh"] == 14200


def _focused_is_clear_of_the_bar(page) -> bool:
    return page.evaluate(
        """() => {
          const bar = document.getElementById('subtotal').getBoundingClientRect();
          const el = document.activeElement.getBoundingClientRect();
          return el.top >= bar.bottom - 1 && el.bottom <= window.innerHeight + 1;
        }"""
    )


def test_sticky_subtotal_never_hides_the_focused_field(
    live_server, logged_page, complete_assessment, screenshot
):
    page = logged_page
    page.goto(
        live_server.url + reverse("assessment_step", args=[complete_assessment.pk, "materiel"])
    )
    inputs = page.locator(".questionnaire .question input[type=text]")
    assert inputs.count() > 8
    inputs.last.focus()
    hidden = []
    for _ in range(inputs.count() * 2):  # backwards through text boxes and checkboxes
        page.keyboard.press("Shift+Tab")
        name = page.evaluate("document.activeElement.name || document.activeElement.id")
        in_form = page.evaluate("!!document.activeElement.closest('.questionnaire')")
        if not in_form:
            break
        if not _focused_is_clear_of_the_bar(page):
            hidden.append(name)
    assert not hidden, f"champs masqués par le sous-total : {hidden}"
    for _ in range(inputs.count() * 2):  # and forwards again
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.questionnaire')"):
            assert _focused_is_clear_of_the_bar(page)


def test_results_on_a_phone_do_not_overflow_and_charts_stay_readable(
    browser, live_server, user, practice
):
    from kineco2.practices import services

    assessment = services.assessment_create(practice=practice, reference_year=2025)
    services.assessment_replace_answers(
        assessment=assessment,
        answers={
            "profile": {"commune": "35000", "practitioners": 2, "reference_year": 2025},
            "energie": {"electricity_kwh": 7800},
        },
    )
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("assessment_results", args=[assessment.pk]))
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => {
             return e.getBoundingClientRect().right > 392 && ['auto', 'hidden', 'scroll'].includes(getComputedStyle(e).overflowX);
           }).slice(0, 3).map(e => e.outerHTML.slice(0, 150) + ' ' + e.parentElement.tagName + '.' + e.parentElement.className)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 400, wide
    chart = page.locator("figure.chart svg").first
    # the chart keeps its size (scrolling in its frame) instead of shrinking its text: every
    # label is drawn at 11 px at least, as on a desktop screen
    assert chart.bounding_box()["width"] >= 500
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('figure.chart svg')].flatMap(svg => {
             const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
             return [...svg.querySelectorAll('text')].map(
               t => parseFloat(getComputedStyle(t).fontSize) * scale);
           }))"""
    )
    assert smallest >= 11, f"texte des graphiques : {smallest:.1f} px"
    page.screenshot(path="test-artifacts/i12-mobile-resultats.png", full_page=False)
    context.close()


def test_new_pages_are_accessible(live_server, logged_page, complete_assessment):
    from tests.browser.test_journey import assert_accessible

    page = logged_page
    for path, name in (
        (reverse("assessment_2035", args=[complete_assessment.pk]), "déclaration 2035"),
        (reverse("glossary"), "glossaire"),
        (reverse("assessment_step", args=[complete_assessment.pk, "services"]), "services"),
    ):
        page.goto(live_server.url + path)
        assert_accessible(page, name)
    page.goto(live_server.url + reverse("assessment_2035", args=[complete_assessment.pk]))
    page.fill('[name="l-achats"]', "3 250,40")
    page.fill('[name="l-assurances"]', "890")
    page.get_by_role("button", name="Voir où vont ces montants").click()
    page.get_by_text("Ce que donnent vos montants").wait_for()
    assert_accessible(page, "aperçu 2035")
    assert page.locator('[name="q-consommables.medical_supplies_eur"]').input_value() == "3250,4"
