"""The catalogue in the database: sync from the data file, moderators' edits, public pages."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from kineco2.ecosoins.models import CatalogueAction, InitiativeStatus
from kineco2.ecosoins.services import sync_catalogue
from kineco2.engine.actions import ActionCatalogue, load_actions

pytestmark = pytest.mark.django_db


def test_sync_creates_one_published_row_per_action_and_is_idempotent():
    catalogue = load_actions()
    first = sync_catalogue()
    assert first.created == len(catalogue) >= 30
    assert CatalogueAction.objects.count() == len(catalogue)
    stamps = dict(CatalogueAction.objects.values_list("action_id", "updated_at"))
    second = sync_catalogue()
    assert (second.created, second.updated, second.retired) == (0, 0, 0)
    assert second.unchanged == len(catalogue)
    assert dict(CatalogueAction.objects.values_list("action_id", "updated_at")) == stamps
    row = CatalogueAction.objects.get(action_id="chauffage_consigne")
    action = catalogue["chauffage_consigne"]
    assert row.title == action.title
    assert row.posts == list(action.posts)
    assert row.cost_level == action.cost_level
    assert row.safeguard_list == list(action.safeguards)
    assert row.source_list == list(action.sources)
    assert row.published and not row.edited_by_moderator
    assert "Catalogue d'écosoins" in second.summary()


def test_moderator_edits_survive_a_resync_of_the_same_version():
    sync_catalogue()
    row = CatalogueAction.objects.get(action_id="telesoin")
    row.title = "Proposer le télésoin (texte relu)"
    row.published = False
    row.edited_by_moderator = True
    row.save()
    report = sync_catalogue()
    row.refresh_from_db()
    assert row.title == "Proposer le télésoin (texte relu)"
    assert row.published is False  # publication is the moderators' decision
    assert report.kept == 1 and report.updated == 0


def test_a_new_version_of_the_data_file_overwrites_moderator_texts():
    sync_catalogue()
    row = CatalogueAction.objects.get(action_id="telesoin")
    row.title = "Texte du modérateur"
    row.edited_by_moderator = True
    row.save()
    catalogue = load_actions()
    new = ActionCatalogue(version="2099.1", actions=catalogue.actions)
    report = sync_catalogue(new)
    row.refresh_from_db()
    assert row.title == catalogue["telesoin"].title
    assert row.version == "2099.1"
    assert not row.edited_by_moderator
    assert report.updated == len(catalogue)


def test_texts_not_edited_follow_the_file_and_removed_actions_are_unpublished():
    sync_catalogue()
    catalogue = load_actions()
    renamed = dataclasses.replace(catalogue["eclairage_led"], title="Éclairage LED partout")
    actions = tuple(
        renamed if a.id == "eclairage_led" else a
        for a in catalogue.actions
        if a.id != "emails_reduits"
    )
    report = sync_catalogue(ActionCatalogue(version=catalogue.version, actions=actions))
    assert CatalogueAction.objects.get(action_id="eclairage_led").title == renamed.title
    assert not CatalogueAction.objects.get(action_id="emails_reduits").published
    assert report.retired == 1 and report.updated == 1


def test_admin_edit_of_a_text_marks_the_row(admin_client):
    sync_catalogue()
    row = CatalogueAction.objects.get(action_id="gels_huiles_vrac")
    url = reverse("admin:ecosoins_catalogueaction_change", args=[row.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "published": "on",
            "title": "Acheter gels et huiles en vrac",
            "description": row.description,
            "saving": row.saving,
            "safeguards": row.safeguards,
            "sources": row.sources,
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.title == "Acheter gels et huiles en vrac"
    assert row.edited_by_moderator
    sync_catalogue()
    row.refresh_from_db()
    assert row.title == "Acheter gels et huiles en vrac"


def test_command_and_setup_reference_hook_sync_the_catalogue():
    out = io.StringIO()
    call_command("sync_catalogue", stdout=out)
    assert "créée(s)" in out.getvalue()
    out = io.StringIO()
    call_command("setup_reference", stdout=out)
    assert "Catalogue d'écosoins" in out.getvalue()
    assert CatalogueAction.objects.count() == len(load_actions())


# -- public pages ----------------------------------------------------------------------------
def test_catalogue_lists_every_published_action_with_its_worked_example(client, synced):
    response = client.get(reverse("ecosoins_catalogue"))
    assert response.status_code == 200
    html = response.content.decode()
    for action in load_actions():
        assert reverse("ecosoins_action_detail", args=[action.id]) in html
    assert "Pour un cabinet de 3 kinés à Périgueux" in html
    assert "t CO2e/an" in html


def test_catalogue_without_sync_still_shows_the_data_file(client):
    response = client.get(reverse("ecosoins_catalogue"))
    assert response.status_code == 200
    assert escape(load_actions()["telesoin"].title) in response.content.decode()


def test_filters(client, synced):
    response = client.get(reverse("ecosoins_catalogue"), {"post": "froid", "scope": "collective"})
    entries = response.context["entries"]
    assert entries and all("froid" in [p["id"] for p in e.posts] for e in entries)
    assert all(e.scope_of_action == "collective" for e in entries)
    response = client.get(reverse("ecosoins_catalogue"), {"cost": "aucun", "effort": "faible"})
    entries = response.context["entries"]
    assert entries and all(e.cost_level == "aucun" and e.effort == "faible" for e in entries)
    response = client.get(reverse("ecosoins_catalogue"), {"time": "plus de 6 mois"})
    assert all(e.time_to_implement == "plus de 6 mois" for e in response.context["entries"])


def test_bad_filter_gives_a_french_message_and_the_whole_catalogue(client, synced):
    response = client.get(reverse("ecosoins_catalogue"), {"cost": "gratuit", "post": "<script>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Un filtre n'a pas été compris" in html
    assert escape("Ce filtre n'existe pas") in html
    assert "<script>" not in html
    assert len(response.context["entries"]) == len(load_actions())


def test_unpublished_actions_disappear_from_the_public_pages(client, synced):
    CatalogueAction.objects.filter(action_id="telesoin").update(published=False)
    assert (
        reverse("ecosoins_action_detail", args=["telesoin"])
        not in client.get(reverse("ecosoins_catalogue")).content.decode()
    )
    assert client.get(reverse("ecosoins_action_detail", args=["telesoin"])).status_code == 404
    assert client.get(reverse("ecosoins_action_detail", args=["inconnue"])).status_code == 404


def test_detail_page(client, synced):
    response = client.get(reverse("ecosoins_action_detail", args=["chauffage_consigne"]))
    assert response.status_code == 200
    html = response.content.decode()
    action = load_actions()["chauffage_consigne"]
    assert escape(action.description) in html
    assert reverse("methodology_post", args=["energie"]) in html
    for text in (*action.safeguards, *action.sources):
        assert escape(text) in html
    example = response.context["example"]
    assert example.label == "un cabinet de 3 kinés à Périgueux"
    assert example.change_kgco2e < 0
    assert "\u2212" in html  # a real minus sign
    assert "Précautions" in html and "Connectez-vous" in html


def test_worked_example_is_the_engine_on_the_reference_practice(client, synced):
    from kineco2.ecosoins.reference import REFERENCE_ANSWERS
    from kineco2.engine import parse_input
    from kineco2.engine.actions import simulate

    response = client.get(reverse("ecosoins_action_detail", args=["patients_marche_velo"]))
    example = response.context["example"]
    expected = simulate(parse_input(REFERENCE_ANSWERS), [("patients_marche_velo", None)], draws=0)
    assert example.change_kgco2e == pytest.approx(-expected.avoided_kgco2e)
    assert example.interval_low_kgco2e < example.change_kgco2e < example.interval_high_kgco2e


def test_action_not_applicable_to_the_reference_uses_a_named_variant(client, synced):
    response = client.get(reverse("ecosoins_action_detail", args=["climatisation_r32"]))
    example = response.context["example"]
    assert "R410A" in example.label
    assert example.change_kgco2e < 0


def test_washable_sheets_show_an_increase_with_current_factors(client, synced):
    response = client.get(reverse("ecosoins_action_detail", args=["draps_lavables"]))
    assert response.context["example"].change_kgco2e > 0
    assert "augmente" in response.content.decode()


def test_logged_member_gets_a_link_to_simulate_on_their_assessment(
    logged_client, synced, assessment
):
    response = logged_client.get(reverse("ecosoins_action_detail", args=["chauffage_consigne"]))
    url = reverse("ecosoins_simulator", args=[assessment.pk]) + "?action=chauffage_consigne"
    assert url in response.content.decode()


def test_published_initiative_joins_the_catalogue_marked_as_such(client, synced, initiative):
    url = reverse("ecosoins_initiative_detail", args=[initiative.pk])
    assert url not in client.get(reverse("ecosoins_catalogue")).content.decode()
    initiative.status = InitiativeStatus.PUBLIEE
    initiative.save()
    html = client.get(reverse("ecosoins_catalogue")).content.decode()
    assert url in html and "Initiative de professionnels" in html
    only = client.get(reverse("ecosoins_catalogue"), {"kind": "initiatives"}).context["entries"]
    assert [e.key for e in only] == [str(initiative.pk)]
    by_post = client.get(reverse("ecosoins_catalogue"), {"post": "visites_domicile"})
    assert str(initiative.pk) in [e.key for e in by_post.context["entries"]]
    effort = client.get(reverse("ecosoins_catalogue"), {"effort": "faible"}).context["entries"]
    assert all(e.kind == "action" for e in effort)
    assert client.get(url).status_code == 200
