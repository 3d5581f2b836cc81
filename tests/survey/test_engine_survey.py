"""The survey's computation (kineco2.engine.survey): golden answers and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kineco2.engine.survey import (
    ENGINE_MODES,
    SURVEY_MODES,
    SurveyAnswer,
    SurveyError,
    attributed_km,
    commune_point,
    great_circle_km,
    load_parameters,
    one_way_km,
    summarize,
)

RENNES = "35238"
CESSON = "35051"  # Cesson-Sévigné, east of Rennes


def test_parameters_are_documented():
    params = load_parameters()
    assert params.version == "2026.1"
    assert params.detour_coefficient == 1.3
    assert params.min_answers == 30
    assert params.cap_km == 100
    for name in ("detour_coefficient", "intra_commune", "caps", "occupancy", "statistics"):
        assert len(params.sources[name]) > 40, name


def test_great_circle_by_hand():
    # Rennes (48.1159, -1.6884) → Cesson-Sévigné (48.1235, -1.5935): Δφ = 0.0076° ≈ 0.845 km,
    # Δλ = 0.0949° × cos 48.12° ≈ 7.045 km, hence √(0.845² + 7.045²) ≈ 7.095 km.
    assert commune_point(RENNES)[:2] == (48.1159, -1.6884)
    assert commune_point(CESSON)[:2] == (48.1235, -1.5935)
    distance = great_circle_km(commune_point(RENNES)[:2], commune_point(CESSON)[:2])
    assert distance == pytest.approx(7.095, abs=0.002)
    # Paris → Marseille ≈ 661 km as the crow flies.
    assert great_circle_km((48.8566, 2.3522), (43.2965, 5.3698)) == pytest.approx(661, abs=2)


def test_same_commune_uses_the_bounded_intra_commune_distance():
    # Rennes: 50.39 km², 2/3 × √(50.39/π) × 1.3 = 3.47 km, above the 3 km bound.
    assert one_way_km(SurveyAnswer("marche", commune_insee=RENNES), RENNES) == (3.0, "meme_commune")
    # Saint-Gilles (35275), 18.3 km² or so: within the bounds.
    km, rule = one_way_km(SurveyAnswer("marche", commune_insee="35275"), "35275")
    area = commune_point("35275")[2]
    assert rule == "meme_commune"
    assert km == pytest.approx(
        min(3.0, max(0.5, 2 / 3 * math.sqrt(area / math.pi) * 1.3)), rel=1e-3
    )


GOLDEN = [
    SurveyAnswer("voiture_seul", one_way_km=5),  # 2 × 5 = 10 car km
    SurveyAnswer("voiture_accompagne", one_way_km=3),  # driver's two round trips: 2 × 3 × 2 = 12
    SurveyAnswer("covoiturage", one_way_km=8),  # shared: 2 × 8 × 0.5 = 8
    SurveyAnswer("bus", one_way_km=4),  # 8 bus km
    SurveyAnswer("marche", one_way_km=1),  # 2 km on foot
    SurveyAnswer("voiture_seul", one_way_km=800),  # capped at 100: 200
    SurveyAnswer("velo", one_way_km=60),  # cycling cap 40: 80
    SurveyAnswer("voiture_seul", one_way_km=10, only_for_session=False),  # half: 10
    SurveyAnswer("taxi_vsl", one_way_km=6),  # empty return counted: 24
    SurveyAnswer("voiture_seul", commune_insee=CESSON),  # 2 × 7.095 × 1.3 = 18.447
]


def test_golden_survey():
    stats = summarize(GOLDEN, RENNES)
    cesson_round_trip = 2 * 7.0951 * 1.3
    assert stats.answers == 10
    assert stats.capped == 2
    car = (10 + 12 + 8 + 200 + 10 + 24 + cesson_round_trip) / 10
    assert stats.by_mode["voiture"].km_per_session == pytest.approx(car, rel=1e-4)
    assert stats.by_mode["voiture"].answers == 7
    assert stats.by_mode["voiture"].share == pytest.approx(0.7)
    assert stats.by_mode["bus"].km_per_session == pytest.approx(0.8)
    assert stats.by_mode["marche"].km_per_session == pytest.approx(0.2)
    assert stats.by_mode["velo"].km_per_session == pytest.approx(8.0)
    assert stats.by_mode["train"].km_per_session == 0
    assert stats.km_per_session == pytest.approx(car + 0.8 + 0.2 + 8.0, rel=1e-4)
    assert dict(stats.distance_bins) == {
        "0 à 2 km": 1,
        "2 à 5 km": 2,
        "5 à 10 km": 4,
        "10 à 20 km": 1,
        "20 à 50 km": 0,
        "50 km et plus": 2,
    }
    for mode in stats.by_mode.values():
        assert mode.low <= mode.km_per_session <= mode.high
    # The engine input: the means and the upper-side relative uncertainty of each.
    engine = stats.engine_input()
    assert engine["n_reponses"] == 10
    assert set(engine["km_par_seance"]) == set(ENGINE_MODES)
    car_stat = stats.by_mode["voiture"]
    assert engine["incertitude_pct"]["voiture"] == pytest.approx(
        (car_stat.high / car_stat.km_per_session - 1) * 100, abs=0.01
    )
    # Reproducible: the bootstrap has a fixed seed.
    assert summarize(GOLDEN, RENNES).engine_input() == engine


def test_kg_per_session_uses_each_mode_factor():
    stats = summarize(GOLDEN, RENNES)
    factors = {"voiture": 0.2, "bus": 0.15, "velo": 0.0, "marche": 0.0}
    central, low, high = stats.kg_per_session(factors)
    expected = stats.by_mode["voiture"].km_per_session * 0.2 + 0.8 * 0.15
    assert central == pytest.approx(expected)
    assert low < central < high


def test_unusable_answers_say_why_in_french():
    with pytest.raises(SurveyError, match="commune ou le nombre de kilomètres"):
        attributed_km(SurveyAnswer("bus"), RENNES)
    with pytest.raises(SurveyError, match="liste"):
        attributed_km(SurveyAnswer("hélicoptère", one_way_km=3), RENNES)
    with pytest.raises(SurveyError, match="positif"):
        attributed_km(SurveyAnswer("bus", one_way_km=-3), RENNES)
    # Saint-Pierre (975) has no point in the 2024 source: ask for km instead.
    with pytest.raises(SurveyError, match="kilomètres"):
        attributed_km(SurveyAnswer("bus", commune_insee="97502"), RENNES)


def test_no_answer_gives_zeros():
    stats = summarize([], RENNES)
    assert stats.answers == 0 and not stats.enough
    assert stats.km_per_session == 0


answers = st.builds(
    SurveyAnswer,
    mode=st.sampled_from(sorted(SURVEY_MODES)),
    one_way_km=st.floats(min_value=0, max_value=300, allow_nan=False),
    only_for_session=st.booleans(),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), min_size=1, max_size=60))
def test_only_walkers_give_near_zero_travel(distances):
    stats = summarize([SurveyAnswer("marche", one_way_km=d) for d in distances], RENNES)
    factors = {"voiture": 0.218, "bus": 0.147, "tram_metro": 0.004, "train": 0.03, "marche": 0.0}
    assert stats.kg_per_session(factors) == (0.0, 0.0, 0.0)
    for mode, stat in stats.by_mode.items():
        if mode != "marche":
            assert stat.km_per_session == 0 and stat.uncertainty_pct == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(answers, min_size=5, max_size=40))
def test_more_answers_of_the_same_kind_never_widen_the_interval(sample):
    """Twice as many answers drawn the same way (the sample doubled) never widen the interval."""
    once = summarize(sample, RENNES)
    twice = summarize(sample * 2, RENNES)
    assert twice.km_high - twice.km_low <= (once.km_high - once.km_low) * 1.05 + 1e-9
    for mode in ENGINE_MODES:
        a, b = once.by_mode[mode], twice.by_mode[mode]
        assert b.high - b.low <= (a.high - a.low) * 1.05 + 1e-9
        assert b.km_per_session == pytest.approx(a.km_per_session)


def test_more_answers_narrow_the_interval_in_expectation():
    """Samples drawn from one population: the mean width shrinks as the sample grows."""
    rng = np.random.default_rng(7)
    modes = ["voiture_seul", "voiture_seul", "voiture_accompagne", "bus", "marche", "velo"]
    population = [
        SurveyAnswer(modes[int(rng.integers(len(modes)))], one_way_km=float(rng.exponential(4)))
        for _ in range(2000)
    ]
    widths = []
    for n in (10, 30, 100, 300):
        draws = []
        for repeat in range(12):
            picked = rng.choice(len(population), size=n, replace=False)
            stats = summarize([population[i] for i in picked], RENNES, seed=repeat)
            draws.append(stats.km_high - stats.km_low)
        widths.append(float(np.mean(draws)))
    assert widths == sorted(widths, reverse=True)
    # ≈ 1/√n: 30 times as many answers, about 5.5 times narrower.
    assert widths[0] / widths[-1] == pytest.approx(math.sqrt(30), rel=0.35)
