"""Sign-up, confirmation e-mail and link (valid, expired, tampered), resend, the banner."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from django.core import mail, signing
from django.urls import reverse

from kineco2.accounts import services
from kineco2.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

GOOD = {
    "email": "  Alex.Kine@Example.FR ",
    "first_name": "Alex",
    "last_name": "Leroy",
    "password1": "Rééducation-2025",
    "password2": "Rééducation-2025",
}


def _link(message) -> str:
    match = re.search(r"https?://\S+", message.body)
    assert match, message.body
    return match.group(0)


def test_signup_page_is_french(client):
    html = client.get(reverse("signup")).content.decode()
    assert "Créer un compte" in html
    assert "au minimum 10 caractères" in html  # Django's French password help
    assert "csrfmiddlewaretoken" in html


def test_signup_creates_logs_in_and_sends_confirmation(client):
    response = client.post(reverse("signup"), GOOD)
    assert response.status_code == 302
    assert response.url == reverse("signup_done")
    user = User.objects.get()
    assert user.email == "alex.kine@example.fr"
    assert user.first_name == "Alex"
    assert not user.email_confirmed
    assert user.check_password("Rééducation-2025")
    assert int(client.session["_auth_user_id"]) == user.pk

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alex.kine@example.fr"]
    assert "Confirmez votre adresse" in message.subject
    assert "Bonjour Alex" in message.body
    link = _link(message)
    assert link.startswith("http://testserver/compte/confirmation/")

    done = client.get(reverse("signup_done")).content.decode()
    assert "alex.kine@example.fr" in done
    assert "pas encore confirmée" in done  # the banner

    response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert "Adresse e-mail confirmée" in response.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed
    account = client.get(reverse("account")).content.decode()
    assert "pas encore confirmée" not in account
    assert "confirmée" in account


def test_signup_errors_are_french_and_keep_input_but_not_passwords(client, user):
    data = {**GOOD, "password2": "autre-chose-2025"}
    response = client.post(reverse("signup"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Les deux mots de passe ne correspondent pas." in html
    assert 'value="  Alex.Kine@Example.FR "' in html
    assert 'value="Leroy"' in html
    assert "Rééducation-2025" not in html
    assert not User.objects.filter(email="alex.kine@example.fr").exists()

    weak = {**GOOD, "password1": "12345678", "password2": "12345678"}
    html = client.post(reverse("signup"), weak).content.decode()
    assert "Ce mot de passe est trop court" in html
    assert "Ce mot de passe est entièrement numérique" in html

    similar = {**GOOD, "password1": "alex.kine@example", "password2": "alex.kine@example"}
    html = client.post(reverse("signup"), similar).content.decode()
    assert "trop semblable" in html

    duplicate = {**GOOD, "email": user.email.upper()}
    html = client.post(reverse("signup"), duplicate).content.decode()
    assert "Un compte existe déjà avec cette adresse e-mail" in html
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_signup_requires_csrf(user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(reverse("signup"), GOOD).status_code == 403
    assert csrf_client.post(reverse("login"), {"email": user.email}).status_code == 403


def test_tampered_link_is_refused(client, user):
    user.email_confirmed = False
    user.save()
    token = services.email_confirm_token(user)
    response = client.get(reverse("email_confirm", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert "Ce lien de confirmation n'est pas valide" in unescape(response.content.decode())
    forged = signing.dumps({"u": user.pk, "e": user.email}, salt="autre-chose")
    assert client.get(reverse("email_confirm", args=[forged])).status_code == 400
    user.refresh_from_db()
    assert not user.email_confirmed


def test_expired_link_is_refused(client, user, monkeypatch):
    user.email_confirmed = False
    user.save()
    four_days_ago = int(time.time()) - 4 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(four_days_ago)
        )
        token = services.email_confirm_token(user)
    response = client.get(reverse("email_confirm", args=[token]))
    assert response.status_code == 400
    assert "Ce lien de confirmation a expiré" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_confirmed


def test_link_for_a_changed_address_is_refused(client, user):
    user.email_confirmed = False
    user.save()
    token = services.email_confirm_token(user)
    user.email = "nouvelle@example.fr"
    user.save()
    response = client.get(reverse("email_confirm", args=[token]))
    assert response.status_code == 400
    assert "ne correspond plus" in response.content.decode()


def test_resend_confirmation_is_limited(logged_client, user):
    user.email_confirmed = False
    user.save()
    response = logged_client.post(reverse("email_confirm_resend"), follow=True)
    assert "Un nouvel e-mail de confirmation a été envoyé" in response.content.decode()
    assert len(mail.outbox) == 1
    response = logged_client.post(reverse("email_confirm_resend"), follow=True)
    assert "Patientez une minute" in response.content.decode()
    assert len(mail.outbox) == 1
    assert logged_client.get(reverse("email_confirm_resend")).status_code == 405


def test_unconfirmed_user_can_use_the_app(client):
    client.post(reverse("signup"), GOOD)
    assert client.get(reverse("account")).status_code == 200
    assert client.get(reverse("api_tokens")).status_code == 200


def test_logged_in_user_is_sent_away_from_signup(logged_client):
    response = logged_client.get(reverse("signup"))
    assert response.status_code == 302
