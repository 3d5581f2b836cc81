"""Sign-up does not tell whether an address already has an account (decision 0011).

Same status, same redirect, same page (modulo the CSRF token), same cookies, the same
password-hashing work and one e-mail either way; the owner of an existing account is warned
by e-mail; a race between two sign-ups for one new address does not become a 500.
"""

from __future__ import annotations

import re
import statistics
import time
from html import unescape

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from kineco2.accounts import services
from kineco2.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

FORM = {
    "first_name": "Alex",
    "last_name": "Leroy",
    "password1": "Rééducation-2025",
    "password2": "Rééducation-2025",
}
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|csrf-token" content=")[^"]+')


def _sign_up(email: str, **extra):
    client = Client()
    response = client.post(reverse("signup"), {**FORM, "email": email, **extra})
    page = client.get(response.url) if response.status_code == 302 else None
    return client, response, page


def _normalised(page) -> str:
    return CSRF.sub(r"\1…", page.content.decode())


def test_new_and_existing_address_get_the_same_answer(user, password):
    new_client, new, new_page = _sign_up("personne.nouvelle@example.fr")
    old_client, old, old_page = _sign_up("personne.nouvelle@example.fr".upper())  # now existing
    fixture_client, taken, taken_page = _sign_up(user.email)  # an older, confirmed account

    for response in (old, taken):
        assert response.status_code == new.status_code == 302
        assert response.url == new.url == reverse("signup_done")
        assert response.content == new.content
        assert sorted(response.cookies) == sorted(new.cookies)
    # The page names the address typed, nothing else differs.
    assert _normalised(old_page) == _normalised(new_page)
    assert _normalised(taken_page) == _normalised(new_page).replace(
        "personne.nouvelle@example.fr", user.email
    )
    assert old_page.status_code == taken_page.status_code == new_page.status_code == 200
    assert "Vérifiez votre boîte mail" in unescape(new_page.content.decode())
    for client in (new_client, old_client, fixture_client):
        assert "_auth_user_id" not in client.session

    # Nothing changed on the existing accounts; one account for the new address.
    user.refresh_from_db()
    assert user.check_password(password)
    assert User.objects.filter(email__iexact="personne.nouvelle@example.fr").count() == 1
    assert User.objects.count() == 2


def test_the_owner_of_an_existing_account_is_warned(user, password):
    _sign_up(user.email.upper(), next="/compte/invitation/abc/")
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Tentative de création d'un compte KinéCO2 avec votre adresse"
    body = message.body
    assert "Bonjour Camille" in body
    assert "aucun nouveau compte n'a été créé" in body
    assert (
        "http://testserver/compte/connexion/?email=camille.kine%40example.fr"
        "&next=%2Fcompte%2Finvitation%2Fabc%2F" in body
    )
    assert "http://testserver/compte/mot-de-passe/oublie/" in body
    assert "pas encore confirmée" not in body
    # The link in the e-mail leads to a working login, with the old password.
    client = Client()
    response = client.post(
        reverse("login"), {"email": user.email, "password": password, "next": "/compte/"}
    )
    assert response.status_code == 302


def test_the_owner_of_an_unconfirmed_account_is_told_how_to_finish(db):
    _sign_up("pas.encore@example.fr")
    mail.outbox.clear()
    _sign_up("pas.encore@example.fr")
    (message,) = mail.outbox
    assert "Tentative de création" in message.subject
    assert "n'est pas encore confirmée" in message.body
    assert "/compte/confirmation/" not in message.body  # no link that would confirm it


def test_both_paths_hash_one_password_and_send_one_email(user, settings, monkeypatch):
    calls = []
    original = services.make_password

    def counting(password, *args, **kwargs):
        calls.append("hash")
        return original(password, *args, **kwargs)

    from django.contrib.auth import base_user

    monkeypatch.setattr(services, "make_password", counting)
    monkeypatch.setattr(base_user, "make_password", counting)

    _sign_up("toute.nouvelle@example.fr")
    new_calls, new_mails = len(calls), len(mail.outbox)
    calls.clear()
    mail.outbox.clear()
    _sign_up(user.email)
    assert (len(calls), len(mail.outbox)) == (new_calls, new_mails) == (1, 1)


class SlowHasher(PBKDF2PasswordHasher):
    """A real key-derivation cost (as in production, scaled down), for the timing test."""

    iterations = 200_000


def test_existing_address_takes_as_much_cpu_time_as_a_new_one(user, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowHasher"]
    new_times, old_times = [], []
    for i in range(3):
        start = time.process_time()
        _sign_up(f"mesure.{i}@example.fr")
        new_times.append(time.process_time() - start)
        start = time.process_time()
        _sign_up(user.email)
        old_times.append(time.process_time() - start)
    new, old = statistics.median(new_times), statistics.median(old_times)
    hash_cost = _hash_cost()
    assert hash_cost > 0.02, "the test hasher must dominate the request"
    # Without the hashing on the existing path, ``old`` would be short by ``hash_cost``.
    assert abs(new - old) < 0.5 * hash_cost, (new_times, old_times, hash_cost)


def _hash_cost() -> float:
    start = time.process_time()
    SlowHasher().encode("Rééducation-2025", SlowHasher().salt())
    return time.process_time() - start


def test_a_race_for_a_new_address_is_the_existing_path(user, monkeypatch):
    def lost_race(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: accounts_user.email")

    monkeypatch.setattr(User.objects, "create_user", lost_race)
    monkeypatch.setattr(services, "_address_taken", lambda email: False)
    client, response, page = _sign_up(user.email)
    assert response.status_code == 302
    assert response.url == reverse("signup_done")
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 1
    (message,) = mail.outbox
    assert "Tentative de création" in message.subject
