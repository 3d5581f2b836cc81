"""The command line: outputs and French errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kineco2.cli import main

EXAMPLE = "examples/trois-kines-ville-moyenne-gaz.yaml"


def test_compute_table_is_french(capsys):
    assert main(["compute", EXAMPLE, "--draws", "1000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Déplacements des patients" in out
    assert "kg CO2e par séance" in out
    assert "Intervalle à 95 %" in out
    assert "Facteurs version 2026.1" in out


def test_compute_json_has_the_documented_keys(capsys):
    assert main(["compute", EXAMPLE, "--format", "json", "--draws", "1000"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("total_kgco2e", "per_session_kgco2e", "interval_95", "posts"):
        assert key in data
    low, high = data["interval_95"]
    assert low < data["total_kgco2e"] < high
    post = data["posts"][0]
    assert {"id", "kgco2e", "interval_95", "lines"} <= set(post)
    line = next(p for p in data["posts"] if p["lines"])["lines"][0]
    assert {"factor_id", "factor_value", "quantity", "unit", "kgco2e"} <= set(line)
    assert data["versions"]["factors"] == "2026.1"


def test_same_seed_same_output(capsys):
    main(["compute", EXAMPLE, "--format", "json", "--draws", "500", "--seed", "9"])
    first = capsys.readouterr().out
    main(["compute", EXAMPLE, "--format", "json", "--draws", "500", "--seed", "9"])
    assert capsys.readouterr().out == first


def test_schema_and_factors(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "profile" in schema["properties"]
    assert main(["factors"]) == 0
    out = capsys.readouterr().out
    assert "elec_reunion" in out and "Source :" in out


BAD_INPUTS = [
    (
        "profile:\n  commune: '35000'\n  practitioners: 1\nenergie:\n  electricity_kwh: -5\n",
        "energie.electricity_kwh",
    ),
    (
        "profile:\n  commune: '35000'\n  practitioners: 1\nenergie:\n  electricity_kwh: 1000000000\n",
        "ne peut pas dépasser",
    ),
    ("profile:\n  commune: '35000'\n  practitioners: 1\n  couleur: bleu\n", "champ inconnu"),
    ("profile:\n  commune: '35000'\n  practitioners: trois\n", "nombre entier"),
    ("profile:\n  commune: '99999'\n  practitioners: 1\n", "Commune inconnue"),
    ("profile:\n  practitioners: 1\n", "réponse obligatoire"),
    ("[1, 2]\n", "objet"),
    (
        "profile: {commune: '35000', practitioners: 1}\nvisites_domicile: {vehicle: fusee}\n",
        "valeurs possibles",
    ),
    ("profile: {commune: '35000', practitioners: 1, sessions_per_year: 90000}\n", "plausible"),
    ("profile: [unclosed\n", "YAML ou JSON valide"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_INPUTS)
def test_bad_input_french_message_exit_2(tmp_path, capsys, text, expected):
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["compute", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_missing_file_and_bad_draws(capsys):
    assert main(["compute", "nope.yaml"]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert main(["compute", EXAMPLE, "--draws", "5"]) == 2


def test_console_script_runs_as_a_process():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kineco2.cli",
            "compute",
            "examples/je-ne-sais-pas.yaml",
            "--draws",
            "0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Total" in proc.stdout
