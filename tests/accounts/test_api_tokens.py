"""Personal API tokens: shown once, stored as sha256, used by ``TokenAuth``, revocable."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from kineco2.accounts import services
from kineco2.accounts.api_auth import TokenAuth, hash_token
from kineco2.accounts.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def test_token_is_shown_once_and_only_its_hash_is_stored(logged_client, user):
    assert "Aucun jeton" in logged_client.get(reverse("api_tokens")).content.decode()
    response = logged_client.post(reverse("api_tokens"), {"name": "Tableur du cabinet"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    clear = re.search(r'value="(kco2_[^"]+)"', html).group(1)
    assert "il ne sera plus jamais affiché" in html

    token = ApiToken.objects.get()
    assert token.user == user
    assert token.name == "Tableur du cabinet"
    assert token.token_hash == hashlib.sha256(clear.encode()).hexdigest() == hash_token(clear)
    assert token.prefix == clear[:8]
    for value in (token.name, token.prefix, token.token_hash):
        assert clear != value

    again = logged_client.get(reverse("api_tokens")).content.decode()
    assert clear not in again
    assert "Tableur du cabinet" in again
    assert token.prefix in again


def test_token_form_errors_are_french(logged_client):
    response = logged_client.post(reverse("api_tokens"), {"name": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_auth(rf, user):
    token, clear = services.api_token_create(user=user, name="Script")
    auth = TokenAuth()
    request = rf.get("/api/", HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert auth(request) == user
    assert request.user == user
    token.refresh_from_db()
    assert token.last_used_at is not None

    assert auth(rf.get("/api/", HTTP_AUTHORIZATION="Bearer kco2_faux")) is None
    assert auth(rf.get("/api/", HTTP_AUTHORIZATION=f"Basic {clear}")) is None
    assert auth(rf.get("/api/")) is None
    user.is_active = False
    user.save()
    assert auth(rf.get("/api/", HTTP_AUTHORIZATION=f"Bearer {clear}")) is None


def test_revoke(logged_client, user, other_user, rf):
    mine, clear = services.api_token_create(user=user, name="Script")
    theirs, _ = services.api_token_create(user=other_user, name="Le leur")
    assert logged_client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    assert logged_client.get(reverse("api_token_revoke", args=[mine.pk])).status_code == 405
    response = logged_client.post(reverse("api_token_revoke", args=[mine.pk]), follow=True)
    assert "Le jeton « Script » a été révoqué." in response.content.decode()
    assert list(ApiToken.objects.all()) == [theirs]
    assert TokenAuth()(rf.get("/", HTTP_AUTHORIZATION=f"Bearer {clear}")) is None
