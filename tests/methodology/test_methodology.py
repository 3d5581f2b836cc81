"""Methodology pages and the panel recompute job: access, effect of a version, resumability,
practitioner's « recalculer avec la méthode », the public diff page."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from kineco2.engine import compute
from kineco2.engine.defaults import load_defaults
from kineco2.engine.versions import current_version, methodology_sets
from kineco2.methodology import services
from kineco2.methodology.models import JobStatus, RecomputeJob, VersionFigures
from kineco2.methodology.selectors import count, panel_effect
from kineco2.practices import services as practice_services
from kineco2.practices.answers import to_input
from kineco2.practices.models import ResultSnapshot
from tests.benchmarks.conftest import make_practice
from tests.methodology.conftest import write_version
from tests.practices.conftest import ANSWERS

pytestmark = pytest.mark.django_db

ELEC = "elec_fr_mix_moyen"


def stored_panel(n: int = 6) -> list:
    """``n`` completed assessments (Rennes, varied electricity), each with a stored result."""
    assessments = []
    for index in range(n):
        answers = copy.deepcopy(ANSWERS)
        answers["energie"]["electricity_kwh"] = 4000 + 1500 * index
        practice = make_practice("35000", name=f"Cabinet {index}")
        assessment = practice_services.assessment_create(practice=practice, reference_year=2025)
        assessment = practice_services.assessment_replace_answers(
            assessment=assessment, answers=answers
        )
        practice_services.assessment_complete(
            assessment=assessment, result=compute(to_input(answers))
        )
        assessments.append(assessment)
    return assessments


# -- access ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["methodology_versions"])
def test_maintainer_pages_refuse_anonymous_and_ordinary_users(client, user, name):
    url = reverse(name)
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(user)
    assert client.get(url).status_code == 403


def test_effect_pages_refuse_ordinary_users(client, user, data_dir):
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    client.force_login(user)
    for name in ("methodology_version_effect", "methodology_version_progress"):
        assert client.get(reverse(name, args=["2099.1"])).status_code == 403
    assert client.post(reverse("methodology_version_recompute", args=["2099.1"])).status_code == 403
    assert not RecomputeJob.objects.exists()


def test_panel_maintainer_role_also_grants_access(client, user):
    from kineco2.panel.models import PanelRole, RoleKind

    PanelRole.objects.create(user=user, role=RoleKind.MAINTAINER)
    client.force_login(user)
    assert client.get(reverse("methodology_versions")).status_code == 200


def test_versions_page_shows_status(client, maintainer, data_dir):
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    client.force_login(maintainer)
    body = client.get(reverse("methodology_versions")).content.decode()
    assert "2025.1" in body and "publiée" in body
    assert "2099.1" in body and "brouillon" in body
    assert client.get(reverse("methodology_version_effect", args=["1999.1"])).status_code == 404


# -- the job ---------------------------------------------------------------------------------
def test_job_recomputes_beside_the_stored_results(data_dir, maintainer):
    panel = stored_panel()
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    before = ResultSnapshot.objects.count()
    job = services.run_job(services.start_job("2099.1", user=maintainer), workers=1)
    assert job.status == JobStatus.TERMINE
    assert (job.total, job.done, job.failed, job.batch, job.scalar) == (6, 6, 0, 6, 0)
    assert ResultSnapshot.objects.count() == before  # stored results untouched
    factors, defaults = methodology_sets("2099.1", data_dir / "versions.yaml")
    for assessment in panel:
        figure = VersionFigures.objects.get(version="2099.1", assessment=assessment)
        expected = compute(to_input(assessment.answers), factors=factors, defaults=defaults)
        assert figure.total_kg == pytest.approx(expected.total_kgco2e, rel=1e-12)
        assert figure.old_version == current_version().factors


def test_new_defaults_go_one_by_one(data_dir):
    panel = stored_panel(5)
    write_version(
        data_dir, "2099.3", status="brouillon", defaults_change={"electricity_kwh_per_m2": 1.5}
    )
    job = services.run_job(services.start_job("2099.3"), workers=1)
    assert (job.done, job.batch, job.scalar) == (5, 0, 5)
    factors, defaults = methodology_sets("2099.3", data_dir / "versions.yaml")
    assert defaults.version == "2099.3" and load_defaults().version != "2099.3"
    figure = VersionFigures.objects.get(version="2099.3", assessment=panel[0])
    expected = compute(to_input(panel[0].answers), factors=factors, defaults=defaults)
    assert figure.total_kg == pytest.approx(expected.total_kgco2e, rel=1e-12)


def test_same_version_changes_nothing(data_dir):
    stored_panel(5)
    version = current_version().version  # the version of the stored results
    job = services.run_job(services.start_job(version), workers=1)
    assert job.done == 5
    for figure in VersionFigures.objects.filter(version=version):
        assert figure.total_kg == pytest.approx(figure.old_total_kg, rel=1e-12)
        assert figure.posts == figure.old_posts or bytes(figure.posts) == bytes(figure.old_posts)


def test_job_resumes_after_an_interruption_without_writing_twice(data_dir, monkeypatch):
    stored_panel(6)
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    job = services.start_job("2099.1")
    calls = {"n": 0}
    original = services.process_chunk

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("coupure simulée")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "process_chunk", crash_on_second)
    with pytest.raises(RuntimeError):
        services.run_job(job, chunk_size=2, workers=1)
    job.refresh_from_db()
    assert job.status == JobStatus.ECHEC and job.done == 2
    assert "coupure simulée" in job.message
    monkeypatch.setattr(services, "process_chunk", original)
    resumed = services.run_job(
        services.start_job("2099.1") if False else job, chunk_size=2, workers=1
    )
    assert resumed.status == JobStatus.TERMINE
    assert resumed.done == 6
    assert VersionFigures.objects.filter(version="2099.1").count() == 6
    # running it again writes nothing new
    again = services.run_job(resumed, chunk_size=2, workers=1)
    assert again.done == 6 and VersionFigures.objects.filter(version="2099.1").count() == 6


def test_a_result_stored_again_is_recomputed(data_dir):
    panel = stored_panel(5)
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    services.run_job(services.start_job("2099.1"), workers=1)
    practice_services.assessment_complete(
        assessment=panel[0], result=compute(to_input(panel[0].answers))
    )
    services.run_job(services.start_job("2099.1"), workers=1)
    figure = VersionFigures.objects.get(version="2099.1", assessment=panel[0])
    assert figure.snapshot_id == panel[0].snapshots.order_by("-pk").first().pk
    assert VersionFigures.objects.filter(version="2099.1").count() == 5


def test_task_queue_runs_the_job(client, maintainer, data_dir):
    stored_panel(5)
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    client.force_login(maintainer)
    response = client.post(reverse("methodology_version_recompute", args=["2099.1"]))
    assert response.status_code == 302
    try:
        from kineco2.jobs.worker import run_pending
    except ImportError:  # no worker: Django's immediate backend ran it already
        pass
    else:
        run_pending()
    job = RecomputeJob.objects.get(version="2099.1")
    assert job.status == JobStatus.TERMINE and job.done == 5
    body = client.get(reverse("methodology_version_progress", args=["2099.1"])).content.decode()
    assert "5 bilan(s) recalculé(s) sur 5" in body


# -- the effect on the panel -----------------------------------------------------------------
def test_effect_page_distribution_posts_and_movers(client, maintainer, data_dir):
    stored_panel(16)  # enough for a median under the disclosure rules
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    services.run_job(services.start_job("2099.1"), workers=1)
    effect = panel_effect("2099.1")
    assert effect.n == 16
    assert effect.relative_pct.median > 0  # electricity doubled: every total goes up
    energy = next(p for p in effect.posts if p.id == "energie")
    assert energy.change_kg.median > 0 and energy.moved == count(16)
    travel = next(p for p in effect.posts if p.id == "deplacements_patients")
    assert travel.change_kg.median == pytest.approx(0, abs=1e-9)
    mover = effect.movers[0]
    assert mover.posts[0][0] == energy.label  # the move is explained by the energy post
    assert "Cabinet 15" not in str(effect)  # no practice name
    client.force_login(maintainer)
    body = client.get(reverse("methodology_version_effect", args=["2099.1"])).content.decode()
    assert "Les bilans qui bougent le plus" in body
    assert "Cabinet 15" not in body


def test_small_panel_is_suppressed(data_dir):
    stored_panel(4)
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    services.run_job(services.start_job("2099.1"), workers=1)
    effect = panel_effect("2099.1")
    assert effect.relative_pct.suppressed
    assert all(p.change_kg.suppressed for p in effect.posts)
    assert all(count is None for _, count in effect.histogram)
    assert effect.movers == []


# -- practitioners ---------------------------------------------------------------------------
def test_practitioner_sees_both_figures_and_the_split(client, user, practice, data_dir):
    answers = copy.deepcopy(ANSWERS)
    assessment = practice_services.assessment_create(practice=practice, reference_year=2025)
    assessment = practice_services.assessment_replace_answers(
        assessment=assessment, answers=answers
    )
    stored = compute(to_input(answers))
    practice_services.assessment_complete(assessment=assessment, result=stored)
    # answers edited since, then a new version is published
    answers["energie"]["electricity_kwh"] = 12_000
    practice_services.assessment_replace_answers(assessment=assessment, answers=answers)
    write_version(data_dir, "2099.2", status="publiee", scale={ELEC: 2.0})
    client.force_login(user)
    results = client.get(reverse("assessment_results", args=[assessment.pk])).content.decode()
    assert "recalculer avec la méthode 2099.2" in results
    url = reverse("assessment_method", args=[assessment.pk])
    response = client.get(url)
    assert response.status_code == 200
    change = response.context["change"]
    assert change.total.answers_effect > 0 and change.total.method_effect > 0
    assert change.total.answers_effect + change.total.method_effect == change.total.total_change
    body = response.content.decode()
    assert "Effet de vos réponses" in body and "Effet de la méthode" in body
    assert f"méthode <strong>{stored.factors_version}</strong>" in body
    assert ResultSnapshot.objects.filter(assessment=assessment).count() == 1
    response = client.post(url)
    assert response.status_code == 302
    latest = assessment.snapshots.order_by("-pk").first()
    assert latest.factors_version == "2099.2"
    assert ResultSnapshot.objects.filter(assessment=assessment).count() == 2  # history kept


def test_practitioner_page_of_another_practice_is_404(client, user, other_practice):
    assessment = practice_services.assessment_create(practice=other_practice, reference_year=2025)
    client.force_login(user)
    assert client.get(reverse("assessment_method", args=[assessment.pk])).status_code == 404


# -- public diff page ------------------------------------------------------------------------
def test_public_changes_page(client, data_dir):
    write_version(data_dir, "2099.2", status="publiee", scale={ELEC: 2.0})
    write_version(data_dir, "2099.4", status="brouillon", scale={ELEC: 3.0})
    response = client.get(
        reverse("methodology_changes") + f"?de={current_version().version}&a=2099.2"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ce qui a changé entre deux versions" in body
    assert "Valeur mise à jour (test)." in body
    assert "+100,0" in body  # relative change of the electricity factor
    assert "2099.4" not in body  # drafts are not public
    assert client.get(reverse("methodology_changes") + "?de=2025.1&a=2099.4").status_code == 404
    assert client.get(reverse("methodology_changes") + "?de=x&a=y").status_code == 404


def test_recompute_version_command(data_dir):
    from io import StringIO

    from django.core.management import CommandError, call_command

    stored_panel(3)
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    out = StringIO()
    call_command("recompute_version", "2099.1", "--workers", "1", stdout=out, stderr=StringIO())
    assert "3 bilan(s) recalculé(s) sur 3" in out.getvalue()
    with pytest.raises(CommandError, match="Version de la méthode inconnue"):
        call_command("recompute_version", "1999.9", stdout=StringIO())


def test_a_mover_in_a_small_region_is_not_identifiable(client, maintainer, data_dir):
    """Attack: one practice of Normandie among a Breton panel moves most under a draft; a
    maintainer who knows the panel's regions must not be able to single it out (region, or
    its footprint in kg) from « les bilans qui bougent le plus » (decision 0008, rule 9)."""
    from kineco2.benchmarks.aggregates import size_class
    from kineco2.methodology.selectors import DESCRIPTIONS, min_count
    from kineco2.web.templatetags.kineco2 import tonnes

    stored_panel(14)  # Rennes (Bretagne)
    answers = copy.deepcopy(ANSWERS)
    answers["profile"]["commune"] = "14000"  # Caen (Normandie): the only one of its region
    answers["energie"]["electricity_kwh"] = 90_000  # electricity doubled: moves most
    practice = make_practice("14000", name="Cabinet de Caen")
    lonely = practice_services.assessment_create(practice=practice, reference_year=2025)
    lonely = practice_services.assessment_replace_answers(assessment=lonely, answers=answers)
    stored = compute(to_input(answers))
    practice_services.assessment_complete(assessment=lonely, result=stored)
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    services.run_job(services.start_job("2099.1"), workers=1)

    effect = panel_effect("2099.1")
    assert effect.movers, "the panel is large enough for movers"
    top = effect.movers[0]
    figure = VersionFigures.objects.get(version="2099.1", assessment=lonely)
    caen = figure.total_kg / figure.old_total_kg - 1
    assert top.relative == round(caen, 2) == max(m.relative for m in effect.movers) > 0.1
    assert top.region is None  # its region is left out: 1 practice < threshold
    assert all(m.region != "Normandie" for m in effect.movers)
    # every description shown is shared by at least min_count() practices of the panel
    rows = [
        (
            a.reference_year,
            a.practice.region_name,
            getattr(getattr(a, "figures", None), "zone", "") or "",
            size_class(a.practice.practitioners),
        )
        for a in lonely.__class__.objects.select_related("practice")
    ]
    assert len(rows) == 15
    for mover in effect.movers:
        shown = {"year": mover.reference_year, "region": mover.region}
        kept = [name for name, value in shown.items() if value is not None]
        peers = [r for r in rows if all(r[("year", "region").index(k)] == shown[k] for k in kept)]
        assert len(peers) >= min_count()
        assert mover.peers is not None
        assert not hasattr(mover, "old_kg") and not hasattr(mover, "new_kg")
    assert DESCRIPTIONS[-1] == ("year",)
    client.force_login(maintainer)
    body = client.get(reverse("methodology_version_effect", args=["2099.1"])).content.decode()
    assert "Les bilans qui bougent le plus" in body
    assert "Normandie" not in body and "Caen" not in body
    assert tonnes(stored.total_kgco2e, 2) not in body  # no footprint of the practice


def test_no_mover_when_its_year_is_too_rare(data_dir):
    """Even its year can single a practice out: a mover whose year fewer than the threshold
    share is not listed."""
    stored_panel(14)
    answers = copy.deepcopy(ANSWERS)
    answers["profile"]["reference_year"] = 2024
    answers["energie"]["electricity_kwh"] = 90_000
    practice = make_practice("35000", name="Cabinet 2024")
    lonely = practice_services.assessment_create(practice=practice, reference_year=2024)
    lonely = practice_services.assessment_replace_answers(assessment=lonely, answers=answers)
    practice_services.assessment_complete(assessment=lonely, result=compute(to_input(answers)))
    write_version(data_dir, "2099.1", status="brouillon", scale={ELEC: 2.0})
    services.run_job(services.start_job("2099.1"), workers=1)
    effect = panel_effect("2099.1")
    assert effect.movers and all(m.reference_year == 2025 for m in effect.movers)


# -- the one-by-one path in parallel (new defaults or post logic) ----------------------------
def _expected_posts(assessment, factors, defaults) -> bytes:
    from kineco2.benchmarks.services import posts_to_blob

    result = compute(to_input(assessment.answers), factors=factors, defaults=defaults)
    return posts_to_blob({post.id: post.kgco2e for post in result.posts})


@pytest.mark.django_db(transaction=True)
def test_one_by_one_in_worker_processes_equals_the_sequential_path(data_dir):
    panel = stored_panel(7)
    write_version(
        data_dir, "2099.3", status="brouillon", defaults_change={"electricity_kwh_per_m2": 1.5}
    )
    job = services.run_job(services.start_job("2099.3"), workers=2, chunk_size=2)
    assert (job.status, job.done, job.scalar, job.failed) == (JobStatus.TERMINE, 7, 7, 0)
    factors, defaults = methodology_sets("2099.3", data_dir / "versions.yaml")
    for assessment in panel:
        figure = VersionFigures.objects.get(version="2099.3", assessment=assessment)
        # the figures-only engine in a worker = the full engine, bit for bit
        assert bytes(figure.posts) == _expected_posts(assessment, factors, defaults)
        assert figure.scalar


@pytest.mark.django_db(transaction=True)
def test_parallel_job_interrupted_then_resumed_writes_each_figure_once(data_dir, monkeypatch):
    panel = stored_panel(8)
    write_version(
        data_dir, "2099.3", status="brouillon", defaults_change={"electricity_kwh_per_m2": 1.5}
    )
    doomed = max(s.pk for s in ResultSnapshot.objects.all())
    original = services.process_chunk

    def crash_on_one_chunk(job_id, snapshot_ids, *args, **kwargs):
        if doomed in snapshot_ids:
            raise RuntimeError("coupure simulée")
        return original(job_id, snapshot_ids, *args, **kwargs)

    monkeypatch.setattr(services, "process_chunk", crash_on_one_chunk)  # inherited by fork
    job = services.start_job("2099.3")
    with pytest.raises(RuntimeError):
        services.run_job(job, workers=2, chunk_size=2)
    job.refresh_from_db()
    assert job.status == JobStatus.ECHEC
    kept = VersionFigures.objects.filter(version="2099.3").count()
    assert kept < 8 and job.done == kept
    monkeypatch.setattr(services, "process_chunk", original)
    resumed = services.run_job(job, workers=2, chunk_size=2)
    assert (resumed.status, resumed.done, resumed.total) == (JobStatus.TERMINE, 8, 8)
    rows = VersionFigures.objects.filter(version="2099.3")
    assert rows.count() == 8 == rows.values("assessment_id").distinct().count()
    factors, defaults = methodology_sets("2099.3", data_dir / "versions.yaml")
    for assessment in panel:
        figure = rows.get(assessment=assessment)
        assert bytes(figure.posts) == _expected_posts(assessment, factors, defaults)


def test_insert_stores_what_bulk_create_stores_and_skips_what_is_there():
    stored_panel(3)
    rows = list(ResultSnapshot.objects.order_by("pk").values(*services._FIELDS))
    figures = [
        services._figure(row, "9999.1", {"energie": 1.5 * i, "linge": 0.1}, scalar=bool(i % 2))
        for i, row in enumerate(rows)
    ]
    services._insert(figures)
    # the same rows through the ORM, under another version
    VersionFigures.objects.bulk_create(
        [VersionFigures(**{**f._asdict(), "version": "9999.2"}) for f in figures]
    )
    fields = [name for name in services.Figure._fields if name != "version"]

    def read(version):
        return [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in VersionFigures.objects.filter(version=version)
            .order_by("assessment_id")
            .values_list(*fields)
        ]

    assert read("9999.1") == read("9999.2") == [tuple(f)[1:] for f in figures]
    # a row already stored (an interrupted chunk run again) is kept, not written twice
    services._insert([figures[0]._replace(total_kg=-1.0), figures[1]])
    assert VersionFigures.objects.filter(version="9999.1").count() == 3
    assert read("9999.1") == [tuple(f)[1:] for f in figures]
    services._insert([])


def test_draft_2026_2_diff_is_shown_to_maintainers_only(client, maintainer):
    url = reverse("methodology_changes") + "?de=2026.1&a=2026.2"
    assert client.get(url).status_code == 404  # a draft is not public
    client.force_login(maintainer)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "tram_metro" in body or "Métro, tramway, trolleybus" in body
    assert "+14,3" in body  # 0,0044 → 0,00503
    assert "élément 22024 est archivé" in body
