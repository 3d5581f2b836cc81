"""The rendered results page is cached per session and follows every change that shows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kineco2.practices import services
from kineco2.practices.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache(clear_cache):
    yield


def test_cached_page_follows_answers_snapshot_and_practice_name(logged_client, assessment):
    url = reverse("assessment_results", args=[assessment.pk])
    first = logged_client.get(url).content
    assert logged_client.get(url).content == first  # served from the cache

    outcome = services.assessment_save_answer(
        assessment_id=assessment.pk, section="energie", name="electricity_kwh", raw="9100"
    )
    assert outcome.ok
    changed = logged_client.get(url).content.decode()
    assert changed != first.decode()
    assert "9" in changed

    practice = assessment.practice
    practice.name = "Cabinet renommé"
    practice.save()
    assert "Cabinet renommé" in logged_client.get(url).content.decode()

    logged_client.post(reverse("assessment_complete", args=[assessment.pk]))
    assert "Validé le" in logged_client.get(url).content.decode()


def test_cache_is_per_session_and_after_the_permission_check(logged_client, assessment, other_user):
    url = reverse("assessment_results", args=[assessment.pk])
    assert logged_client.get(url).status_code == 200
    stranger = Client()
    stranger.force_login(other_user)
    assert stranger.get(url).status_code == 404  # the cached page is never served to him

    Membership.objects.create(
        user=other_user, practice=assessment.practice, role=Role.COLLABORATEUR
    )
    response = stranger.get(url)
    assert response.status_code == 200
    assert "Se déconnecter" in response.content.decode()
