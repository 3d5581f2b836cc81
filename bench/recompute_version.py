"""Benchmark of the panel recompute under a methodology version (issue 13): print figures only.

    .venv/bin/python bench/recompute_version.py            # 50 000 synthetic assessments
    KINECO2_BENCH_N=5000 .venv/bin/python bench/recompute_version.py

Target: recomputing 50 000 stored assessments under a new version as a background job, with
progress, ≤ 60 s; resumable after an interruption without writing anything twice. The stored
results of the bench are those of ``bench/aggregates.py``'s cache (computed once, with the
version in force then); the drafts start from that version, so steps 1–2 take the vectorised
batch path; step 4 recomputes under the published version when it differs (new defaults:
one by one from the answers). ``KINECO2_BENCH_STORED_VERSION=2025.1`` (see ``aggregates.py``)
stores the panel under 2025.1, so that step 4 measures 2025.1 → 2026.1; ``KINECO2_BENCH_SKIP=1``
skips steps 1–3; ``KINECO2_BENCH_WORKERS`` sets the processes. Each step prints its CPU time
(this process and its worker processes) and the throughput per busy process, which hold on
a shared machine where the wall-clock time does not.

Uses the synthetic panel and the throw-away SQLite database of ``bench/aggregates.py`` (cached
in ``/tmp/kineco2-bench``); with ``DATABASE_URL`` (an empty PostgreSQL database, created
beforehand) the database is filled on each run. A draft version (the current factors with the mainland electricity
×1,25 and natural gas ×0,9) is written to a temporary copy of the methodology data, then:

1. the job runs to the end (:func:`kineco2.methodology.services.run_job`, default workers),
   progress on stderr; a sample is checked against :func:`kineco2.engine.compute`;
2. a second draft is interrupted at about half-way, then resumed: the figures are counted
   (exactly one per assessment) and the time of both parts is printed;
3. the effect on the panel (:func:`kineco2.methodology.selectors.panel_effect`) is read.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import aggregates as panel_bench  # noqa: E402  (bench/aggregates.py: synthetic panel, database)

N = panel_bench.N


class Interrupted(Exception):
    pass


def draft(data_dir: Path, version: str, scale: dict[str, float], base_version: str) -> None:
    """A draft: the factors of ``base_version`` (that of the stored results) × ``scale``."""
    from kineco2.engine.versions import entry

    base = entry(base_version)
    with (data_dir / "factors" / f"{base.factors}.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows, fields = list(reader), reader.fieldnames
    for row in rows:
        if row["id"] in scale:
            row["value"] = repr(float(row["value"]) * scale[row["id"]])
    with (data_dir / "factors" / f"{version}.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    with (data_dir / "versions.yaml").open("a", encoding="utf-8") as fh:
        fh.write(
            f'  - version: "{version}"\n    status: brouillon\n    defaults: "{base.defaults}"\n'
        )


def cpu() -> float:
    """CPU seconds (user + system) of this process and of its reaped children (the pool)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def cpu_line(done: int, seconds: float, cpu_seconds: float) -> str:
    per_process = done / cpu_seconds if cpu_seconds else 0.0
    return (
        f"   CPU {cpu_seconds:.1f} s (processus et sous-processus) : {per_process:.0f} bilans/s "
        f"par processus occupé ; {done / seconds:.0f} bilans/s au total ; charge "
        f"{os.getloadavg()[0]:.1f}"
    )


