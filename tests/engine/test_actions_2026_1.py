"""The écosoins catalogue 2026.1 on the methodology 2026.1: the invariants of every action.

``test_actions.py`` holds the hand-computed cases of the released 2025.1 methodology; here the
same safety properties are checked on the current version: every applicable action runs, only
moves the posts it declares, and — without parameters — never increases the total unless it
says it may.
"""

from __future__ import annotations

import pytest

from kineco2.engine import compute, parse_input
from kineco2.engine.actions import applicable_actions, load_actions, simulate
from tests.engine.test_actions import REFERENCE_CASES, TOTAL_MAY_INCREASE, _parameter_sets


def test_the_catalogue_is_the_2026_1_one():
    assert load_actions().version == "2026.1"


@pytest.mark.parametrize("name", sorted(REFERENCE_CASES))
def test_every_action_alone_only_moves_its_posts_on_2026_1(name):
    inputs = parse_input(REFERENCE_CASES[name])
    baseline = compute(inputs)
    assert baseline.factors_version == "2026.1"
    for action in applicable_actions(inputs, baseline):
        for params in _parameter_sets(action):
            sim = simulate(inputs, [(action.id, params)], draws=0, baseline=baseline)
            tolerance = 1e-9 * max(1.0, baseline.total_kgco2e)
            growth = 0.0
            # sim.baseline: a heating action on an unknown heating energy (drawn as a
            # mixture) is simulated with that energy pinned to its default on both sides.
            for post in sim.baseline.posts:
                delta = sim.scenario.post(post.id).kgco2e - post.kgco2e
                if post.id not in action.posts:
                    assert abs(delta) <= tolerance, (name, action.id, post.id, delta)
                elif post.id not in action.may_increase:
                    assert delta <= tolerance, (name, action.id, post.id, delta)
                else:
                    growth += max(0.0, delta)
            assert -sim.avoided_kgco2e <= growth + tolerance, (name, action.id, params)
            if not params and action.id not in TOTAL_MAY_INCREASE:
                assert sim.avoided_kgco2e >= -tolerance, (name, action.id)
