"""Synthetic assessments: valid, reproducible, and plausible in aggregate."""

from __future__ import annotations

import statistics
from collections import Counter
from functools import cache

from kineco2.engine import compute, geography, parse_input
from kineco2.engine.schema import SECTIONS
from kineco2.engine.synthetic import generate

OVERSEAS = {"guadeloupe", "martinique", "guyane", "la_reunion", "mayotte"}
PROFILE_QUESTIONS = {"sessions_per_year", "home_visit_percent", "telehealth_percent", "surface_m2"}


@cache
def sample(n: int = 2000, seed: int = 1) -> tuple[dict, ...]:
    return tuple(generate(n, seed=seed))


@cache
def results(n: int = 600, seed: int = 1):
    return [compute(parse_input(data)) for data in sample(seed=seed)[:n]]


def test_every_generated_assessment_parses_and_computes():
    for seed in (0, 1, 2):
        for data in generate(150, seed=seed):
            result = compute(parse_input(data))
            assert result.total_kgco2e > 0
            assert result.practitioners == data["profile"]["practitioners"]


def test_reproducible_for_a_seed():
    assert generate(60, seed=7) == generate(60, seed=7)
    assert generate(60, seed=7) != generate(60, seed=8)
    assert generate(0) == []


def test_plausible_spread_of_results():
    res = results()
    per_session = [r.per_session_kgco2e for r in res]
    assert 1 <= statistics.median(per_session) <= 4
    cuts = statistics.quantiles(per_session, n=20)
    low, high = cuts[0], cuts[-1]  # 5th and 95th percentiles
    assert high / low > 1.5  # a spread, not one practice repeated
    largest = Counter(max(r.posts, key=lambda p: p.kgco2e).id for r in res)
    assert largest["deplacements_patients"] > 0.5 * len(res)


def test_overseas_communes_present_at_a_small_share():
    territories = Counter(geography.locate(d["profile"]["commune"]).territory for d in sample())
    overseas = sum(territories[t] for t in OVERSEAS)
    assert 0.01 * 2000 <= overseas <= 0.06 * 2000
    assert len(OVERSEAS & set(territories)) >= 4
    regions = {geography.locate(d["profile"]["commune"]).region_name for d in sample()}
    assert len(regions) >= 15  # the 13 mainland regions (and Corse) plus overseas ones


def test_profile_distributions():
    data = sample()
    practitioners = Counter(d["profile"]["practitioners"] for d in data)
    assert set(practitioners) <= set(range(1, 9))
    assert sum(practitioners[k] for k in (1, 2, 3)) > 0.6 * len(data)
    per_practitioner = [
        d["profile"]["sessions_per_year"] / d["profile"]["practitioners"]
        for d in data
        if "sessions_per_year" in d["profile"]
    ]
    assert 3800 <= statistics.median(per_practitioner) <= 4800
    surfaces = [
        d["profile"]["surface_m2"] / d["profile"]["practitioners"]
        for d in data
        if "surface_m2" in d["profile"]
    ]
    assert 28 <= statistics.median(surfaces) <= 42


def test_about_half_the_questions_answered():
    asked = answered = 0
    for data in sample():
        asked += len(PROFILE_QUESTIONS)
        answered += len(PROFILE_QUESTIONS & set(data["profile"]))
        for name, section in SECTIONS.items():
            fields = set(section.model_fields) - {"data_quality"}
            asked += len(fields)
            answered += len(fields & set(data.get(name, {})))
    assert 0.35 <= answered / asked <= 0.65


def test_heating_and_air_conditioning_shares():
    heating = Counter()
    ac = {True: [], False: []}
    for data in sample():
        territory = geography.locate(data["profile"]["commune"]).territory
        energy = data.get("energie", {}).get("heating_energy")
        if territory == "france_continentale" and energy:
            heating[energy] += 1
        units = data.get("froid", {}).get("ac_units")
        if units is not None:
            ac[territory in OVERSEAS].append(units > 0)
    total = sum(heating.values())
    assert 0.38 <= heating["gaz"] / total <= 0.52
    assert 0.18 <= heating["electricite"] / total <= 0.32
    assert heating.most_common(1)[0][0] == "gaz"
    assert statistics.mean(ac[True]) > 0.6  # overseas: mostly air-conditioned
    assert statistics.mean(ac[False]) < 0.3  # mainland: mostly not
