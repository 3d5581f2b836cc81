"""Practices: creation (commune autocomplete and errors), detail, invitations, new year."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from kineco2.practices import services
from kineco2.practices.models import (
    Assessment,
    Invitation,
    Membership,
    Practice,
    Role,
    hash_token,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def test_list_shows_only_my_practices(logged_client, practice, other_practice):
    html = logged_client.get(reverse("practice_list")).content.decode()
    assert practice.name in html
    assert other_practice.name not in html
    assert "Ajouter un cabinet" in html


def test_create_practice_with_a_postal_code(logged_client, user):
    response = logged_client.post(
        reverse("practice_create"),
        {"name": "Cabinet de la Croix-Rousse", "commune": "CP 69004", "practitioners": "2",
         "practice_mode": "groupe"},
    )  # fmt: skip
    practice = Practice.objects.get(name="Cabinet de la Croix-Rousse")
    assert response.status_code == 302
    assert response.url == reverse("practice_detail", args=[practice.pk])
    assert practice.commune_name == "Lyon"
    assert practice.postal_code == "69004"
    assert Membership.objects.get(practice=practice).user == user
    assert Membership.objects.get(practice=practice).role == Role.TITULAIRE


def test_ambiguous_code_asks_to_choose_and_keeps_the_postal_code(logged_client):
    # "69004" is Alix's INSEE code and Lyon 4e's postal code: never picked silently.
    data = {"name": "Cabinet de la Croix-Rousse", "commune": "69004", "practitioners": "2",
            "practice_mode": "groupe"}  # fmt: skip
    response = logged_client.post(reverse("practice_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not Practice.objects.filter(name="Cabinet de la Croix-Rousse").exists()
    assert "Le code « 69004 » est à la fois le code INSEE d&#x27;une commune" in html
    assert "Choisissez votre commune" in html
    assert 'name="commune_choice" value="INSEE 69004"> Alix (69), code INSEE 69004' in html
    assert 'name="commune_choice" value="CP 69004"> Lyon (69), code postal 69004' in html
    assert 'value="69004"' in html  # what was typed is kept
    response = logged_client.post(
        reverse("practice_create"), {**data, "commune_choice": "CP 69004"}
    )
    assert response.status_code == 302
    practice = Practice.objects.get(name="Cabinet de la Croix-Rousse")
    assert (practice.commune_name, practice.postal_code) == ("Lyon", "69004")
    profile = services.assessment_create(practice=practice, reference_year=2025).answers["profile"]
    assert profile["commune"] == "69123"  # what the engine reads as Lyon and nothing else


def test_choosing_the_insee_reading_of_an_ambiguous_code(logged_client):
    data = {"name": "Cabinet de Saint-Denis", "commune": "97411", "practitioners": "1",
            "practice_mode": "seul", "commune_choice": "INSEE 97411"}  # fmt: skip
    response = logged_client.post(reverse("practice_create"), data)
    assert response.status_code == 302
    practice = Practice.objects.get(name="Cabinet de Saint-Denis")
    assert (practice.commune_code, practice.territory) == ("97411", "la_reunion")
    assert practice.postal_code == "97400"


def test_postal_code_of_several_communes_asks_to_choose(logged_client):
    data = {"name": "Cabinet de Badaroux", "commune": "48000", "practitioners": "1",
            "practice_mode": "seul"}  # fmt: skip
    html = logged_client.post(reverse("practice_create"), data).content.decode()
    assert "Plusieurs communes ont le code postal « 48000 »" in html
    assert 'value="48000"> Mende (48)' in html
    assert 'value="48013"> Badaroux (48)' in html
    response = logged_client.post(reverse("practice_create"), {**data, "commune_choice": "48013"})
    assert response.status_code == 302
    practice = Practice.objects.get(name="Cabinet de Badaroux")
    assert practice.commune_name == "Badaroux"
    profile = services.assessment_create(practice=practice, reference_year=2025).answers["profile"]
    assert profile["commune"] == "48013"  # not "48000", which the engine reads as Mende


def test_create_practice_with_an_unknown_commune_keeps_the_input(logged_client):
    response = logged_client.post(
        reverse("practice_create"),
        {"name": "Cabinet fantôme", "commune": "99999", "practitioners": "1",
         "practice_mode": "seul"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "Commune inconnue" in html
    assert "code postal" in html
    assert 'value="99999"' in html
    assert 'value="Cabinet fantôme"' in html
    assert 'aria-invalid="true"' in html
    assert not Practice.objects.filter(name="Cabinet fantôme").exists()


def test_create_practice_with_a_commune_name(logged_client):
    # A name one commune bears is that commune.
    response = logged_client.post(
        reverse("practice_create"),
        {"name": "Cabinet", "commune": "Périgueux", "practitioners": "1", "practice_mode": "seul"},
    )
    assert response.status_code == 302
    assert Practice.objects.get(name="Cabinet").commune_code == "24322"


def test_a_name_several_communes_bear_proposes_them(logged_client):
    response = logged_client.post(
        reverse("practice_create"),
        {
            "name": "Cabinet",
            "commune": "saint denis",
            "practitioners": "1",
            "practice_mode": "seul",
        },
    )
    html = response.content.decode()
    assert "Commune inconnue" not in html
    assert "Plusieurs communes s&#x27;appellent « saint denis » : choisissez la vôtre" in html
    assert 'value="93200"> Saint-Denis (93)' in html
    assert 'value="97400"> Saint-Denis (974)' in html
    assert not Practice.objects.exists()


def test_a_misspelt_name_proposes_similar_communes(logged_client):
    response = logged_client.post(
        reverse("practice_create"),
        {"name": "Cabinet", "commune": "Perigu", "practitioners": "1", "practice_mode": "seul"},
    )
    html = response.content.decode()
    assert "Commune inconnue : « Perigu ». Choisissez-la ci-dessous" in html
    assert 'value="24000"> Périgueux (24)' in html


def test_commune_autocomplete(logged_client):
    response = logged_client.get(reverse("commune_search"), {"commune": "perig"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="24000">Périgueux (24) — 24000</option>' in html
    assert logged_client.get(reverse("commune_search"), {"commune": "p"}).content.strip() == b""


def test_detail_shows_profile_members_and_assessments(logged_client, practice, assessment):
    html = logged_client.get(reverse("practice_detail", args=[practice.pk])).content.decode()
    assert "Rennes" in html
    assert "Camille Martin" in html
    assert "Titulaire" in html
    assert '<th scope="row">2025</th>' in html  # years are not formatted as numbers
    assert "Nouveau bilan" in html
    assert "Inviter un confrère" in html


def test_titulaire_invites_a_colleague(logged_client, practice):
    response = logged_client.post(
        reverse("practice_invite", args=[practice.pk]),
        {"email": "Sacha.Kine@Example.fr", "role": Role.COLLABORATEUR},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(practice=practice)
    assert invitation.email == "sacha.kine@example.fr"
    assert len(mail.outbox) == 1
    token = mail.outbox[0].body.split("/invitation/")[1].split("/")[0]
    assert invitation.token_hash == hash_token(token)  # only the hash is stored
    assert token not in str(Invitation.objects.values_list().get())
    assert "valable jusqu'au" in mail.outbox[0].body
    follow = logged_client.get(response.url).content.decode()
    assert "Invitation envoyée à sacha.kine@example.fr" in follow
    assert "Invitations en attente" in follow


def test_invitation_needs_a_confirmed_email(logged_client, user, practice):
    user.email_confirmed = False
    user.save()
    html = logged_client.get(reverse("practice_detail", args=[practice.pk])).content.decode()
    assert "confirmez d'abord votre adresse e-mail" in html
    response = logged_client.post(
        reverse("practice_invite", args=[practice.pk]),
        {"email": "x@example.fr", "role": "collaborateur"},
    )
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    assert (
        escape("Confirmez d'abord votre adresse e-mail")
        in logged_client.get(response.url).content.decode()
    )


def test_invalid_invitation_email_is_explained(logged_client, practice):
    response = logged_client.post(
        reverse("practice_invite", args=[practice.pk]),
        {"email": "pas-une-adresse", "role": "collaborateur"},
    )
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide" in response.content.decode()
    assert not Invitation.objects.exists()


def test_collaborator_cannot_invite(client, other_user, practice):
    Membership.objects.create(user=other_user, practice=practice, role=Role.COLLABORATEUR)
    client.force_login(other_user)
    html = client.get(reverse("practice_detail", args=[practice.pk])).content.decode()
    assert "Inviter un confrère" not in html
    response = client.post(
        reverse("practice_invite", args=[practice.pk]),
        {"email": "x@example.fr", "role": "titulaire"},
    )
    assert response.status_code == 404


def test_new_year_copies_last_years_answers(logged_client, practice, assessment):
    response = logged_client.post(
        reverse("assessment_create", args=[practice.pk]),
        {"reference_year": "2026", "copy_previous": "on"},
    )
    new = Assessment.objects.get(practice=practice, reference_year=2026)
    assert response.status_code == 302
    assert response.url == reverse("assessment_prepare", args=[new.pk])
    assert new.copied_from == assessment
    expected = dict(assessment.answers)
    expected["profile"] = {**assessment.answers["profile"], "reference_year": 2026}
    assert new.answers == expected
    html = logged_client.get(response.url).content.decode()
    assert "reprend les réponses du bilan 2025" in html


def test_new_year_from_scratch_and_duplicate_year(logged_client, practice, assessment):
    logged_client.post(reverse("assessment_create", args=[practice.pk]), {"reference_year": "2024"})
    fresh = Assessment.objects.get(practice=practice, reference_year=2024)
    assert fresh.copied_from is None
    assert set(fresh.answers) == {"profile"}
    response = logged_client.post(
        reverse("assessment_create", args=[practice.pk]), {"reference_year": "2025"}
    )
    assert response.status_code == 200
    assert "déjà un bilan 2025" in response.content.decode()


def test_year_on_year_comparison_with_trajectory(logged_client, practice, assessment, answers):
    from kineco2.practices.selectors import assessment_result

    services.assessment_complete(assessment=assessment, result=assessment_result(assessment))
    later = services.assessment_create(practice=practice, reference_year=2026)
    later.answers["energie"]["heating_kwh"] = 9000
    later.save()
    services.assessment_complete(assessment=later, result=assessment_result(later))
    html = logged_client.get(reverse("practice_detail", args=[practice.pk])).content.decode()
    assert "Évolution d'une année sur l'autre" in html
    assert "<svg" in html and "Trajectoire cible" in html
    assert "Énergie du cabinet" in html
    assert "\u2212" in html  # the total went down: a negative variation
    assert "style=" not in html  # the inline SVG respects the Content-Security-Policy
