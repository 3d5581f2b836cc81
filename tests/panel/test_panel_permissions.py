"""Who sees what: every panel URL walked as anonymous, practice member, the URPS coordinator of
Île-de-France on La Réunion's objects, and the national coordinator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineco2.panel import services
from kineco2.panel.models import (
    Draw,
    PanelInvitation,
    PanelParticipation,
    PanelRole,
    Quota,
    ReviewComment,
)
from kineco2.panel.roles import perimeter_for, scope_practices
from kineco2.panel.testing import (
    IDF,
    REUNION,
    complete_assessment,
    make_campaign,
    make_candidate,
    make_practice,
    make_quota,
    make_user,
    national,
    urps,
)
from kineco2.practices.models import Practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """Two regions' worth of panel data, a draft campaign, staff and a participating member."""
    boss = make_user("national@example.fr")
    national(boss)
    idf_coordinator = make_user("urps.idf@example.fr")
    urps(idf_coordinator, IDF)
    member = make_user("membre.reunion@example.fr")

    campaign = make_campaign("closed", slug="drawn")
    for _ in range(3):
        make_candidate(campaign, "75011", name="Cabinet Bastille")
    for number in range(3):
        make_candidate(
            campaign, "97400", name="Cabinet Barachois", email=f"reunion{number}@example.fr"
        )
    make_quota(campaign, IDF, 2)
    make_quota(campaign, REUNION, 2)
    services.candidates_freeze(campaign=campaign)
    services.draw_run(campaign=campaign, seed="permissions", by=boss)
    reunion = PanelParticipation.objects.filter(region_code=REUNION).order_by("pk")
    reunion_member = reunion[0]
    practice = make_practice(member, commune="97400", name="Cabinet Barachois")
    services.participation_link(participation=reunion_member, user=member, practice=practice)
    complete_assessment(practice, campaign.reference_year, {"energie": 800.0})
    reunion_withdrawn = reunion[1]
    services.participation_withdraw(participation=reunion_withdrawn)
    ReviewComment.objects.create(
        participation=reunion_member, author=boss, body="Commentaire réunionnais"
    )

    draft = make_campaign("candidatures", slug="draft")
    reunion_quota = make_quota(draft, REUNION, 3)
    idf_quota = make_quota(draft, IDF, 3)
    invitation = services.staff_invite(
        email="futur@example.fr", role="coordinateur_urps", region_code=REUNION, invited_by=boss
    )
    role = PanelRole.objects.get(user=idf_coordinator)
    return {
        "boss": boss,
        "idf": idf_coordinator,
        "member": member,
        "campaign": campaign,
        "draft": draft,
        "reunion_member": reunion_member,
        "reunion_withdrawn": reunion_withdrawn,
        "idf_participation": PanelParticipation.objects.filter(region_code=IDF).first(),
        "reunion_quota": reunion_quota,
        "idf_quota": idf_quota,
        "invitation": invitation,
        "role": role,
    }


PUBLIC_GET = [
    ("panel_home", []),
    ("panel_apply", ["draft"]),
    ("panel_apply_done", ["draft"]),
    ("panel_zone_guess", []),
    ("panel_commune_search", []),
    ("panel_verify", ["drawn"]),
    ("panel_download", ["drawn", "candidatures.csv"]),
    ("panel_download", ["drawn", "candidatures.json"]),
    ("panel_download", ["drawn", "quotas.yaml"]),
    ("panel_download", ["drawn", "tirage.csv"]),
]


def staff_get_urls(w):
    return [
        reverse("panel_dashboard"),
        reverse("panel_campaign", args=["drawn"]),
        reverse("panel_candidates", args=["drawn"]),
        reverse("panel_followup", args=["drawn"]),
        reverse("panel_participation", args=[w["reunion_member"].pk]),
    ]


def national_get_urls(w):
    return [
        reverse("panel_campaign_create"),
        reverse("panel_campaign_edit", args=["drawn"]),
        reverse("panel_staff"),
    ]


def region_b_post_urls(w):
    """Writes on La Réunion's objects."""
    pk = w["reunion_member"].pk
    return [
        (reverse("panel_participation_withdraw", args=[pk]), {"note": ""}),
        (reverse("panel_participation_promote", args=[w["reunion_withdrawn"].pk]), {}),
        (reverse("panel_participation_validate", args=[pk]), {}),
        (reverse("panel_participation_notes", args=[pk]), {"notes": "pirate"}),
        (reverse("panel_comment_add", args=[pk]), {"body": "pirate"}),
        (reverse("panel_quota_delete", args=["draft", w["reunion_quota"].pk]), {}),
    ]