def progress(stop_at: int | None = None):
    def show(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        end = "\n" if done >= total else ""
        print(f"\r   {done:>6} / {total} ({percent} %)", end=end, file=sys.stderr, flush=True)
        if stop_at is not None and done >= stop_at:
            print(file=sys.stderr)
            raise Interrupted

    return show


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    import numpy as np

    print(
        f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, charge "
        f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}"
    )
    print(f"\n{N} bilans synthétiques (bench/aggregates.py)")
    arrays = panel_bench.synthetic()
    # PostgreSQL (DATABASE_URL, an empty database): filled on every run; SQLite: a cached copy
    postgres = bool(os.environ.get("DATABASE_URL"))
    pristine = panel_bench.CACHE / f"db-{panel_bench.TAG}.sqlite3"
    with tempfile.TemporaryDirectory(prefix="kineco2-bench-") as tmp:
        var_dir = Path(tmp)
        if pristine.exists() and not postgres:
            shutil.copyfile(pristine, var_dir / "db.sqlite3")
        panel_bench.setup_django(var_dir)
        from django.conf import settings
        from django.core.management import call_command

        if postgres:
            panel_bench.fill_database(arrays)
        elif not pristine.exists():
            panel_bench.fill_database(arrays)
            from django.db import connection

            connection.close()
            shutil.copyfile(var_dir / "db.sqlite3", pristine)
        call_command("migrate", verbosity=0)

        from kineco2.engine.versions import REGISTRY

        data_dir = var_dir / "methodology"
        data_dir.mkdir()
        shutil.copytree(REGISTRY.parent / "factors", data_dir / "factors")
        shutil.copytree(REGISTRY.parent / "defaults", data_dir / "defaults")
        shutil.copy(REGISTRY, data_dir / "versions.yaml")
        from kineco2.practices.models import ResultSnapshot

        stored = ResultSnapshot.objects.values_list("factors_version", flat=True).first()
        print(f"   résultats enregistrés avec la version {stored}")
        draft(data_dir, "2099.1", {"elec_fr_mix_moyen": 1.25, "gaz_naturel_pcs": 0.9}, stored)
        draft(data_dir, "2099.2", {"elec_fr_mix_moyen": 0.8, "fioul_litre": 1.1}, stored)
        settings.KINECO2_METHODOLOGY_REGISTRY = str(data_dir / "versions.yaml")

        from kineco2.benchmarks.services import default_workers
        from kineco2.engine import compute, parse_input
        from kineco2.engine.versions import methodology_sets
        from kineco2.methodology.models import VersionFigures
        from kineco2.methodology.selectors import panel_effect
        from kineco2.methodology.services import run_job, start_job

        workers = int(os.environ.get("KINECO2_BENCH_WORKERS", "0")) or default_workers()
        if os.environ.get("KINECO2_BENCH_SKIP", "0") != "1":
            print(f"\n1. Recalcul complet sous la version 2099.1 ({workers} processus)")
            start, start_cpu = time.perf_counter(), cpu()
            job = run_job(start_job("2099.1"), progress=progress(), workers=workers)
            seconds, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
            print(
                f"   {job.done} bilans en {seconds:.1f} s ({job.batch} vectorisés, {job.scalar} un "
                f"par un, {job.failed} échecs)"
            )
            print(cpu_line(job.done, seconds, cpu_seconds))
            factors, defaults = methodology_sets("2099.1", data_dir / "versions.yaml")
            stored = dict(
                VersionFigures.objects.filter(version="2099.1").values_list(
                    "assessment__practice__name", "total_kg"
                )
            )
            from kineco2.engine.errors import InputError

            worst, checked, refused = 0.0, 0, 0
            for i in range(0, N, max(1, N // 200)):
                answers = json.loads(
                    panel_bench._unpack(arrays["answers_blob"], arrays["answers_offsets"], i)
                )
                try:  # answers stored before a newer rule (e.g. an ambiguous commune code)
                    inputs = parse_input(answers)
                except InputError:
                    refused += 1
                    continue
                expected = compute(inputs, factors=factors, defaults=defaults)
                got = stored[f"Cabinet synthétique {i + 1}"]
                worst = max(worst, abs(got - expected.total_kgco2e) / expected.total_kgco2e)
                checked += 1
            print(
                f"   contrôle sur {checked} bilans : écart relatif max. à compute() = {worst:.1e}"
                f" ({refused} réponses refusées aujourd'hui par le schéma, non comparées)"
            )

            print("\n2. Interruption à mi-parcours puis reprise (version 2099.2)")
            job = start_job("2099.2")
            start = time.perf_counter()
            try:
                run_job(
                    job, progress=progress(stop_at=N // 2), workers=1, chunk_size=max(50, N // 50)
                )
            except Interrupted:
                pass
            first = time.perf_counter() - start
            kept = VersionFigures.objects.filter(version="2099.2").count()
            start = time.perf_counter()
            job = run_job(job, progress=progress(), workers=workers)
            second = time.perf_counter() - start
            count = VersionFigures.objects.filter(version="2099.2").count()
            distinct = (
                VersionFigures.objects.filter(version="2099.2")
                .values("assessment_id")
                .distinct()
                .count()
            )
            print(
                f"   interrompu après {kept} bilans ({first:.1f} s, 1 processus) ; reprise : "
                f"{job.done - kept} bilans en {second:.1f} s ; {count} lignes pour {distinct} bilans "
                f"(attendu : {N}, aucune en double)"
            )

            print("\n3. Effet sur le panel (page des mainteneurs)")
            start = time.perf_counter()
            effect = panel_effect("2099.1")
            seconds = time.perf_counter() - start
            print(
                f"   {effect.n} bilans lus et résumés en {seconds * 1000:.0f} ms ; évolution médiane "
                f"du total : {effect.relative_pct.median:+.2f} % ; {len(effect.movers)} bilans qui "
                f"bougent le plus"
            )
        del np

        from kineco2.engine.versions import current_version

        release = current_version().version
        if release != stored and os.environ.get("KINECO2_BENCH_RELEASE", "1") == "1":
            print(
                f"\n4. Recalcul sous la version publiée {release} (nouvelles valeurs par défaut :"
            )
            print("   un par un, à partir des réponses)")
            start, start_cpu = time.perf_counter(), cpu()
            job = run_job(start_job(release), progress=progress(), workers=workers)
            seconds, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
            print(
                f"   {job.done} bilans en {seconds:.1f} s ({job.batch} vectorisés, {job.scalar} "
                f"un par un, {job.failed} échecs)"
            )
            print(cpu_line(job.done + job.failed, seconds, cpu_seconds))
            factors, defaults = methodology_sets(release)
            figures = dict(
                VersionFigures.objects.filter(version=release).values_list(
                    "assessment__practice__name", "total_kg"
                )
            )
            worst, checked = 0.0, 0
            for i in range(0, N, max(1, N // 200)):
                answers = json.loads(
                    panel_bench._unpack(arrays["answers_blob"], arrays["answers_offsets"], i)
                )
                got = figures.get(f"Cabinet synthétique {i + 1}")
                try:
                    expected = compute(parse_input(answers), factors=factors, defaults=defaults)
                except InputError:
                    continue
                worst = max(worst, abs(got - expected.total_kgco2e) / expected.total_kgco2e)
                checked += 1
            print(
                f"   contrôle sur {checked} bilans : écart relatif max. à compute() complet "
                f"(avec facteurs d'incertitude) = {worst:.1e}"
            )


if __name__ == "__main__":
    main()
