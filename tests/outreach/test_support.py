"""« Être accompagné »: requests from the results page / plan, the URPS inbox scoped by region."""

from __future__ import annotations

import pytest

from kineco2.outreach.models import SupportNote, SupportRequest, SupportStatus
from kineco2.panel import testing as pt

from .conftest import deliver_all, text

pytestmark = pytest.mark.django_db

REQUEST = {
    "topics": ["actions", "renovation"],
    "message": "Nous voulons changer de chauffage.",
    "contact_method": "phone",
    "phone": "06 12 34 56 78",
    "availability": "le mardi midi",
    "origin": "plan",
}


@pytest.fixture
def paris_practice(user):
    return pt.make_practice(user, commune="75011", name="Cabinet Voltaire")


@pytest.fixture
def reunion_practice(other_user):
    return pt.make_practice(other_user, commune="97400", name="Cabinet du Barachois")


def _ask(client, practice, who):
    client.force_login(who)
    response = client.post(f"/accompagnement/demander/{practice.pk}/?depuis=plan", REQUEST)
    assert response.status_code == 302, text(response)[:3000]
    client.logout()
    return SupportRequest.objects.filter(practice=practice).latest("pk")


def test_results_page_and_plan_offer_to_be_accompanied(logged_client, practice):
    page = text(logged_client.get(f"/ecosoins/cabinets/{practice.pk}/plan/"))
    assert "Demander à être accompagné" in page
    assert f"/accompagnement/demander/{practice.pk}/?depuis=plan" in page


def test_a_kine_asks_and_the_regional_urps_is_told(
    client, user, paris_practice, urps_idf, urps_reunion
):
    request = _ask(client, paris_practice, user)
    assert request.region_code == "11" and request.origin == "plan"
    assert request.status == SupportStatus.NEW
    assert request.topic_labels[0] == "Choisir des actions adaptées au cabinet"
    notices = deliver_all()
    assert [m.to for m in notices] == [["urps-idf@example.fr"]]  # not La Réunion's URPS
    assert "Cabinet Voltaire" in notices[0].body


def test_phone_contact_needs_a_number(logged_client, paris_practice):
    response = logged_client.post(
        f"/accompagnement/demander/{paris_practice.pk}/", {**REQUEST, "phone": ""}
    )
    assert response.status_code == 200
    assert "Indiquez un numéro de téléphone" in text(response)
    response = logged_client.post(
        f"/accompagnement/demander/{paris_practice.pk}/", {**REQUEST, "topics": []}
    )
    assert "Cochez au moins un sujet." in text(response)
    assert not SupportRequest.objects.exists()


def test_nobody_asks_for_a_practice_they_do_not_belong_to(client, user, reunion_practice):
    client.force_login(user)
    assert client.get(f"/accompagnement/demander/{reunion_practice.pk}/").status_code == 404
    assert (
        client.post(f"/accompagnement/demander/{reunion_practice.pk}/", REQUEST).status_code == 404
    )


def test_regional_coordinator_sees_only_their_regions_requests(
    client, user, other_user, paris_practice, reunion_practice, urps_idf, urps_reunion
):
    paris = _ask(client, paris_practice, user)
    reunion = _ask(client, reunion_practice, other_user)
    client.force_login(urps_idf)
    inbox = text(client.get("/accompagnement/urps/"))
    assert "Cabinet Voltaire" in inbox and "Cabinet du Barachois" not in inbox
    assert client.get(f"/accompagnement/urps/{paris.pk}/").status_code == 200
    assert client.get(f"/accompagnement/urps/{reunion.pk}/").status_code == 404
    response = client.post(
        f"/accompagnement/urps/{reunion.pk}/", {"status": "close", "note": "intrus"}
    )
    assert response.status_code == 404
    reunion.refresh_from_db()
    assert reunion.status == SupportStatus.NEW and not SupportNote.objects.exists()


def test_urps_assigns_tracks_notes_and_the_kine_sees_the_status(
    client, user, paris_practice, urps_idf, urps_reunion, national_coord
):
    request = _ask(client, paris_practice, user)
    client.force_login(urps_idf)
    page = text(client.get(f"/accompagnement/urps/{request.pk}/"))
    assert "06 12 34 56 78" in page and "Nous voulons changer de chauffage." in page
    # Someone of another region cannot be assigned.
    response = client.post(
        f"/accompagnement/urps/{request.pk}/",
        {"status": "en_cours", "assigned_to": urps_reunion.pk},
    )
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.assigned_to is None
    response = client.post(
        f"/accompagnement/urps/{request.pk}/",
        {"status": "en_cours", "assigned_to": urps_idf.pk, "note": "Appelé le 3 mars."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SupportStatus.IN_PROGRESS and request.assigned_to == urps_idf
    assert request.answered_at is not None
    assert SupportNote.objects.get().text == "Appelé le 3 mars."
    client.force_login(user)
    mine = text(client.get("/accompagnement/mes-demandes/"))
    assert "Statut : En cours" in mine
    assert "Appelé le 3 mars." not in mine  # internal notes stay internal
    # The national coordination sees every region.
    client.force_login(national_coord)
    assert client.get(f"/accompagnement/urps/{request.pk}/").status_code == 200


def test_a_kine_cannot_open_the_inbox(logged_client):
    assert logged_client.get("/accompagnement/urps/").status_code == 403
    assert logged_client.get("/accompagnement/statistiques/").status_code == 403


def test_monthly_figures_follow_the_publication_rules(client, urps_idf, national_coord):
    from kineco2.outreach import publication

    practices = [
        pt.make_practice(pt.make_user(f"kine{i}@example.fr"), commune="75011", name=f"C{i}")
        for i in range(publication.threshold() + 1)
    ]
    for practice in practices:
        SupportRequest.objects.create(
            requester=practice.members.first(),
            practice=practice,
            region_code="11",
            region_name="Île-de-France",
            topics=["actions"],
        )
    lonely = pt.make_practice(pt.make_user("seul@example.fr"), commune="97400", name="Seul")
    SupportRequest.objects.create(
        requester=lonely.members.first(),
        practice=lonely,
        region_code="04",
        region_name="La Réunion",
        topics=["bilan"],
    )
    client.force_login(national_coord)
    page = text(client.get("/accompagnement/statistiques/"))
    assert "Île-de-France" in page and "La Réunion" in page
    expected = publication.count(len(practices))
    assert f'<td class="num">{expected}</td>' in page
    assert publication.SUPPRESSED in page  # La Réunion's single request is not shown
    assert publication.count(1) is None
    client.force_login(urps_idf)
    page = text(client.get("/accompagnement/statistiques/"))
    assert "La Réunion" not in page