def national_post_urls(w):
    return [
        (reverse("panel_campaign_create"), {"name": "pirate"}),
        (reverse("panel_campaign_edit", args=["draft"]), {"name": "pirate"}),
        (reverse("panel_freeze", args=["draft"]), {}),
        (reverse("panel_draw_run", args=["drawn"]), {"seed": "pirate", "confirm": "on"}),
        (reverse("panel_staff_invite"), {"email": "x@example.fr", "role": "coordinateur_national"}),
        (reverse("panel_staff_role_revoke", args=[w["role"].pk]), {}),
        (reverse("panel_staff_invitation_cancel", args=[w["invitation"].pk]), {}),
    ]


def assert_nothing_changed(w):
    reunion_member = PanelParticipation.objects.get(pk=w["reunion_member"].pk)
    assert reunion_member.status == "en_cours" and reunion_member.notes == ""
    assert not PanelParticipation.objects.filter(replaces=w["reunion_withdrawn"]).exists()
    assert ReviewComment.objects.count() == 1
    assert Quota.objects.filter(pk=w["reunion_quota"].pk).exists()
    assert PanelRole.objects.filter(pk=w["role"].pk).exists()
    assert PanelInvitation.objects.filter(pk=w["invitation"].pk).exists()
    assert Draw.objects.get().seed == "permissions"
    assert PanelRole.objects.count() == 2
    assert not PanelRole.objects.filter(user__email="x@example.fr").exists()


@pytest.mark.parametrize(("name", "args"), PUBLIC_GET)
def test_public_pages_are_open_to_anonymous(client, world, name, args):
    assert client.get(reverse(name, args=args)).status_code == 200


def test_public_pages_leak_no_personal_data(client, world):
    for name, args in PUBLIC_GET:
        body = client.get(reverse(name, args=args)).content.decode()
        assert "Cabinet Barachois" not in body and "reunion0@example.fr" not in body


