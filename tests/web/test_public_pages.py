"""Public pages: home and methodology, in French, with every factor and its source."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineco2.engine.factors import load_factors
from kineco2.engine.posts import POSTS

pytestmark = pytest.mark.django_db


def test_home_is_french(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fr"' in html
    assert "une séance" in html
    assert "Content-Security-Policy" in response.headers


def test_methodology_lists_every_post(client):
    html = client.get(reverse("methodology")).content.decode()
    for post in POSTS:
        assert post.LABEL in html


def test_factor_list_shows_every_factor_with_source(client):
    html = client.get(reverse("factor_list")).content.decode()
    for factor in load_factors().values():
        assert f'id="{factor.id}"' in html
    assert "ADEME Base Carbone id 42513" in html


def test_factor_detail_and_unknowns(client):
    response = client.get(reverse("factor_detail", args=["elec_spm"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "pas un facteur publié" in html
    assert "2026.1" in html
    assert client.get(reverse("factor_detail", args=["nope"])).status_code == 404
    assert client.get(reverse("factor_list") + "?version=1900.1").status_code == 404
    assert client.get(reverse("methodology_post", args=["nope"])).status_code == 404


def test_post_page(client):
    html = client.get(reverse("methodology_post", args=["energie"])).content.decode()
    assert "Électricité consommée à La Réunion" in html


def test_release_notes_2026_1_list_every_change_with_its_reason(client):
    from kineco2.engine.defaults import load_defaults
    from kineco2.engine.factors import load_factors

    response = client.get(reverse("release_notes_2026_1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nouveautés de la méthode 2026.1" in html
    changed = [f for f in load_factors("2026.1").values() if f.change]
    assert len(changed) >= 15
    for factor in changed:
        assert reverse("factor_detail", args=[factor.id]) in html
    # every changed default is shown by its French label, never by its identifier
    assert "Lavages avant réforme du linge" in html and "linen_washes_before_disposal" not in html
    assert "Surface du cabinet par kiné" in html
    # the all-unknown practices: La Réunion is no longer heated with gas, so its figure moves
    rows = response.context["examples"]
    reunion = next(r for r in rows if "Réunion" in r["label"])
    assert reunion["after"] != reunion["before"]
    assert all(r["after_session"] > 0 for r in rows)
    assert load_defaults("2026.1").territory_overrides  # the territory table is not empty
    assert "La Réunion" in html and "Pas de chauffage" in html
    methodology = client.get(reverse("methodology")).content.decode()
    assert reverse("release_notes_2026_1") in methodology
