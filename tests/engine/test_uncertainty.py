"""Monte Carlo: analytic checks on simple cases, correlation, precision ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kineco2.engine.lines import Driver, Line, Quantity
from kineco2.engine.result import PostResult, Result
from kineco2.engine.uncertainty import sample_totals, with_monte_carlo
from tests.engine.conftest import run

Z = 1.959963984540054


def make_result(lines: list[Line]) -> Result:
    total = math.fsum(ln.kgco2e for ln in lines)
    posts = tuple(
        PostResult(
            id=p,
            label=p,
            kgco2e=math.fsum(ln.kgco2e for ln in lines if ln.post == p),
            share=0.0,
            lines=tuple(ln for ln in lines if ln.post == p),
        )
        for p in sorted({ln.post for ln in lines})
    )
    return Result(
        lines=tuple(lines),
        posts=posts,
        total_kgco2e=total,
        sessions=1000,
        practitioners=1,
        territory="france_continentale",
        patient_zone="grand_pole",
        patient_zone_guessed=False,
        commune_name="Test",
        factors_version="t",
        defaults_version="t",
        schema_version="1.0",
        engine_version="1.0",
    )


def make_line(
    post: str, kg: float, factor: str, factor_unc: float, drivers: tuple[Driver, ...] = ()
) -> Line:
    return Line(
        post=post,
        item=factor,
        label=factor,
        quantity=kg,
        unit="u",
        factor_id=factor,
        factor_value=1.0,
        factor_unit="kgCO2e/u",
        factor_uncertainty_pct=factor_unc,
        kgco2e=kg,
        origin="estime",
        scope=3,
        beges_category="4.1",
        drivers=drivers,
    )


def test_single_line_interval_matches_the_lognormal_quantiles():
    # One line, 100 kg, factor ± 50 %: the 95 % interval is [100 / 1.5, 100 × 1.5] exactly
    # for a log-normal whose upper bound is value × (1 + u).
    result = with_monte_carlo(make_result([make_line("a", 100, "f", 50)]), draws=200_000, seed=3)
    interval = result.uncertainty.total
    assert interval.high == pytest.approx(150, rel=0.01)
    assert interval.low == pytest.approx(100 / 1.5, rel=0.01)
    assert interval.median == pytest.approx(100, rel=0.01)


def test_independent_factors_add_in_quadrature_and_shared_factors_do_not():
    # Two lines of 100 kg with ± 20 %: if they share the factor, the relative spread of the
    # sum is that of one line; with two independent factors it shrinks by √2 (quadrature).
    shared = make_result([make_line("a", 100, "f", 20), make_line("b", 100, "f", 20)])
    independent = make_result([make_line("a", 100, "f", 20), make_line("b", 100, "g", 20)])
    s_shared = np.log(sample_totals(shared, 100_000, 1)["total"]).std()
    s_indep = np.log(sample_totals(independent, 100_000, 1)["total"]).std()
    sigma = math.log(1.2) / Z
    assert s_shared == pytest.approx(sigma, rel=0.02)
    assert s_indep == pytest.approx(sigma / math.sqrt(2), rel=0.05)


def test_shared_driver_correlates_lines():
    driver = Driver(id="sessions", label="Séances", origin="defaut", uncertainty_pct=60)
    lines = [make_line("a", 100, "f", 0, (driver,)), make_line("b", 100, "g", 0, (driver,))]
    samples = sample_totals(make_result(lines), 20_000, 5)
    assert np.corrcoef(samples["a"], samples["b"])[0, 1] > 0.99


def test_quantity_merges_drivers_once():
    d1 = Driver(id="x", label="x", origin="defaut", uncertainty_pct=50)
    d2 = Driver(id="y", label="y", origin="mesure", uncertainty_pct=5)
    q = Quantity(2, (d1,)) * Quantity(3, (d1, d2)) / 2
    assert q.value == 3
    assert [d.id for d in q.drivers] == ["x", "y"]
    assert q.powers == (2, 1)  # x enters twice: its multiplier is squared in a draw
    assert q.origin == "defaut"


def test_too_few_draws_is_refused():
    with pytest.raises(ValueError, match="100 tirages"):
        with_monte_carlo(make_result([make_line("a", 1, "f", 10)]), draws=10)


def test_precision_hints_rank_defaults_by_variance():
    result = run()
    hints = result.precision_hints
    assert hints, "a profile-only assessment must suggest what to measure"
    shares = [h.share_of_variance for h in hints]
    assert shares == sorted(shares, reverse=True)
    assert all(0 < s <= 1 for s in shares)
    # Patient travel dominates: its distance is the first thing to measure.
    assert hints[0].field == "deplacements_patients.survey_round_trip_km"
    answered = run(deplacements_patients={"survey_round_trip_km": 9.4, "survey_car_percent": 97})
    assert "deplacements_patients.survey_round_trip_km" not in {
        h.field for h in answered.precision_hints
    }


def test_measured_answers_narrow_the_interval():
    unknown = with_monte_carlo(run(), draws=5000, seed=1).uncertainty.total
    known = with_monte_carlo(
        run(
            energie={"data_quality": "mesure", "electricity_kwh": 2840, "heating_kwh": 5120},
            deplacements_patients={
                "data_quality": "mesure",
                "survey_round_trip_km": 9.4,
                "survey_car_percent": 97,
            },
        ),
        draws=5000,
        seed=1,
    ).uncertainty.total
    assert (known.high - known.low) / known.median < (unknown.high - unknown.low) / unknown.median