def test_anonymous_gets_nothing_else(client, world):
    w = world
    login = reverse("login")
    for url in staff_get_urls(w) + national_get_urls(w) + [reverse("panel_my_campaigns")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    for url, data in region_b_post_urls(w) + national_post_urls(w):
        response = client.post(url, data)
        assert response.status_code == 302 and response.url.startswith(login), url
    token_url = reverse("panel_staff_accept", args=["x"])
    assert client.get(token_url).url.startswith(login)
    assert_nothing_changed(w)


def test_practice_member_sees_only_its_own_participation(client, world):
    w = world
    client.force_login(w["member"])
    for url in staff_get_urls(w) + national_get_urls(w):
        assert client.get(url).status_code == 404, url
    for url, data in region_b_post_urls(w) + national_post_urls(w):
        assert client.post(url, data).status_code == 404, url
    page = client.get(reverse("panel_my_campaigns")).content.decode()
    assert "Commentaire réunionnais" in page
    assert w["campaign"].name in page
    assert_nothing_changed(w)
    # another user, member of no panel practice, sees no participation at all
    client.force_login(make_user("autre@example.fr"))
    page = client.get(reverse("panel_my_campaigns")).content.decode()
    assert "Commentaire réunionnais" not in page and w["campaign"].name not in page


def test_idf_coordinator_gets_nothing_of_la_reunion(client, world):
    w = world
    client.force_login(w["idf"])
    # objects of La Réunion: 404, read or write
    assert (
        client.get(reverse("panel_participation", args=[w["reunion_member"].pk])).status_code == 404
    )
    for url, data in region_b_post_urls(w):
        assert client.post(url, data).status_code == 404, url
    for url, data in national_post_urls(w):
        assert client.post(url, data).status_code == 404, url
    for url in national_get_urls(w):
        assert client.get(url).status_code == 404, url
    followup = reverse("panel_followup", args=["drawn"])
    assert client.get(followup, {"region": REUNION}).status_code == 404
    assert_nothing_changed(w)

    # campaign-level pages: only Île-de-France rows
    reunion_refs = list(
        PanelParticipation.objects.filter(region_code=REUNION).values_list(
            "candidate__ref", flat=True
        )
    )
    for url in staff_get_urls(w)[:4]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Cabinet Barachois" not in body and "reunion0@example.fr" not in body, url
        assert "La Réunion" not in body, url
        for ref in reunion_refs:
            assert ref not in body, url
    body = client.get(reverse("panel_followup", args=["drawn"])).content.decode()
    assert w["idf_participation"].candidate.ref in body
    body = client.get(reverse("panel_campaign", args=["draft"])).content.decode()
    assert "Île-de-France" in body

    # its own region: allowed
    idf_pk = w["idf_participation"].pk
    assert client.get(reverse("panel_participation", args=[idf_pk])).status_code == 200
    response = client.post(reverse("panel_participation_notes", args=[idf_pk]), {"notes": "ok"})
    assert response.status_code == 302
    response = client.post(reverse("panel_quota_delete", args=["draft", w["idf_quota"].pk]))
    assert response.status_code == 302
    assert not Quota.objects.filter(pk=w["idf_quota"].pk).exists()


def test_national_coordinator_sees_and_acts_everywhere(client, world):
    w = world
    client.force_login(w["boss"])
    for url in staff_get_urls(w) + national_get_urls(w):
        assert client.get(url).status_code == 200, url
    body = client.get(reverse("panel_followup", args=["drawn"])).content.decode()
    assert "Cabinet Barachois" in body and "Cabinet Bastille" in body
    body = client.get(reverse("panel_candidates", args=["drawn"])).content.decode()
    assert "reunion0@example.fr" in body
    pk = w["reunion_member"].pk
    response = client.post(reverse("panel_participation_notes", args=[pk]), {"notes": "vu"})
    assert response.status_code == 302
    response = client.post(reverse("panel_participation_validate", args=[pk]))
    assert PanelParticipation.objects.get(pk=pk).status == "valide"
    response = client.post(reverse("panel_participation_promote", args=[w["reunion_withdrawn"].pk]))
    assert PanelParticipation.objects.filter(replaces=w["reunion_withdrawn"]).exists()


def test_post_only_endpoints_refuse_get(client, world):
    w = world
    client.force_login(w["boss"])
    for url, _ in region_b_post_urls(w) + national_post_urls(w)[2:]:
        assert client.get(url).status_code == 405, url


def test_scope_practices_filters_server_side(world, practice, other_practice):
    reunion_practice = Practice.objects.get(name="Cabinet Barachois")
    idf = perimeter_for(world["idf"])
    assert list(scope_practices(Practice.objects.all(), idf)) == []
    idf_practice = make_practice(make_user("paris@example.fr"), commune="75011")
    assert list(scope_practices(Practice.objects.all(), idf)) == [idf_practice]
    assert reunion_practice in scope_practices(Practice.objects.all(), perimeter_for(world["boss"]))
    nobody = perimeter_for(world["member"])
    assert not scope_practices(Practice.objects.all(), nobody).exists()
    participations = scope_practices(PanelParticipation.objects.all(), idf)
    assert {p.region_code for p in participations} == {IDF}


def test_staff_invitation_is_accepted_by_the_invited_address_only(
    client, world, django_capture_on_commit_callbacks
):
    from django.core import mail

    boss = world["boss"]
    client.force_login(boss)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("panel_staff_invite"),
            {
                "email": "Nouvelle.URPS@example.fr",
                "role": "coordinateur_urps",
                "region_code": REUNION,
            },
        )
    assert response.status_code == 302
    assert PanelInvitation.objects.filter(email="nouvelle.urps@example.fr").exists()
    token = invitation_token_from_outbox(mail.outbox)
    url = reverse("panel_staff_accept", args=[token])

    intruder = make_user("intrus@example.fr")
    client.force_login(intruder)
    assert (
        "Cette invitation est adressée à nouvelle.urps@example.fr"
        in client.get(url).content.decode()
    )
    response = client.post(url, follow=True)
    assert "connectez-vous avec cette adresse" in response.content.decode()
    assert not PanelRole.objects.filter(user=intruder).exists()

    invited = make_user("nouvelle.urps@example.fr")
    client.force_login(invited)
    response = client.post(url)
    assert response.status_code == 302
    assert perimeter_for(invited).regions == frozenset({REUNION})
    assert client.get(url).status_code == 404  # used


def invitation_token_from_outbox(outbox) -> str:
    import re

    for message in outbox:
        match = re.search(r"/panel/equipe/invitation/([^/\s]+)/", message.body)
        if match:
            return match.group(1)
    raise AssertionError("no invitation e-mail")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-une-adresse", "role": "coordinateur_national"}, "adresse e-mail valide"),
        ({"email": "a@example.fr", "role": "roi"}, "Choix invalide"),
        ({"email": "a@example.fr", "role": "coordinateur_urps"}, "choisissez-la"),
        (
            {"email": "a@example.fr", "role": "coordinateur_urps", "region_code": "99"},
            "Choix invalide",
        ),
    ],
)
def test_bad_input_on_the_staff_invitation_form(client, world, data, message):
    client.force_login(world["boss"])
    response = client.post(reverse("panel_staff_invite"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PanelInvitation.objects.count() == 1


def test_last_national_coordinator_cannot_remove_itself(client, world):
    client.force_login(world["boss"])
    own = PanelRole.objects.get(user=world["boss"])
    response = client.post(reverse("panel_staff_role_revoke", args=[own.pk]), follow=True)
    assert "Vous êtes le seul coordinateur national" in response.content.decode()
    assert PanelRole.objects.filter(pk=own.pk).exists()
