"""Benchmarks of the état des lieux and of the batch recompute (issue 5): print figures only.

    .venv/bin/python bench/aggregates.py            # 50 000 synthetic assessments
    KINECO2_BENCH_N=5000 .venv/bin/python bench/aggregates.py

Targets: dashboard aggregates over 50 000 assessments ≤ 300 ms; recompute of every snapshot
after a factor update ≤ 60 s for 50 000.

1. 50 000 answer sets from :func:`kineco2.engine.synthetic.generate` (seed 1), computed one by
   one (scalar path, in worker processes). Answers and results are cached in
   ``/tmp/kineco2-bench/synthetic-<n>.npz`` (JSON texts + arrays) between runs.
2. Aggregates on numpy arrays (:func:`kineco2.benchmarks.aggregates.overview`).
3. The ORM path: a throw-away SQLite database with 50 000 practices, assessments and
   ``ResultSnapshot`` rows (``bulk_create``; the filled database is cached next to the .npz
   and copied for each run), read in one ``values_list`` query, then aggregated.
4. ``recompute_snapshots`` under a changed factor set, progress on stderr; a sample of the
   new totals is checked against :func:`kineco2.engine.compute`.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

N = int(os.environ.get("KINECO2_BENCH_N", "50000"))
CACHE = Path(os.environ.get("KINECO2_BENCH_CACHE", "/tmp/kineco2-bench"))
#: methodology version of the stored results ("" = the version in force when the cache is
#: built). ``KINECO2_BENCH_STORED_VERSION=2025.1`` stores 2025.1 results, so that recomputing
#: them under 2026.1 takes the one-by-one path (new defaults and post logic).
STORED_VERSION = os.environ.get("KINECO2_BENCH_STORED_VERSION", "")
TAG = f"{N}-{STORED_VERSION}" if STORED_VERSION else f"{N}"
YEAR = 2025


def timeit(fn, repeat: int) -> tuple[float, object]:
    """Median seconds over ``repeat`` calls, and the last value."""
    rounds, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        rounds.append(time.perf_counter() - start)
    return statistics.median(rounds), value


# -- 1. synthetic assessments, cached -----------------------------------------------------
def _compute_slice(answers: list[dict]) -> list[tuple[str, str]]:
    from kineco2.engine import compute, parse_input
    from kineco2.engine.versions import methodology_sets

    factors, defaults = methodology_sets(STORED_VERSION) if STORED_VERSION else (None, None)
    out = []
    for item in answers:
        item["profile"]["reference_year"] = YEAR
        result = compute(parse_input(item), factors=factors, defaults=defaults)
        out.append((json.dumps(item, ensure_ascii=False), json.dumps(result.to_dict())))
    return out


def _pack(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    blobs = [t.encode("utf-8") for t in texts]
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    return np.frombuffer(b"".join(blobs), dtype=np.uint8), offsets


def _unpack(blob: np.ndarray, offsets: np.ndarray, i: int) -> str:
    return blob[offsets[i] : offsets[i + 1]].tobytes().decode("utf-8")


def synthetic() -> dict[str, np.ndarray]:
    path = CACHE / f"synthetic-{TAG}.npz"
    if path.exists():
        with np.load(path) as cached:
            return {key: cached[key] for key in cached.files}
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"   génération et calcul de {N} bilans (une fois, mis en cache dans {path})…")
    from kineco2.engine.synthetic import generate

    start = time.perf_counter()
    answers = generate(N, seed=1)
    print(f"   générés en {time.perf_counter() - start:.1f} s")
    step = max(1, N // 40)
    slices = [answers[i : i + step] for i in range(0, N, step)]
    pairs: list[tuple[str, str]] = []
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for part in pool.map(_compute_slice, slices):
            pairs += part
    print(f"   calculés en {time.perf_counter() - start:.1f} s")
    from kineco2.engine import geography
    from kineco2.engine.posts import POST_IDS

    answers_blob, answers_offsets = _pack([a for a, _ in pairs])
    data_blob, data_offsets = _pack([d for _, d in pairs])
    rows = []
    for answers_text, data_text in pairs:
        answers, data = json.loads(answers_text), json.loads(data_text)
        commune = geography.locate(answers["profile"]["commune"])
        posts = {p["id"]: p["kgco2e"] for p in data["posts"]}
        rows.append(
            (
                data["total_kgco2e"],
                data["per_session_kgco2e"],
                [posts[p] for p in POST_IDS],
                answers["profile"]["practitioners"],
                answers["profile"].get("practice_mode", "seul"),
                data["patient_zone"],
                commune.code_insee,
                commune.region_code,
            )
        )
    arrays = {
        "answers_blob": answers_blob,
        "answers_offsets": answers_offsets,
        "data_blob": data_blob,
        "data_offsets": data_offsets,
        "total_kg": np.array([r[0] for r in rows], float),
        "per_session_kg": np.array([r[1] for r in rows], float),
        "posts_kg": np.array([r[2] for r in rows], float),
        "practitioners": np.array([r[3] for r in rows], np.int64),
        "mode": np.array([r[4] for r in rows], str),
        "patient_zone": np.array([r[5] for r in rows], str),
        "commune": np.array([r[6] for r in rows], str),
        "region": np.array([r[7] for r in rows], str),
    }
    np.savez_compressed(path, **arrays)
    return arrays


# -- 2. numpy aggregates --------------------------------------------------------------------
def numpy_aggregates(arrays: dict[str, np.ndarray]) -> None:
    from kineco2.benchmarks.aggregates import Population, overview, size_class, zone_type

    population = Population.from_columns(
        total_kg=arrays["total_kg"],
        per_session_kg=arrays["per_session_kg"],
        posts_kg=arrays["posts_kg"],
        region=arrays["region"],
        zone=[zone_type(z) for z in arrays["patient_zone"]],
        size=[size_class(int(p)) for p in arrays["practitioners"]],
        mode=arrays["mode"],
    )
    overview(population)
    seconds, result = timeit(lambda: overview(population), 9)
    cells = sum(len(row.cells) for b in result.breakdowns.values() for row in b.rows)
    print(
        f"   agrégats sur {len(population)} bilans (5 découpages, {cells} cases, "
        f"5 centiles chacune) : {seconds * 1000:.0f} ms (médiane de 9)"
    )


# -- 3. ORM path ----------------------------------------------------------------------------
def setup_django(var_dir: Path) -> None:
    os.environ["KINECO2_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "kineco2.settings.bench"
    import django

    django.setup()


def fill_database(arrays: dict[str, np.ndarray]) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from kineco2.engine import geography
    from kineco2.practices.models import Assessment, Practice, ResultSnapshot

    call_command("migrate", verbosity=0)
    now = timezone.now()
    step = 2000
    start = time.perf_counter()
    for low in range(0, N, step):
        high = min(N, low + step)
        with transaction.atomic():
            practices = []
            for i in range(low, high):
                commune = geography.commune_by_insee(str(arrays["commune"][i]))
                practices.append(
                    Practice(
                        name=f"Cabinet synthétique {i + 1}",
                        commune_code=commune.code_insee,
                        commune_name=commune.name,
                        postal_code=commune.postal_codes[0] if commune.postal_codes else "",
                        departement=commune.departement,
                        region_code=commune.region_code,
                        region_name=commune.region_name,
                        territory=commune.territory,
                        practitioners=int(arrays["practitioners"][i]),
                        practice_mode=str(arrays["mode"][i]),
                    )
                )
            practices = Practice.objects.bulk_create(practices)
            assessments = Assessment.objects.bulk_create(
                Assessment(
                    practice=practice,
                    reference_year=YEAR,
                    answers=json.loads(
                        _unpack(arrays["answers_blob"], arrays["answers_offsets"], i)
                    ),
                    completed_at=now,
                )
                for i, practice in zip(range(low, high), practices, strict=True)
            )
            snapshots = []
            for i, assessment in zip(range(low, high), assessments, strict=True):
                data = json.loads(_unpack(arrays["data_blob"], arrays["data_offsets"], i))
                snapshots.append(
                    ResultSnapshot(
                        assessment=assessment,
                        answers_hash="bench",
                        factors_version=data["versions"]["factors"],
                        defaults_version=data["versions"]["defaults"],
                        schema_version=data["versions"]["schema"],
                        engine_version=data["versions"]["engine"],
                        total_kgco2e=data["total_kgco2e"],
                        per_session_kgco2e=data["per_session_kgco2e"],
                        posts={p["id"]: p["kgco2e"] for p in data["posts"]},
                        data=data,
                    )
                )
            ResultSnapshot.objects.bulk_create(snapshots, batch_size=500)
        print(f"\r   base : {high} / {N}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"   base remplie en {time.perf_counter() - start:.1f} s")


def orm_aggregates() -> None:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    from kineco2.benchmarks import selectors
    from kineco2.benchmarks.aggregates import overview
    from kineco2.benchmarks.services import sync_figures

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    written = sync_figures()
    print(f"   première synchronisation de la table des chiffres ({written} bilans) : "
          f"{time.perf_counter() - start:.1f} s (une fois)")  # fmt: skip

    def cold():
        return selectors.load_population("autodiagnostics", year=YEAR, use_cache=False)

    cold()
    seconds, population = timeit(cold, 5)
    print(f"   lecture ORM (une requête values_list, {len(population)} lignes) : "
          f"{seconds * 1000:.0f} ms (médiane de 5)")  # fmt: skip
    seconds, _ = timeit(lambda: overview(cold()), 5)
    print(f"   lecture ORM + agrégats : {seconds * 1000:.0f} ms (médiane de 5)")
    cache.clear()
    selectors.load_population("autodiagnostics", year=YEAR)
    seconds, _ = timeit(
        lambda: overview(selectors.load_population("autodiagnostics", year=YEAR)), 9
    )
    print(f"   population en cache (vérification de fraîcheur comprise) + agrégats : "
          f"{seconds * 1000:.0f} ms (médiane de 9)")  # fmt: skip
    cache.clear()
    selectors.load_overview("autodiagnostics", year=YEAR)
    seconds, _ = timeit(lambda: selectors.load_overview("autodiagnostics", year=YEAR), 9)
    print(f"   tableaux en cache (ce que servent les pages tant que rien ne change) : "
          f"{seconds * 1000:.0f} ms (médiane de 9)")  # fmt: skip
    seconds, _ = timeit(selectors._stamp, 9)
    print(f"   dont la vérification de fraîcheur (agrégats SQL) : {seconds * 1000:.1f} ms")
    with connection.cursor() as cursor:
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        size = cursor.fetchone()[0]
    print(f"   taille de la base SQLite : {size / 1e9:.2f} Go")


# -- 4. recompute ---------------------------------------------------------------------------
def changed_factors():
    from kineco2.engine.factors import FactorSet, load_factors

    base = load_factors()
    changed = dict(base.factors)
    for factor_id, ratio in (("elec_fr_mix_moyen", 1.25), ("gaz_naturel_pcs", 0.9)):
        changed[factor_id] = dataclasses.replace(
            changed[factor_id], value=changed[factor_id].value * ratio, uncertainty_pct=15
        )
    return FactorSet(version="2099.1", factors=changed)


def progress_printer():
    def show(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        end = "\n" if done >= total else ""
        print(f"\r   {done:>6} / {total} ({percent} %)", end=end, file=sys.stderr, flush=True)

    return show


def recompute(arrays: dict[str, np.ndarray]) -> None:
    from kineco2.benchmarks.services import default_workers, recompute_snapshots
    from kineco2.engine import compute, parse_input
    from kineco2.practices.models import ResultSnapshot

    factors = changed_factors()
    workers = default_workers()
    report = recompute_snapshots(factors=factors, progress=progress_printer(), workers=workers)
    print(
        f"   recalcul de {report.total} bilans (facteurs {factors.version}, {workers} "
        f"processus) : {report.seconds:.1f} s — {report.batch} par le chemin vectorisé, "
        f"{report.scalar} un par un, {len(report.failed)} échecs ; puis mise à jour des "
        f"chiffres de l'état des lieux : {report.sync_seconds:.1f} s"
    )
    sample = range(0, N, max(1, N // 200))
    stored = dict(
        ResultSnapshot.objects.filter(factors_version=factors.version).values_list(
            "assessment__practice__name", "total_kgco2e"
        )
    )
    worst = 0.0
    for i in sample:
        answers = json.loads(_unpack(arrays["answers_blob"], arrays["answers_offsets"], i))
        expected = compute(parse_input(answers), factors=factors).total_kgco2e
        got = stored[f"Cabinet synthétique {i + 1}"]
        worst = max(worst, abs(got - expected) / expected)
    print(f"   contrôle sur {len(sample)} bilans : écart relatif max. à compute() = {worst:.1e}")

    # The scalar fallback (a method parameter changed), on a sample.
    from kineco2.benchmarks.services import _scalar, RecomputeReport  # noqa: I001

    rows = list(
        ResultSnapshot.objects.filter(factors_version=factors.version)
        .order_by("pk")
        .values("pk", "assessment_id", "answers_hash", "factors_version", "defaults_version",
                "schema_version", "engine_version", "data")[:2000]
    )  # fmt: skip
    start = time.perf_counter()
    _scalar(rows, factors, RecomputeReport(factors_version=factors.version))
    seconds = time.perf_counter() - start
    print(
        f"   repli un par un (paramètre de méthode changé) : {len(rows)} bilans en "
        f"{seconds:.1f} s, soit ≈ {seconds / len(rows) * N:.0f} s pour {N}"
    )


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    print(
        f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python "
        f"{platform.python_version()}, numpy {np.__version__} — "
        f"{datetime.date.today().isoformat()}"
    )
    print(f"\n1. {N} bilans synthétiques")
    start = time.perf_counter()
    arrays = synthetic()
    print(f"   chargés en {time.perf_counter() - start:.1f} s")

    print("\n2. Agrégats du tableau de bord (numpy)")
    numpy_aggregates(arrays)

    print("\n3. Chemin ORM (SQLite jetable)")
    pristine = CACHE / f"db-{TAG}.sqlite3"
    with tempfile.TemporaryDirectory(prefix="kineco2-bench-") as tmp:
        var_dir = Path(tmp)
        if pristine.exists():
            shutil.copyfile(pristine, var_dir / "db.sqlite3")
        setup_django(var_dir)
        if not pristine.exists():
            fill_database(arrays)
            from django.db import connection

            connection.close()
            shutil.copyfile(var_dir / "db.sqlite3", pristine)
        orm_aggregates()

        print("\n4. Recalcul après une mise à jour des facteurs (recompute_snapshots)")
        recompute(arrays)


if __name__ == "__main__":
    main()
