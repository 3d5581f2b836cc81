"""Follow-up: invitations, practices joining, withdrawals and replacements, progress, reminders."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kineco2.panel import selectors, services
from kineco2.panel.models import PanelParticipation, ParticipationStatus
from kineco2.panel.roles import perimeter_for
from kineco2.panel.testing import (
    IDF,
    REUNION,
    complete_assessment,
    make_campaign,
    make_candidate,
    make_practice,
    make_quota,
    national,
)
from kineco2.practices.models import Assessment, Membership

pytestmark = pytest.mark.django_db


def drawn_campaign(idf_places: int = 2):
    """A drawn campaign: Île-de-France ``idf_places`` among 7, La Réunion 1 place among 3."""
    campaign = make_campaign("closed")
    for number in range(7):
        make_candidate(campaign, "75011", email=f"idf{number}@example.fr")
    for number in range(3):
        make_candidate(campaign, "97400", email=f"run{number}@example.fr")
    make_quota(campaign, IDF, idf_places)
    make_quota(campaign, REUNION, 1)
    services.candidates_freeze(campaign=campaign)
    services.draw_run(campaign=campaign, seed="graine de suivi", by=None)
    PanelParticipation.objects.update(invited_at=timezone.now())
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def drawn(db):
    return drawn_campaign()


def quota_rows(campaign):
    return {row["region"]: row for row in selectors.draw_selections(campaign)}


def participation_of(campaign, ref):
    return PanelParticipation.objects.get(campaign=campaign, candidate__ref=ref)


# --- the invited practice ------------------------------------------------------------------


def test_invited_practice_creates_its_practice_and_sees_its_campaign(client, user, drawn):
    participation = PanelParticipation.objects.filter(region_code=IDF).first()
    token = services.participation_token(participation)
    url = reverse("panel_participate", args=[token])
    page = client.get(url).content.decode()
    assert "Votre cabinet est tiré au sort" in page
    assert "Créer mon compte" in page and "next=" in page

    client.force_login(user)
    page = client.get(url).content.decode()
    assert f'value="{participation.candidate.practice_name}"' in page
    response = client.post(
        url,
        {
            "action": "create",
            "name": "Cabinet de la République",
            "commune": "75011",
            "practitioners": "3",
            "practice_mode": "groupe",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("panel_my_campaigns")
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.EN_COURS
    practice = participation.practice
    assert Membership.objects.filter(user=user, practice=practice, role="titulaire").exists()
    assert Assessment.objects.filter(practice=practice, reference_year=drawn.reference_year)
    page = client.get(reverse("panel_my_campaigns")).content.decode()
    assert drawn.name in page and "En cours" in page
    # the link again: straight to « Mes campagnes »
    assert client.get(url).url == reverse("panel_my_campaigns")


def test_invited_practice_links_an_existing_practice(client, user, practice, drawn):
    participation = PanelParticipation.objects.filter(region_code=IDF).first()
    url = reverse("panel_participate", args=[services.participation_token(participation)])
    client.force_login(user)
    response = client.post(url, {"action": "link", "practice": str(practice.pk)})
    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.practice == practice


def test_another_account_cannot_reuse_a_used_invitation(client, user, other_user, drawn):
    participation = PanelParticipation.objects.filter(region_code=IDF).first()
    services.participation_link(
        participation=participation, user=user, practice=make_practice(user)
    )
    client.force_login(other_user)
    url = reverse("panel_participate", args=[services.participation_token(participation)])
    response = client.get(url)
    assert response.status_code == 409
    assert "Invitation déjà utilisée" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "action": "create",
                "name": "",
                "commune": "75011",
                "practitioners": "2",
                "practice_mode": "groupe",
            },
            "Ce champ est obligatoire.",
        ),
        (
            {
                "action": "create",
                "name": "C",
                "commune": "99999",
                "practitioners": "2",
                "practice_mode": "groupe",
            },
            "Commune inconnue",
        ),
        (
            {
                "action": "create",
                "name": "C",
                "commune": "75011",
                "practitioners": "-2",
                "practice_mode": "groupe",
            },
            "supérieure ou égale à 1",
        ),
        ({"action": "link", "practice": "999999"}, "Choix invalide"),
        ({"action": "autre"}, "Choisissez de créer le cabinet ou d&#x27;en lier un existant."),
        ({}, "Choisissez de créer le cabinet ou d&#x27;en lier un existant."),
    ],
)
def test_bad_input_on_the_participation_form(client, user, practice, drawn, data, message):
    participation = PanelParticipation.objects.filter(region_code=IDF).first()
    url = reverse("panel_participate", args=[services.participation_token(participation)])
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    participation.refresh_from_db()
    assert participation.practice is None


def test_bad_invitation_token_is_a_french_404(client):
    response = client.get(reverse("panel_participate", args=["pas-un-jeton"]))
    assert response.status_code == 404
    assert "Invitation introuvable" in response.content.decode()


# --- withdrawals and replacements ----------------------------------------------------------


def test_replacements_are_promoted_in_the_ranked_order(client, user, drawn):
    national(user)
    client.force_login(user)
    rows = quota_rows(drawn)
    idf = rows["Île-de-France"]
    order = idf["replacements"]
    assert len(order) == 5
    first = participation_of(drawn, idf["selected"][0])

    # promoting before the withdrawal is refused
    response = client.post(reverse("panel_participation_promote", args=[first.pk]), follow=True)
    assert "Seul un cabinet désisté est remplacé" in response.content.decode()

    client.post(
        reverse("panel_participation_withdraw", args=[first.pk]), {"note": "départ en retraite"}
    )
    first.refresh_from_db()
    assert first.status == ParticipationStatus.DESISTE
    assert "départ en retraite" in first.notes
    page = client.get(reverse("panel_participation", args=[first.pk])).content.decode()
    assert f"Appeler le remplaçant suivant ({order[0]})" in page

    response = client.post(reverse("panel_participation_promote", args=[first.pk]))
    called = PanelParticipation.objects.get(replaces=first)
    assert called.candidate.ref == order[0]
    assert response.url == reverse("panel_participation", args=[called.pk])
    assert called.quota_index == first.quota_index
    assert called.status == ParticipationStatus.INVITE

    # a second promotion for the same withdrawal is refused
    response = client.post(reverse("panel_participation_promote", args=[first.pk]), follow=True)
    assert "Ce cabinet a déjà été remplacé." in response.content.decode()
    assert PanelParticipation.objects.filter(replaces=first).count() == 1

    # the other selected practice withdraws: the next one in the list, not the first again
    second = participation_of(drawn, idf["selected"][1])
    services.participation_withdraw(participation=second)
    client.post(reverse("panel_participation_promote", args=[second.pk]))
    assert PanelParticipation.objects.get(replaces=second).candidate.ref == order[1]

    # the replacement withdraws too: the third
    services.participation_withdraw(participation=called)
    client.post(reverse("panel_participation_promote", args=[called.pk]))
    assert PanelParticipation.objects.get(replaces=called).candidate.ref == order[2]


def test_an_exhausted_replacement_list_leaves_the_place_vacant(client, user, drawn):
    national(user)
    client.force_login(user)
    reunion = quota_rows(drawn)["La Réunion"]
    current = participation_of(drawn, reunion["selected"][0])
    for ref in reunion["replacements"]:
        services.participation_withdraw(participation=current)
        current = services.participation_promote(participation=current)
        assert current.candidate.ref == ref
    services.participation_withdraw(participation=current)
    response = client.post(reverse("panel_participation_promote", args=[current.pk]), follow=True)
    assert "Plus aucun remplaçant dans la liste de ce quota" in response.content.decode()


def test_withdraw_twice_and_bad_note(client, user, drawn):
    national(user)
    client.force_login(user)
    participation = PanelParticipation.objects.first()
    url = reverse("panel_participation_withdraw", args=[participation.pk])
    response = client.post(url, {"note": "x" * 600}, follow=True)
    assert "Le motif est trop long" in response.content.decode()
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.INVITE
    client.post(url, {"note": ""})
    response = client.post(url, {"note": ""}, follow=True)
    assert "déjà noté comme désisté" in response.content.decode()


def test_notes_are_saved_and_too_long_notes_refused(client, user, drawn):
    national(user)
    client.force_login(user)
    participation = PanelParticipation.objects.first()
    url = reverse("panel_participation_notes", args=[participation.pk])
    client.post(url, {"notes": "Appelé le 3 mars, rappeler lundi."})
    participation.refresh_from_db()
    assert participation.notes == "Appelé le 3 mars, rappeler lundi."
    response = client.post(url, {"notes": "x" * 10_001}, follow=True)
    assert "Les notes sont trop longues" in response.content.decode()
    participation.refresh_from_db()
    assert participation.notes == "Appelé le 3 mars, rappeler lundi."


# --- progress --------------------------------------------------------------------------------


def test_progress_per_region(client, user, other_user, drawn):
    national(user)
    idf = list(PanelParticipation.objects.filter(region_code=IDF))
    practice = make_practice(other_user)
    services.participation_link(participation=idf[0], user=other_user, practice=practice)
    complete_assessment(practice, drawn.reference_year, {"energie": 1000.0})
    services.participation_withdraw(participation=idf[1])
    rows = {r["region_code"]: r for r in selectors.progress_by_region(drawn, perimeter_for(user))}
    assert dict(rows[IDF]["counts"]) == {
        "Invité": 0,
        "En cours": 0,
        "Complet": 1,
        "Validé": 0,
        "Désisté": 1,
    }
    assert rows[IDF]["active"] == 1 and rows[IDF]["percent"] == 100
    assert rows[REUNION]["active"] == 1 and rows[REUNION]["done"] == 0
    client.force_login(user)
    page = client.get(reverse("panel_followup", args=[drawn.slug])).content.decode()
    assert "<progress" in page
    assert "La Réunion" in page and "Île-de-France" in page
    page = client.get(reverse("panel_followup", args=[drawn.slug]), {"region": REUNION})
    assert idf[0].candidate.ref not in page.content.decode()


# --- reminders -------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_panel_reminders", *args, stdout=out)
    return out.getvalue()


def test_reminders_go_to_the_right_people_once(user):
    drawn = drawn_campaign(idf_places=4)
    now = timezone.now()
    old = now - datetime.timedelta(days=8)
    participations = list(PanelParticipation.objects.order_by("pk"))
    waiting, recent, started, done, gone = participations
    PanelParticipation.objects.filter(pk__in=[waiting.pk, started.pk, done.pk, gone.pk]).update(
        invited_at=old
    )
    practice = make_practice(user)
    services.participation_link(participation=started, user=user, practice=practice)
    finished = make_practice(user, name="Cabinet fini")
    services.participation_link(participation=done, user=user, practice=finished)
    complete_assessment(finished, drawn.reference_year, {"energie": 500.0})
    services.participation_withdraw(participation=gone)
    mail.outbox.clear()

    output = run("--dry-run")
    assert mail.outbox == []
    assert "2 cabinets à relancer (essai : rien n'est envoyé)." in output
    assert not PanelParticipation.objects.filter(last_reminder_at__isnull=False).exists()

    output = run()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [waiting.candidate.email, started.candidate.email]
    )
    assert "Rappel" in mail.outbox[0].subject
    assert "/panel/participer/" in mail.outbox[0].body
    assert "2 cabinets relancés." in output
    waiting.refresh_from_db()
    assert waiting.reminders_sent == 1 and waiting.last_reminder_at is not None
    done.refresh_from_db()
    assert done.status == ParticipationStatus.COMPLET  # synchronised by the command

    mail.outbox.clear()
    assert "0 cabinet relancé." in run()  # idempotent within the day
    assert "0 cabinet" in run("--days", "0")  # even with --days 0
    assert mail.outbox == []
    recent.refresh_from_db()
    assert recent.last_reminder_at is None


def test_reminders_wait_n_days_after_the_last_one(drawn):
    participation = PanelParticipation.objects.first()
    PanelParticipation.objects.exclude(pk=participation.pk).update(invited_at=None)
    now = timezone.now()
    participation.invited_at = now - datetime.timedelta(days=30)
    participation.last_reminder_at = now - datetime.timedelta(days=3)
    participation.save()
    mail.outbox.clear()
    run()
    assert mail.outbox == []
    run("--days", "3")
    assert [m.to[0] for m in mail.outbox] == [participation.candidate.email]


def test_reminders_stop_after_the_collection(drawn):
    PanelParticipation.objects.update(invited_at=timezone.now() - datetime.timedelta(days=30))
    drawn.collecte_close = timezone.localdate() - datetime.timedelta(days=1)
    drawn.save()
    mail.outbox.clear()
    run()
    assert mail.outbox == []


def test_reminders_command_refuses_negative_days():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="positif ou nul"):
        run("--days", "-1")
