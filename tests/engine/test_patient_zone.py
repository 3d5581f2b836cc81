"""The patient zone in the engine: INSEE's zone by default, another zone of the territory
if the user chooses it, a zone of another territory refused in French; and the result
(object, JSON, CLI table) says which zone was used and where it came from."""

from __future__ import annotations

import json

import pytest

from kineco2.cli import main
from kineco2.engine import compute, parse_input
from kineco2.engine.errors import InputError

from .conftest import PROFILE, run


def test_unanswered_zone_comes_from_insee() -> None:
    result = run({"commune": "CP 97410", "patient_zone": None})  # Saint-Pierre, La Réunion
    assert result.commune_name == "Saint-Pierre"
    assert result.patient_zone == "grand_pole"  # commune-centre (11) of an aire of class 3
    assert result.patient_zone_insee == "grand_pole"
    assert result.patient_zone_guessed
    assert result.patient_zone_origin == "insee"
    assert result.patient_zone_origin_label == "d'après le zonage INSEE"
    data = result.to_dict()
    assert data["patient_zone"] == "grand_pole"
    assert data["patient_zone_origin"] == "insee"
    assert data["patient_zone_origin_label"] == "d'après le zonage INSEE"
    assert data["patient_zone_insee"] == "grand_pole"


def test_user_may_choose_another_zone_of_the_territory() -> None:
    result = run({"commune": "CP 97410", "patient_zone": "rural_hors_attraction"})
    assert result.patient_zone == "rural_hors_attraction"
    assert result.patient_zone_insee == "grand_pole"
    assert result.patient_zone_origin == "utilisateur"
    assert result.patient_zone_origin_label == (
        "choisie par l'utilisateur (zonage INSEE : « Centre d'une grande ville (200 000 à "
        "700 000 habitants avec sa périphérie) ou sa proche banlieue »)"
    )
    same = run({"commune": "35000", "patient_zone": "tres_grand_pole"})  # Rennes: INSEE's own
    assert same.patient_zone_origin_label == "choisie par l'utilisateur"


def test_the_zone_changes_patient_travel() -> None:
    insee = run({"commune": "CP 97410", "patient_zone": None})
    rural = run({"commune": "CP 97410", "patient_zone": "rural_hors_attraction"})
    assert insee.post("deplacements_patients").kgco2e != rural.post("deplacements_patients").kgco2e


@pytest.mark.parametrize(
    ("commune", "zone", "where"),
    [
        ("97400", "paris_petite_couronne", "à La Réunion"),
        ("97400", "tres_grand_pole", "à La Réunion"),
        ("2A004", "grand_pole", "en Corse"),
        ("97300", "paris_intra_muros", "en Guyane"),
        ("97600", "couronne_idf", "à Mayotte"),
        ("97150", "pole_moyen", "à Saint-Martin"),
    ],
)
def test_zone_of_another_territory_is_refused_in_french(
    commune: str, zone: str, where: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_input({"profile": {**PROFILE, "commune": commune, "patient_zone": zone}})
    (path, message), *_ = caught.value.problems
    assert path.startswith("profile.patient_zone")
    assert f"n'existe pas {where}" in message
    assert "Zones possibles" in message


def test_ambiguous_commune_is_an_input_error_listing_the_candidates() -> None:
    with pytest.raises(InputError) as caught:
        parse_input({"profile": {**PROFILE, "commune": "97411", "patient_zone": None}})
    (path, message), *_ = caught.value.problems
    assert path.startswith("profile.commune")
    assert "Le code « 97411 » est ambigu" in message
    assert "Saint-Denis (974) : « 97400 »" in message
    assert "Saint-Paul (974) : « 97434 »" in message


def test_cli_table_and_json_say_which_zone_and_where_from(tmp_path, capsys) -> None:
    path = tmp_path / "reunion.yaml"
    path.write_text("profile:\n  commune: 'CP 97410'\n  practitioners: 2\n", encoding="utf-8")
    assert main(["compute", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "Zone des patients : Centre d'une grande ville (200 000 à 700 000 habitants avec sa "
        "périphérie) ou sa proche banlieue (d'après le zonage INSEE)."
    ) in out
    path.write_text(
        "profile:\n  commune: 'CP 97410'\n  practitioners: 2\n  patient_zone: petit_pole\n",
        encoding="utf-8",
    )
    assert main(["compute", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["patient_zone"] == "petit_pole"
    assert data["patient_zone_origin"] == "utilisateur"
    assert data["patient_zone_insee"] == "grand_pole"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "profile:\n  commune: '97400'\n  practitioners: 1\n  patient_zone: paris_intra_muros\n",
            "n'existe pas à La Réunion",
        ),
        ("profile:\n  commune: '97411'\n  practitioners: 1\n", "est ambigu"),
    ],
)
def test_cli_refuses_in_french_with_exit_2(tmp_path, capsys, text: str, expected: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["compute", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_examples_compute() -> None:
    """The shipped examples (one uses the « CP » prefix) are valid."""
    import pathlib

    import yaml

    for path in sorted(pathlib.Path("examples").glob("*.yaml")):
        result = compute(parse_input(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert result.patient_zone
