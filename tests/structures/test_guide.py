"""The guide, the sourced contacts file, the FINESS loader and the directory."""

from __future__ import annotations

import datetime
import io
import time
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kineco2.engine import geo
from kineco2.structures import guide
from kineco2.structures.finess import FinessFormatError, _kind, parse, read_lines
from kineco2.structures.models import FinessEstablishment

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
        else:
            assert entry["url"].startswith(("https://", "http://")), entry
    experiment = data["direct_access_experiment"]
    assert len(experiment["departements"]) == 20
    assert {"79", "2B", "972", "976", "974"} <= set(guide.direct_access_departements())
    assert "arrêté du 6 juin 2025" in experiment["legal_basis"]


def test_finess_extract_is_parsed_in_its_published_format():
    extract = parse(read_lines(FIXTURE))
    assert extract.extract_date == datetime.date(2026, 5, 12)
    by_finess = {r.finess: r for r in extract.establishments}
    assert set(by_finess) == {
        "350099999",
        "350099997",
        "350099995",
        "350099993",
        "750099999",
        "2A0099999",
        "970099999",
        "970199999",
    }  # no hospital
    assert (extract.structureet, extract.skipped, extract.malformed) == (10, 1, 1)
    msp = by_finess["350099999"]
    assert (msp.kind, msp.commune_code, msp.commune_name, msp.postal_code) == (
        "msp",
        "35238",
        "Rennes",
        "35000",
    )
    assert by_finess["350099997"].kind == "centre_sante"
    assert by_finess["350099995"].kind == "cpts"
    # A quoted field, with a semicolon and doubled quotes inside.
    assert by_finess["350099993"].name == 'MAISON DE SANTE "LES ROCHERS" ; SITE DE VITRE (FICTIVE)'
    assert by_finess["2A0099999"].commune_code == "2A004"
    reunion = by_finess["970099999"]
    assert (reunion.commune_code, reunion.departement) == ("97411", "974")
    # Saint-Barthélemy is still filed under Guadeloupe (9A, commune 123) by FINESS.
    gustavia = by_finess["970199999"]
    assert (gustavia.commune_code, gustavia.departement) == ("97701", "977")


def test_finess_geolocation_rows_place_the_establishments():
    extract = parse(read_lines(FIXTURE))
    by_finess = {r.finess: r for r in extract.establishments}
    assert (extract.geolocated, extract.rejected_points) == (5, 1)
    # Lambert-93, old and new ways of naming it, and UTM 40 S in La Réunion.
    assert (by_finess["350099999"].latitude, by_finess["350099999"].longitude) == (
        pytest.approx(48.1128, abs=1e-4),
        pytest.approx(-1.6828, abs=1e-4),
    )
    assert by_finess["350099999"].located == "adresse"
    assert by_finess["2A0099999"].latitude == pytest.approx(41.927, abs=1e-4)
    assert by_finess["970099999"].latitude == pytest.approx(-20.892, abs=1e-4)
    assert by_finess["970099999"].longitude == pytest.approx(55.496, abs=1e-4)
    # An unknown system: the commune's centre. No geolocation row: the commune's centre.
    vitre = by_finess["350099993"]
    assert vitre.located == "commune"
    assert (vitre.latitude, vitre.longitude) == geo.commune_point("35360")[:2]
    assert by_finess["750099999"].located == "commune"
    # A commune without a known point: no position at all.
    assert by_finess["970199999"].latitude is None and by_finess["970199999"].located == ""


def test_a_point_far_from_its_commune_is_refused():
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "geolocalisation;350099997;357689.2;6790072.3",  # Cesson-Sévigné …
        "geolocalisation;350099997;1176223.1;6109111.5",  # … put in Ajaccio
    )
    extract = parse(text)
    cesson = next(e for e in extract.establishments if e.finess == "350099997")
    assert cesson.located == "commune"
    assert extract.rejected_points == 2


