"""Methodology 2026.2 (draft): ids checked against ADEME's export, released files untouched.

Golden values are written by hand from data/factors/2026.2.csv where 2026.2 differs from
2026.1 (the metro/tram factor); every other figure must be 2026.1's exactly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from kineco2.engine import compute, parse_input
from kineco2.engine.factorcheck import check_factors, explicit_ids
from kineco2.engine.factors import FACTORS_DIR, load_factors
from kineco2.engine.versions import REGISTRY, current_version, load_registry, methodology_sets
from tests.engine.conftest import PROFILE

FIXTURE = Path(__file__).parents[1] / "fixtures" / "base_carbone" / "base_carbone_extract.csv"
DATA = REGISTRY.parent

#: sha256 of every file of a released version. A released version is never edited: a change
#: is a new version. Add a line here when a version is published (status « publiee »).
RELEASED = {
    "factors/2025.1.csv": "6e00185e63fd48bb2296f2f2ffaad9ed15cc2620c7315e41ec1dd148590a9717",
    "factors/2025.1.unused.yaml": "5e8e173c416f285c6c34966827ec98edde38c77c5900ee1be2908dd80b1f0bbb",
    "defaults/2025.1.yaml": "392c094b2dd61bcc79177492a007ae7680bb1f7c4de0c3750a57db43f4bdc513",
    "factors/2026.1.csv": "c49c015db52def978781f1189843d6ba9feca352e8f0229ba26e3ef41c546b2a",
    "factors/2026.1.unused.yaml": "86623504f872585edbf69cf077591f49cbc5368d52d4802537cdd2671a3731eb",
    "defaults/2026.1.yaml": "de0b1e543925cb22d476fbc51e23c50a0113e24d0f3beeca6494e290597bdf70",
}

AT_PRACTICE = 4000 * 0.9
METRO_2026_1, METRO_2026_2 = 0.0044, 0.00503  # 2026.2: Base Carbone 28150, export line 38


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_released_files_are_byte_identical(name):
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == RELEASED[name]


def test_every_published_version_is_pinned():
    for entry in load_registry().values():
        if entry.status == "publiee":
            assert f"factors/{entry.factors}.csv" in RELEASED, entry.version
            assert f"defaults/{entry.defaults}.yaml" in RELEASED, entry.version


def test_2026_2_is_a_draft_never_the_default():
    entry = load_registry()["2026.2"]
    assert entry.status == "brouillon"
    assert current_version().version == "2026.1"
    assert compute(parse_input({"profile": PROFILE})).factors_version == "2026.1"


def test_factors_check_on_2026_2_reports_no_id_mismatch():
    report = check_factors(
        load_factors("2026.2"), FIXTURE, explicit=explicit_ids("2026.2", FACTORS_DIR)
    )
    statuses = {c.factor.id: c.status for c in report.checks}
    wrong = {f: s for f, s in statuses.items() if s in ("valeur_differente", "archive")}
    assert wrong == {}
    assert not [c for c in report.checks if c.status == "unite_incompatible"]
    assert statuses["tram_metro"] == "identique"
    # ids whose value is not the element's are gone; 2026.1 still has them (never edited)
    for factor_id in ("ordinateur_portable", "ordinateur_fixe", "dechets_papier"):
        assert factor_id not in statuses
    old = check_factors(
        load_factors("2026.1"), FIXTURE, explicit=explicit_ids("2026.1", FACTORS_DIR)
    )
    old_statuses = {c.factor.id: c.status for c in old.checks}
    assert old_statuses["tram_metro"] == "valeur_differente"
    assert old_statuses["dechets_papier"] == "archive"


def test_every_2026_2_change_has_its_reason_and_source():
    doc = yaml.safe_load((FACTORS_DIR / "2026.2.changes.yaml").read_text(encoding="utf-8"))
    assert doc["base"] == "2026.1" and doc["status"] == "brouillon"
    changed = {c["factor"] for c in doc["changes"]}
    assert {"tram_metro", "ordinateur_portable", "ordinateur_fixe", "dechets_papier"} <= changed
    for change in doc["changes"]:
        assert change["reason"].strip() and change["source_line"]
    new = load_factors("2026.2")
    assert new["recyclage_collecte_tri"].quality == "estimation"  # no primary value found
    assert "ESTIMATION" in new["recyclage_collecte_tri"].source
    assert new["dechets_papier"].quality == "estimation"
    assert new["dechets_papier"].value == load_factors("2026.1")["dechets_papier"].value
    for factor_id in ("ordinateur_portable", "ordinateur_fixe"):
        assert new[factor_id].value == load_factors("2026.1")[factor_id].value


def _both(zone: str):
    inputs = parse_input({"profile": {**PROFILE, "patient_zone": zone}})
    old = compute(inputs, factors=load_factors("2026.1"), defaults=methodology_sets("2026.1")[1])
    new = compute(inputs, factors=load_factors("2026.2"), defaults=methodology_sets("2026.2")[1])
    return old, new


def test_golden_paris_metro_under_2026_2():
    old, new = _both("paris_intra_muros")
    metro = [ln for ln in new.lines if ln.factor_id == "tram_metro"]
    assert len(metro) == 1
    assert metro[0].kgco2e == pytest.approx(AT_PRACTICE * 1.53 * METRO_2026_2, rel=1e-12)
    assert new.total_kgco2e - old.total_kgco2e == pytest.approx(
        AT_PRACTICE * 1.53 * (METRO_2026_2 - METRO_2026_1), rel=1e-9
    )
    for before, after in zip(old.posts, new.posts, strict=True):
        if before.id != "deplacements_patients":
            assert after.kgco2e == before.kgco2e


def test_zones_without_metro_are_unchanged_under_2026_2():
    old, new = _both("grand_pole")
    assert new.total_kgco2e == old.total_kgco2e
