"""« Votre cabinet parmi les cabinets comparables »: groups, fallbacks, positions, partial."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from kineco2.benchmarks import disclosure
from kineco2.benchmarks.aggregates import Population, overview
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


def run(pop, value=8.0, **kwargs):
    return compare_in(
        overview(pop), per_session_kg=value, total_kg=value * 4000, zone="rural", size="2-3",
        **kwargs,
    )  # fmt: skip


def test_same_zone_and_size_first():
    outcome = run(population([(15, "rural", "2-3", 1.0), (15, "paris", "2-3", 50.0)]))
    comparison = outcome.comparison
    assert comparison.group == "zone_taille"
    assert comparison.fallback is None
    assert comparison.n == 15
    assert "cabinets de 2 ou 3 kinés en zone « Rural, à l'écart des villes »" in (
        comparison.group_label
    )
    # Median: mean of 6…10 = 8, within ±3 %: the position is about 50 %.
    low, high = disclosure.published_bounds(8.0)
    assert low <= comparison.per_session.cell.median <= high
    assert 40 <= comparison.per_session.percentile <= 60
    assert comparison.per_session.rank_text.startswith("environ ")
    assert comparison.total is not None


def test_falls_back_to_the_same_size_and_says_so():
    outcome = run(population([(5, "rural", "2-3", 1.0), (20, "paris", "2-3", 10.0)]))
    comparison = outcome.comparison
    assert comparison.group == "taille"
    assert comparison.n == 25
    assert comparison.fallback.startswith("Trop peu de cabinets de 2 ou 3 kinés en zone")
    assert "la comparaison porte sur les cabinets de 2 ou 3 kinés" in comparison.fallback


def test_falls_back_to_every_practice_and_says_so():
    outcome = run(population([(4, "rural", "2-3", 1.0), (3, "paris", "2-3", 2.0),
                              (20, "paris", "1", 20.0)]))  # fmt: skip
    comparison = outcome.comparison
    assert comparison.group == "national"
    assert comparison.n == 25
    assert "l'ensemble des cabinets" in comparison.fallback
    assert comparison.group_label == "tous les cabinets"


def test_never_on_fewer_than_fifteen():
    outcome = run(population([(14, "rural", "2-3", 1.0)]))
    assert outcome.comparison is None
    assert "au moins 15 cabinets" in outcome.reason


def test_the_position_does_not_depend_on_unpublished_values():
    """Probing with one's own value only reveals the published quantiles."""
    base = population([(15, "rural", "2-3", 1.0)])
    rows = [
        {"total_kg": (1.0 + i) * 4000, "per_session_kg": 1.0 + i, "posts": {}, "region": "53",
         "zone": "rural", "size": "2-3", "mode": "groupe", "practice_id": 100 + i}
        for i in range(15)
    ]  # fmt: skip
    rows[0]["per_session_kg"] = 0.5  # the smallest value changes: no published figure moves
    changed = Population.from_records(rows)
    for value in (0.2, 0.7, 1.2, 3.3, 8.0, 12.5, 15.0, 40.0):
        a = run(base, value=value).comparison.per_session
        b = run(changed, value=value).comparison.per_session
        assert (a.percentile, a.share) == (b.percentile, b.share), value


@pytest.mark.django_db
def test_comparison_for_a_real_result(practice):
    from kineco2.engine import compute
    from kineco2.practices.answers import to_input
    from tests.benchmarks.conftest import add_result, make_practice
    from tests.practices.conftest import ANSWERS

    result = compute(to_input(ANSWERS))
    assert comparison_for(result, practice, reference_year=2025) is None
    outcome = compare(result, practice, reference_year=2025)
    assert "au moins 15 cabinets" in outcome.reason and "2025" in outcome.reason
    html = render_to_string("benchmarks/_comparison.html", {"benchmark": outcome})
    assert "Votre cabinet parmi les cabinets comparables" in html
    assert "Pas encore de comparaison" in html

    size = "35000"
    for i in range(16):
        other = make_practice(size, practitioners=practice.practitioners or 2)
        add_result(other, 9000.0 + 500 * i, per_session=1.0 + 0.2 * i, zone=result.patient_zone)
    comparison = comparison_for(result, practice, reference_year=2025)
    assert comparison is not None
    assert comparison.n == 15
    assert comparison.population == "autodiagnostics"
    outcome = compare(result, practice, reference_year=2025)
    html = render_to_string("benchmarks/_comparison.html", {"benchmark": outcome})
    assert "<svg" in html and 'role="img"' in html
    assert "Par séance" in html and "kg CO2e par séance" in html
    assert " style=" not in html  # the CSP forbids inline styles
    assert "Autodiagnostics" in html or "autodiagnostics" in html


def _population_in(groups_by_region):
    """{region: [(count, zone, size, first value)]} → a population."""
    rows = []
    practice_id = 100
    for region, groups in groups_by_region.items():
        for count, zone, size, start in groups:
            for i in range(count):
                value = start + i
                rows.append(
                    {
                        "total_kg": value * 4000, "per_session_kg": value, "posts": {},
                        "region": region, "zone": zone, "size": size, "mode": "groupe",
                        "practice_id": practice_id,
                    }
                )  # fmt: skip
                practice_id += 1
    return Population.from_records(rows)


def test_overseas_practice_compared_first_with_its_territory():
    pop = _population_in({"53": [(40, "rural", "2-3", 1.0)], "04": [(30, "rural", "2-3", 5.0)]})
    outcome = run(pop, value=20.0, region="04", territory_label="La Réunion")
    comparison = outcome.comparison
    assert comparison.group == "territoire"
    assert comparison.group_label == "cabinets de La Réunion"
    assert comparison.per_session.outside == ""


def test_overseas_practice_among_mainland_ones_never_concludes():
    pop = _population_in({"53": [(40, "rural", "2-3", 1.0)]})
    outcome = run(pop, value=50.0, region="04", territory_label="La Réunion")
    comparison = outcome.comparison
    assert comparison.group == "zone_taille"
    assert "électricité de La Réunion" in comparison.fallback
    text = comparison.per_session.rank_text
    assert "hors de La Réunion" in text and "électricité" in text
    assert not text.startswith("tous les cabinets comparables émettent moins")


def test_mainland_practice_is_not_affected():
    pop = _population_in({"53": [(40, "rural", "2-3", 1.0)], "04": [(30, "rural", "2-3", 5.0)]})
    outcome = run(pop, value=3.0, region="53", territory_label="France continentale")
    assert outcome.comparison.group == "zone_taille"
    assert outcome.comparison.per_session.outside == ""
