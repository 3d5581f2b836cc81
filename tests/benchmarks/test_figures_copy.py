"""The figures rows hold a copy of their practice's region and mode of practice (the
population is read without a join): written by sync_figures, kept in step with every save of
the practice, filled by the migration for rows written before."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import transaction

from kineco2.benchmarks import selectors
from kineco2.benchmarks.models import AssessmentFigures
from kineco2.practices.models import Practice

from .conftest import BRETAGNE, add_result, make_practice

pytestmark = pytest.mark.django_db


def copies_match() -> int:
    """Asserts every figures row's copy equals its practice; returns the number of rows."""
    rows = list(
        AssessmentFigures.objects.values_list(
            "region_code", "practice_mode", "practice__region_code", "practice__practice_mode"
        )
    )
    assert rows
    assert [(r, m) for r, m, _, _ in rows] == [(r, m) for _, _, r, m in rows]
    return len(rows)


def test_sync_writes_the_copies_and_saves_keep_them(small_cells):
    bretagne, reunion = small_cells
    selectors.load_population("autodiagnostics", year=2025)  # folds the figures
    assert copies_match() == 27
    practice = bretagne[0]
    practice.practice_mode = "msp"
    practice.save(update_fields=["practice_mode"])
    assert AssessmentFigures.objects.get(practice=practice).practice_mode == "msp"
    practice.region_code = "94"
    practice.save()
    assert AssessmentFigures.objects.get(practice=practice).region_code == "94"
    copies_match()
    # A coordinator of Corse now reads this practice (scoped on the copy).
    from kineco2.panel.roles import Perimeter

    corse = Perimeter(national=False, regions=frozenset({"94"}), is_maintainer=False)
    population = selectors.load_population(
        "autodiagnostics", year=2025, perimeter=corse, use_cache=False
    )
    assert len(population) == 9 and set(population.region.tolist()) == {"94"}
    # A rolled-back change leaves the copy.
    with pytest.raises(RuntimeError), transaction.atomic():
        practice.region_code = BRETAGNE
        practice.save()
        raise RuntimeError
    assert AssessmentFigures.objects.get(practice=practice).region_code == "94"
    # A raw save (fixtures) too.
    practice = Practice.objects.get(pk=reunion[0].pk)
    practice.practice_mode = "centre_sante"
    practice.save_base(raw=True)
    copies_match()
    # A later result of a moved practice keeps the new region.
    add_result(bretagne[0], 12_345.0, per_session=1.5)
    selectors.load_population("autodiagnostics", year=2025)
    copies_match()


def test_the_migration_fills_the_rows_written_before(small_cells):
    add_result(make_practice("75011", mode="seul"), 5_000.0, per_session=1.0)
    selectors.load_population("autodiagnostics", year=2025)
    AssessmentFigures.objects.update(region_code="", practice_mode="")
    migration = importlib.import_module("kineco2.benchmarks.migrations.0003_figures_region_mode")
    migration.fill(apps, None)
    assert copies_match() == 28
