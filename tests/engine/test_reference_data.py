"""Reference data: validation at load, exact lookups, data-vs-code both ways."""

from __future__ import annotations

import csv
import io

import pytest

from kineco2.engine import compute, parse_input
from kineco2.engine.defaults import load_defaults, parse_defaults
from kineco2.engine.errors import FactorLookupError, ReferenceDataError
from kineco2.engine.factors import FACTORS_DIR, available_versions, load_factors, parse_factor_rows
from kineco2.engine.posts import POSTS
from kineco2.engine.schema import SECTIONS, AssessmentInput, Profile
from kineco2.engine.unused import unused_factors

EXAMPLE_ROW = {
    "id": "x",
    "kind": "facteur",
    "label_fr": "X",
    "value": "1",
    "unit": "kgCO2e/kg",
    "uncertainty_pct": "10",
    "uncertainty_basis": "publiee",
    "quality": "publie",
    "source": "ADEME",
    "year": "2024",
}


def rows(*overrides):
    return [{**EXAMPLE_ROW, **o} for o in overrides]


def test_shipped_factors_load_and_are_sourced():
    factors = load_factors()
    assert len(factors) >= 85
    for factor in factors.values():
        assert factor.source and factor.unit and 0 <= factor.uncertainty_pct <= 200


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"unit": "kgCO2e/brouette"}, "unité inconnue"),
        ({"uncertainty_pct": "250"}, "incertitude hors"),
        ({"source": ""}, "source manquante"),
        ({"value": "-1"}, "valeur négative"),
        ({"value": "abc"}, "illisible"),
        ({"quality": "rumeur"}, "qualité inconnue"),
        ({"id": "Bad Id"}, "identifiant invalide"),
    ],
)
def test_invalid_rows_are_rejected(override, message):
    with pytest.raises(ReferenceDataError, match=message):
        parse_factor_rows(rows(override), "9999.1")


def test_duplicate_ids_are_rejected():
    with pytest.raises(ReferenceDataError, match="en double"):
        parse_factor_rows(rows({}, {}), "9999.1")


def test_lookup_must_match_exactly_one():
    factors = parse_factor_rows(rows({"id": "a"}, {"id": "b"}), "9999.1")
    assert factors.lookup(id="a").id == "a"
    with pytest.raises(FactorLookupError, match="exactement un"):
        factors.lookup(unit="kgCO2e/kg")  # two rows
    with pytest.raises(FactorLookupError, match="aucun"):
        factors.lookup(unit="kgCO2e/L")  # none
    with pytest.raises(FactorLookupError, match="inconnu"):
        factors["zzz"]


def test_unknown_version_is_an_error():
    with pytest.raises(ReferenceDataError, match="inconnue"):
        load_factors("1999.9")
    assert available_versions() == ["2025.1", "2026.1", "2026.2"]  # 2026.2: a draft


def _ids(version: str) -> list[str]:
    with (FACTORS_DIR / f"{version}.csv").open(encoding="utf-8") as handle:
        return [row["id"] for row in csv.DictReader(handle)]


def _used(version: str) -> set[str]:
    """Factors the posts use with ``version``: what they declare and the version holds,
    minus, for the latest version, what only an older method uses."""
    from kineco2.engine.versions import current_version, version_key

    # the published version and the drafts after it share the newest method
    latest = version_key(version) >= version_key(current_version().version)
    declared = set().union(
        *(
            (p.FACTORS | p.PARAMETERS)
            - (getattr(p, "LEGACY_FACTORS", frozenset()) if latest else set())
            for p in POSTS
        )
    )
    return declared & set(_ids(version))


def test_every_factor_id_the_code_uses_exists_exactly_once():
    latest = _ids(available_versions()[-1])
    every_version = set().union(*(_ids(v) for v in available_versions()))
    for post in POSTS:
        legacy = getattr(post, "LEGACY_FACTORS", frozenset())
        for factor_id in post.FACTORS | post.PARAMETERS:
            if factor_id in legacy:
                assert factor_id in every_version, f"{post.ID} uses {factor_id}"
            else:
                assert latest.count(factor_id) == 1, f"{post.ID} uses {factor_id}"
    factors = load_factors()
    for post in POSTS:
        assert all(factors[f].kind == "facteur" for f in post.FACTORS)
        assert all(factors[f].kind == "parametre" for f in post.PARAMETERS)


@pytest.mark.parametrize("version", ["2025.1", "2026.1", "2026.2"])
def test_every_factor_is_used_or_marked_unused_never_both(version):
    used = _used(version)
    unused = set(unused_factors(version))
    assert not used & unused
    assert set(load_factors(version)) == used | unused
    assert all(reason.strip() for reason in unused_factors(version).values())


def test_lines_only_use_declared_factors(tmp_path):
    from pathlib import Path

    import yaml

    examples = sorted(Path("examples").glob("*.yaml"))
    assert len(examples) >= 5
    for example in examples:
        result = compute(parse_input(yaml.safe_load(example.read_text(encoding="utf-8"))))
        for line in result.lines:
            post = next(p for p in POSTS if p.ID == line.post)
            assert line.factor_id in post.FACTORS


def test_defaults_validate_and_every_default_id_of_the_schema_exists():
    defaults = load_defaults()
    factors = load_factors(defaults.factors_version)
    models = [Profile, *SECTIONS.values()]
    for model in models:
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra or {}
            default_id = extra.get("default_id")
            if default_id:
                assert default_id in defaults.defaults or default_id in factors, (model, name)
            assert info.title, f"{model.__name__}.{name} has no French title"
            assert info.description, f"{model.__name__}.{name} has no help text"
            assert "unit" in extra, f"{model.__name__}.{name} has no unit"
    assert set(defaults.patient_zones) == set(
        AssessmentInput.model_fields["profile"]
        .annotation.model_fields["patient_zone"]
        .annotation.__args__[0]
        .__args__
    )


def test_defaults_validation_catches_bad_entries():
    raw = {
        "version": "2025.9",
        "defaults": {
            "x": {
                "value": 1,
                "unit": "u",
                "per": "galaxie",
                "uncertainty_pct": 10,
                "quality": "publie",
                "source": "s",
            }
        },
    }
    with pytest.raises(ReferenceDataError, match="per"):
        parse_defaults(raw)
    raw["defaults"]["x"]["per"] = "kine"
    raw["non_car_split"] = {"shares": {"marche": 0.5}}
    with pytest.raises(ReferenceDataError, match="somme"):
        parse_defaults(raw)


def test_csv_is_plain_utf8():
    text = (FACTORS_DIR / "2025.1.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(text)))[0] == "id"
