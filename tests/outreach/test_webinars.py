"""Webinars: publication by perimeter, registration, day-before reminder through the queue,
replay, Q&A moved into the public FAQ."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kineco2.outreach.models import FaqEntry, Webinar, WebinarRegistration

from .conftest import deliver_all, link_in, path_of, text

pytestmark = pytest.mark.django_db


def _form(starts_at, region_code="11", **extra):
    return {
        "title": "Réduire l'empreinte du linge",
        "description": "Draps lavables, lavage à 40 °C, séchage.",
        "starts_at": timezone.localtime(starts_at).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "speakers": "Dr A. Martin, kinésithérapeute\nB. Leroy, URPS",
        "join_url": "https://visio.example.fr/linge",
        "region_code": region_code,
        **extra,
    }


def _create(client, coordinator, starts_at, region_code="11"):
    client.force_login(coordinator)
    response = client.post("/webconferences/gestion/nouvelle/", _form(starts_at, region_code))
    assert response.status_code == 302, text(response)[:3000]
    client.logout()
    return Webinar.objects.latest("pk")


def test_urps_publishes_for_its_region_only(client, urps_idf):
    starts = timezone.now() + timedelta(days=10)
    client.force_login(urps_idf)
    response = client.post("/webconferences/gestion/nouvelle/", _form(starts, "04"))
    assert response.status_code == 200
    assert not Webinar.objects.exists()
    response = client.post("/webconferences/gestion/nouvelle/", _form(starts, ""))
    assert not Webinar.objects.exists()  # national: the national coordination only
    webinar = _create(client, urps_idf, starts)
    assert webinar.region_name == "Île-de-France"


def test_another_region_cannot_edit_the_event(client, urps_idf, urps_reunion):
    webinar = _create(client, urps_idf, timezone.now() + timedelta(days=3))
    client.force_login(urps_reunion)
    assert client.get(f"/webconferences/gestion/{webinar.pk}/").status_code == 404
    assert (
        client.post(
            f"/webconferences/gestion/{webinar.pk}/", _form(webinar.starts_at, "04")
        ).status_code
        == 404
    )


def test_registration_and_reminder_the_day_before_never_twice(client, urps_idf):
    starts = timezone.now() + timedelta(days=3)
    webinar = _create(client, urps_idf, starts)
    response = client.post(
        f"/webconferences/{webinar.pk}/inscription/",
        {"email": "Lea@Example.fr", "first_name": "Léa", "last_name": "Roux"},
    )
    assert response.status_code == 200
    client.post(  # twice: one registration, one e-mail
        f"/webconferences/{webinar.pk}/inscription/",
        {"email": "lea@example.fr", "first_name": "Léa", "last_name": "Roux"},
    )
    (confirmation,) = deliver_all()
    assert "https://visio.example.fr/linge" in confirmation.body
    assert WebinarRegistration.objects.count() == 1
    # The reminder task waits for the day before.
    reminder = DBTaskResult.objects.get(task_path__endswith="webinar_reminders")
    assert abs(reminder.run_after - (webinar.starts_at - timedelta(hours=24))) < timedelta(
        seconds=2
    )
    assert deliver_all() == []  # not due yet
    DBTaskResult.objects.filter(pk=reminder.pk).update(run_after=timezone.now())
    (sent,) = deliver_all()
    assert sent.subject.startswith("Rappel :") and sent.to == ["lea@example.fr"]
    # The cron fallback and a duplicate task send nothing more.
    from django.core.management import call_command

    call_command("send_webinar_reminders")
    assert deliver_all() == []


def test_moving_the_event_moves_the_reminder(client, urps_idf):
    webinar = _create(client, urps_idf, timezone.now() + timedelta(days=3))
    client.post(
        f"/webconferences/{webinar.pk}/inscription/",
        {"email": "lea@example.fr", "first_name": "Léa", "last_name": "Roux"},
    )
    deliver_all()
    new_start = timezone.now() + timedelta(days=6)
    client.force_login(urps_idf)
    client.post(f"/webconferences/gestion/{webinar.pk}/", _form(new_start))
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    sent = deliver_all()
    assert len(sent) == 1  # the old schedule is skipped, the new one sends once


def test_cancelled_registration_gets_no_reminder(client, urps_idf):
    webinar = _create(client, urps_idf, timezone.now() + timedelta(days=3))
    client.post(
        f"/webconferences/{webinar.pk}/inscription/",
        {"email": "lea@example.fr", "first_name": "Léa", "last_name": "Roux"},
    )
    (confirmation,) = deliver_all()
    cancel = path_of(link_in(confirmation, "/webconferences/annulation/"))
    assert "Annuler mon inscription" in text(client.get(cancel))
    assert "est annulée" in text(client.post(cancel))
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    assert deliver_all() == []


def test_replay_questions_and_faq(client, urps_idf, user):
    webinar = _create(client, urps_idf, timezone.now() + timedelta(days=1))
    client.force_login(user)
    response = client.post(
        f"/webconferences/{webinar.pk}/question/",
        {"question": "Les draps lavables, combien de cycles ?", "asked_by": "Camille"},
    )
    assert response.status_code == 200
    question = webinar.questions.get()
    # Afterwards: replay, slides, answer moved into the FAQ.
    Webinar.objects.filter(pk=webinar.pk).update(starts_at=timezone.now() - timedelta(days=1))
    client.force_login(urps_idf)
    client.post(
        f"/webconferences/gestion/{webinar.pk}/",
        _form(
            timezone.now() - timedelta(days=1),
            replay_url="https://video.example.fr/replay",
            slides_url="https://docs.example.fr/diapos.pdf",
        ),
    )
    response = client.post(
        f"/webconferences/gestion/{webinar.pk}/questions/{question.pk}/",
        {f"q{question.pk}-answer": "Environ 200 lavages.", f"q{question.pk}-to_faq": "on"},
    )
    assert response.status_code == 302
    entry = FaqEntry.objects.get()
    assert entry.answer == "Environ 200 lavages." and entry.webinar == webinar
    client.logout()
    page = text(client.get(f"/webconferences/{webinar.pk}/"))
    assert "https://video.example.fr/replay" in page and "diapos.pdf" in page
    assert "Environ 200 lavages." in page
    faq = text(client.get("/ecosoins/faq/"))
    assert "Questions posées lors des webconférences" in faq
    assert "Les draps lavables, combien de cycles ?" in faq


def test_registration_after_the_event_is_refused(client, urps_idf):
    webinar = _create(client, urps_idf, timezone.now() + timedelta(days=1))
    Webinar.objects.filter(pk=webinar.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    response = client.post(
        f"/webconferences/{webinar.pk}/inscription/",
        {"email": "lea@example.fr", "first_name": "Léa", "last_name": "Roux"},
    )
    assert response.status_code == 400
    assert not WebinarRegistration.objects.exists()
