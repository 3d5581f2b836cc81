"""Plausibility warnings: data with rationale, scaled by practice size, never a refusal."""

from __future__ import annotations

import pytest

from kineco2.engine import plausibility
from kineco2.engine.schema import SECTIONS, Profile


def test_every_range_names_a_numeric_question_and_has_a_rationale():
    ranges = plausibility.load_ranges()
    assert ranges.version == plausibility.versions()[-1]
    models = {"profile": Profile, **SECTIONS}
    for path, rng in ranges.ranges.items():
        section, name = path.split(".")
        field = models[section].model_fields[name]
        assert "int" in str(field.annotation) or "float" in str(field.annotation), path
        assert len(rng.rationale) > 40, path
        # a range never refuses what the schema accepts: it sits inside the schema's bounds
        for meta in field.metadata:
            if getattr(meta, "le", None) is not None and rng.high is not None:
                assert rng.high <= meta.le, path


@pytest.mark.parametrize(
    ("path", "value", "practitioners", "verdict"),
    [
        ("energie.electricity_kwh", 14, 3, "très peu"),
        ("profile.sessions_per_year", 2, 3, "très peu"),
        ("visites_domicile.total_km_per_year", 400_000, 3, "beaucoup"),
    ],
)
def test_issue_examples_warn(path, value, practitioners, verdict):
    warning = plausibility.check_answer(path, value, practitioners=practitioners, unit="kWh/an")
    assert warning is not None
    assert verdict in warning.message
    assert "pour 3 kinés" in warning.message
    assert "gardez-le" in warning.message


def test_ranges_scale_with_practice_size():
    # 90 000 kWh is a lot for one practitioner, plausible for a 10-practitioner centre
    assert plausibility.check_answer("energie.electricity_kwh", 90_000, practitioners=1)
    assert plausibility.check_answer("energie.electricity_kwh", 90_000, practitioners=10) is None
    assert plausibility.check_answer("energie.electricity_kwh", 7800, practitioners=2) is None


def test_french_numbers_in_the_message():
    warning = plausibility.check_answer(
        "energie.electricity_kwh", 14, practitioners=3, unit="kWh/an"
    )
    assert warning.message.startswith("14 kWh pour 3 kinés, c'est très peu")
    assert "entre 750 et 120\u202f000 kWh" in warning.message


def test_check_answers_on_partial_answers():
    answers = {
        "profile": {"practitioners": 3},
        "energie": {"electricity_kwh": 14, "heating_kwh": None},
        "visites_domicile": {"total_km_per_year": 400_000},
    }
    paths = [w.path for w in plausibility.check_answers(answers)]
    assert paths == ["energie.electricity_kwh", "visites_domicile.total_km_per_year"]
    assert plausibility.check_answers({}) == []


def test_bad_data_is_refused(tmp_path, monkeypatch):
    (tmp_path / "2099.1.yaml").write_text(
        'version: "2099.1"\nranges:\n  energie.electricity_kwh: {per: kine, low: 5, high: 1}\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(plausibility, "PLAUSIBILITY_DIR", tmp_path)
    plausibility.load_ranges.cache_clear()
    try:
        with pytest.raises(plausibility.ReferenceDataError, match="low doit être inférieur"):
            plausibility.load_ranges("2099.1")
    finally:
        plausibility.load_ranges.cache_clear()
