"""The Monte Carlo follows the arithmetic: powers, complements of shares, mixtures.

Analytic checks on simple cases (log-normal quantiles, exact identities between draws), then
the same rules on real assessments.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from kineco2.engine import parse_input
from kineco2.engine.batch import activity_matrix, evaluate
from kineco2.engine.compare import paired_samples
from kineco2.engine.compute import precision_hints
from kineco2.engine.context import Context
from kineco2.engine.defaults import load_defaults
from kineco2.engine.factors import load_factors
from kineco2.engine.lines import Branch, Driver, Line, Quantity, complement
from kineco2.engine.uncertainty import sample_quantity, sample_totals, with_monte_carlo
from tests.engine.conftest import PROFILE, run
from tests.engine.test_uncertainty import make_line, make_result

Z = 1.959963984540054


def driver(name: str, pct: float, share: float | None = None) -> Driver:
    return Driver(id=name, label=name, origin="defaut", uncertainty_pct=pct, share=share)


def share(name: str, value: float, pct: float) -> Quantity:
    """A share quantity as Context.share builds it."""
    return Quantity(value, (driver(name, pct, share=value),))


def joint(draws: int, seed: int, **quantities: Quantity) -> dict[str, np.ndarray]:
    """Joint draws of several quantities (one line each, exact factor of 1)."""
    lines = [
        _replace(
            make_line(name, q.value, name, 0, q.drivers),
            powers=q.powers,
            complements=q.complements,
            branch=q.branch,
        )
        for name, q in quantities.items()
    ]
    samples = sample_totals(make_result(lines), draws, seed)
    return {name: samples.get(name, np.zeros(draws)) for name in quantities}


def context(**profile) -> Context:
    defaults = load_defaults()
    factors = load_factors(defaults.factors_version or None)
    return Context(parse_input({"profile": {**PROFILE, **profile}}), factors, defaults)


# -- algebra ---------------------------------------------------------------------------------
def test_powers_add_and_a_quantity_divided_by_itself_cancels():
    x, y = driver("x", 50), driver("y", 10)
    qx, qy = Quantity(2.0, (x,)), Quantity(5.0, (y,))
    assert (qx * qy).powers == (1, 1)
    assert (qx / qy).powers == (1, -1)
    assert (qx * qx).powers == (2,)
    assert (qx**3).powers == (3,)
    assert (1 / qx).powers == (-1,)
    cancelled = qx * qy / qx
    assert cancelled.value == pytest.approx(5.0)
    assert [d.id for d in cancelled.drivers] == ["y"] and cancelled.powers == (1,)
    assert (qx / qx).drivers == ()


def test_complement_keeps_its_shares_as_drivers_and_cancels_with_itself():
    sessions = Quantity(1000.0, (driver("s", 5),))
    home = share("h", 0.1, 100)
    practice = sessions * complement(home)
    assert practice.value == pytest.approx(900)
    assert [d.id for d in practice.drivers] == ["s", "h"]
    assert practice.powers == (1, 0)  # the share enters through the complement only
    assert practice.origin == "defaut"
    back = practice / complement(home)
    assert back.complements == () and [d.id for d in back.drivers] == ["s"]
    with pytest.raises(ValueError, match="complément"):
        sessions / complement(home)


def test_a_mixture_option_appears_once():
    branch = Branch(group="g", option="a", probability=0.5, lower=0.0)
    weight = Quantity(0.5, branch=branch)
    assert (Quantity(10.0) * weight).branch == branch
    assert (weight / weight).branch is None
    with pytest.raises(ValueError, match="mélange"):
        weight * weight


# -- division ----------------------------------------------------------------------------------
def test_a_divided_quantity_has_the_same_interval_width_and_moves_the_other_way():
    period = driver("period", 50)
    multiplied = Quantity(100.0) * Quantity(1.0, (period,))
    divided = Quantity(100.0) / Quantity(1.0, (period,))
    up = sample_quantity(multiplied, 200_000, seed=4)
    down = sample_quantity(divided, 200_000, seed=4)
    # Same draws of the period: the divided quantity is exactly 100² / the multiplied one.
    np.testing.assert_allclose(up * down, 100.0 * 100.0, rtol=1e-12)
    # Log-normal quantiles: [100 / 1.5, 100 × 1.5] both ways, median 100.
    for samples in (up, down):
        low, median, high = np.percentile(samples, [2.5, 50, 97.5])
        assert (low, median, high) == pytest.approx((100 / 1.5, 100, 150), rel=0.01)
    assert np.corrcoef(np.log(up), np.log(down))[0, 1] == pytest.approx(-1)


def test_lines_multiplied_and_divided_by_one_driver_are_anticorrelated():
    # Total = 100·D + 100/D = 200·cosh(σz): its quantiles are 200·cosh(σ·q), q the quantile
    # of |z| (the old draw, which multiplied both lines, gave 200·D: median 200, and
    # 2.5 % of the draws below 200 / 1.5).
    d = driver("d", 50)
    sigma = d.sigma
    lines = [
        make_line("a", 100, "f", 0, (d,)),
        _replace(make_line("b", 100, "g", 0, (d,)), powers=(-1,)),
    ]
    samples = sample_totals(make_result(lines), 200_000, 2)
    assert np.corrcoef(samples["a"], samples["b"])[0, 1] < -0.9
    half = NormalDist()
    for p in (0.5, 0.975):
        q = half.inv_cdf((1 + p) / 2)  # quantile p of |z|
        assert np.percentile(samples["total"], 100 * p) == pytest.approx(
            200 * math.cosh(sigma * q), rel=0.01
        )
    assert samples["total"].min() >= 200 - 1e-9


def test_line_uncertainty_is_the_same_multiplied_or_divided():
    d = driver("d", 40)
    times = make_line("a", 100, "f", 20, (d,))
    over = _replace(times, powers=(-1,))
    assert over.uncertainty_pct == pytest.approx(times.uncertainty_pct)


def test_amortised_lines_carry_the_period_as_a_divisor():
    result = run()
    building = next(ln for ln in result.lines if ln.post == "batiment")
    powers = dict(zip((d.id for d in building.drivers), building.powers, strict=True))
    assert powers["parametre:duree_amortissement_batiment"] == -1
    assert powers["profile.surface_m2"] == 1


# -- complements of shares ---------------------------------------------------------------
def test_sessions_at_practice_follow_the_home_share_analytically():
    # 1 000 exact sessions, home share 10 % ± 100 %: the drawn share is 10 % × exp(σz), its
    # 95 % interval [5 %, 20 %]; the sessions at the practice are 1 000 × (1 − share):
    # [800, 950], median 900.
    practice = Quantity(1000.0) * complement(share("h", 0.1, 100))
    samples = sample_quantity(practice, 200_000, seed=1)
    low, median, high = np.percentile(samples, [2.5, 50, 97.5])
    assert (low, median, high) == pytest.approx((800, 900, 950), rel=0.005)
    home = Quantity(1000.0) * share("h", 0.1, 100)
    at_home = sample_quantity(home, 200_000, seed=1)
    np.testing.assert_allclose(samples + at_home, 1000.0, rtol=1e-12)  # same draws


def test_sessions_at_practice_interval_widens_with_an_uncertain_home_share():
    answered = context(home_visit_percent=10)  # an estimate: ± 30 %
    unknown = context(home_visit_percent=None)  # the default: 10 % ± 100 %
    widths = []
    for ctx in (answered, unknown):
        assert any(d.id.endswith("home_visit_percent") for d in ctx.sessions_at_practice.drivers)
        samples = sample_quantity(ctx.sessions_at_practice, 100_000, seed=3)
        low, high = np.percentile(samples, [2.5, 97.5])
        widths.append((high - low) / ctx.sessions_at_practice.value)
    assert widths[1] > widths[0]
    # Without a home share uncertainty the practice sessions are exactly the measured ones.
    exact = Quantity(4000.0, (driver("s", 5),)) * complement(0.1)
    assert exact.complements == ()
    assert widths[0] > np.ptp(np.percentile(sample_quantity(exact, 100_000, 3), [2.5, 97.5])) / 3600


def test_a_share_at_100_percent_never_gives_negative_sessions():
    ctx = context(home_visit_percent=100)
    assert ctx.sessions_at_practice.value == 0
    drawn = joint(
        50_000,
        5,
        sessions=ctx.sessions,
        home=ctx.sessions_at_home,
        practice=ctx.sessions_at_practice,
    )
    assert (drawn["practice"] == 0).all()
    assert (drawn["home"] <= drawn["sessions"] * (1 + 1e-12)).all()  # the share is ≤ 100 %


def test_shares_are_clipped_to_100_percent_in_every_draw():
    high = share("h", 0.9, 100)  # 90 % ± 100 %: half of the draws would exceed 100 %
    drawn = joint(50_000, 6, share=high, rest=complement(high))
    assert drawn["share"].max() <= 1.0 + 1e-12 and drawn["share"].min() > 0
    assert np.isclose(drawn["share"], 1.0).mean() > 0.3
    assert drawn["rest"].min() >= 0 and drawn["rest"].max() <= 1
    np.testing.assert_allclose(drawn["share"] + drawn["rest"], 1.0, atol=1e-12)


def test_two_shares_move_their_common_complement():
    home, tele = share("h", 0.3, 50), share("t", 0.2, 50)
    practice = Quantity(100.0) * complement(home, tele)
    assert practice.value == pytest.approx(50)
    drawn = joint(20_000, 7, practice=practice, home=100 * home, tele=100 * tele)
    expected = np.clip(100 - drawn["home"] - drawn["tele"], 0, None)
    np.testing.assert_allclose(drawn["practice"], expected, atol=1e-9)
    # First-order sensitivities: −s·σ / (1 − Σs) for each share.
    loadings = practice.log_loadings()
    assert loadings["h"] == pytest.approx(-0.3 * home.drivers[0].sigma / 0.5)
    assert loadings["t"] == pytest.approx(-0.2 * tele.drivers[0].sigma / 0.5)


def test_home_visits_fully_at_home_compute_with_monte_carlo():
    result = with_monte_carlo(run(profile={"home_visit_percent": 100}), draws=2000, seed=1)
    assert result.post("deplacements_patients").kgco2e == 0
    assert math.isfinite(result.uncertainty.total.high)
    assert all(iv.low >= 0 for iv in result.uncertainty.posts.values())


# -- mixtures -------------------------------------------------------------------------------
OPTIONS = {"gaz": 0.40, "electricite": 0.35, "fioul": 0.25}
OPTION_KG = {"gaz": 2000.0, "electricite": 600.0, "fioul": 3000.0}


def mixture_result(factor_unc: float = 0.0):
    weights = context().mixture("energie.heating_energy", OPTIONS, "Énergie de chauffage")
    lines = [
        _replace(
            make_line("energie", OPTION_KG[o] * w.value, f"f_{o}", factor_unc),
            branch=w.branch,
            item=f"chauffage_{o}",
        )
        for o, w in weights.items()
    ]
    lines.append(make_line("materiel", 100.0, "m", 0))
    return make_result(lines)


def test_mixture_weights_are_the_normalised_shares_laid_end_to_end():
    weights = context().mixture("g", {"a": 2, "b": 0, "c": 6})
    assert set(weights) == {"a", "c"}
    assert weights["a"].value == pytest.approx(0.25) and weights["c"].value == pytest.approx(0.75)
    assert weights["a"].branch.lower == 0 and weights["c"].branch.lower == pytest.approx(0.25)


def test_mixture_deterministic_value_is_the_probability_weighted_sum():
    result = mixture_result()
    expected = sum(OPTIONS[o] * OPTION_KG[o] for o in OPTIONS) + 100
    assert result.total_kgco2e == pytest.approx(expected)


def test_mixture_draws_one_option_and_the_mean_converges():
    result = mixture_result()
    draws = 100_000
    total = sample_totals(result, draws, seed=8)["total"]
    # Every draw is exactly one option (no factor uncertainty here), at its share.
    values = {o: OPTION_KG[o] + 100 for o in OPTIONS}
    for option, value in values.items():
        frequency = np.isclose(total, value).mean()
        assert frequency == pytest.approx(OPTIONS[option], abs=0.01)
    assert np.isclose(total[:, None], list(values.values())).any(axis=1).all()
    std = total.std()
    assert abs(total.mean() - result.total_kgco2e) < 4 * std / math.sqrt(draws)
    # The interval covers the options.
    low, high = np.percentile(total, [2.5, 97.5])
    assert low == pytest.approx(min(values.values())) and high == pytest.approx(
        max(values.values())
    )


def test_mixture_interval_covers_the_options_with_factor_uncertainty():
    result = with_monte_carlo(mixture_result(factor_unc=10), draws=20_000, seed=2)
    interval = result.uncertainty.total
    assert interval.low < 600 + 100 and interval.high > 3000 + 100
    assert interval.low <= result.total_kgco2e <= interval.high


def test_mixture_choice_is_a_precision_hint():
    hints = precision_hints(mixture_result().lines)
    assert hints[0].field == "energie.heating_energy"
    assert hints[0].share_of_variance == pytest.approx(1.0)


def test_paired_draws_of_identical_mixture_scenarios_cancel_exactly():
    result = mixture_result(factor_unc=20)
    samples = paired_samples(result, result, draws=2000, seed=3)
    np.testing.assert_array_equal(samples.avoided, 0.0)
    assert samples.baseline.std() > 0


def test_paired_draws_with_complements_cancel_exactly():
    result = run(profile={"home_visit_percent": None})
    samples = paired_samples(result, result, draws=1000, seed=4)
    np.testing.assert_array_equal(samples.avoided, 0.0)


def test_batch_path_equals_the_scalar_path_with_powers_complements_and_mixtures():
    results = [run(), run(profile={"home_visit_percent": None}), mixture_result()]
    for result in results[:2]:
        assert any(ln.complements for ln in result.lines)
        assert any(-1 in ln.powers for ln in result.lines)
    batch = evaluate(activity_matrix(results[:2]))
    np.testing.assert_allclose(batch.total, [r.total_kgco2e for r in results[:2]], rtol=1e-12)
    # A mixture's lines hold the probability-weighted quantities: the activity matrix sums them.
    quantities = sum(ln.quantity * ln.factor_value for ln in results[2].lines)
    assert quantities == pytest.approx(results[2].total_kgco2e)


def _replace(line: Line, **changes) -> Line:
    import dataclasses

    return dataclasses.replace(line, **changes)


def test_renaming_drivers_reaches_the_complements_and_the_mixture_group():
    home = share("h", 0.1, 100)
    weight = context().mixture("g", {"a": 1.0})["a"]
    line = _replace(
        make_line("p", 90.0, "f", 0, (driver("s", 5),)),
        **_fields(Quantity(1000.0, (driver("s", 5),)) * complement(home) * weight),
    )
    renamed = line.map_drivers(lambda d: _replace_driver(d, id="x:" + d.id), lambda g: "x:" + g)
    assert {d.id for d in renamed.all_drivers()} == {"x:s", "x:h"}
    assert renamed.powers == line.powers
    assert renamed.branch.group == "x:g"
    # Renamed, the mixture is another random variable: no question of the user stands behind it.
    assert line.branch.field == "g" and renamed.branch.field is None
    assert renamed.uncertainty_pct == pytest.approx(line.uncertainty_pct)


def _fields(quantity: Quantity) -> dict:
    return {
        "drivers": quantity.drivers,
        "powers": quantity.powers,
        "complements": quantity.complements,
        "branch": quantity.branch,
    }


def _replace_driver(d: Driver, **changes) -> Driver:
    import dataclasses

    return dataclasses.replace(d, **changes)


def test_the_other_modes_split_the_complement_of_an_answered_car_share():
    # A survey says 60 % of patients come by car (an estimate, ± 30 %): in every draw the
    # car km and the other modes' km add up to sessions × km (the modes move together).
    result = run(deplacements_patients={"survey_car_percent": 60, "survey_round_trip_km": 8})
    lines = [ln for ln in result.lines if ln.post == "deplacements_patients"]
    assert len(lines) > 2
    car_id = "deplacements_patients.survey_car_percent"
    for ln in lines:
        assert car_id in {d.id for d in ln.all_drivers()}
    quantities = {f"m{i}": ln.activity for i, ln in enumerate(lines)}
    ctx = context()
    km = Quantity(8.0, (Driver(car_id.replace("car_percent", "round_trip_km"), "", "estime", 30),))
    quantities["all"] = ctx.sessions_at_practice * km
    drawn = joint(20_000, 9, **quantities)
    modes = sum(drawn[f"m{i}"] for i in range(len(lines)))
    np.testing.assert_allclose(modes, drawn["all"], rtol=1e-9)
    car = drawn["m0"] / drawn["all"]
    assert car.max() <= 1 + 1e-12 and car.std() > 0.05  # the car share varies, ≤ 100 %


def test_unknown_building_type_is_a_mixture_in_2026_1_and_fixed_in_2025_1():
    from kineco2.engine import compute

    data = {"profile": {**PROFILE, "surface_m2": 50}}
    current = compute(parse_input(data), draws=20_000, seed=1)
    lines = [ln for ln in current.lines if ln.post == "batiment"]
    per_type = {ln.branch.option: ln.kgco2e / ln.branch.probability for ln in lines}
    assert per_type == pytest.approx({"sante": 50 * 440 / 50, "bureau": 50 * 900 / 50})
    post = current.post("batiment")
    assert post.kgco2e == pytest.approx(0.3 * 440 + 0.7 * 900)
    assert post.interval_95.low < per_type["sante"] < per_type["bureau"] < post.interval_95.high
    # Telling the building type is one of the answers that would tighten the result.
    assert "batiment.building_type" in {h.field for h in current.precision_hints}
    # Answered: one line, no mixture.
    answered = compute(parse_input({**data, "batiment": {"building_type": "sante"}}))
    assert [ln.branch for ln in answered.lines if ln.post == "batiment"] == [None]
    # 2025.1 has no national shares: today's fixed default, central value unchanged.
    old = compute(parse_input(data), defaults=load_defaults("2025.1"))
    assert [(ln.item, ln.branch) for ln in old.lines if ln.post == "batiment"] == [
        ("construction", None)
    ]
    # The batch path (activity matrix) gives the scalar central values, mixture included.
    batch = evaluate(activity_matrix([current, answered]))
    np.testing.assert_allclose(batch.total, [current.total_kgco2e, answered.total_kgco2e])


def test_the_json_says_which_figure_is_the_headline():
    result = with_monte_carlo(run(), draws=2000, seed=1)
    data = result.to_dict()
    assert data["headline"]["figure"] == "total_kgco2e"
    assert data["headline"]["interval"] == "interval_95"
    assert "Valeur centrale" in data["headline"]["definition"]
    # The headline is the sum of the explained lines, not a statistic of the draws.
    lines = [ln["kgco2e"] for post in data["posts"] for ln in post["lines"]]
    assert data["total_kgco2e"] == pytest.approx(math.fsum(lines))
    assert data["monte_carlo"]["median_kgco2e"] == result.uncertainty.total.median
    assert data["median_kgco2e"] == data["monte_carlo"]["median_kgco2e"]
    low, high = data["interval_95"]
    assert low < data["total_kgco2e"] < high
    assert run().to_dict()["headline"] == data["headline"]  # said without draws too


# -- the heating energy drawn as a mixture (2026.1) ------------------------------------------
HEATING_SHARES = {
    "gaz": 0.45,
    "electricite": 0.20,
    "pompe_a_chaleur": 0.10,
    "fioul": 0.10,
    "reseau_chaleur": 0.10,
    "granules": 0.05,
}


def test_unknown_heating_energy_is_a_mixture_and_its_interval_covers_the_energies():
    result = with_monte_carlo(run(), draws=20_000, seed=2)  # Rennes, 40 m², heating unknown
    heating = [ln for ln in result.lines if ln.item in ("chauffage", "chauffage_electrique")]
    assert {ln.branch.option: ln.branch.probability for ln in heating} == pytest.approx(
        HEATING_SHARES
    )
    need = 40 * 128  # kWh
    factors = load_factors("2026.1")
    per_energy = {ln.branch.option: ln.kgco2e / ln.branch.probability for ln in heating}
    assert per_energy["gaz"] == pytest.approx(need * factors["gaz_naturel_pci"].value)
    assert per_energy["pompe_a_chaleur"] == pytest.approx(
        need / 3 * factors["elec_fr_mix_moyen"].value
    )
    assert sum(ln.kgco2e for ln in heating) == pytest.approx(
        sum(HEATING_SHARES[o] * kg for o, kg in per_energy.items())
    )
    assert "(45\u00a0% des cabinets)" in next(
        ln.label for ln in heating if ln.branch.option == "gaz"
    )
    energy = result.uncertainty.posts["energie"]
    others = result.post("energie").kgco2e - sum(ln.kgco2e for ln in heating)
    assert energy.low < others + min(per_energy.values())
    assert energy.high > others + max(per_energy.values())
    # Answered: no mixture; Réunion (fixed « pas de chauffage » default): no mixture either.
    gas = run(energie={"heating_energy": "gaz"})
    assert all(ln.branch is None for ln in gas.lines if ln.post == "energie")
    tropical = run(profile={"commune": "97400", "patient_zone": "grand_pole"})
    assert all(ln.branch is None for ln in tropical.lines if ln.post == "energie")


def test_heating_actions_on_an_unknown_energy_are_simulated_on_its_default():
    from kineco2.engine.actions import current_values, simulate

    inputs = parse_input({"profile": PROFILE})
    baseline = run()
    gas_need = 40 * 128 * load_factors("2026.1")["gaz_naturel_pci"].value
    # What an action reads: the gas line of the default, whole (not its 45 % weight).
    values = current_values(inputs, baseline)
    assert values["energie.heating_energy"] == "gaz"
    gas_pcs = load_factors("2026.1")["gaz_naturel_pcs"].value
    assert values["energie.heating_kwh"] == pytest.approx(gas_need / gas_pcs)
    # −1 °C: 7 % of the gas heating, baseline and scenario both with gas (pinned).
    sim = simulate(inputs, [("chauffage_consigne", {})], draws=500, baseline=baseline)
    assert sim.avoided_kgco2e == pytest.approx(0.07 * gas_need)
    assert all(ln.branch is None for ln in sim.baseline.lines if ln.post == "energie")
    assert sim.avoided_interval_95.low > 0
    # An action that does not touch the heating keeps the mixture on both sides.
    other = simulate(inputs, [("veilles_coupees", {})], draws=500, baseline=baseline)
    assert other.baseline is baseline
    assert other.avoided_by_post["energie"] > 0
