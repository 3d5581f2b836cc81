"""Paired Monte Carlo: sample a baseline and a scenario *jointly*.

The gain of an action is ``baseline − scenario``. Both results share most of their
uncertainty (the same car factor, the same number of sessions, the same zone distance), so
sampling them independently would add two large, unrelated errors and hide a small gain in
noise. Here both results are one joint list of lines, drawn with the rules of
:mod:`kineco2.engine.uncertainty`:

* one log-normal multiplier per **factor id** and per draw, shared by the lines of both
  results that use the factor;
* one log-normal multiplier per **driver id** and per draw, shared likewise.

A scenario replaces some answers (:meth:`AssessmentInput.with_overrides`). When the baseline
left such a question unanswered, the baseline value came from defaults (drivers such as
``defaut:heating_kwh_per_m2`` and ``profile.surface_m2``) and the scenario value is a number
derived from it (93 % of it, say), which the engine sees as an answer with its own driver
(``energie.heating_kwh``, « estimé », ±30 %). That number is as uncertain as the baseline value
it was derived from, not independently so: :func:`align_scenario_lines` therefore replaces, in
the scenario lines, the driver of an overridden field that the baseline did not have by the
drivers that stood behind that field in the baseline (see its docstring). This keeps the
pairing exact for a scaled answer, and a good approximation otherwise.

For the same reason, two factor ids that are one emission factor in two units are drawn
together (:data:`SAME_FACTOR`): an unanswered gas consumption is estimated in kWh PCI
(``gaz_naturel_pci``) while an answered one is a bill in kWh PCS (``gaz_naturel_pcs``); the two
values are the same Base Carbone factor divided by the PCS/PCI ratio.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kineco2.engine.lines import Complement, Driver, Line, Quantity, unique_drivers
from kineco2.engine.result import Interval, Result
from kineco2.engine.uncertainty import ActivityPlan

Z975 = 1.959963984540054

#: Factor ids that are the same emission factor in another unit: drawn with one multiplier.
SAME_FACTOR = {"gaz_naturel_pcs": "gaz_naturel_pci"}


def interval(samples: np.ndarray) -> Interval:
    """The 95 % interval (2.5 and 97.5 percentiles), median and mean of ``samples``."""
    low, median, high = np.percentile(samples, [2.5, 50.0, 97.5])
    return Interval(
        low=float(low), median=float(median), high=float(high), mean=float(samples.mean())
    )


@dataclass(frozen=True)
class PairedSamples:
    """Joint draws of two results: totals (kg CO2e), sessions and totals by post."""

    baseline: np.ndarray
    scenario: np.ndarray
    baseline_sessions: np.ndarray
    scenario_sessions: np.ndarray
    baseline_posts: dict[str, np.ndarray]
    scenario_posts: dict[str, np.ndarray]

    @property
    def avoided(self) -> np.ndarray:
        """Draws of the avoided emissions, kg CO2e (positive = the scenario emits less)."""
        return self.baseline - self.scenario

    @property
    def avoided_per_session(self) -> np.ndarray:
        return self.baseline / self.baseline_sessions - self.scenario / self.scenario_sessions


def _baseline_line_of_field(baseline: Result, field: str, post: str, item: str) -> Line | None:
    """The baseline line whose drivers stood behind ``field``, for a scenario line.

    First choice: a baseline line with a driver whose ``field`` is ``field`` (the default that
    the answer replaces), preferring the line with the same post and item. Otherwise the
    baseline line with the same post and item.
    """
    candidates = [ln for ln in baseline.lines if any(d.field == field for d in ln.all_drivers())]
    same = [ln for ln in candidates if (ln.post, ln.item) == (post, item)]
    if same or candidates:
        return (same or candidates)[0]
    for ln in baseline.lines:
        if (ln.post, ln.item) == (post, item):
            return ln
    return None


def _substitute(activity: Quantity, foreign: Driver, behind: Line | None) -> Quantity:
    """``activity`` with ``foreign`` replaced by what stood behind it in the baseline.

    The baseline line's drivers that ``activity`` does not already carry are added with their
    baseline power times the foreign driver's power (an answer that divides stays a divisor);
    so are its complements (when the power is positive). Its mixture option is not: the
    scenario value is not weighted by the option's probability.
    """
    power = dict(zip((d.id for d in activity.drivers), activity.powers, strict=True))[foreign.id]
    result = activity.without(foreign.id)
    if behind is None:
        return result
    have = {d.id for d in result.drivers}
    drivers, powers = list(result.drivers), list(result.powers)
    for driver, p in zip(behind.drivers, behind.powers, strict=True):
        if driver.id not in have:
            drivers.append(driver)
            powers.append(p * power)
            have.add(driver.id)
    complements = list(result.complements)
    if power > 0:
        present = {c.base() for c in complements}
        complements += [
            Complement(c.terms, c.power * power)
            for c in behind.complements
            if c.base() not in present
        ]
    return Quantity(result.value, tuple(drivers), tuple(powers), tuple(complements), result.branch)


def align_scenario_lines(
    baseline: Result, scenario: Result, replaced_fields: Iterable[str]
) -> tuple[Line, ...]:
    """Scenario lines whose drivers are expressed, where possible, with the baseline's.

    For each scenario line and each of its drivers whose id is one of ``replaced_fields``
    (``"energie.heating_kwh"``) and that the baseline does not have (the baseline left the
    question unanswered), the driver is replaced by the baseline drivers behind that field
    (:func:`_baseline_line_of_field`, :func:`_substitute`) that the line does not already
    carry. If nothing stood behind it in the baseline (a count of people taken from the
    profile, say), the value was exact and the driver is dropped.
    """
    replaced = set(replaced_fields)
    baseline_ids = {d.id for ln in baseline.lines for d in ln.all_drivers()}
    baseline_ids |= {d.id for d in baseline.sessions_drivers}
    aligned: list[Line] = []
    for line in scenario.lines:
        foreign = [d for d in line.drivers if d.id in replaced and d.id not in baseline_ids]
        if not foreign:
            aligned.append(line)
            continue
        activity = line.activity
        for driver in foreign:
            behind = _baseline_line_of_field(baseline, driver.id, line.post, line.item)
            activity = _substitute(activity, driver, behind)
        aligned.append(
            dataclasses.replace(
                line,
                drivers=activity.drivers,
                powers=activity.powers,
                complements=activity.complements,
            )
        )
    return tuple(aligned)


def paired_samples(
    baseline: Result,
    scenario: Result,
    *,
    draws: int = 2000,
    seed: int = 0,
    replaced_fields: Iterable[str] = (),
) -> PairedSamples:
    """Draw ``baseline`` and ``scenario`` jointly (shared factor and driver multipliers)."""
    if draws < 100:
        raise ValueError("Au moins 100 tirages sont nécessaires pour un intervalle à 95 %.")
    scenario_lines = align_scenario_lines(baseline, scenario, replaced_fields)
    lines = (*baseline.lines, *scenario_lines)
    owner = np.array([0] * len(baseline.lines) + [1] * len(scenario_lines), dtype=int)
    kg = np.array([line.kgco2e for line in lines], dtype=float)

    factor_ids = sorted({SAME_FACTOR.get(line.factor_id, line.factor_id) for line in lines})
    factor_index = {f: i for i, f in enumerate(factor_ids)}
    line_factor = np.array(
        [factor_index[SAME_FACTOR.get(line.factor_id, line.factor_id)] for line in lines],
        dtype=int,
    )
    line_sigma = np.array(
        [np.log1p(line.factor_uncertainty_pct / 100) / Z975 for line in lines], dtype=float
    )
    driver_index: dict[str, int] = {}
    for driver in (
        *unique_drivers(lines),
        *baseline.sessions_drivers,
        *scenario.sessions_drivers,
    ):
        driver_index.setdefault(driver.id, len(driver_index))
    plan = ActivityPlan(lines, driver_index, len(driver_index))

    rng = np.random.default_rng(seed)
    z_factors = rng.standard_normal((draws, len(factor_ids)))
    z_drivers = rng.standard_normal((draws, len(driver_index)))
    uniforms = rng.random((draws, len(plan.groups))) if plan.groups else None
    plan.cap(z_drivers)
    log_mult = z_factors[:, line_factor] * line_sigma + z_drivers @ plan.loadings
    multipliers = np.exp(log_mult)
    if not plan.is_linear:
        plan.apply(multipliers, z_drivers, uniforms)
    weighted = multipliers * kg  # draws × lines

    def sessions(result: Result) -> np.ndarray:
        values = np.full(draws, result.sessions, dtype=float)
        for driver in result.sessions_drivers:
            values = values * np.exp(z_drivers[:, driver_index[driver.id]] * driver.sigma)
        return values

    def by_post(result: Result, which: int) -> dict[str, np.ndarray]:
        posts: dict[str, np.ndarray] = {}
        for post in result.posts:
            mask = np.array(
                [owner[i] == which and lines[i].post == post.id for i in range(len(lines))]
            )
            posts[post.id] = weighted[:, mask].sum(axis=1) if mask.any() else np.zeros(draws)
        return posts

    return PairedSamples(
        baseline=weighted[:, owner == 0].sum(axis=1),
        scenario=weighted[:, owner == 1].sum(axis=1),
        baseline_sessions=sessions(baseline),
        scenario_sessions=sessions(scenario),
        baseline_posts=by_post(baseline, 0),
        scenario_posts=by_post(scenario, 1),
    )
