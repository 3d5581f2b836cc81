"""The panel candidacy: zones of the commune's territory only, and ambiguous communes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineco2.panel.models import Candidate
from kineco2.panel.testing import make_campaign

from .test_campaigns import apply_url, candidacy

pytestmark = pytest.mark.django_db


def test_zone_fragment_offers_the_zones_of_the_territory(client):
    url = reverse("panel_zone_guess")
    page = client.get(url, {"commune": "97400", "changed": "commune"}).content.decode()
    assert 'value="grand_pole" selected' in page
    assert "paris_petite_couronne" not in page and "couronne_idf" not in page
    page = client.get(url, {"commune": "75011"}).content.decode()
    assert 'value="paris_petite_couronne"' in page


def test_candidacy_refuses_a_zone_of_another_territory(client):
    campaign = make_campaign()
    response = client.post(
        apply_url(campaign), candidacy(commune="97400", zone="paris_petite_couronne")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "n&#x27;existe pas à La Réunion" in page
    assert not Candidate.objects.exists()
    # The select of the re-shown form offers La Réunion's zones only.
    select = page.split('name="zone"', 1)[1].split("</select>", 1)[0]
    assert "couronne_idf" not in select and "grand_pole" in select


def test_candidacy_with_an_ambiguous_code_asks_then_accepts_the_choice(client):
    campaign = make_campaign()
    response = client.post(apply_url(campaign), candidacy(commune="97411"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Le code « 97411 » est à la fois le code INSEE d&#x27;une commune" in page
    assert 'name="commune_choice" value="INSEE 97411"> Saint-Denis (974), code INSEE 97411' in page
    assert 'name="commune_choice" value="CP 97411"> Saint-Paul (974), code postal 97411' in page
    assert not Candidate.objects.exists()
    response = client.post(
        apply_url(campaign), candidacy(commune="97411", commune_choice="CP 97411")
    )
    assert response.status_code == 302
    candidate = Candidate.objects.get()
    assert (candidate.commune_name, candidate.postal_code) == ("Saint-Paul", "97411")
    assert candidate.zone_guessed == "pole_moyen"
