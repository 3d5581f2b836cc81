"""Login by e-mail, no account enumeration, throttling of failures, POST-only logout."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineco2.accounts import throttle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _login(client, email, password, **extra):
    return client.post(reverse("login"), {"email": email, "password": password}, **extra)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_is_french(client):
    html = client.get(reverse("login")).content.decode()
    assert "Se connecter" in html
    assert "Mot de passe oublié ?" in html
    assert 'autocomplete="current-password"' in html


def test_login_ok_normalises_the_address(client, user, password):
    response = _login(client, "  Camille.KINE@example.FR ", password)
    assert response.status_code == 302
    assert response.url == reverse("practice_list")  # « Mes cabinets »
    assert _logged_in(client)


def test_login_redirects_to_a_safe_next_only(client, user, password):
    response = client.post(
        reverse("login") + "?next=/compte/jetons-api/", {"email": user.email, "password": password}
    )
    assert response.url == "/compte/jetons-api/"
    client.logout()
    response = client.post(
        reverse("login"),
        {"email": user.email, "password": password, "next": "https://evil.example/"},
    )
    assert response.url == reverse("practice_list")  # « Mes cabinets »


def test_same_message_for_unknown_address_and_wrong_password(client, user):
    wrong = _login(client, user.email, "pas-le-bon-mot")
    unknown = _login(client, "personne@example.fr", "pas-le-bon-mot")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        html = response.content.decode()
        assert "Adresse e-mail ou mot de passe incorrect." in html
        assert "pas-le-bon-mot" not in html
    assert 'value="personne@example.fr"' in unknown.content.decode()
    assert not _logged_in(client)


def test_inactive_account_gets_the_same_message(client, user, password):
    user.is_active = False
    user.save()
    html = _login(client, user.email, password).content.decode()
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert not _logged_in(client)


def test_five_failures_lock_the_address_even_for_the_right_password(
    client, user, password, monkeypatch
):
    clock = [1_000_000.0]
    monkeypatch.setattr(throttle, "_now", lambda: clock[0])
    for _ in range(5):
        response = _login(client, user.email, "mauvais-mot-de-passe")
        assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
    # The 6th attempt, with the right password (and another IP), is refused.
    response = _login(client, user.email.upper(), password, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Trop de tentatives de connexion" in html
    assert "réessayez dans 15 minutes" in html
    assert not _logged_in(client)

    clock[0] += 14 * 60 + 30
    html = _login(client, user.email, password, REMOTE_ADDR="10.1.1.1").content.decode()
    assert "réessayez dans 1 minute." in html
    assert not _logged_in(client)

    clock[0] += 31
    response = _login(client, user.email, password, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302
    assert _logged_in(client)


def test_five_failures_from_one_ip_lock_that_ip(client, user, password, monkeypatch):
    monkeypatch.setattr(throttle, "_now", lambda: 2_000_000.0)
    for n in range(5):
        _login(client, f"inconnu{n}@example.fr", "nimporte", REMOTE_ADDR="10.9.9.9")
    refused = _login(client, user.email, password, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.content.decode()
    # The same account from another address is not locked.
    assert _login(client, user.email, password, REMOTE_ADDR="10.8.8.8").status_code == 302


def test_failures_older_than_the_window_are_forgotten(client, user, monkeypatch):
    clock = [3_000_000.0]
    monkeypatch.setattr(throttle, "_now", lambda: clock[0])
    for _ in range(4):
        _login(client, user.email, "faux")
    clock[0] += 16 * 60
    for _ in range(4):
        _login(client, user.email, "faux")
    assert throttle.seconds_locked(email=user.email, ip="127.0.0.1") == 0


def test_success_clears_the_address_failures(client, user, password):
    for n in range(4):
        _login(client, user.email, "faux", REMOTE_ADDR=f"10.0.0.{n}")
    assert _login(client, user.email, password, REMOTE_ADDR="10.0.0.9").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, user.email, "faux", REMOTE_ADDR="10.0.1.1")
    assert throttle.seconds_locked(email=user.email, ip="10.0.2.2") == 0


def test_client_ip_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert throttle.client_ip(request) == "10.0.0.1"
    settings.KINECO2_NUM_PROXIES = 1
    assert throttle.client_ip(request) == "203.0.113.7"


def test_logout_is_post_only(logged_client):
    assert logged_client.get(reverse("logout")).status_code == 405
    assert _logged_in(logged_client)
    response = logged_client.post(reverse("logout"))
    assert response.status_code == 302
    assert not _logged_in(logged_client)
