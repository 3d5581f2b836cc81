"""Every page that needs a login sends anonymous visitors to the login page."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

LOGIN_REQUIRED_GET = [
    ("account", []),
    ("account_export", []),
    ("account_delete", []),
    ("api_tokens", []),
    ("password_change", []),
]
LOGIN_REQUIRED_POST = [
    ("account", []),
    ("account_delete", []),
    ("api_tokens", []),
    ("api_token_revoke", [1]),
    ("password_change", []),
]


@pytest.mark.parametrize(("name", "args"), LOGIN_REQUIRED_GET)
def test_get_redirects_anonymous_to_login(client, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=" + url


@pytest.mark.parametrize(("name", "args"), LOGIN_REQUIRED_POST)
def test_post_redirects_anonymous_to_login(client, name, args):
    url = reverse(name, args=args)
    response = client.post(url, {"password": "x", "name": "x"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(
    "name",
    [
        "login",
        "signup",
        "signup_done",
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
    ],
)
def test_public_pages(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()


def test_security_headers_and_no_inline_script(logged_client):
    response = logged_client.get(reverse("account"))
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert "<script>" not in html
    assert "style=" not in html
