"""Methodology governance: factors checked against ADEME's export, new version, diff, registry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from kineco2.cli import main
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.factorcheck import check_factors, element_ids
from kineco2.engine.factors import FACTORS_DIR, Factor, load_factors
from kineco2.engine.units import UnitMismatch, conversion_factor
from kineco2.engine.versiondiff import diff_versions
from kineco2.engine.versions import REGISTRY, current_version, load_registry

FIXTURE = Path(__file__).parents[1] / "fixtures" / "base_carbone" / "base_carbone_extract.csv"
DATA = REGISTRY.parent


def drifted_export(tmp_path: Path) -> Path:
    """The real extract with the 2022 electricity changed, furniture archived, oil per kWh."""
    text = FIXTURE.read_bytes().decode("cp1252")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    out = []
    for line in lines:
        if line.startswith("Elément;42513;"):
            line = line.replace(";0,052;", ";0,0519;").replace(";10;", ";12;", 1)
        if line.startswith("Elément;20907;"):
            line = line.replace('"Valide générique"', "Archivé")
        if line.startswith("Elément;14087;"):
            line = line.replace("kgCO2e/litre", "kgCO2e/kWh PCS")
        out.append(line)
    path = tmp_path / "export.csv"
    path.write_bytes("\n".join(out).encode("cp1252"))
    return path


@pytest.fixture
def data_dir(tmp_path):
    """A copy of the methodology data (registry, factors, defaults) to write drafts into."""
    target = tmp_path / "data"
    target.mkdir()
    shutil.copytree(DATA / "factors", target / "factors")
    shutil.copytree(DATA / "defaults", target / "defaults")
    shutil.copy(REGISTRY, target / "versions.yaml")
    return target


# -- ids and units ---------------------------------------------------------------------------
def _factor(source: str) -> Factor:
    return Factor(
        "x", "facteur", "x", 1.0, "kgCO2e/kg", 30, "regle_physique", "publie", source, 2024
    )


def test_element_id_is_the_source_not_a_cited_comparison():
    assert element_ids(_factor("ADEME Base Carbone id 42513 (Électricité 2022)")) == (
        "42513",
        (),
    )
    primary, cited = element_ids(
        _factor("ADEME-Arcep 2022 via Impact CO2 ; Base Carbone id 27002 = 156 (50 %)")
    )
    assert primary is None and cited == ("27002",)
    assert element_ids(_factor("Autre source"), explicit="34654") == ("34654", ())


@pytest.mark.parametrize(
    ("source", "target", "factor"),
    [
        ("kgCO2e/tonne", "kgCO2e/kg", 0.001),
        ("kgCO2e/tonne de déchets", "kgCO2e/kg", 0.001),
        ("kgCO2e/keuro", "kgCO2e/EUR HT", 0.001),
        ("kgCO2e/litre", "kgCO2e/L", 1.0),
        ("kgCO2e/kWh", "kgCO2e/kWh PCI", 1.0),
        ("kgCO2e/peq.km", "kgCO2e/passager.km", 1.0),
        ("kgCO2e/Kg", "kgCO2e/kg", 1.0),
    ],
)
def test_unit_conversions(source, target, factor):
    assert conversion_factor(source, target) == pytest.approx(factor)


def test_pcs_is_not_pci():
    with pytest.raises(UnitMismatch, match="ne mesurent pas la même chose"):
        conversion_factor("kgCO2e/kWh PCS", "kgCO2e/kWh PCI")


# -- check -----------------------------------------------------------------------------------
def test_check_on_the_real_extract():
    report = check_factors(load_factors("2025.1"), FIXTURE)
    by_id = {c.factor.id: c for c in report.checks}
    assert by_id["elec_fr_mix_moyen"].status == "identique"
    assert by_id["mobilier_kg"].status == "identique"  # 1 833 kgCO2e/tonne = 1,833 /kg
    assert by_id["mobilier_kg"].export_value == pytest.approx(1.833)
    assert by_id["ratio_chimie"].status == "identique"  # 1 600 /keuro = 1,6 /EUR HT
    assert by_id["ter"].status == "absent"  # 43255 is not in the extract
    assert "ordinateur_portable" not in by_id  # 27002 is only cited for comparison
    assert not by_id["papier_kg"].uncertainty_differs  # none published: rule kept
    assert report.counts()["identique"] >= 15


def test_check_finds_drift_archive_and_unit_mismatch(tmp_path):
    report = check_factors(load_factors("2025.1"), drifted_export(tmp_path))
    by_id = {c.factor.id: c for c in report.checks}
    elec = by_id["elec_fr_mix_moyen"]
    assert elec.status == "valeur_differente"
    assert elec.export_value == pytest.approx(0.0519)
    assert elec.relative_change == pytest.approx(0.0519 / 0.052 - 1)
    assert elec.uncertainty_differs
    assert by_id["mobilier_kg"].status == "archive"
    assert by_id["fioul_litre"].status == "unite_incompatible"


def test_check_cli_table_and_json(tmp_path, capsys):
    export = drifted_export(tmp_path)
    assert main(["factors", "check", str(export)]) == 0
    out = capsys.readouterr().out
    assert "valeur différente" in out
    assert "0,052 kgCO2e/kWh" in out and "0,0519" in out
    assert "élément archivé" in out and "unité incompatible" in out
    assert main(["factors", "check", str(export), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    elec = next(c for c in data["checks"] if c["factor_id"] == "elec_fr_mix_moyen")
    assert elec["status"] == "valeur_differente"
    assert elec["export"]["line"] == 108


def test_check_cli_malformed_export_is_a_french_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(FIXTURE.read_bytes().replace(b";0,052;", b";0,05,2;", 1))
    assert main(["factors", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Export Base Carbone illisible, ligne 108" in err
    assert "« 0,05,2 »" in err


# -- new version -----------------------------------------------------------------------------
def test_new_version_writes_a_draft_and_never_overwrites(data_dir, tmp_path, capsys):
    export = drifted_export(tmp_path)
    released = (data_dir / "factors" / "2025.1.csv").read_bytes()
    assert (
        main(
            ["factors", "new-version", "2099.1", "--from", str(export), "--data-dir", str(data_dir)]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "0,052 → 0,0519" in out
    assert (data_dir / "factors" / "2025.1.csv").read_bytes() == released
    registry = load_registry(data_dir / "versions.yaml")
    assert registry["2099.1"].status == "brouillon"
    assert current_version(data_dir / "versions.yaml").version != "2099.1"
    changes = yaml.safe_load((data_dir / "factors" / "2099.1.changes.yaml").read_text())
    value = next(c for c in changes["changes"] if c["field"] == "value")
    assert value["factor"] == "elec_fr_mix_moyen" and value["source_line"] == 108
    assert "42513" in value["reason"]
    review = {r["factor"]: r["status"] for r in changes["to_review"]}
    assert review["mobilier_kg"] == "archive" and review["fioul_litre"] == "unite_incompatible"
    # the draft is a valid factor file; a second run is refused
    assert (
        main(
            ["factors", "new-version", "2099.1", "--from", str(export), "--data-dir", str(data_dir)]
        )
        == 2
    )
    assert "existe déjà" in capsys.readouterr().err


# -- diff ------------------------------------------------------------------------------------
def _write_fixture_version(data_dir: Path) -> None:
    """2099.5: one value changed with a reason column, one factor removed, one added; a default
    changed with its reason, one zone figure changed."""
    import csv

    with (data_dir / "factors" / "2025.1.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        fields = [*reader.fieldnames, "reason"]
    out = []
    for row in rows:
        row["reason"] = ""
        if row["id"] == "bus":
            row["value"], row["reason"] = "0.113", "Bus : valeur 2024 de l'ADEME."
        if row["id"] == "scooter":
            continue
        out.append(row)
    out.append(dict(rows[0], id="bus_petite_agglo", value="0.202", reason="Bus par taille."))
    with (data_dir / "factors" / "2099.5.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(out)
    raw = yaml.safe_load((data_dir / "defaults" / "2025.1.yaml").read_text(encoding="utf-8"))
    raw["version"] = "2099.5"
    raw["factors_version"] = "2099.5"
    first = next(iter(raw["defaults"]))
    old = raw["defaults"][first]["value"]
    raw["defaults"][first]["value"] = old * 2 if isinstance(old, int | float) else old
    raw["defaults"][first]["reason"] = "Nouvelle enquête."
    zone = next(iter(raw["patient_zones"]["zones"]))
    raw["patient_zones"]["zones"][zone]["car_share"] = 0.5
    (data_dir / "defaults" / "2099.5.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
    )
    with (data_dir / "versions.yaml").open("a", encoding="utf-8") as handle:
        handle.write('  - version: "2099.5"\n    status: brouillon\n')


def test_diff_of_two_versions(data_dir):
    _write_fixture_version(data_dir)
    diff = diff_versions("2025.1", "2099.5", registry=data_dir / "versions.yaml")
    by_id = {c.id: c for c in diff.factors}
    assert by_id["bus"].kind == "modifie"
    assert by_id["bus"].old_value == 0.147 and by_id["bus"].new_value == 0.113
    assert by_id["bus"].relative_change == pytest.approx(0.113 / 0.147 - 1)
    assert by_id["bus"].reason == "Bus : valeur 2024 de l'ADEME."
    assert by_id["scooter"].kind == "retire"
    assert by_id["bus_petite_agglo"].kind == "ajoute"
    assert len(diff.factors) == 3
    defaults = {c.id: c for c in diff.defaults}
    changed = [c for c in diff.defaults if c.kind == "modifie"]
    assert any(c.reason == "Nouvelle enquête." for c in changed)
    assert any(c.id.startswith("zones.") and c.id.endswith(".car_share") for c in changed)
    assert all(c.kind == "modifie" for c in defaults.values())


def test_diff_cli(data_dir, capsys):
    _write_fixture_version(data_dir)
    assert main(["factors", "diff", "2025.1", "2099.5", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "[modifié] bus : 0,147 → 0,113 kgCO2e/passager.km -23,1 %" in out
    assert "Motif : Bus : valeur 2024 de l'ADEME." in out
    assert "[retiré] scooter" in out
    assert (
        main(
            ["factors", "diff", "2025.1", "2099.5", "--data-dir", str(data_dir), "--format", "json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["facteurs"] == {"ajoute": 1, "retire": 1, "modifie": 1}


def test_diff_unknown_version_is_a_french_error(capsys):
    assert main(["factors", "diff", "2025.1", "1999.9"]) == 2
    assert "Version de la méthode inconnue" in capsys.readouterr().err


def test_same_version_has_no_diff():
    version = current_version().version
    diff = diff_versions(version, version)
    assert diff.changes == ()


# -- registry --------------------------------------------------------------------------------
def test_registry_lists_every_shipped_version_and_a_published_current():
    registry = load_registry()
    shipped = {p.stem for p in FACTORS_DIR.glob("*.csv")}
    assert shipped <= set(registry)
    assert current_version().is_published
    assert load_factors().version == current_version().factors


def test_a_draft_is_never_the_default(data_dir):
    with (data_dir / "versions.yaml").open("a", encoding="utf-8") as handle:
        handle.write('  - version: "2099.7"\n    status: brouillon\n    factors: "2025.1"\n')
    assert current_version(data_dir / "versions.yaml").version != "2099.7"


def test_invalid_registry_is_a_french_error(data_dir):
    (data_dir / "versions.yaml").write_text(
        'versions:\n  - version: "2025.1"\n    status: validee\n', encoding="utf-8"
    )
    with pytest.raises(ReferenceDataError, match="statut « validee » inconnu"):
        load_registry(data_dir / "versions.yaml")


def test_explicit_base_carbone_id_column_is_used(data_dir):
    import csv

    from kineco2.engine.factorcheck import explicit_ids

    path = data_dir / "factors" / "2025.1.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, fields = list(reader), [*reader.fieldnames, "base_carbone_id"]
    for row in rows:
        row["base_carbone_id"] = "27002" if row["id"] == "ordinateur_portable" else ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    ids = explicit_ids("2025.1", data_dir / "factors")
    assert ids == {"ordinateur_portable": "27002"}
    report = check_factors(load_factors("2025.1"), FIXTURE, explicit=ids)
    laptop = next(c for c in report.checks if c.factor.id == "ordinateur_portable")
    assert laptop.status == "valeur_differente"  # 183 (ADEME-Arcep 2022) vs 156 (element 27002)
    assert laptop.export_value == 156
    assert laptop.relative_change == pytest.approx(156 / 183 - 1)


@pytest.mark.skipif(
    "2026.1" not in {p.stem for p in FACTORS_DIR.glob("*.csv")},
    reason="la version 2026.1 (issue 8) n'est pas encore livrée",
)
def test_diff_2025_1_to_2026_1_explains_every_change(capsys):
    diff = diff_versions("2025.1", "2026.1")
    assert diff.factors, "2026.1 changes factors"
    assert all(change.reason for change in diff.changes)
    assert main(["factors", "diff", "2025.1", "2026.1"]) == 0
    assert "Ce qui a changé entre les versions 2025.1 et 2026.1" in capsys.readouterr().out
    report = check_factors(load_factors("2026.1"), FIXTURE)
    assert report.counts()["identique"] >= 10
