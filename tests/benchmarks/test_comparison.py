"""« Votre cabinet parmi les cabinets comparables »: groups, fallbacks, percentiles, partial."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from kineco2.benchmarks.aggregates import Population
from kineco2.benchmarks.comparison import compare, compare_in, comparison_for


def population(groups):
    """``groups``: (count, zone type, size class, first value) → per-session values 1, 2, 3…"""
    rows = []
    practice_id = 100
    for count, zone, size, start in groups:
        for i in range(count):
            value = start + i
            rows.append(
                {
                    "total_kg": value * 4000,
                    "per_session_kg": value,
                    "posts": {},
                    "region": "53",
                    "zone": zone,
                    "size": size,
                    "mode": "groupe",
                    "practice_id": practice_id,
                }
            )
            practice_id += 1
    return Population.from_records(rows)


def run(pop, value=3.5, **kwargs):
    return compare_in(
        pop, per_session_kg=value, total_kg=value * 4000, zone="rural", size="2-3", **kwargs
    )


def test_same_zone_and_size_first():
    outcome = run(population([(6, "rural", "2-3", 1.0), (10, "paris", "2-3", 50.0)]))
    comparison = outcome.comparison
    assert comparison.group == "zone_taille"
    assert comparison.fallback is None
    assert comparison.n == 6
    assert "cabinets de 2 ou 3 kinés en zone « rural, à l'écart des villes »" in (
        comparison.group_label
    )
    assert comparison.per_session.percentile == 50.0  # 1 2 3 | 4 5 6
    assert comparison.per_session.cell.median == 3.5
    assert comparison.total.percentile == 50.0


def test_falls_back_to_the_same_size_and_says_so():
    outcome = run(population([(3, "rural", "2-3", 1.0), (4, "paris", "2-3", 10.0)]))
    comparison = outcome.comparison
    assert comparison.group == "taille"
    assert comparison.n == 7
    assert comparison.fallback.startswith("Moins de 5 cabinets de 2 ou 3 kinés en zone")
    assert "la comparaison porte sur les cabinets de 2 ou 3 kinés" in comparison.fallback
    # 1 2 3 below 3.5, 10 11 12 13 above: 3 of 7.
    assert comparison.per_session.percentile == pytest.approx(100 * 3 / 7)


def test_falls_back_to_every_practice_and_says_so():
    outcome = run(population([(2, "rural", "2-3", 1.0), (1, "paris", "2-3", 2.0),
                              (4, "paris", "1", 20.0)]))  # fmt: skip
    comparison = outcome.comparison
    assert comparison.group == "national"
    assert comparison.n == 7
    assert "l'ensemble des cabinets" in comparison.fallback
    assert comparison.group_label == "tous les cabinets"


def test_never_on_fewer_than_five():
    outcome = run(population([(4, "rural", "2-3", 1.0)]))
    assert outcome.comparison is None
    assert "moins de 5 autres cabinets" in outcome.reason
    # The practice itself is not one of its comparables.
    pop = population([(5, "rural", "2-3", 1.0)])
    assert run(pop).comparison is not None
    assert run(pop, exclude_practice=100).comparison is None


def test_ties_count_for_half():
    comparison = run(population([(6, "rural", "2-3", 1.0)]), value=3.0).comparison
    assert comparison.per_session.percentile == pytest.approx(100 * 2.5 / 6)
    assert "42\u00a0% des cabinets comparables émettent moins que le vôtre" == (
        comparison.per_session.rank_text
    )


@pytest.mark.django_db
def test_comparison_for_a_real_result(practice):
    from kineco2.engine import compute
    from kineco2.practices.answers import to_input
    from tests.benchmarks.conftest import add_result, make_practice
    from tests.practices.conftest import ANSWERS

    result = compute(to_input(ANSWERS))
    assert comparison_for(result, practice, reference_year=2025) is None
    outcome = compare(result, practice, reference_year=2025)
    assert "moins de 5 autres cabinets" in outcome.reason and "2025" in outcome.reason
    html = render_to_string("benchmarks/_comparison.html", {"benchmark": outcome})
    assert "Votre cabinet parmi les cabinets comparables" in html
    assert "Pas encore de comparaison" in html

    for i in range(6):
        other = make_practice("35000", practitioners=2)
        add_result(other, 9000.0 + 500 * i, per_session=1.0 + 0.2 * i, zone=result.patient_zone)
    add_result(practice, 1.0, per_session=0.001)  # its own result is not a comparable
    comparison = comparison_for(result, practice, reference_year=2025)
    assert comparison is not None
    assert comparison.group == "zone_taille"
    assert comparison.n == 6
    assert comparison.population == "autodiagnostics"
    outcome = compare(result, practice, reference_year=2025)
    html = render_to_string("benchmarks/_comparison.html", {"benchmark": outcome})
    assert "<svg" in html and 'role="img"' in html
    assert "Par séance" in html and "kg CO2e par séance" in html
    assert " style=" not in html  # the CSP forbids inline styles
    assert "Autodiagnostics" in html or "autodiagnostics" in html
