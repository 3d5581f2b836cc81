"""Figures only, for the batch recomputes: ``compute(..., drivers=False)`` and
``post_totals`` give the full engine's figures, bit for bit."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kineco2.engine import compute, parse_input
from kineco2.engine.allocation import Occupant, allocate, shared_premises_answers
from kineco2.engine.compute import post_totals
from kineco2.engine.errors import InputError
from kineco2.engine.posts import POST_IDS
from kineco2.engine.synthetic import generate
from kineco2.engine.versions import methodology_sets

VERSIONS = ["2025.1", "2026.1", "2026.2"]
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def _same_figures(inputs, factors, defaults, shared=None) -> None:
    full = compute(inputs, factors=factors, defaults=defaults, shared=shared)
    totals = post_totals(inputs, factors=factors, defaults=defaults, shared=shared)
    # the same posts, in the same order, with the same float (not approximately)
    assert list(totals.items()) == [(p.id, p.kgco2e) for p in full.posts]
    assert tuple(totals) == POST_IDS
    assert math.fsum(totals.values()) == full.total_kgco2e


@pytest.mark.parametrize("version", ["2025.1", "2026.1"])
def test_figures_only_equal_the_full_computation(version):
    factors, defaults = methodology_sets(version)
    checked = 0
    for answers in generate(120, seed=7):
        try:
            inputs = parse_input(answers)
        except InputError:
            continue
        full = compute(inputs, factors=factors, defaults=defaults)
        lean = compute(inputs, factors=factors, defaults=defaults, drivers=False)
        assert lean.total_kgco2e == full.total_kgco2e
        assert [(p.id, p.kgco2e) for p in lean.posts] == [(p.id, p.kgco2e) for p in full.posts]
        assert [ln.kgco2e for ln in lean.lines] == [ln.kgco2e for ln in full.lines]
        assert all(not ln.drivers for ln in lean.lines)
        assert any(ln.drivers for ln in full.lines)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("version", VERSIONS)
def test_post_totals_equal_the_full_engine_on_a_seeded_population(version):
    factors, defaults = methodology_sets(version)
    checked = 0
    for answers in generate(400, seed=2026):
        try:
            inputs = parse_input(answers)
        except InputError:
            continue
        _same_figures(inputs, factors, defaults)
        checked += 1
    assert checked > 350


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_post_totals_equal_the_full_engine_on_the_examples(version, example):
    factors, defaults = methodology_sets(version)
    inputs = parse_input(yaml.safe_load(example.read_text(encoding="utf-8")))
    _same_figures(inputs, factors, defaults)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # a few assessments per example; timing varies on a busy machine
@given(seed=st.integers(0, 2**32 - 1), version=st.sampled_from(VERSIONS))
def test_post_totals_equal_the_full_engine_property(seed, version):
    factors, defaults = methodology_sets(version)
    for answers in generate(4, seed=seed):
        try:
            inputs = parse_input(answers)
        except InputError:
            continue
        _same_figures(inputs, factors, defaults)


@pytest.mark.parametrize("version", ["2025.1", "2026.1"])
def test_post_totals_of_a_member_with_its_share_of_shared_premises(version):
    factors, defaults = methodology_sets(version)
    structure = compute(
        parse_input(
            shared_premises_answers(
                commune="35000",
                surface_m2=300,
                headcount=8,
                sessions=20_000,
                sections={"energie": {"electricity_kwh": 30_000, "heating_energy": "gaz"}},
            )
        ),
        factors=factors,
        defaults=defaults,
    )
    occupants = [
        Occupant("cabinet:1", "Cabinet des Lices", surface_m2=80, sessions=9000),
        Occupant("pro:1", "Médecins généralistes", surface_m2=120, sessions=11_000),
    ]
    share = allocate(structure.lines, occupants, common_surface_m2=100).shared_share("cabinet:1")
    member = parse_input(
        {
            "profile": {"commune": "35000", "practitioners": 2, "sessions_per_year": 9000},
            "energie": {"electricity_kwh": 99_999},
        }
    )
    _same_figures(member, factors, defaults, shared=share)
    # the share replaces the member's own premises posts
    assert post_totals(member, factors=factors, defaults=defaults, shared=share) != post_totals(
        member, factors=factors, defaults=defaults
    )


def test_figures_only_refuse_a_monte_carlo():
    inputs = parse_input(generate(1, seed=3)[0])
    with pytest.raises(ValueError, match="Monte Carlo"):
        compute(inputs, draws=100, drivers=False)
