"""Methodology 2025.1 stays reproducible after the release of 2026.1.

``data/regression_2025_1.json`` holds 45 assessments (the five examples and 40 synthetic
practices, each with its patient zone written in) and the totals per post that the engine
gave with factors and defaults 2025.1 before the 2026.1 code was written. Stored results name
the version that produced them: recomputing them with that version must give the same figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kineco2.engine import compute, parse_input
from kineco2.engine.defaults import load_defaults
from kineco2.engine.factors import load_factors

CASES = json.loads((Path(__file__).parent / "data" / "regression_2025_1.json").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_2025_1_figures_are_unchanged(name):
    case = CASES[name]
    result = compute(
        parse_input(case["input"]), factors=load_factors("2025.1"), defaults=load_defaults("2025.1")
    )
    assert result.factors_version == result.defaults_version == "2025.1"
    assert result.total_kgco2e == pytest.approx(case["total"], rel=1e-12)
    for post, kg in case["posts"].items():
        assert result.post(post).kgco2e == pytest.approx(kg, rel=1e-12, abs=1e-9), post


def test_2026_1_differs_where_the_method_changed():
    """The same answers under 2026.1 give other figures (the release is not a no-op)."""
    case = CASES["je-ne-sais-pas.yaml"]
    latest = compute(parse_input(case["input"]))
    assert latest.factors_version == "2026.1"
    assert latest.post("deplacements_patients").kgco2e != pytest.approx(
        case["posts"]["deplacements_patients"]
    )
