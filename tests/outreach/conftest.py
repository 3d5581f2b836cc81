"""Fixtures of the outreach tests: coordinators of two regions, subscribers, helpers."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from kineco2.jobs.worker import run_pending
from kineco2.panel import testing as pt


@pytest.fixture
def urps_idf(db):
    user = pt.make_user("urps-idf@example.fr", first_name="Inès", last_name="Dupont")
    pt.urps(user, pt.IDF)
    return user


@pytest.fixture
def urps_reunion(db):
    user = pt.make_user("urps-reunion@example.fr", first_name="Rémi", last_name="Payet")
    pt.urps(user, pt.REUNION)
    return user


@pytest.fixture
def national_coord(db):
    user = pt.make_user("coordination@example.fr", first_name="Nadia", last_name="Martin")
    pt.national(user)
    return user


def deliver_all() -> list:
    """Run the worker on everything ready; return the e-mails sent meanwhile."""
    before = len(mail.outbox)
    run_pending()
    return mail.outbox[before:]


def link_in(message, pattern: str) -> str:
    """The first absolute link of ``message`` (text body) whose path matches ``pattern``."""
    match = re.search(r"https?://[^\s>]+" + pattern + r"[^\s>]*", message.body)
    assert match, message.body
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def make_subscriber(client, email, postal_code, first_name="Claire"):
    """Subscribe and confirm through the pages, as a person would."""
    response = client.post(
        "/lettre/",
        {
            "email": email,
            "first_name": first_name,
            "last_name": "Test",
            "postal_code": postal_code,
            "consent": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (confirmation,) = [m for m in deliver_all() if email in m.to]
    response = client.get(path_of(link_in(confirmation, "/lettre/confirmer/")))
    assert response.status_code == 200
    from kineco2.outreach.models import Subscriber

    return Subscriber.objects.get(email=email)


def text(response) -> str:
    """The response body with HTML entities decoded (« n'a » rather than « n&#x27;a »)."""
    import html

    return html.unescape(response.content.decode())