def test_windows_1252_and_crlf_extracts_are_read(tmp_path):
    path = tmp_path / "etalab-cs1100507-stock-20260512-0339.csv"
    text = FIXTURE.read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(text.encode("cp1252"))
    extract = parse(read_lines(path))
    assert len(extract.establishments) == 8  # « Centre de Santé » read as such in cp1252
    assert {e.commune_name for e in extract.establishments} >= {"Cesson-Sévigné", "Fougères"}


def test_categories_are_matched_on_the_code_or_the_exact_label():
    assert _kind("603", "") == "msp"
    assert _kind("", "Centre de Santé") == "centre_sante"
    assert _kind("", "Centre de santé sexuelle") is None
    assert _kind("355", "Centre Hospitalier (C.H.)") is None


def _big_extract(path: Path, rows: int) -> int:
    """A synthetic extract of ``rows`` establishments (1 in 20 an MSP) and their geolocation
    rows, written in the published layout; returns the number of MSP."""
    line = FIXTURE.read_text(encoding="utf-8").splitlines()[1].split(";")
    kept = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("finess;etalab;111;2026-05-12\n")
        for i in range(rows):
            fields = list(line)
            fields[1] = f"35{i:07d}"
            if i % 20:
                fields[18], fields[19] = "620", "Pharmacie d'Officine"
            else:
                kept += 1
            out.write(";".join(fields) + "\n")
        for i in range(rows):
            out.write(
                f"geolocalisation;35{i:07d};351706.3;6789489.4;"
                "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04\n"
            )
    return kept


