"""« Have I improved? »: paired comparison of two years, significance, French verdicts."""

from __future__ import annotations

import copy

import pytest

from kineco2.engine.progress import THIS_YEAR, compare_years

LAST_YEAR = {
    "profile": {"commune": "35000", "practitioners": 2, "sessions_per_year": 8600},
    "energie": {
        "data_quality": "mesure",
        "electricity_kwh": 7800,
        "heating_energy": "gaz",
        "heating_kwh": 15600,
    },
}


def this_year(**energie):
    answers = copy.deepcopy(LAST_YEAR)
    answers["energie"].update(energie)
    return answers


def test_a_tiny_change_is_not_significant():
    progress = compare_years(LAST_YEAR, this_year(heating_kwh=15500), draws=2000)
    assert progress.total.difference < 0
    assert not progress.total.significant
    assert progress.total.low < 0 < progress.total.high
    assert progress.total.verdict == (
        "baisse de 0,1\u00a0%, pas significative compte tenu des incertitudes"
    )


def test_halving_the_heating_is_a_clear_decrease():
    progress = compare_years(LAST_YEAR, this_year(heating_kwh=5000), draws=2000)
    assert progress.total.significant and progress.total.high < 0
    assert progress.total.verdict.startswith("baisse nette de ")
    assert progress.per_session.significant
    energy = next(p for p in progress.posts if p.id == "energie")
    assert energy.significant
    assert progress.changed_posts()[0].id == "energie"


def test_same_answers_same_result():
    progress = compare_years(LAST_YEAR, copy.deepcopy(LAST_YEAR), draws=500)
    assert progress.total.difference == 0
    assert progress.total.low == progress.total.high == 0
    assert progress.total.verdict == "pas de changement"


def test_unchanged_answers_share_their_draw_changed_ones_do_not():
    """Paired draws: a copied answer is one datum; a new bill is a new measurement."""
    from kineco2.engine.compute import compute
    from kineco2.engine.progress import _independent_changed_answers
    from kineco2.engine.schema import parse_input

    current_answers = this_year(heating_kwh=5000)
    current = compute(parse_input(current_answers))
    paired = _independent_changed_answers(
        current,
        parse_input(LAST_YEAR).model_dump(),
        parse_input(current_answers).model_dump(),
    )
    ids = {d.id for line in paired.lines for d in line.drivers}
    assert "energie.electricity_kwh" in ids  # unchanged: shared with last year
    assert "energie.heating_kwh" + THIS_YEAR in ids  # changed: drawn independently
    assert "energie.heating_kwh" not in ids
    assert paired.total_kgco2e == current.total_kgco2e
    # the published result keeps its own driver names
    assert not any(d.id.endswith(THIS_YEAR) for line in current.lines for d in line.drivers)


def test_both_years_use_the_same_factor_version():
    progress = compare_years(LAST_YEAR, this_year(heating_kwh=5000), draws=200)
    assert progress.previous.factors_version == progress.current.factors_version
    assert progress.to_dict()["total"]["significant"] is True


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_verdicts_stable_across_seeds(seed):
    progress = compare_years(LAST_YEAR, this_year(heating_kwh=5000), draws=1000, seed=seed)
    assert progress.total.significant
