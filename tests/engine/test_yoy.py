"""Year on year: the change splits into an activity effect and a factor effect that add up.

Hand-computed case (factors 2025.1, Rennes, profile of ``conftest.PROFILE``):

* last year: 5 000 kWh of electricity and 10 000 kWh PCS of gas on the bills;
* this year: 6 000 kWh of electricity and 9 000 kWh PCS of gas;
* the factor version changed: the mainland electricity factor went from 0,052 to
  0,060 kg CO2e/kWh (version « 9999.1 », built in the test), nothing else.

Energy post: A = 5 000 × 0,052 + 10 000 × 0,215 = 2 410 kg; B (last year, new factors) =
5 000 × 0,060 + 2 150 = 2 450 kg; C = 6 000 × 0,060 + 9 000 × 0,215 = 2 295 kg. Factor
effect = +40 kg, activity effect = −155 kg, total = −115 kg.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from kineco2.engine import compute, parse_input
from kineco2.engine.defaults import load_defaults
from kineco2.engine.errors import InputError, ReferenceDataError
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.yoy import decompose_change
from tests.engine.conftest import PROFILE

ELEC = "elec_fr_mix_moyen"


def approx(value: float):
    return pytest.approx(value, rel=1e-12, abs=1e-9)


def with_factor(factor_id: str, value: float) -> FactorSet:
    base = load_factors("2025.1")
    changed = dict(base.factors)
    changed[factor_id] = dataclasses.replace(changed[factor_id], value=value)
    return FactorSet(version="9999.1", factors=changed)


def answers(electricity: float, gas: float, sessions: int = 4000) -> dict:
    return {
        "profile": {**PROFILE, "sessions_per_year": sessions},
        "energie": {"electricity_kwh": electricity, "heating_energy": "gaz", "heating_kwh": gas},
    }


@pytest.fixture(scope="module")
def change():
    return decompose_change(
        answers(5000, 10000),
        "2025.1",
        answers(6000, 9000),
        with_factor(ELEC, 0.060),
        defaults="2025.1",
    )


def test_energy_post_matches_the_hand_computed_case(change):
    energy = next(p for p in change.posts if p.id == "energie")
    assert load_factors("2025.1")[ELEC].value == 0.052
    assert load_factors("2025.1")["gaz_naturel_pcs"].value == 0.215
    assert energy.previous_kgco2e == approx(2410)
    assert energy.restated_kgco2e == approx(2450)
    assert energy.current_kgco2e == approx(2295)
    assert energy.factor_effect_kgco2e == approx(40)
    assert energy.activity_effect_kgco2e == approx(-155)
    assert energy.total_change_kgco2e == approx(-115)
    assert energy.factor_effect_kgco2e + energy.activity_effect_kgco2e == approx(-115)


def test_effects_add_up_per_post_and_in_total(change):
    for post in change.posts:
        assert post.factor_effect_kgco2e + post.activity_effect_kgco2e == pytest.approx(
            post.total_change_kgco2e, abs=1e-9
        )
    assert change.factor_effect_kgco2e + change.activity_effect_kgco2e == pytest.approx(
        change.total_change_kgco2e, rel=1e-12
    )
    assert math.fsum(p.total_change_kgco2e for p in change.posts) == pytest.approx(
        change.total_change_kgco2e, rel=1e-12
    )
    assert change.total.previous_kgco2e == approx(change.previous.total_kgco2e)
    assert change.total.current_kgco2e == approx(change.current.total_kgco2e)


def test_factor_effect_is_the_electricity_used_last_year_times_the_factor_change(change):
    # Every line that uses the electricity factor (energy, and any other post) moves by
    # its quantity × (0,060 − 0,052); nothing else moves with the factors.
    kwh = math.fsum(ln.quantity for ln in change.previous.lines if ln.factor_id == ELEC)
    assert kwh >= 5000
    assert change.factor_effect_kgco2e == pytest.approx(kwh * 0.008, rel=1e-9)
    unchanged = [p for p in change.posts if p.id != "energie"]
    for post in unchanged:  # same answers elsewhere: no activity effect
        assert post.activity_effect_kgco2e == pytest.approx(0, abs=1e-9)
    assert change.factors_changed
    assert change.previous_factors_version == "2025.1"
    assert change.current_factors_version == "9999.1"


def test_the_three_runs_are_the_engine_itself(change):
    d = load_defaults("2025.1")
    previous = compute(
        parse_input(answers(5000, 10000)), factors=load_factors("2025.1"), defaults=d
    )
    current = compute(
        parse_input(answers(6000, 9000)), factors=with_factor(ELEC, 0.060), defaults=d
    )
    assert change.previous.total_kgco2e == approx(previous.total_kgco2e)
    assert change.current.total_kgco2e == approx(current.total_kgco2e)


def test_same_factors_means_no_factor_effect():
    change = decompose_change(
        answers(5000, 10000), "2025.1", answers(6000, 9000), "2025.1", defaults="2025.1"
    )
    assert change.factor_effect_kgco2e == 0
    assert not change.factors_changed
    assert change.activity_effect_kgco2e == approx(1000 * 0.052 - 1000 * 0.215)
    assert change.total_change_kgco2e == approx(-163)


def test_per_session_split_adds_up():
    change = decompose_change(
        answers(5000, 10000, sessions=4000),
        "2025.1",
        answers(5000, 10000, sessions=5000),
        with_factor(ELEC, 0.060),
        defaults="2025.1",
    )
    assert change.per_session_factor_effect_kgco2e + change.per_session_activity_effect_kgco2e == (
        pytest.approx(change.current_per_session_kgco2e - change.previous_per_session_kgco2e)
    )
    # the factor effect per session uses last year's sessions
    assert change.per_session_factor_effect_kgco2e == pytest.approx(
        change.factor_effect_kgco2e / 4000
    )


def test_factor_set_objects_and_versions_are_both_accepted():
    same = decompose_change(
        parse_input(answers(5000, 10000)),
        load_factors("2025.1"),
        answers(5000, 10000),
        "2025.1",
        defaults="2025.1",
    )
    assert same.total_change_kgco2e == 0
    assert same.to_dict()["total"]["total_change_kgco2e"] == 0


def test_unknown_version_and_bad_answers_raise_french_errors():
    with pytest.raises(ReferenceDataError):
        decompose_change(answers(1, 1), "1999.1", answers(1, 1), "2025.1")
    with pytest.raises(InputError):
        decompose_change({"profile": {"commune": "99999"}}, "2025.1", answers(1, 1), "2025.1")