def test_a_full_size_extract_is_streamed(tmp_path):
    path = tmp_path / "big.csv"
    kept = _big_extract(path, 20_000)
    started = time.process_time()
    tracemalloc.start()
    extract = parse(read_lines(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(extract.establishments) == kept == 1000
    assert extract.geolocated == kept and extract.skipped == 19_000
    assert extract.lines == 40_001
    # Line by line: the peak is the kept establishments, not the 8 MB file.
    assert peak < 4_000_000, peak
    assert time.process_time() - started < 30  # ≈ 1 s on the development machine


def test_a_file_that_is_not_a_finess_extract_is_refused():
    with pytest.raises(FinessFormatError, match="finess;etalab"):
        parse("nom;commune\nMSP;Rennes\n")


@pytest.mark.django_db
def test_load_finess_command(tmp_path):
    out = io.StringIO()
    call_command("load_finess", str(FIXTURE), stdout=out)
    assert "8 établissement(s) ajouté(s), 0 mis à jour" in out.getvalue()
    assert "5 placé(s) à leur adresse" in out.getvalue()
    call_command("load_finess", str(FIXTURE), stdout=out)  # idempotent
    assert "0 établissement(s) ajouté(s), 8 mis à jour" in out.getvalue()
    assert FinessEstablishment.objects.count() == 8
    lices = FinessEstablishment.objects.get(finess="350099999")
    assert (lices.located, round(lices.latitude, 4)) == ("adresse", 48.1128)
    smaller = tmp_path / "extrait.csv"
    smaller.write_text(
        "\n".join(FIXTURE.read_text(encoding="utf-8").splitlines()[:3]) + "\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("load_finess", str(smaller), "--replace", stdout=out)
    assert "0 établissement(s) ajouté(s), 2 mis à jour, 6 retiré(s)" in out.getvalue()
    with pytest.raises(CommandError, match="introuvable"):
        call_command("load_finess", str(tmp_path / "absent.csv"))
    bad = tmp_path / "autre.csv"
    bad.write_text("nom;commune\n", encoding="utf-8")
    with pytest.raises(CommandError, match="finess;etalab"):
        call_command("load_finess", str(bad))


def _directory(client, q, **params):
    response = client.get(reverse("guide_directory"), {"q": q, **params})
    return response, response.content.decode()


@pytest.mark.django_db
def test_directory_lists_structures_by_distance_within_the_radius(client):
    call_command("load_finess", str(FIXTURE), stdout=io.StringIO())
    response, text = _directory(client, "35000")
    assert response.status_code == 200
    assert "À moins de 20 km de Rennes" in text
    # Nearest first, with the distance in km from the centre of Rennes.
    lices, cesson = text.index("DES LICES"), text.index("CESSON")
    assert lices < cesson
    assert "à 0,5 km" in text and "à 6,4 km" in text
    assert "FOUGERES" not in text and "ROCHERS" not in text  # 45 and 36 km away
    assert "CH FICTIF" not in text.upper()

    _, text = _directory(client, "Rennes", rayon="50")
    assert text.index("CESSON") < text.index("ROCHERS") < text.index("FOUGERES")
    assert "à 36 km" in text and "à 45 km" in text
    # Vitré's MSP has no usable geolocation: measured to the centre of its commune.
    rochers = text[text.index("ROCHERS") :]
    assert "(distance depuis le centre de la commune)" in rochers[: rochers.index("</li>")]

    _, text = _directory(client, "35000", rayon="7")  # not a choice: the default
    assert "À moins de 20 km" in text


@pytest.mark.django_db
def test_directory_says_when_nothing_is_within_the_radius(client):
    call_command("load_finess", str(FIXTURE), stdout=io.StringIO())
    _, text = _directory(client, "35400", rayon="10")  # Saint-Malo
    assert "Aucune structure connue à moins de 10 km" in text
    assert "La plus proche que nous connaissons" in text and "à 64 km" in text


@pytest.mark.django_db
def test_directory_overseas_and_communes_without_a_point(client):
    call_command("load_finess", str(FIXTURE), stdout=io.StringIO())
    _, text = _directory(client, "97490")  # Saint-Denis, La Réunion
    assert "CHAUDRON" in text and "à 7,8 km" in text
    assert "accès direct" in text  # La Réunion is in the experiment
    assert "DES LICES" not in text
    # Saint-Barthélemy has no point in the reference data: the territory's list, no km.
    _, text = _directory(client, "Saint-Barthélemy")
    assert "Nous ne connaissons pas la position de Saint-Barthélemy" in text
    listed = text[text.index('class="directory"') :]
    assert "GUSTAVIA" in listed and " km<" not in listed
    # An ambiguous code says which commune each reading means.
    response, text = _directory(client, "97133")
    assert response.status_code == 200 and "ambigu" in text


@pytest.mark.django_db
def test_directory_by_departement_and_unknown_place(client):
    call_command("load_finess", str(FIXTURE), stdout=io.StringIO())
    _, text = _directory(client, "35")
    assert "Département 35" in text and "Cherchez votre commune pour voir les distances" in text
    assert text.index("CESSON") < text.index("FOUGERES") < text.index("DES LICES")  # by commune
    response, text = _directory(client, "zzzz-introuvable")
    assert response.status_code == 404
    assert "introuvable" in text


@pytest.mark.django_db
def test_registered_structures_appear_in_the_directory(client, user):
    from kineco2.structures.services import structure_create

    structure_create(user=user, kind="cpts", name="CPTS Rennes Nord", commune="35000")
    structure_create(user=user, kind="msp", name="MSP de Cesson", commune="35510")
    _, text = _directory(client, "Rennes")
    assert "CPTS Rennes Nord" in text and "sur KinéCO2" in text
    assert "dans la commune" in text  # the same commune, both at its centre
    cesson = text[text.index("MSP de Cesson") :]
    assert "distance depuis le centre de la commune" in cesson[: cesson.index("</li>")]
    assert text.index("CPTS Rennes Nord") < text.index("MSP de Cesson")


@pytest.mark.django_db
def test_guide_pages_are_public(client):
    assert client.get(reverse("guide_index")).status_code == 200
    for page in guide.PAGES:
        response = client.get(reverse("guide_page", args=[page.slug]))
        assert response.status_code == 200
        assert page.title in response.content.decode().replace("&#x27;", "'")
    assert client.get(reverse("guide_page", args=["inconnue"])).status_code == 404
    contacts = client.get(reverse("guide_contacts")).content.decode()
    assert "Deux-Sèvres" in contacts and "coordonnées à confirmer" in contacts
    assert 'href="https://urps-mk-occitanie.fr/"' in contacts
