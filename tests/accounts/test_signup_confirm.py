"""Sign-up, confirmation e-mail and link (valid, expired, tampered), resend, the banner."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

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


def test_signup_sends_confirmation_and_logs_in_only_once_confirmed(client, password):
    response = client.post(reverse("signup"), GOOD)
    assert response.status_code == 302
    assert response.url == reverse("signup_done")
    user = User.objects.get()
    assert user.email == "alex.kine@example.fr"
    assert user.first_name == "Alex"
    assert not user.email_confirmed
    assert user.check_password("Rééducation-2025")
    assert "_auth_user_id" not in client.session  # not logged in before confirmation

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alex.kine@example.fr"]
    assert "Confirmez votre adresse" in message.subject
    assert "Bonjour Alex" in message.body
    link = _link(message)
    assert link.startswith("http://testserver/compte/confirmation/")

    done = client.get(reverse("signup_done")).content.decode()
    assert "Vérifiez votre boîte mail" in done
    assert "alex.kine@example.fr" in done
    # The pages of the application stay closed.
    assert client.get(reverse("account")).status_code == 302
    assert client.get(reverse("practice_list")).status_code == 302

    # In the browser that signed up, the link confirms and logs in.
    response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response.url == reverse("practice_list")
    user.refresh_from_db()
    assert user.email_confirmed
    assert int(client.session["_auth_user_id"]) == user.pk
    account = client.get(reverse("account")).content.decode()
    assert "pas encore confirmée" not in account
    assert "confirmée" in account


def test_link_opened_in_another_browser_confirms_without_logging_in(client):
    from django.test import Client

    client.post(reverse("signup"), GOOD)
    link = _link(mail.outbox[0]).removeprefix("http://testserver")
    other = Client()
    response = other.get(link)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Adresse e-mail confirmée" in html
    assert "/compte/connexion/?email=alex.kine%40example.fr" in html
    assert "_auth_user_id" not in other.session
    assert User.objects.get().email_confirmed
    response = other.post(
        reverse("login"), {"email": "alex.kine@example.fr", "password": "Rééducation-2025"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in other.session


def test_unconfirmed_account_cannot_log_in_and_may_ask_for_a_new_link(client):
    client.post(reverse("signup"), GOOD)
    mail.outbox.clear()
    wrong = client.post(
        reverse("login"), {"email": "alex.kine@example.fr", "password": "pas-le-bon-2025"}
    )
    html = unescape(wrong.content.decode())
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert "pas encore confirmée" not in html  # only the password's holder is told
    assert "Renvoyer le lien" not in html
    assert mail.outbox == []

    right = {"email": "alex.kine@example.fr", "password": "Rééducation-2025"}
    response = client.post(reverse("login"), right)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "n'est pas encore confirmée" in html
    assert "Un lien de confirmation vous a été envoyé le " in html
    assert "Renvoyer le lien de confirmation" in html
    assert "_auth_user_id" not in client.session
    assert mail.outbox == []  # the login itself sends nothing (it used to, every time)

    # The sign-up's link went out a moment ago: « Renvoyer » waits for the interval.
    client.post(reverse("email_confirm_resend"))
    assert mail.outbox == []
    User.objects.update(email_confirm_sent_at=timezone.now() - timedelta(minutes=16))
    response = client.post(reverse("email_confirm_resend"), follow=True)
    assert "Un nouvel e-mail de confirmation a été envoyé" in unescape(response.content.decode())
    assert len(mail.outbox) == 1
    assert "Confirmez votre adresse" in mail.outbox[0].subject

    response = client.get(_link(mail.outbox[0]).removeprefix("http://testserver"))
    assert User.objects.get().email_confirmed
    assert client.post(reverse("login"), right).status_code == 302


def test_confirmation_keeps_where_the_sign_up_was_going(client):
    target = reverse("panel_my_campaigns")
    client.post(reverse("signup"), {**GOOD, "next": target})
    link = _link(mail.outbox[0]).removeprefix("http://testserver")
    response = client.get(link)
    assert response.url == target
    # A token cannot carry an address outside the site.
    user = User.objects.get()
    forged = services.email_confirm_token(user, "https://evil.example/")
    from django.test import Client

    page = Client().get(reverse("email_confirm", args=[forged])).content.decode()
    assert "evil.example" not in page


def test_password_reset_confirms_the_address(client):
    client.post(reverse("signup"), GOOD)
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": "alex.kine@example.fr"})
    (message,) = mail.outbox
    link = _link(message).removeprefix("http://testserver")
    page = client.get(link, follow=True)
    new = "Nouveau-mot-de-passe-2025"
    client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    user = User.objects.get()
    assert user.check_password(new)
    assert user.email_confirmed
    assert client.post(reverse("login"), {"email": user.email, "password": new}).status_code == 302


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
    html = unescape(response.content.decode())
    assert "Un lien de confirmation vous a été envoyé le " in html
    assert "Vous pourrez en demander un nouveau à partir de " in html
    assert len(mail.outbox) == 1
    assert logged_client.get(reverse("email_confirm_resend")).status_code == 405


def test_unconfirmed_user_logged_in_before_the_change_can_still_confirm(client, user):
    # Sessions opened before confirmation became necessary stay open, with the banner.
    user.email_confirmed = False
    user.save()
    client.force_login(user)
    html = client.get(reverse("account")).content.decode()
    assert "pas encore confirmée" in html
    assert "Renvoyer l&#x27;e-mail de confirmation" in html or "Renvoyer l'e-mail" in html


def test_logged_in_user_is_sent_away_from_signup(logged_client):
    response = logged_client.get(reverse("signup"))
    assert response.status_code == 302
