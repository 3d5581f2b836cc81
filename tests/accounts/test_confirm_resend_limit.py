"""Confirmation e-mails of an unconfirmed account: never sent by a login attempt, at most one
per ``KINECO2_EMAIL_CONFIRM_RESEND_MINUTES`` per account (decision 0011, QA: mail bombing).

Before: each login with the right password on an unconfirmed account sent a new link, limited
only by a one-minute key in Django's cache (one per web process with the local memory cache,
lost when the cache is emptied).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from kineco2.accounts import services
from kineco2.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "Rééducation-2025"
EMAIL = "alex.kine@example.fr"
SIGNUP = {
    "email": EMAIL,
    "first_name": "Alex",
    "last_name": "Leroy",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def _unconfirmed(sent_minutes_ago: float | None = 0) -> User:
    sent = (
        None if sent_minutes_ago is None else timezone.now() - timedelta(minutes=sent_minutes_ago)
    )
    return User.objects.create_user(email=EMAIL, password=PASSWORD, email_confirm_sent_at=sent)


def _login(client, password: str = PASSWORD, email: str = EMAIL, **extra):
    return client.post(reverse("login"), {"email": email, "password": password, **extra})


def test_the_default_interval_is_15_minutes(settings):
    assert settings.KINECO2_EMAIL_CONFIRM_RESEND_MINUTES == 15
    assert services.email_confirm_resend_interval() == timedelta(minutes=15)


def test_sign_up_records_its_link_and_logins_send_nothing(client):
    client.post(reverse("signup"), SIGNUP)
    assert len(mail.outbox) == 1
    user = User.objects.get()
    assert user.email_confirm_sent_at is not None
    for _ in range(4):  # fewer than the login throttle's 5: the right password each time
        cache.clear()  # as if each attempt reached another web process
        response = _login(client)
        assert response.status_code == 200
        assert "n'est pas encore confirmée" in unescape(response.content.decode())
    assert len(mail.outbox) == 1  # the sign-up's only


def test_login_page_says_when_the_link_was_sent_and_offers_another(client):
    user = _unconfirmed(sent_minutes_ago=5)
    html = unescape(_login(client).content.decode())
    local = timezone.localtime(user.email_confirm_sent_at)
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    when = f"{local.day} {months[local.month - 1]} {local.year} à {local:%H:%M}"
    assert f"Un lien de confirmation vous a été envoyé le {when}" in html
    allowed = timezone.localtime(user.email_confirm_sent_at + timedelta(minutes=15))
    if allowed.date() == timezone.localdate():
        assert f"Vous pourrez demander un nouveau lien à partir de {allowed:%H:%M}." in html
    assert 'action="/compte/confirmation/renvoyer/"' in html
    assert "Renvoyer le lien de confirmation" in html
    assert mail.outbox == []


def test_resend_after_login_at_most_once_per_interval(client):
    user = _unconfirmed(sent_minutes_ago=20)
    _login(client)
    response = client.post(reverse("email_confirm_resend"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login") + "?email=alex.kine")
    assert f"Un nouvel e-mail de confirmation a été envoyé à {EMAIL}" in unescape(
        response.content.decode()
    )
    assert len(mail.outbox) == 1
    for _ in range(5):
        cache.clear()
        response = client.post(reverse("email_confirm_resend"), follow=True)
        html = unescape(response.content.decode())
        assert "Un lien de confirmation vous a été envoyé le " in html
        assert "Vous pourrez en demander un nouveau à partir de " in html
    assert len(mail.outbox) == 1
    user.refresh_from_db()
    User.objects.filter(pk=user.pk).update(
        email_confirm_sent_at=user.email_confirm_sent_at - timedelta(minutes=15, seconds=1)
    )
    client.post(reverse("email_confirm_resend"))
    assert len(mail.outbox) == 2


@override_settings(KINECO2_EMAIL_CONFIRM_RESEND_MINUTES=60)
def test_the_interval_is_a_setting():
    user = _unconfirmed(sent_minutes_ago=30)
    assert services.email_confirm_next_allowed(user) is not None
    assert not services.email_confirm_resend(user=user)
    with override_settings(KINECO2_EMAIL_CONFIRM_RESEND_MINUTES=20):
        assert services.email_confirm_next_allowed(user) is None
        assert services.email_confirm_resend(user=user)
    assert len(mail.outbox) == 1


def test_an_account_without_a_record_gets_a_link_at_once():
    user = _unconfirmed(sent_minutes_ago=None)  # signed up before the time was recorded
    assert services.email_confirm_resend(user=user)
    assert not services.email_confirm_resend(user=User.objects.get(pk=user.pk))
    assert len(mail.outbox) == 1


def test_resend_without_the_password_sends_nothing_and_says_the_same(client):
    _unconfirmed(sent_minutes_ago=None)
    answers = []
    for email, password in [
        (None, None),  # straight to « Renvoyer »
        (EMAIL, "pas-le-bon-2025"),  # unconfirmed account, wrong password
        ("personne@example.fr", "pas-le-bon-2025"),  # no account
    ]:
        visitor = Client()
        if email:
            _login(visitor, password=password, email=email)
        response = visitor.post(reverse("email_confirm_resend"), {"email": EMAIL})
        answers.append((response.status_code, response.url))
        page = visitor.get(response.url).content.decode()
        assert "connectez-vous avec votre adresse e-mail et votre mot de passe" in unescape(page)
    assert answers == [(302, reverse("login"))] * 3
    assert mail.outbox == []


def test_resend_keeps_where_the_login_was_going(client):
    _unconfirmed(sent_minutes_ago=None)
    target = reverse("panel_my_campaigns")
    html = _login(client, next=target).content.decode()
    assert f'<input type="hidden" name="next" value="{target}">' in html
    client.post(reverse("email_confirm_resend"), {"next": target})
    (message,) = mail.outbox
    token = message.body.split("/compte/confirmation/")[1].split("/")[0]
    assert services.email_confirm_next(token) == target


def test_a_failed_send_records_nothing(monkeypatch):
    user = _unconfirmed(sent_minutes_ago=None)

    def broken(**kwargs):
        raise ConnectionError("SMTP indisponible")

    monkeypatch.setattr(services, "email_confirm_send", broken)
    with pytest.raises(ConnectionError):
        services.email_confirm_resend(user=user)
    assert User.objects.get(pk=user.pk).email_confirm_sent_at is None
    monkeypatch.undo()
    assert services.email_confirm_resend(user=User.objects.get(pk=user.pk))
    assert len(mail.outbox) == 1


def test_a_successful_login_forgets_the_resend_right(client):
    user = _unconfirmed(sent_minutes_ago=None)
    _login(client)
    assert client.session["confirm_resend_user"] == user.pk
    User.objects.filter(pk=user.pk).update(email_confirmed=True)
    assert _login(client).status_code == 302
    assert "confirm_resend_user" not in client.session


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_send_one_link():
    """Eight requests at once (threads, each its own database connection): one link."""
    user = _unconfirmed(sent_minutes_ago=None)
    barrier = threading.Barrier(8)
    sent: list[bool] = []

    def request():
        from django.db import connection as own

        try:
            barrier.wait()
            sent.append(services.email_confirm_resend(user=User.objects.get(pk=user.pk)))
        finally:
            own.close()

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [False] * 7 + [True]
    assert len(mail.outbox) == 1
