"""« Évolution depuis l'an dernier » on the plan page: activity effect vs factor effect."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from django.urls import reverse

from kineco2.ecosoins import selectors
from kineco2.ecosoins.models import PlannedAction, PlanStatus
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.yoy import decompose_change
from kineco2.practices import services
from kineco2.practices.answers import to_input
from kineco2.practices.selectors import assessment_result

pytestmark = pytest.mark.django_db


def completed(practice, year, answers):
    assessment = services.assessment_create(practice=practice, reference_year=year)
    data = copy.deepcopy(answers)
    data["profile"]["reference_year"] = year
    services.assessment_replace_answers(assessment=assessment, answers=data)
    assessment.refresh_from_db()
    services.assessment_complete(
        assessment=assessment, result=assessment_result(assessment, draws=0)
    )
    return assessment


@pytest.fixture
def two_years(practice, answers):
    before = copy.deepcopy(answers)
    before["energie"]["heating_kwh"] = 18000  # a colder year, more gas
    previous = completed(practice, 2024, before)
    current = completed(practice, 2025, answers)
    return previous, current


def test_no_comparison_before_two_completed_years(logged_client, practice, answers):
    completed(practice, 2025, answers)
    response = logged_client.get(reverse("ecosoins_plan", args=[practice.pk]))
    assert response.status_code == 200
    assert "Validez les bilans de deux années" in response.content.decode()


def test_same_factor_version_everything_is_activity(logged_client, practice, two_years, synced):
    previous, current = two_years
    PlannedAction.objects.create(
        practice=practice, action_id="chauffage_consigne", status=PlanStatus.REALISEE
    )
    response = logged_client.get(reverse("ecosoins_plan", args=[practice.pk]))
    assert response.status_code == 200
    yoy = response.context["yoy"]
    change = yoy.change
    assert (yoy.previous, yoy.current) == (previous, current)
    assert change.factor_effect_kgco2e == 0
    assert change.activity_effect_kgco2e == pytest.approx(-2400 * 0.215)
    assert change.total_change_kgco2e == pytest.approx(
        current.snapshots.get().total_kgco2e - previous.snapshots.get().total_kgco2e
    )
    html = response.content.decode()
    assert "Évolution depuis l&#x27;an dernier" in html or "Évolution depuis l'an dernier" in html
    assert "Énergie du cabinet" in html and "\u22120,52\u00a0t CO2e" in html
    assert "Actions réalisées" in html and "Baisser la consigne de chauffage" in html


def test_a_factor_update_is_separated_from_the_activity(practice, two_years, monkeypatch):
    previous, current = two_years
    base = load_factors()  # the version of the stored snapshots
    changed = dict(base.factors)
    changed["gaz_naturel_pcs"] = dataclasses.replace(changed["gaz_naturel_pcs"], value=0.2)
    new = FactorSet(version="9999.1", factors=changed)
    current.snapshots.update(factors_version="9999.1")

    import kineco2.engine.yoy as yoy_module

    real = yoy_module._factors
    monkeypatch.setattr(yoy_module, "_factors", lambda v: new if v == "9999.1" else real(v))
    result = selectors.year_on_year(practice)
    change = result.change
    assert change.factors_changed
    # last year's 18 000 kWh PCS valued at 0,200 instead of 0,215; this year 2 400 kWh less
    assert change.factor_effect_kgco2e == pytest.approx(18000 * (0.200 - 0.215))
    assert change.activity_effect_kgco2e == pytest.approx(-2400 * 0.200)
    assert change.factor_effect_kgco2e + change.activity_effect_kgco2e == pytest.approx(
        change.total_change_kgco2e
    )
    direct = decompose_change(
        to_input(previous.answers), load_factors().version, to_input(current.answers), new
    )
    assert direct.total_change_kgco2e == pytest.approx(change.total_change_kgco2e)


def test_unknown_factor_version_gives_a_french_message(logged_client, practice, two_years):
    _, current = two_years
    current.snapshots.update(factors_version="1999.1")
    response = logged_client.get(reverse("ecosoins_plan", args=[practice.pk]))
    assert response.status_code == 200
    assert "Le calcul de l&#x27;évolution est impossible" in response.content.decode()


def test_across_versions_both_years_use_the_same_method_and_the_page_says_so(
    logged_client, practice, two_years, synced, monkeypatch
):
    """Last year computed with another version: it is recomputed with this year's, and said."""
    _previous, current = two_years
    base = load_factors()  # the version of the stored snapshots
    changed = dict(base.factors)
    changed["gaz_naturel_pcs"] = dataclasses.replace(changed["gaz_naturel_pcs"], value=0.2)
    new = FactorSet(version="9999.1", factors=changed)
    current.snapshots.update(factors_version="9999.1")

    import kineco2.engine.yoy as yoy_module

    real = yoy_module._factors
    monkeypatch.setattr(yoy_module, "_factors", lambda v: new if v == "9999.1" else real(v))
    response = logged_client.get(reverse("ecosoins_plan", args=[practice.pk]))
    change = response.context["yoy"].change
    assert change.method_changed
    # B (last year's answers, this year's method) is the like-for-like baseline
    assert change.total.restated_kgco2e - change.total.previous_kgco2e == pytest.approx(
        18000 * (0.200 - base["gaz_naturel_pcs"].value)
    )
    html = response.content.decode()
    assert "Les deux années sont comparées avec la même méthode" in html
    assert "a été recalculé avec la méthode 9999.1" in html
