"""Password reset (Django's views, French e-mail and pages) and password change."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from kineco2.accounts import throttle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

NEW = "Nouveau-mot-2025!"


def test_password_reset_email_and_confirm(client, user, monkeypatch):
    monkeypatch.setattr(throttle, "_now", lambda: 5_000_000.0)
    for _ in range(5):  # the account is locked after 5 failures…
        client.post(reverse("login"), {"email": user.email, "password": "oublié"})

    page = client.get(reverse("password_reset")).content.decode()
    assert "Mot de passe oublié" in page
    response = client.post(reverse("password_reset"), {"email": "CAMILLE.kine@example.fr"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert "Vérifiez votre boîte mail" in client.get(response.url).content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Nouveau mot de passe pour votre compte KinéCO2"
    assert "Bonjour Camille" in message.body
    link = re.search(r"http://testserver(\S+)", message.body).group(1)

    response = client.get(link, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choisir un nouveau mot de passe" in html
    set_url = response.redirect_chain[-1][0]

    short = client.post(set_url, {"new_password1": "court", "new_password2": "court"})
    assert "Ce mot de passe est trop court" in short.content.decode()

    response = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    assert "Mot de passe modifié" in client.get(response.url).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)

    # …and the reset, which proves access to the mailbox, lifts the lock.
    # (The IP stays locked: log in from another one.)
    response = client.post(
        reverse("login"), {"email": user.email, "password": NEW}, REMOTE_ADDR="10.2.2.2"
    )
    assert response.status_code == 302

    # The link works once.
    client.logout()
    html = unescape(client.get(link, follow=True).content.decode())
    assert "Ce lien n'est pas valide" in html


def test_password_reset_for_unknown_address_says_the_same(client, user):
    response = client.post(reverse("password_reset"), {"email": "personne@example.fr"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_change(logged_client, user, password):
    html = logged_client.get(reverse("password_change")).content.decode()
    assert "Modifier mon mot de passe" in html
    wrong = logged_client.post(
        reverse("password_change"),
        {"old_password": "pas-le-bon", "new_password1": NEW, "new_password2": NEW},
    )
    assert "Votre ancien mot de passe est incorrect" in wrong.content.decode()
    response = logged_client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "Votre mot de passe a été modifié." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)
    # The session survives the change.
    assert logged_client.get(reverse("account")).status_code == 200
