"""Who sees which écosoins page: public pages, login-only pages, members-only pages, POST-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC = [
    reverse("ecosoins_catalogue"),
    reverse("ecosoins_action_detail", args=["telesoin"]),
    reverse("ecosoins_faq"),
    reverse("ecosoins_stats"),
]


def test_public_pages_render_for_anonymous_visitors(client, synced):
    for url in PUBLIC:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="fr">' in response.content.decode()
        assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_login_is_required_elsewhere(client, synced, assessment):
    login = reverse("login")
    for url in [
        reverse("ecosoins_initiative_submit"),
        reverse("ecosoins_my_initiatives"),
        reverse("ecosoins_moderation"),
        reverse("ecosoins_recommendations", args=[assessment.pk]),
        reverse("ecosoins_simulator", args=[assessment.pk]),
        reverse("ecosoins_plan", args=[assessment.practice_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url


def test_members_pages_render_for_members_and_404_for_others(
    client, user, other_user, synced, assessment, other_assessment
):
    mine = [
        reverse("ecosoins_recommendations", args=[assessment.pk]),
        reverse("ecosoins_simulator", args=[assessment.pk]),
        reverse("ecosoins_plan", args=[assessment.practice_id]),
    ]
    client.force_login(user)
    for url in mine:
        assert client.get(url).status_code == 200, url
    for url in [
        reverse("ecosoins_recommendations", args=[other_assessment.pk]),
        reverse("ecosoins_simulator", args=[other_assessment.pk]),
        reverse("ecosoins_plan", args=[other_assessment.practice_id]),
        reverse("ecosoins_plan", args=[999999]),
    ]:
        assert client.get(url).status_code == 404, url
    client.force_login(other_user)
    for url in mine:
        assert client.get(url).status_code == 404, url


def test_writes_are_post_only(logged_client, moderator, synced, assessment, initiative):
    from kineco2.ecosoins.models import PlannedAction

    item = PlannedAction.objects.create(practice=assessment.practice, action_id="gels_huiles_vrac")
    for url in [
        reverse("ecosoins_plan_add", args=[assessment.pk]),
        reverse("ecosoins_plan_remove", args=[assessment.practice_id, item.pk]),
    ]:
        assert logged_client.get(url).status_code == 405, url
    logged_client.force_login(moderator)
    assert logged_client.get(reverse("ecosoins_moderate", args=[initiative.pk])).status_code == 405


def test_csrf_is_enforced(user, synced, assessment):
    from django.test import Client

    from kineco2.ecosoins.models import PlannedAction

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(
        reverse("ecosoins_plan_add", args=[assessment.pk]), {"action": "gels_huiles_vrac"}
    )
    assert response.status_code == 403
    assert not PlannedAction.objects.exists()
