"""Every view of a practice: 404 for non-members, login for anonymous visitors, POST-only writes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineco2.practices.answers import STEPS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def practice_urls(practice, assessment):
    a = assessment.pk
    gets = [
        reverse("practice_detail", args=[practice.pk]),
        reverse("assessment_resume", args=[a]),
        reverse("assessment_prepare", args=[a]),
        reverse("assessment_results", args=[a]),
        reverse("assessment_pdf", args=[a]),
        reverse("assessment_export_json", args=[a]),
        reverse("assessment_export_csv", args=[a]),
        reverse("assessment_import", args=[a]),
        reverse("assessment_subtotal", args=[a]),
        *(reverse("assessment_step", args=[a, step]) for step in STEPS),
    ]
    posts = [
        (reverse("practice_invite", args=[practice.pk]), {"email": "x@example.fr"}),
        (reverse("assessment_create", args=[practice.pk]), {"reference_year": "2024"}),
        (reverse("assessment_prepare", args=[a]), {"level": "complet"}),
        (reverse("assessment_complete", args=[a]), {}),
        (reverse("assessment_import", args=[a]), {}),
        (
            reverse("assessment_save", args=[a]),
            {"field": "energie.electricity_kwh", "energie-electricity_kwh": "1"},
        ),
        (reverse("assessment_step", args=[a, "energie"]), {"energie-electricity_kwh": "1"}),
    ]
    return gets, posts


def test_members_of_another_practice_get_404_everywhere(client, other_user, practice, assessment):
    client.force_login(other_user)
    gets, posts = practice_urls(practice, assessment)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 404, url
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 7800
    assert assessment.level == "express"
    assert not assessment.snapshots.exists()
    assert practice.assessments.count() == 1


def test_anonymous_visitors_are_sent_to_login(client, practice, assessment):
    gets, posts = practice_urls(practice, assessment)
    login = reverse("login")
    for url in [reverse("practice_list"), reverse("practice_create"), *gets]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(login + "?next="), url
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith(login), url


def test_writes_are_post_only(logged_client, practice, assessment):
    for name, args in [
        ("practice_invite", [practice.pk]),
        ("assessment_create", [practice.pk]),
        ("assessment_complete", [assessment.pk]),
        ("assessment_save", [assessment.pk]),
    ]:
        assert logged_client.get(reverse(name, args=args)).status_code == 405, name


def test_csrf_is_enforced(practice, assessment, user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        reverse("assessment_save", args=[assessment.pk]),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    html = client.get(reverse("assessment_step", args=[assessment.pk, "energie"])).content
    assert b'hx-headers=\'{"X-CSRFToken": "' in html


def test_htmx_request_with_an_expired_session_reloads_the_login_page(client, assessment):
    step = reverse("assessment_step", args=[assessment.pk, "energie"])
    response = client.post(
        reverse("assessment_save", args=[assessment.pk]),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{step}",
    )
    assert response.status_code == 200
    assert response.content == b""
    assert response["HX-Redirect"] == reverse("login") + "?next=" + step.replace("/", "%2F")
