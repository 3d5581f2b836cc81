"""Shared fixtures: two users, a practice for each, a logged-in client, a clean cache."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# The parsed-data and validator caches of the engine (engine/datacache.py,
# engine/validatorcache.py) go to a directory of this test run, not to the user's cache:
# tests write many registries and defaults files of their own. Subprocesses inherit it.
if "KINECO2_CACHE_DIR" not in os.environ:
    os.environ["KINECO2_CACHE_DIR"] = tempfile.mkdtemp(prefix="kineco2-test-cache-")
    atexit.register(shutil.rmtree, os.environ["KINECO2_CACHE_DIR"], ignore_errors=True)

# Property tests assert properties, never speed: Hypothesis' per-example deadline (200 ms)
# turns a busy machine into a « Flaky » failure, so it is off everywhere. In CI the examples
# are derived from each test's name (derandomize): a run on main is reproducible, and the
# random exploration stays in developers' runs.
settings.register_profile(
    "kineco2", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("kineco2-ci", parent=settings.get_profile("kineco2"), derandomize=True)
settings.load_profile("kineco2-ci" if os.environ.get("CI") else "kineco2")

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
