"""Recomputing with another version: same version changes nothing; the split adds up exactly."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kineco2.engine import compute, parse_input
from kineco2.engine.defaults import load_defaults
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.restate import restate, to_tenth
from tests.engine.test_properties import assessments

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scaled(factors: FactorSet, scale: dict[str, float], version: str = "2099.1") -> FactorSet:
    values = dict(factors.factors)
    for factor_id, ratio in scale.items():
        values[factor_id] = dataclasses.replace(
            values[factor_id], value=values[factor_id].value * ratio
        )
    return FactorSet(version=version, factors=values)


@SETTINGS
@given(assessments())
def test_recomputing_with_the_same_version_changes_nothing(data):
    inputs = parse_input(data)
    sets = (load_factors(), load_defaults())
    stored = compute(inputs)
    change = restate(inputs, old=sets, new=sets, stored=stored)
    for row in (*change.posts, change.total):
        assert row.answers_effect == 0
        assert row.method_effect == 0
        assert row.total_change == 0
    assert change.new.total_kgco2e == stored.total_kgco2e
    assert [p.kgco2e for p in change.new.posts] == [p.kgco2e for p in stored.posts]


ratios = st.floats(min_value=0.1, max_value=10, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(assessments(), assessments(), ratios, ratios, ratios)
def test_method_and_answers_effects_add_up_exactly(old_data, new_data, r1, r2, r3):
    base = load_factors()
    new = scaled(base, {"elec_fr_mix_moyen": r1, "gaz_naturel_pci": r2, "voiture_thermique": r3})
    defaults = load_defaults()
    stored = compute(parse_input(old_data))  # answers as they were when the result was stored
    change = restate(new_data, old=(base, defaults), new=(new, defaults), stored=stored)
    for row in (*change.posts, change.total):
        assert isinstance(row.method_effect, Decimal)
        assert row.method_effect + row.answers_effect == row.total_change
        assert row.total_change == row.new_method - row.stored
    assert change.total.stored == to_tenth(stored.total_kgco2e)
    assert change.total.new_method == to_tenth(
        compute(parse_input(new_data), factors=new).total_kgco2e
    )


def test_method_effect_of_a_factor_change_is_the_factor_times_the_quantity():
    data = {
        "profile": {
            "commune": "35000",
            "practitioners": 1,
            "sessions_per_year": 4000,
            "home_visit_percent": 0,
            "surface_m2": 40,
            "patient_zone": "grand_pole",
        },
        "energie": {"electricity_kwh": 10_000, "heating_energy": "electricite", "heating_kwh": 0},
    }
    base = load_factors()
    new = scaled(base, {"elec_fr_mix_moyen": 2.0})
    change = restate(data, old=(base, load_defaults()), new=(new, load_defaults()))
    energy = next(p for p in change.posts if p.id == "energie")
    assert change.total.answers_effect == 0  # no stored result: nothing edited
    assert energy.method_effect == to_tenth(
        compute(parse_input(data), factors=new).post("energie").kgco2e
    ) - to_tenth(compute(parse_input(data)).post("energie").kgco2e)
    assert energy.method_effect > 0


def test_to_tenth_is_exact():
    assert to_tenth(0.15) == Decimal("0.2")  # repr 0.15 → half to even on the decimal text
    assert to_tenth(1234.56) == Decimal("1234.6")
    assert to_tenth(-0.04) == Decimal("-0.0")
