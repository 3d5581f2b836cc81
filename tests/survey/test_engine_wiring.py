"""The survey's result as an optional engine input (``deplacements_patients.enquete``)."""

from __future__ import annotations

import pytest

from kineco2.engine import InputError, compute
from kineco2.engine.defaults import load_defaults
from kineco2.engine.schema import parse_input
from kineco2.engine.survey import SurveyAnswer, summarize

PROFILE = {
    "commune": "35000",
    "practitioners": 2,
    "sessions_per_year": 8000,
    "home_visit_percent": 10,
    "telehealth_percent": 0,
}
SURVEY = {
    "n_reponses": 42,
    "km_par_seance": {"voiture": 6.0, "bus": 1.2, "train": 0.5, "marche": 0.4, "tram_metro": 0},
    "incertitude_pct": {"voiture": 25, "bus": 60, "train": 90, "marche": 50},
}


def post(answers, draws=2000):
    result = compute(parse_input(answers), draws=draws, seed=3)
    return result, next(p for p in result.posts if p.id == "deplacements_patients")


def test_the_survey_replaces_the_zone_table_by_hand():
    result, patients = post({"profile": PROFILE, "deplacements_patients": {"enquete": SURVEY}})
    table = load_defaults().patient_zones[result.patient_zone]
    zone = table["km_by_mode"]
    electric = zone["voiture_electrique"] / (zone["voiture_thermique"] + zone["voiture_electrique"])
    sessions = 8000 * 0.9  # sessions at the practice
    lines = {line.item: line for line in patients.lines}
    assert set(lines) == {"voiture", "voiture_electrique", "bus", "train", "marche"}
    assert lines["voiture"].quantity == pytest.approx(sessions * 6.0 * (1 - electric))
    assert lines["voiture_electrique"].quantity == pytest.approx(sessions * 6.0 * electric)
    assert lines["bus"].quantity == pytest.approx(sessions * 1.2)
    assert lines["bus"].factor_id == table["bus"]  # the zone's bus and train factors
    assert lines["train"].factor_id == table["train"] == "ter"
    for line in patients.lines:
        assert line.label.endswith("(mesuré auprès de 42 patients)")
        survey_drivers = [d for d in line.drivers if d.id.startswith("enquete:")]
        assert len(survey_drivers) == 1 and survey_drivers[0].origin == "mesure"
        assert line.kgco2e == pytest.approx(line.quantity * line.factor_value)
    assert patients.kgco2e == pytest.approx(sum(line.kgco2e for line in patients.lines))
    assert any("patients : mesuré auprès de 42 patients par" in n for n in result.notes)


def test_without_a_survey_nothing_changes():
    plain = compute(parse_input({"profile": PROFILE}), draws=0)
    empty = compute(parse_input({"profile": PROFILE, "deplacements_patients": {}}), draws=0)
    assert plain.total_kgco2e == empty.total_kgco2e


def test_a_large_survey_narrows_the_post_interval():
    population = [SurveyAnswer("voiture_seul", one_way_km=3 + (i % 7)) for i in range(200)]
    population += [SurveyAnswer("bus", one_way_km=2 + (i % 3)) for i in range(40)]
    stats = summarize(population, "35238")
    _, with_survey = post(
        {"profile": PROFILE, "deplacements_patients": {"enquete": stats.engine_input()}}
    )
    _, table = post({"profile": PROFILE})
    width = lambda p: (p.interval_95.high - p.interval_95.low) / p.interval_95.median  # noqa: E731
    assert width(with_survey) < width(table) * 0.8


def test_only_walkers_give_zero_patient_travel():
    survey = {"n_reponses": 30, "km_par_seance": {"marche": 2.5}, "incertitude_pct": {"marche": 20}}
    _, patients = post({"profile": PROFILE, "deplacements_patients": {"enquete": survey}})
    assert patients.kgco2e == 0


@pytest.mark.parametrize(
    "survey",
    [
        {"n_reponses": 0, "km_par_seance": {"voiture": 3}},
        {"n_reponses": 3, "km_par_seance": {"avion": 3}},
        {"n_reponses": 3, "km_par_seance": {"voiture": -1}},
        {"n_reponses": 3, "km_par_seance": {"voiture": float("nan")}},
        {"n_reponses": 3, "km_par_seance": {"voiture": 3}, "autre": 1},
    ],
)
def test_an_invalid_survey_is_refused_in_french(survey):
    with pytest.raises(InputError) as error:
        parse_input({"profile": PROFILE, "deplacements_patients": {"enquete": survey}})
    assert "deplacements_patients" in str(error.value)


def test_the_questionnaire_never_asks_the_survey_field():
    from kineco2.practices.answers import field_specs

    assert "enquete" not in {spec.name for spec in field_specs("deplacements_patients")}
