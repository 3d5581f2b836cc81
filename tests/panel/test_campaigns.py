"""Campaigns, quotas and the public call for candidates (good and bad input, French messages)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kineco2.panel import selectors, services
from kineco2.panel.models import Campaign, Candidate, Quota
from kineco2.panel.roles import perimeter_for
from kineco2.panel.testing import (
    IDF,
    REUNION,
    make_campaign,
    make_candidate,
    make_user,
    national,
    urps,
)

pytestmark = pytest.mark.django_db


def candidacy(**overrides):
    data = {
        "practice_name": "Cabinet de la République",
        "commune": "75011",
        "practitioners": "3",
        "practice_mode": "groupe",
        "zone": "",
        "contact_name": "Alex Dupont",
        "email": "alex.dupont@example.fr",
        "consent_data": "on",
        "consent_publication": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def apply_url(campaign):
    return reverse("panel_apply", args=[campaign.slug])


# --- the public call -------------------------------------------------------------------------


def test_good_candidacy_derives_region_and_strata_server_side(client):
    campaign = make_campaign()
    response = client.get(apply_url(campaign))
    assert response.status_code == 200
    assert "Candidater au panel" in response.content.decode()

    data = candidacy(region_code=REUNION, region="La Réunion", size="4+", territory="outre-mer")
    response = client.post(apply_url(campaign), data)
    assert response.status_code == 302
    assert response.url == reverse("panel_apply_done", args=[campaign.slug])
    candidate = Candidate.objects.get()
    assert candidate.region_code == IDF  # never from the client
    assert candidate.region_name == "Île-de-France"
    assert candidate.zone == "paris_intra_muros" == candidate.zone_guessed
    assert candidate.size == "2-3"
    assert candidate.territory_group == "metropole"
    assert candidate.stratum == {
        "mode": "groupe",
        "size": "2-3",
        "territory": "metropole",
        "zone": "paris_intra_muros",
    }
    assert candidate.ref.startswith("K-")
    assert len(mail.outbox) == 1
    assert candidate.ref in mail.outbox[0].body
    assert "&#x27;" not in mail.outbox[0].body  # plain text, not HTML-escaped
    page = client.get(response.url).content.decode()
    assert candidate.ref in page


def test_zone_chosen_in_plain_words_wins_over_the_guess(client):
    campaign = make_campaign()
    client.post(apply_url(campaign), candidacy(zone="couronne_idf"))
    candidate = Candidate.objects.get()
    assert candidate.zone == "couronne_idf"
    assert candidate.zone_guessed == "paris_intra_muros"


def test_overseas_candidacy_is_outre_mer(client):
    campaign = make_campaign()
    response = client.post(apply_url(campaign), candidacy(commune="97400", practitioners="1"))
    assert response.status_code == 302
    candidate = Candidate.objects.get()
    assert candidate.region_code == REUNION
    assert candidate.territory_group == "outre-mer"
    assert candidate.size == "seul"


def test_ineligible_territory_mode_and_seniority_are_refused_in_french(client):
    campaign = make_campaign(
        allowed_territories=["france_continentale"],
        allowed_modes=["seul", "groupe"],
        min_months_activity=24,
    )
    year = campaign.reference_year
    response = client.post(
        apply_url(campaign),
        candidacy(commune="97400", practice_mode="msp", opened_on=f"06/{year}"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "réservée aux cabinets des territoires suivants : France continentale" in page
    assert "réservée aux modes d&#x27;exercice suivants" in page
    assert "au moins 24 mois d&#x27;activité au 31 décembre" in page
    assert not Candidate.objects.exists()

    response = client.post(apply_url(campaign), candidacy(opened_on=f"01/{year - 2}"))
    assert response.status_code == 302
    assert Candidate.objects.get().opened_on == datetime.date(year - 2, 1, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Ce champ est obligatoire."),
        ("septembre", "Indiquez le mois et l&#x27;année, par exemple 09/2019."),
        ("13/2019", "Le mois doit être compris entre 1 et 12."),
        ("01/2999", "L&#x27;année doit être comprise entre 1900 et 2100."),
    ],
)
def test_bad_opening_month(client, value, message):
    campaign = make_campaign(min_months_activity=12)
    response = client.post(apply_url(campaign), candidacy(opened_on=value))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Candidate.objects.exists()


def test_duplicate_candidacy_is_refused_kindly(client):
    campaign = make_campaign()
    assert client.post(apply_url(campaign), candidacy()).status_code == 302
    response = client.post(
        apply_url(campaign), candidacy(email="ALEX.DUPONT@example.fr", practice_name="Autre")
    )
    assert response.status_code == 400
    assert "inutile de la renvoyer, elle est bien prise en compte" in response.content.decode()
    assert Candidate.objects.count() == 1
    # the same e-mail in another commune is another practice
    assert client.post(apply_url(campaign), candidacy(commune="35000")).status_code == 302
    # and the same practice may apply to another campaign
    other = make_campaign()
    assert client.post(apply_url(other), candidacy()).status_code == 302


@pytest.mark.parametrize("phase", ["closed", "preparation"])
def test_closed_campaign_shows_a_french_page_and_saves_nothing(client, phase):
    campaign = make_campaign(phase)
    response = client.get(apply_url(campaign))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Les candidatures ne sont pas ouvertes" in page
    response = client.post(apply_url(campaign), candidacy())
    assert response.status_code == 409
    assert not Candidate.objects.exists()


def test_frozen_campaign_refuses_candidacies(client):
    campaign = make_campaign()
    campaign.frozen_at = timezone.now()
    campaign.save()
    response = client.post(apply_url(campaign), candidacy())
    assert response.status_code == 409
    assert not Candidate.objects.exists()


def test_unknown_campaign_is_404(client):
    assert client.get(reverse("panel_apply", args=["nope"])).status_code == 404


def test_bad_commune_suggests_and_keeps_what_was_typed(client):
    campaign = make_campaign()
    response = client.post(apply_url(campaign), candidacy(commune="Renne"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Commune inconnue : « Renne »" in page
    assert 'name="commune_choice" value="35000"> Rennes (35)' in page
    assert 'value="Cabinet de la République"' in page  # nothing lost
    response = client.post(apply_url(campaign), candidacy(commune="00000"))
    assert "Commune inconnue" in response.content.decode()
    assert not Candidate.objects.exists()


def test_missing_consent_is_refused(client):
    campaign = make_campaign()
    response = client.post(apply_url(campaign), candidacy(consent_publication=None))
    assert response.status_code == 400
    assert "Cet accord est nécessaire : les résultats du panel sont publiés" in (
        response.content.decode()
    )
    response = client.post(apply_url(campaign), candidacy(consent_data=None))
    assert "Cet accord est nécessaire pour participer au panel." in response.content.decode()
    assert not Candidate.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("practitioners", "zéro", "Saisissez un nombre entier."),
        ("practitioners", "0", "supérieure ou égale à 1"),
        ("practice_mode", "hopital", "Choix invalide"),
        ("zone", "lune", "Choix invalide"),
        ("email", "pas-une-adresse", "Saisissez une adresse e-mail valide."),
        ("practice_name", "", "Ce champ est obligatoire."),
        ("practice_name", "x" * 300, "au plus 200 caractères"),
    ],
)
def test_bad_input_on_the_candidacy_form(client, field, value, message):
    campaign = make_campaign()
    response = client.post(apply_url(campaign), candidacy(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Candidate.objects.exists()


def test_zone_fragment_preselects_the_guess(client):
    url = reverse("panel_zone_guess")
    page = client.get(url, {"commune": "97400", "changed": "commune"}).content.decode()
    assert 'value="grand_pole" selected' in page or "selected" in page
    assert "Saint-Denis" in page
    page = client.get(url, {"commune": "75011", "zone": "couronne_idf"}).content.decode()
    assert 'value="couronne_idf" selected' in page
    page = client.get(url, {"commune": "zzz"}).content.decode()
    assert 'value="" selected' in page


def test_commune_search_is_public(client):
    page = client.get(reverse("panel_commune_search"), {"commune": "Renne"}).content.decode()
    assert "Rennes (35)" in page


# --- campaigns and quotas --------------------------------------------------------------------


def campaign_form(**overrides):
    today = timezone.localdate()
    dates = {
        "candidatures_open": today,
        "candidatures_close": today + datetime.timedelta(days=30),
        "tirage_date": today + datetime.timedelta(days=35),
        "collecte_open": today + datetime.timedelta(days=40),
        "collecte_close": today + datetime.timedelta(days=120),
        "revue_close": today + datetime.timedelta(days=150),
        "cloture_date": today + datetime.timedelta(days=180),
    }
    data = {
        "name": "Panel national 2026",
        "reference_year": str(today.year - 1),
        "description": "",
        "min_months_activity": "12",
        "allowed_territories": ["france_continentale", "la_reunion"],
        **{key: value.isoformat() for key, value in dates.items()},
    }
    data.update(overrides)
    return data


def test_national_coordinator_creates_and_edits_a_campaign(client, user):
    national(user)
    client.force_login(user)
    response = client.post(reverse("panel_campaign_create"), campaign_form())
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.slug == "panel-national-2026"
    assert campaign.allowed_territories == ["france_continentale", "la_reunion"]
    assert campaign.min_months_activity == 12
    assert selectors.campaign_phase(campaign).key == "candidatures"
    page = client.get(reverse("panel_campaign", args=[campaign.slug])).content.decode()
    assert "Candidatures ouvertes" in page
    response = client.post(
        reverse("panel_campaign_edit", args=[campaign.slug]),
        campaign_form(name="Panel national 2026 (URPS)"),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "Panel national 2026 (URPS)"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Ce champ est obligatoire."),
        ({"reference_year": "1990"}, "supérieure ou égale à 2015"),
        ({"candidatures_open": "pas une date"}, "Saisissez une date valide"),
        ({"tirage_date": "2000-01-01"}, "Cette date doit venir après « clôture des candidatures »"),
        ({"allowed_modes": ["hopital"]}, "Choix invalide"),
        ({"min_months_activity": "-1"}, "supérieure ou égale à 0"),
    ],
)
def test_bad_input_on_the_campaign_form(client, user, overrides, message):
    national(user)
    client.force_login(user)
    response = client.post(reverse("panel_campaign_create"), campaign_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_frozen_campaign_keeps_its_eligibility_rules(client, user):
    national(user)
    campaign = make_campaign("closed")
    make_candidate(campaign)
    Quota.objects.create(campaign=campaign, region_code=IDF, count=1)
    services.candidates_freeze(campaign=campaign)
    client.force_login(user)
    data = campaign_form(min_months_activity="36")
    for name in ("candidatures_open", "candidatures_close"):
        data[name] = getattr(campaign, name).isoformat()
    response = client.post(reverse("panel_campaign_edit", args=[campaign.slug]), data)
    assert response.status_code == 400
    assert "La liste des candidatures est figée" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.min_months_activity == 0


def test_urps_coordinator_adds_quotas_of_its_region_only(client, user):
    urps(user, IDF)
    campaign = make_campaign()
    client.force_login(user)
    url = reverse("panel_quota_add", args=[campaign.slug])
    response = client.post(url, {"region_code": IDF, "count": "4", "zone": "paris_intra_muros"})
    assert response.status_code == 302
    quota = Quota.objects.get()
    assert quota.stratum == {"zone": "paris_intra_muros"}
    # another region is not even a choice
    response = client.post(url, {"region_code": REUNION, "count": "2"})
    assert response.status_code == 400
    assert "Choix invalide" in response.content.decode()
    assert Quota.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"region_code": IDF, "count": "0"}, "supérieure ou égale à 1"),
        ({"region_code": IDF, "count": "beaucoup"}, "Saisissez un nombre entier."),
        ({"region_code": IDF, "count": "2", "size": "géant"}, "Choix invalide"),
        ({"region_code": "99", "count": "2"}, "Choix invalide"),
        ({"count": "2"}, "Ce champ est obligatoire."),
    ],
)
def test_bad_input_on_the_quota_form(client, user, data, message):
    national(user)
    campaign = make_campaign()
    client.force_login(user)
    response = client.post(reverse("panel_quota_add", args=[campaign.slug]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Quota.objects.exists()


def test_duplicate_quota_is_refused(client, user):
    national(user)
    campaign = make_campaign()
    client.force_login(user)
    url = reverse("panel_quota_add", args=[campaign.slug])
    client.post(url, {"region_code": REUNION, "count": "3"})
    response = client.post(url, {"region_code": REUNION, "count": "5"})
    assert response.status_code == 400
    assert "Ce quota existe déjà (La Réunion, toute la région)" in response.content.decode()
    assert Quota.objects.count() == 1


def test_quota_delete_and_lock_after_freeze(client, user):
    national(user)
    campaign = make_campaign("closed")
    make_candidate(campaign)
    quota = Quota.objects.create(campaign=campaign, region_code=IDF, count=1)
    extra = Quota.objects.create(campaign=campaign, region_code=REUNION, count=1)
    client.force_login(user)
    client.post(reverse("panel_quota_delete", args=[campaign.slug, extra.pk]))
    assert not Quota.objects.filter(pk=extra.pk).exists()
    services.candidates_freeze(campaign=campaign)
    response = client.post(reverse("panel_quota_delete", args=[campaign.slug, quota.pk]))
    assert response.status_code == 302
    assert Quota.objects.filter(pk=quota.pk).exists()
    response = client.post(
        reverse("panel_quota_add", args=[campaign.slug]), {"region_code": IDF, "count": "1"}
    )
    assert "les quotas ne changent plus" in response.content.decode()


def test_phases_follow_dates_freeze_and_draw():
    campaign = make_campaign("preparation")
    assert selectors.campaign_phase(campaign).label == "En préparation"
    day = campaign.candidatures_open
    assert selectors.campaign_phase(campaign, day).key == "candidatures"
    after = campaign.candidatures_close + datetime.timedelta(days=1)
    assert selectors.campaign_phase(campaign, after).key == "attente_tirage"
    campaign.frozen_at = timezone.now()
    assert selectors.campaign_phase(campaign, after).key == "fige"
    campaign.drawn_at = timezone.now()
    assert selectors.campaign_phase(campaign, campaign.collecte_open).key == "collecte"
    assert selectors.campaign_phase(campaign, campaign.revue_close).key == "revue"
    end = campaign.cloture_date + datetime.timedelta(days=1)
    assert selectors.campaign_phase(campaign, end).label == "Campagne clôturée"


def test_perimeter_api():
    coordinator = make_user("urps.idf@example.fr")
    urps(coordinator, IDF)
    perimeter = perimeter_for(coordinator)
    assert perimeter.regions == frozenset({IDF})
    assert not perimeter.national and perimeter.is_staff_member
    assert perimeter.allows_region(IDF) and not perimeter.allows_region(REUNION)
    boss = make_user("national@example.fr")
    national(boss)
    assert perimeter_for(boss).national and perimeter_for(boss).allows_region(REUNION)
    nobody = make_user("kine@example.fr")
    assert not perimeter_for(nobody).is_staff_member
    from django.contrib.auth.models import AnonymousUser

    assert not perimeter_for(AnonymousUser()).is_staff_member


def test_campaign_dates_in_french_format(client, user):
    national(user)
    client.force_login(user)
    data = campaign_form()
    for name in ("candidatures_open", "candidatures_close", "tirage_date", "collecte_open"):
        data[name] = datetime.date.fromisoformat(data[name]).strftime("%d/%m/%Y")
    assert client.post(reverse("panel_campaign_create"), data).status_code == 302
    campaign = Campaign.objects.get()
    page = client.get(reverse("panel_campaign_edit", args=[campaign.slug])).content.decode()
    assert f'value="{campaign.tirage_date:%d/%m/%Y}"' in page
