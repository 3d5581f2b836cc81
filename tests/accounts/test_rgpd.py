"""RGPD: export of the user's data (JSON download) and deletion of the account."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kineco2.accounts import services
from kineco2.accounts.models import ApiToken, User
from kineco2.practices.models import Assessment, Membership, Practice, ResultSnapshot, Role
from kineco2.practices.services import assessment_create, assessment_save_answer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _snapshot(assessment, total):
    return ResultSnapshot.objects.create(
        assessment=assessment,
        answers_hash="0" * 64,
        factors_version="2025.1",
        defaults_version="2025.1",
        schema_version="1",
        engine_version="1",
        total_kgco2e=total,
        per_session_kgco2e=total / 5000,
        posts={"energie": total},
        data={"total_kgco2e": total},
    )


@pytest.fixture
def assessment(practice):
    assessment = assessment_create(practice=practice, reference_year=2024)
    outcome = assessment_save_answer(
        assessment_id=assessment.pk, section="profile", name="practitioners", raw="2"
    )
    assert outcome.ok, outcome.error
    _snapshot(assessment, 9000.0)
    _snapshot(assessment, 12345.0)  # the latest
    return Assessment.objects.get(pk=assessment.pk)


def test_export_is_a_json_download_with_the_practices_answers(
    logged_client, user, practice, assessment, other_practice
):
    services.api_token_create(user=user, name="Tableur")
    response = logged_client.get(reverse("account_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="kineco2-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == user.email
    assert data["profile"]["first_name"] == "Camille"
    assert data["memberships"] == [
        {
            "practice_id": practice.pk,
            "practice_name": "Cabinet des Lices",
            "role": "titulaire",
            "since": data["memberships"][0]["since"],
        }
    ]
    assert [p["name"] for p in data["practices"]] == ["Cabinet des Lices"]  # not other_practice
    exported = data["practices"][0]["assessments"][0]
    assert exported["reference_year"] == 2024
    assert exported["answers"] == assessment.answers
    assert exported["answers"]["profile"]["practitioners"] == 2
    assert exported["latest_result"]["total_kgco2e"] == 12345.0
    assert data["api_tokens"][0]["name"] == "Tableur"
    assert "token_hash" not in response.content.decode()
    assert "password" not in data["profile"]
    assert logged_client.post(reverse("account_export")).status_code == 405


def test_export_does_not_leak_other_members_addresses(logged_client, practice, other_user):
    Membership.objects.create(user=other_user, practice=practice, role=Role.COLLABORATEUR)
    body = logged_client.get(reverse("account_export")).content.decode()
    assert other_user.email not in body
    members = json.loads(body)["practices"][0]["members"]
    assert members == [{"role": "titulaire", "me": True}, {"role": "collaborateur", "me": False}]


def test_user_delete_removes_a_sole_member_practice(user, practice, assessment):
    plan = services.user_delete(user=user)
    assert [p.name for p in plan.deleted] == ["Cabinet des Lices"]
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Practice.objects.filter(pk=practice.pk).exists()
    assert not Assessment.objects.exists()
    assert not ResultSnapshot.objects.exists()


def test_user_delete_keeps_a_shared_practice_and_promotes_the_oldest_member(
    user, other_user, practice
):
    third = User.objects.create_user(email="troisieme@example.fr", password="x")
    Membership.objects.create(user=other_user, practice=practice, role=Role.COLLABORATEUR)
    Membership.objects.create(user=third, practice=practice, role=Role.COLLABORATEUR)
    plan = services.user_delete(user=user)
    assert [p.name for p in plan.kept] == ["Cabinet des Lices"]
    assert Practice.objects.filter(pk=practice.pk).exists()
    roles = dict(Membership.objects.filter(practice=practice).values_list("user__email", "role"))
    assert roles == {other_user.email: Role.TITULAIRE, third.email: Role.COLLABORATEUR}


def test_user_delete_does_not_promote_when_another_titulaire_remains(user, other_user, practice):
    third = User.objects.create_user(email="troisieme@example.fr", password="x")
    Membership.objects.create(user=third, practice=practice, role=Role.COLLABORATEUR)
    Membership.objects.create(user=other_user, practice=practice, role=Role.TITULAIRE)
    services.user_delete(user=user)
    roles = dict(Membership.objects.filter(practice=practice).values_list("user__email", "role"))
    assert roles == {other_user.email: Role.TITULAIRE, third.email: Role.COLLABORATEUR}


def test_user_delete_as_collaborator_changes_nothing_else(user, other_user, other_practice):
    Membership.objects.create(user=user, practice=other_practice, role=Role.COLLABORATEUR)
    services.user_delete(user=user)
    assert list(Membership.objects.filter(practice=other_practice).values_list("role", flat=True))
    assert Membership.objects.get(practice=other_practice).user == other_user


def test_delete_page_requires_the_password(logged_client, user, password, practice, other_user):
    shared = Practice.objects.create(
        name="Maison de santé",
        commune_code="35238",
        commune_name="Rennes",
        departement="35",
        region_code="53",
        region_name="Bretagne",
        territory="france_continentale",
    )
    Membership.objects.create(user=user, practice=shared, role=Role.TITULAIRE)
    Membership.objects.create(user=other_user, practice=shared, role=Role.COLLABORATEUR)
    services.api_token_create(user=user, name="Script")

    html = logged_client.get(reverse("account_delete")).content.decode()
    assert "Cette action est définitive" in html
    assert "Cabinet des Lices" in html
    assert "Maison de santé" in html

    wrong = logged_client.post(reverse("account_delete"), {"password": "pas-le-bon"})
    assert wrong.status_code == 400
    assert "Mot de passe incorrect." in wrong.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    response = logged_client.post(reverse("account_delete"), {"password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Votre compte et vos données personnelles ont été supprimés" in (
        response.content.decode()
    )
    assert "_auth_user_id" not in logged_client.session
    assert not User.objects.filter(pk=user.pk).exists()
    assert not ApiToken.objects.exists()
    assert not Practice.objects.filter(pk=practice.pk).exists()
    assert Membership.objects.get(practice=shared).role == Role.TITULAIRE


def test_account_page_lists_practices_and_links(logged_client, practice):
    html = logged_client.get(reverse("account")).content.decode()
    assert "Cabinet des Lices" in html
    assert "Titulaire" in html
    for name in ("api_tokens", "account_export", "account_delete", "password_change"):
        assert reverse(name) in html


def test_account_profile_update_keeps_french_errors(logged_client, user):
    response = logged_client.post(
        reverse("account"), {"first_name": " Camille ", "last_name": "Bernard"}, follow=True
    )
    assert "Votre profil a été enregistré." in response.content.decode()
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Camille", "Bernard")
    too_long = logged_client.post(reverse("account"), {"first_name": "x" * 200, "last_name": ""})
    assert too_long.status_code == 200
    assert "au plus 150 caractères" in too_long.content.decode()


def test_user_delete_anonymises_the_panel_candidacies(user, practice):
    """Issue 9: the contact's name and e-mail survived the deletion of the account."""
    testing = pytest.importorskip("kineco2.panel.testing")
    from kineco2.panel.models import Candidate, PanelParticipation, ParticipationStatus

    campaign = testing.make_campaign("closed")
    by_email = testing.make_candidate(
        campaign, "35000", email=user.email.upper(), name="Mon cabinet"
    )
    other_campaign = testing.make_campaign("closed", reference_year=2024)
    linked = testing.make_candidate(other_campaign, "35000", email="secretariat@example.fr")
    PanelParticipation.objects.create(
        campaign=other_campaign, candidate=linked, region_code="53", quota_index=0,
        practice=practice, status=ParticipationStatus.VALIDE,
    )  # fmt: skip
    stranger = testing.make_candidate(campaign, "75011", email="autre@example.fr")
    hash_before = campaign.candidates_hash

    services.user_delete(user=user)

    for candidate in (by_email, linked):
        candidate.refresh_from_db()
        assert candidate.email.endswith("@supprime.invalid")
        assert candidate.contact_name == "Compte supprimé"
        assert "Mon cabinet" not in candidate.practice_name
    assert not Candidate.objects.filter(email__iexact=user.email).exists()
    stranger.refresh_from_db()
    assert stranger.email == "autre@example.fr"  # nobody else's candidacy changes
    campaign.refresh_from_db()
    assert campaign.candidates_hash == hash_before
