"""The guide, the sourced contacts file, the FINESS loader and the directory."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kineco2.structures import guide
from kineco2.structures.finess import FinessFormatError, parse

FIXTURE = Path(__file__).parent / "fixtures" / "finess-extrait.csv"


def test_contacts_file_is_sourced_and_dated():
    data = guide.contacts()
    assert data["version"]
    entries = list(data["national"])
    for region in data["regions"]:
        entries += [region["ars"], region["urps_mk"], region["avecsante"]]
    assert len(data["regions"]) == 18  # 13 metropolitan regions + 5 overseas ARS
    for entry in entries:
        assert entry["source"], entry
        datetime.date.fromisoformat(entry["checked"])
        # An entry without a checked address says so.
        if not entry.get("url"):
            assert "à vérifier" in entry["status"], entry
    experiment = data["direct_access_experiment"]
    assert len(experiment["departements"]) == 20
    assert {"79", "2B", "972", "976", "974"} <= set(guide.direct_access_departements())
    assert "arrêté du 6 juin 2025" in experiment["legal_basis"]


def test_finess_extract_is_parsed_in_its_published_format():
    date, rows = parse(FIXTURE.read_text(encoding="utf-8"))
    rows = list(rows)
    assert date == datetime.date(2026, 5, 12)
    by_finess = {r.finess: r for r in rows}
    assert set(by_finess) == {"350099999", "350099997", "350099995", "970099999"}  # no hospital
    msp = by_finess["350099999"]
    assert (msp.kind, msp.commune_code, msp.commune_name, msp.postal_code) == (
        "msp",
        "35238",
        "Rennes",
        "35000",
    )
    assert by_finess["350099997"].kind == "centre_sante"
    assert by_finess["350099995"].kind == "cpts"
    reunion = by_finess["970099999"]
    assert (reunion.commune_code, reunion.departement) == ("97411", "974")


def test_a_file_that_is_not_a_finess_extract_is_refused():
    with pytest.raises(FinessFormatError, match="finess;etalab"):
        parse("nom;commune\nMSP;Rennes\n")


@pytest.mark.django_db
def test_load_finess_command_and_directory(client, tmp_path):
    out = io.StringIO()
    call_command("load_finess", str(FIXTURE), stdout=out)
    assert "4 établissement(s) ajouté(s)" in out.getvalue()
    call_command("load_finess", str(FIXTURE), stdout=out)  # idempotent
    assert "4 mis à jour" in out.getvalue()
    with pytest.raises(CommandError, match="introuvable"):
        call_command("load_finess", str(tmp_path / "absent.csv"))

    response = client.get(reverse("guide_directory"), {"q": "35000"})
    assert response.status_code == 200
    text = response.content.decode()
    # Closest first: the commune, then the intercommunality (Cesson-Sévigné), then the rest.
    lices = text.index("DES LICES")
    cesson = text.index("CESSON")
    fougeres = text.index("FOUGERES")
    assert lices < cesson < fougeres
    assert "dans la même intercommunalité" in text
    assert "CH FICTIF" not in text.upper()
    response = client.get(reverse("guide_directory"), {"q": "974"})
    assert "CHAUDRON" in response.content.decode()
    assert "accès direct" in response.content.decode()
    response = client.get(reverse("guide_directory"), {"q": "zzzz-introuvable"})
    assert response.status_code == 404
    assert "introuvable" in response.content.decode()


@pytest.mark.django_db
def test_registered_structures_appear_in_the_directory(client, user):
    from kineco2.structures.services import structure_create

    structure_create(user=user, kind="cpts", name="CPTS Rennes Nord", commune="35000")
    text = client.get(reverse("guide_directory"), {"q": "Rennes"}).content.decode()
    assert "CPTS Rennes Nord" in text and "sur KinéCO2" in text


@pytest.mark.django_db
def test_guide_pages_are_public(client):
    assert client.get(reverse("guide_index")).status_code == 200
    for page in guide.PAGES:
        response = client.get(reverse("guide_page", args=[page.slug]))
        assert response.status_code == 200
        assert page.title in response.content.decode().replace("&#x27;", "'")
    assert client.get(reverse("guide_page", args=["inconnue"])).status_code == 404
    contacts = client.get(reverse("guide_contacts")).content.decode()
    assert "Deux-Sèvres" in contacts and "à vérifier" in contacts
