"""``compute(..., drivers=False)`` (batch recomputes): the same figures, bit for bit."""

from __future__ import annotations

import pytest

from kineco2.engine import compute, parse_input
from kineco2.engine.errors import InputError
from kineco2.engine.synthetic import generate
from kineco2.engine.versions import methodology_sets


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


def test_figures_only_refuse_a_monte_carlo():
    inputs = parse_input(generate(1, seed=3)[0])
    with pytest.raises(ValueError, match="Monte Carlo"):
        compute(inputs, draws=100, drivers=False)
