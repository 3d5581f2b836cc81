"""``recompute_snapshots``: after a factor update, the same totals as compute(), new version."""

from __future__ import annotations

import copy
import dataclasses
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kineco2.benchmarks import freshness, selectors
from kineco2.benchmarks.services import recompute_snapshots
from kineco2.engine import compute
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.practices import services
from kineco2.practices.answers import to_input
from kineco2.practices.models import ResultSnapshot
from tests.benchmarks.conftest import make_practice
from tests.practices.conftest import ANSWERS

pytestmark = pytest.mark.django_db


def variants() -> list[dict]:
    rennes = copy.deepcopy(ANSWERS)
    reunion = copy.deepcopy(ANSWERS)
    reunion["profile"]["commune"] = "97400"
    reunion["energie"] = {"electricity_kwh": 9000, "heating_energy": "aucun"}
    reunion["froid"] = {"ac_units": 2}
    fuel = copy.deepcopy(ANSWERS)
    fuel["energie"] = {"heating_energy": "fioul", "fuel_oil_litres": 1500}
    fuel["profile"]["practitioners"] = 3
    return [rennes, reunion, fuel]


@pytest.fixture
def validated():
    """Three completed assessments, each with a snapshot of the current factors."""
    assessments = []
    for index, answers in enumerate(variants()):
        practice = make_practice(answers["profile"]["commune"], name=f"Cabinet {index}")
        assessment = services.assessment_create(practice=practice, reference_year=2025)
        assessment = services.assessment_replace_answers(assessment=assessment, answers=answers)
        services.assessment_complete(assessment=assessment, result=compute(to_input(answers)))
        assessments.append(assessment)
    return assessments


def changed(**values: float) -> FactorSet:
    base = load_factors()
    factors = dict(base.factors)
    for factor_id, value in values.items():
        factors[factor_id] = dataclasses.replace(factors[factor_id], value=value)
    return FactorSet(version="2099.1", factors=factors)


def latest(assessment) -> ResultSnapshot:
    return assessment.snapshots.order_by("-pk").first()


def test_same_totals_as_compute_after_a_factor_change(validated):
    base = load_factors()
    new = changed(
        elec_fr_mix_moyen=base["elec_fr_mix_moyen"].value * 2,
        elec_reunion=base["elec_reunion"].value * 0.5,
        fioul_litre=base["fioul_litre"].value * 1.3,
    )
    selectors.load_overview("autodiagnostics", year=2025)  # cached
    generation = freshness.current()
    report = recompute_snapshots(factors=new, workers=1)
    assert (report.total, report.batch, report.scalar, report.failed) == (3, 3, 0, [])
    assert freshness.current() != generation  # bulk_create sends no signal: bumped explicitly
    assert ResultSnapshot.objects.count() == 6  # the old snapshots stay (history)
    for assessment in validated:
        snapshot = latest(assessment)
        expected = compute(to_input(assessment.answers), factors=new)
        assert snapshot.factors_version == "2099.1"
        assert snapshot.data["versions"]["factors"] == "2099.1"
        assert snapshot.total_kgco2e == pytest.approx(expected.total_kgco2e, rel=1e-12)
        assert snapshot.per_session_kgco2e == pytest.approx(expected.per_session_kgco2e, rel=1e-12)
        for post in expected.posts:
            assert snapshot.posts[post.id] == pytest.approx(post.kgco2e, rel=1e-12, abs=1e-9)
        lines = [line for post in snapshot.data["posts"] for line in post["lines"]]
        assert sum(line["kgco2e"] for line in lines) == pytest.approx(expected.total_kgco2e)
        for line in lines:
            assert line["factor_value"] == new[line["factor_id"]].value
            assert line["kgco2e"] == pytest.approx(line["quantity"] * line["factor_value"])
        assert snapshot.interval_low_kgco2e is None  # no Monte Carlo in the batch
    electricity = next(
        line
        for post in latest(validated[0]).data["posts"]
        for line in post["lines"]
        if line["factor_id"] == "elec_fr_mix_moyen"
    )
    assert "0,104 kgCO2e/kWh" in electricity["detail"]
    # The état des lieux reads the new figures.
    population = selectors.load_population("autodiagnostics", year=2025, use_cache=False)
    assert sorted(population.total_kg) == pytest.approx(
        sorted(latest(a).total_kgco2e for a in validated)
    )
    # Nothing left to do for this version.
    assert recompute_snapshots(factors=new, workers=1).total == 0


def test_a_changed_method_parameter_takes_the_scalar_path(validated):
    new = changed(
        duree_amortissement_materiel=load_factors()["duree_amortissement_materiel"].value + 3
    )
    report = recompute_snapshots(factors=new, workers=1)
    assert (report.batch, report.scalar, report.failed) == (0, 3, [])
    for assessment in validated:
        expected = compute(to_input(assessment.answers), factors=new)
        snapshot = latest(assessment)
        assert snapshot.factors_version == "2099.1"
        assert snapshot.total_kgco2e == pytest.approx(expected.total_kgco2e, rel=1e-12)


def test_command_prints_a_progress_bar_and_stores_the_version(validated):
    out, err = StringIO(), StringIO()
    version = load_factors().version
    call_command(
        "recompute_snapshots", "--factors-version", version, "--force", "--workers", "1",
        "--chunk-size", "2", stdout=out, stderr=err,
    )  # fmt: skip
    assert "0 / 3 (0\u00a0%)" in err.getvalue()
    assert "2 / 3 (66\u00a0%)" in err.getvalue()
    assert "3 / 3 (100\u00a0%)" in err.getvalue()
    assert f"Facteurs {version} : 3 résultat(s) enregistré(s) sur 3" in out.getvalue()
    assert ResultSnapshot.objects.count() == 6
    for assessment in validated:
        before, after = assessment.snapshots.order_by("pk")
        assert after.factors_version == version
        assert after.total_kgco2e == pytest.approx(before.total_kgco2e, rel=1e-12)
        assert after.answers_hash == before.answers_hash
    out = StringIO()
    call_command("recompute_snapshots", "--factors-version", version, "--workers", "1", stdout=out)
    assert "Rien à recalculer" in out.getvalue()


def test_command_refuses_an_unknown_version(validated):
    with pytest.raises(CommandError, match="inconnue"):
        call_command("recompute_snapshots", "--factors-version", "1999.9", stdout=StringIO())
