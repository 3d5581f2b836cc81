"""Accepting an invitation: anonymous → login or sign-up → member; unknown or used tokens."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from kineco2.accounts.models import User
from kineco2.accounts.views import practice_url
from kineco2.practices import services as practice_services
from kineco2.practices.models import Membership, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


@pytest.fixture
def invitation(other_practice, other_user, user):
    return practice_services.invitation_create(
        practice=other_practice, email=user.email, role=Role.COLLABORATEUR, invited_by=other_user
    )


def test_anonymous_sees_the_practice_then_logs_in_and_joins(
    client, invitation, user, password, other_practice
):
    url = reverse("invitation_accept", args=[invitation.token])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cabinet du Thabor" in html
    assert "Dominique Durand vous invite" in html
    login_url = reverse("login") + "?next=" + url.replace("/", "%2F")
    assert login_url in html
    assert not Membership.objects.filter(user=user, practice=other_practice).exists()

    # The login page keeps the invitation in ``next``.
    login_page = client.get(reverse("login"), {"next": url, "email": user.email})
    assert f'name="next" value="{url}"' in login_page.content.decode()
    response = client.post(
        reverse("login"), {"email": user.email, "password": password, "next": url}
    )
    assert response.url == url
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == practice_url(other_practice)
    membership = Membership.objects.get(user=user, practice=other_practice)
    assert membership.role == Role.COLLABORATEUR
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    used = client.get(url)
    assert used.status_code == 410
    assert "Invitation déjà utilisée" in used.content.decode()


def test_anonymous_signs_up_and_joins(client, other_practice, other_user):
    """The invitation link was sent to the address: it confirms it, no second e-mail."""
    invitation = practice_services.invitation_create(
        practice=other_practice,
        email="nouvelle.kine@example.fr",
        role=Role.COLLABORATEUR,
        invited_by=other_user,
    )
    mail.outbox.clear()
    url = reverse("invitation_accept", args=[invitation.token])
    signup_page = client.get(reverse("signup"), {"next": url, "email": invitation.email})
    html = signup_page.content.decode()
    assert 'value="nouvelle.kine@example.fr"' in html
    assert f'name="next" value="{url}"' in html
    response = client.post(
        reverse("signup"),
        {
            "email": "Nouvelle.Kine@example.fr",
            "password1": "Kiné-du-Thabor-2025",
            "password2": "Kiné-du-Thabor-2025",
            "next": url,
        },
    )
    assert response.url == url
    response = client.get(url)
    assert response.url == practice_url(other_practice)
    member = other_practice.members.get(email="nouvelle.kine@example.fr")
    assert member.email_confirmed
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_signing_up_with_another_address_than_the_invited_one_needs_confirmation(
    client, other_practice, other_user
):
    invitation = practice_services.invitation_create(
        practice=other_practice,
        email="invitee@example.fr",
        role=Role.COLLABORATEUR,
        invited_by=other_user,
    )
    mail.outbox.clear()
    url = reverse("invitation_accept", args=[invitation.token])
    data = {"password1": "Kiné-du-Thabor-2025", "password2": "Kiné-du-Thabor-2025", "next": url}
    response = client.post(reverse("signup"), {**data, "email": "autre.adresse@example.fr"})
    assert response.url == reverse("signup_done")
    assert "_auth_user_id" not in client.session
    created = User.objects.get(email="autre.adresse@example.fr")
    assert not created.email_confirmed
    (message,) = mail.outbox
    # Confirming in the same browser comes back to the invitation, which then asks.
    link = re.search(r"http://testserver(\S+)", message.body).group(1)
    response = client.get(link)
    assert response.url == url
    page = client.get(url)
    assert "Rejoindre le cabinet avec ce compte" in page.content.decode()
    assert not Membership.objects.filter(user=created).exists()


def test_an_expired_or_used_invitation_is_no_proof(client, other_practice, other_user):
    import datetime

    from django.utils import timezone

    from kineco2.practices.models import Invitation

    invitation = practice_services.invitation_create(
        practice=other_practice,
        email="tard@example.fr",
        role=Role.COLLABORATEUR,
        invited_by=other_user,
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    url = reverse("invitation_accept", args=[invitation.token])
    response = client.post(
        reverse("signup"),
        {
            "email": "tard@example.fr",
            "password1": "Kiné-du-Thabor-2025",
            "password2": "Kiné-du-Thabor-2025",
            "next": url,
        },
    )
    assert response.url == reverse("signup_done")
    assert not User.objects.get(email="tard@example.fr").email_confirmed


def test_invitee_who_already_has_an_account_is_sent_to_log_in(
    client, other_practice, other_user, user, password
):
    invitation = practice_services.invitation_create(
        practice=other_practice, email=user.email, role=Role.COLLABORATEUR, invited_by=other_user
    )
    mail.outbox.clear()
    url = reverse("invitation_accept", args=[invitation.token])
    response = client.post(
        reverse("signup"),
        {
            "email": user.email,
            "password1": "Kiné-du-Thabor-2025",
            "password2": "Kiné-du-Thabor-2025",
            "next": url,
        },
    )
    assert response.url == reverse("signup_done")
    assert "_auth_user_id" not in client.session
    (message,) = mail.outbox
    assert "Tentative de création" in message.subject
    login_link = re.search(r"http://testserver(/compte/connexion/\S+)", message.body).group(1)
    login_page = client.get(login_link).content.decode()
    assert f'name="next" value="{url}"' in login_page
    response = client.post(
        reverse("login"), {"email": user.email, "password": password, "next": url}
    )
    assert response.url == url
    assert client.get(url).url == practice_url(other_practice)
    assert Membership.objects.filter(user=user, practice=other_practice).exists()


def test_logged_in_with_another_address_confirms_with_a_post(client, other_practice, other_user):
    from kineco2.accounts.models import User

    someone = User.objects.create_user(email="autre.adresse@example.fr", password="x")
    invitation = practice_services.invitation_create(
        practice=other_practice,
        email="adresse.invitee@example.fr",
        role=Role.COLLABORATEUR,
        invited_by=other_user,
    )
    client.force_login(someone)
    url = reverse("invitation_accept", args=[invitation.token])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "adresse.invitee@example.fr" in html
    assert "Rejoindre le cabinet avec ce compte" in html
    assert not Membership.objects.filter(user=someone).exists()
    response = client.post(url)
    assert response.url == practice_url(other_practice)
    assert Membership.objects.filter(user=someone, practice=other_practice).exists()


def test_unknown_token(client, logged_client):
    response = client.get(reverse("invitation_accept", args=["nimporte-quoi"]))
    assert response.status_code == 404
    assert "Invitation introuvable" in response.content.decode()
    assert logged_client.post(reverse("invitation_accept", args=["x"])).status_code == 404


def test_existing_member_keeps_their_role(logged_client, practice, user, other_user):
    invitation = practice_services.invitation_create(
        practice=practice, email=user.email, role=Role.COLLABORATEUR, invited_by=other_user
    )
    response = logged_client.get(reverse("invitation_accept", args=[invitation.token]))
    assert response.url == practice_url(practice)
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert notes == ["Vous êtes déjà membre de « Cabinet des Lices »."]
    assert Membership.objects.get(user=user, practice=practice).role == Role.TITULAIRE


def test_the_token_is_stored_hashed_and_the_link_expires(
    client, logged_client, invitation, user, other_practice
):
    import datetime

    from django.utils import timezone

    from kineco2.practices.models import Invitation, hash_token

    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == hash_token(invitation.token) != invitation.token
    # The stored value is not a link: only the token works.
    assert client.get(reverse("invitation_accept", args=[stored.token_hash])).status_code == 404
    assert stored.expires_at > timezone.now() + datetime.timedelta(days=13)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = logged_client.get(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 410
    assert "Invitation expirée" in response.content.decode()
    assert (
        logged_client.post(reverse("invitation_accept", args=[invitation.token])).status_code == 410
    )
    assert not Membership.objects.filter(practice=other_practice, user=user).exists()
