"""Shared fixtures: two users, a practice for each, a logged-in client, a clean cache."""

from __future__ import annotations

import pytest

PASSWORD = "kine-carbone-2025!"
OTHER_PASSWORD = "autre-kine-2025!"


@pytest.fixture
def clear_cache():
    """Empty Django's cache before and after the test (login throttling, cached results)."""
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    from kineco2.accounts.models import User

    return User.objects.create_user(
        email="camille.kine@example.fr",
        password=PASSWORD,
        first_name="Camille",
        last_name="Martin",
        email_confirmed=True,
    )


@pytest.fixture
def other_user(db):
    from kineco2.accounts.models import User

    return User.objects.create_user(
        email="dominique.kine@example.fr",
        password=OTHER_PASSWORD,
        first_name="Dominique",
        last_name="Durand",
        email_confirmed=True,
    )


@pytest.fixture
def practice(user):
    """A group practice in Rennes whose titulaire is ``user``."""
    from kineco2.practices.services import practice_create

    return practice_create(
        user=user,
        name="Cabinet des Lices",
        commune="35000",
        practitioners=2,
        practice_mode="groupe",
    )


@pytest.fixture
def other_practice(other_user):
    """A practice ``user`` does not belong to (titulaire: ``other_user``)."""
    from kineco2.practices.services import practice_create

    return practice_create(
        user=other_user,
        name="Cabinet du Thabor",
        commune="35000",
        practitioners=3,
        practice_mode="groupe",
    )


@pytest.fixture
def logged_client(client, user):
    client.force_login(user)
    return client
