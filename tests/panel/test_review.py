"""Data review: flags against the panel's distribution, comments to the practice, validation."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from kineco2.benchmarks import disclosure
from kineco2.panel import selectors, services
from kineco2.panel.models import PanelParticipation, ParticipationStatus, ReviewComment, RoleKind
from kineco2.panel.testing import (
    IDF,
    complete_assessment,
    grant,
    make_campaign,
    make_candidate,
    make_practice,
    make_quota,
    make_user,
    national,
    urps,
)

pytestmark = pytest.mark.django_db

#: Energy of the 64 practices of the panel (P5 and P95 need 60): the last one is far above.
ENERGY = [1000.0 + 10.0 * i for i in range(63)] + [9000.0]


@pytest.fixture
def panel(db):
    """A drawn campaign of 64 Île-de-France practices, each with a completed assessment."""
    campaign = make_campaign("closed")
    for _ in range(len(ENERGY)):
        make_candidate(campaign, "75011")
    make_quota(campaign, IDF, len(ENERGY))
    services.candidates_freeze(campaign=campaign)
    services.draw_run(campaign=campaign, seed="revue", by=None)
    participations = list(PanelParticipation.objects.order_by("candidate__ref"))
    for number, (participation, energy) in enumerate(zip(participations, ENERGY, strict=True)):
        member = make_user(f"membre{number}@example.fr")
        practice = make_practice(member, name=f"Cabinet {number}")
        services.participation_link(participation=participation, user=member, practice=practice)
        posts = {"energie": energy, "consommables": 300.0 + number}
        quality = {}
        profile = None
        if number == 0:
            posts["consommables"] = 10.0  # far below the others
        if number == 1:
            quality = {"consommables": "defaut"}
            profile = {"commune": "75011", "practitioners": 2, "sessions_per_year": None}
        if number == 2:
            del posts["consommables"]
        complete_assessment(
            practice, campaign.reference_year, posts, quality=quality, profile=profile
        )
    return campaign, list(PanelParticipation.objects.order_by("candidate__ref"))


def flags_of(participation) -> dict[str, list[str]]:
    return {post.post_id: post.flags for post in selectors.review_for(participation).posts}


def test_value_above_the_panel_p95_is_flagged(panel):
    _campaign, participations = panel
    flags = flags_of(participations[-1])
    assert any("Au-dessus du 95e centile du panel" in flag for flag in flags["energie"])
    review = selectors.review_for(participations[-1])
    energie = next(p for p in review.posts if p.post_id == "energie")
    # Protected: the mean of the 5 values around the rank (1580…1620) = 1600, perturbed by at
    # most ±NOISE (3 %: its key holds the campaign's id, which changes from run to run), then
    # rounded to 3 significant figures (a multiple of 10 here: up to 5 more).
    low, high = disclosure.published_bounds(1600.0)  # 1550 … 1650
    assert low <= energie.p95 <= high
    for participation, energy in zip(participations[1:-1], ENERGY[1:-1], strict=True):
        flagged = any("95e centile" in f for f in flags_of(participation)["energie"])
        assert flagged == (energy > energie.p95)
    assert review.panel_size == len(ENERGY) and review.percentiles_available


def test_value_below_p5_default_value_missing_post_and_profile(panel):
    _campaign, participations = panel
    assert any("En dessous du 5e centile" in f for f in flags_of(participations[0])["consommables"])
    assert (
        "Valeur par défaut : « je ne sais pas » pour ce poste."
        in (flags_of(participations[1])["consommables"])
    )
    assert flags_of(participations[2])["consommables"] == ["Poste absent du bilan."]
    missing = selectors.review_for(participations[1]).profile_missing
    assert "Nombre de séances par an" in missing and "Surface du cabinet" in missing
    assert selectors.review_for(participations[3]).profile_missing == []


def test_small_panel_has_no_percentiles(db):
    campaign = make_campaign("closed")
    for _ in range(3):
        make_candidate(campaign, "75011")
    make_quota(campaign, IDF, 3)
    services.candidates_freeze(campaign=campaign)
    services.draw_run(campaign=campaign, seed="petit", by=None)
    for number, participation in enumerate(PanelParticipation.objects.all()):
        member = make_user(f"petit{number}@example.fr")
        practice = make_practice(member)
        services.participation_link(participation=participation, user=member, practice=practice)
        complete_assessment(practice, campaign.reference_year, {"energie": 100.0 * (number + 1)})
    review = selectors.review_for(PanelParticipation.objects.last())
    assert not review.percentiles_available
    assert all(p.p95 is None and not p.flags for p in review.posts)


def test_review_page_shows_flags(client, user, panel):
    _campaign, participations = panel
    national(user)
    client.force_login(user)
    page = client.get(reverse("panel_participation", args=[participations[-1].pk]))
    text = page.content.decode()
    assert "Revue des données" in text
    assert "Au-dessus du 95e centile du panel" in text
    assert "9 000" in text.replace("\u202f", " ").replace("\xa0", " ")


def test_comment_reaches_the_practice_page_and_mailbox(
    client, user, panel, django_capture_on_commit_callbacks
):
    _campaign, participations = panel
    urps(user, IDF)
    client.force_login(user)
    target = participations[-1]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("panel_comment_add", args=[target.pk]),
            {"post_id": "energie", "body": "Votre consommation d'énergie semble très élevée."},
        )
    assert response.status_code == 302
    comment = ReviewComment.objects.get()
    assert comment.author == user and comment.post_id == "energie"
    member = target.practice.memberships.get().user
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "/panel/mes-campagnes/" in mail.outbox[0].body

    client.force_login(member)
    page = client.get(reverse("panel_my_campaigns")).content.decode()
    assert "Votre consommation d&#x27;énergie semble très élevée." in page
    assert "Énergie" in page or "energie" in page
    # another participant does not see it
    other = participations[0].practice.memberships.get().user
    client.force_login(other)
    page = client.get(reverse("panel_my_campaigns")).content.decode()
    assert "semble très élevée" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Ce champ est obligatoire."),
        ({"body": "   "}, "Ce champ est obligatoire."),
        ({"body": "x" * 5001}, "au plus 5000 caractères"),
        ({"body": "ok", "post_id": "inconnu"}, "Choix invalide"),
    ],
)
def test_bad_input_on_the_comment_form(client, user, panel, data, message):
    _campaign, participations = panel
    national(user)
    client.force_login(user)
    response = client.post(reverse("panel_comment_add", args=[participations[0].pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("\u202f", "")
    assert not ReviewComment.objects.exists()


def test_validation_by_the_coordinator(client, user, panel):
    _campaign, participations = panel
    urps(user, IDF)
    client.force_login(user)
    target = participations[3]
    page = client.get(reverse("panel_participation", args=[target.pk])).content.decode()
    assert "Valider la participation" in page
    client.post(reverse("panel_participation_validate", args=[target.pk]))
    target.refresh_from_db()
    assert target.status == ParticipationStatus.VALIDE
    assert target.validated_by == user and target.validated_at is not None
    response = client.post(reverse("panel_participation_validate", args=[target.pk]), follow=True)
    assert "déjà validée" in response.content.decode()
    member = target.practice.memberships.get().user
    client.force_login(member)
    assert "Validé" in client.get(reverse("panel_my_campaigns")).content.decode()


def test_validation_needs_a_finished_assessment(client, user, db):
    campaign = make_campaign("closed")
    make_candidate(campaign)
    make_quota(campaign, IDF, 1)
    services.candidates_freeze(campaign=campaign)
    services.draw_run(campaign=campaign, seed="x", by=None)
    participation = PanelParticipation.objects.get()
    national(user)
    client.force_login(user)
    response = client.post(
        reverse("panel_participation_validate", args=[participation.pk]), follow=True
    )
    assert "n&#x27;a pas encore terminé son bilan" in response.content.decode()
    services.participation_withdraw(participation=participation)
    response = client.post(
        reverse("panel_participation_validate", args=[participation.pk]), follow=True
    )
    assert "Un cabinet désisté ne peut pas être validé." in response.content.decode()
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.DESISTE


def test_methodology_maintainer_reviews_and_comments_but_does_not_validate(client, panel):
    _campaign, participations = panel
    maintainer = make_user("methodo@example.fr")
    grant(maintainer, RoleKind.MAINTAINER)
    client.force_login(maintainer)
    target = participations[-1]
    page = client.get(reverse("panel_participation", args=[target.pk])).content.decode()
    assert "Au-dessus du 95e centile" in page
    assert "Valider la participation" not in page
    response = client.post(reverse("panel_comment_add", args=[target.pk]), {"body": "À vérifier."})
    assert response.status_code == 302
    assert client.post(reverse("panel_participation_validate", args=[target.pk])).status_code == 404
    target.refresh_from_db()
    assert target.status != ParticipationStatus.VALIDE
