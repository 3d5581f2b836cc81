"""On a 390 px phone, wide tables and charts scroll sideways inside their frame (issue 12):
each such frame must be reachable with the keyboard (axe « scrollable-region-focusable »,
WCAG 2.1.1), while on a desktop screen, where they fit, they add no tab stop."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser.test_journey import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logged_context(browser, live_server, user, width: int, height: int):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


@pytest.fixture
def assessment(practice):
    from kineco2.practices import services

    assessment = services.assessment_create(practice=practice, reference_year=2025)
    services.assessment_replace_answers(
        assessment=assessment,
        answers={
            "profile": {"commune": "35000", "practitioners": 2, "reference_year": 2025},
            "energie": {"electricity_kwh": 7800},
        },
    )
    return assessment


def _pages(assessment) -> list[tuple[str, str]]:
    return [
        (reverse("assessment_results", args=[assessment.pk]), "résultats"),
        (reverse("practice_detail", args=[assessment.practice_id]), "cabinet"),
        (reverse("methodology"), "méthodologie"),
        (reverse("glossary"), "glossaire"),
    ]


def test_scrolling_frames_are_keyboard_accessible_on_a_phone(
    browser, live_server, user, assessment
):
    context = _logged_context(browser, live_server, user, 390, 844)
    page = context.new_page()
    page.set_default_timeout(15_000)
    for path, name in _pages(assessment):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert_accessible(page, f"{name} (téléphone)")
    # the results' chart scrolls in its frame, which takes the focus and is named by its caption
    page.goto(live_server.url + reverse("assessment_results", args=[assessment.pk]))
    page.wait_for_load_state("load")
    chart = page.locator("figure.chart").first
    assert chart.get_attribute("tabindex") == "0"
    chart.focus()
    assert page.evaluate("document.activeElement.matches('figure.chart')")
    context.close()


def test_frames_that_fit_add_no_tab_stop_on_a_desktop(browser, live_server, user, assessment):
    context = _logged_context(browser, live_server, user, 1280, 900)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("assessment_results", args=[assessment.pk]))
    page.wait_for_load_state("load")
    assert page.locator("figure.chart").count() > 0
    assert page.locator("[data-scroll-frame]").count() == 0
    assert_accessible(page, "résultats (ordinateur)")
    context.close()
