"""État des lieux on the cold and the warm path, at 50 000 assessments: print figures only.

    .venv/bin/python bench/etat_des_lieux.py                                   # SQLite file
    .venv/bin/python bench/etat_des_lieux.py --database postgres://postgres@127.0.0.1:5432/kineco2_x
    .venv/bin/python bench/etat_des_lieux.py --n 5000 --rounds 5 --no-http

1. A throw-away database (SQLite file in a temporary directory, or ``<name>_edl`` on the
   PostgreSQL server, created then dropped) gets ``--n`` practices, assessments and result
   snapshots in bulk (synthetic figures: lognormal totals, 13 posts, the engine's patient
   zones, communes of every region including overseas; the snapshots' JSON holds only what the
   état des lieux reads — see ``bench/aggregates.py`` for full results), and a validated panel
   of ``--panel`` practices, so that the page shows the panel (and checks it against the
   self-diagnoses, which is the costlier case). The figures table is folded once.
2. The freshness check: the data generation (one primary-key lookup) against the former
   ``COUNT``/``MAX`` over four tables.
3. In-process (Django test client, no network): **cold** — one practice stores a new result
   (the data generation changes) and the cache is emptied, then the request — and **warm** —
   the same request again. Wall-clock and CPU time of this process (``time.process_time``:
   Python, numpy and the database client; a PostgreSQL server's own CPU is not in it). Then,
   with Redis, what a visitor gets **after the background rebuild** that the change enqueued
   (``kineco2.benchmarks.tasks``, run here in process with the worker's own loop): the task's
   CPU time, then the request. The cold figures are the true cold path: no task runs before
   them.
4. Through HTTP (gunicorn as documented, ``src/kineco2/gunicorn_conf.py``; Redis ``REDIS_URL``
   or db 13 shared with this process so that it can empty the cache): the same cold and warm
   requests, sequential.

Medians of ``--rounds`` rounds (and the maximum for the cold path).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
PY = sys.executable
sys.path.insert(0, str(ROOT / "bench"))
from load import describe, gunicorn_command, served_by  # noqa: E402

YEAR = 2025
PATHS = {
    "page": "/etat-des-lieux/",
    "csv": "/etat-des-lieux/etat-des-lieux.csv",
    "json": "/etat-des-lieux/api/distributions",
    "pdf": "/etat-des-lieux/etat-des-lieux.pdf",
}


def load() -> str:
    try:
        return "charge moyenne " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "charge inconnue"


# -- 1. data ----------------------------------------------------------------------------------
def fill(n: int, panel: int) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from kineco2.benchmarks.aggregates import POST_IDS
    from kineco2.benchmarks.services import sync_figures
    from kineco2.engine import geography
    from kineco2.practices.models import Assessment, Practice, ResultSnapshot

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"   migrations : {time.perf_counter() - start:.1f} s")
    rng = np.random.default_rng(1)
    communes = geography.all_communes()
    # Mostly mainland, a few percent overseas (every region is represented).
    picks = rng.choice(len(communes), size=n)
    zones = list(geography.PATIENT_ZONES)
    modes = ["seul", "groupe", "msp", "centre_sante"]
    now = timezone.now()
    start = time.perf_counter()
    step = 5000
    for low in range(0, n, step):
        high = min(n, low + step)
        with transaction.atomic():
            practices = []
            for i in range(low, high):
                commune = communes[int(picks[i])]
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
                        practitioners=int(rng.integers(1, 7)),
                        practice_mode=modes[int(rng.integers(0, 4))],
                    )
                )
            practices = Practice.objects.bulk_create(practices, batch_size=1000)
            assessments = Assessment.objects.bulk_create(
                [
                    Assessment(practice=p, reference_year=YEAR, answers={}, completed_at=now)
                    for p in practices
                ],
                batch_size=1000,
            )
            totals = rng.lognormal(np.log(9000), 0.5, size=high - low)
            shares = rng.dirichlet(np.ones(len(POST_IDS)), size=high - low)
            sessions = rng.integers(2000, 9000, size=high - low).astype(float)
            snapshots = []
            for j, (practice, assessment) in enumerate(zip(practices, assessments, strict=True)):
                total = float(totals[j])
                posts = {p: float(total * shares[j, k]) for k, p in enumerate(POST_IDS)}
                per_session = None if j % 50 == 0 else total / float(sessions[j])
                snapshots.append(
                    ResultSnapshot(
                        assessment=assessment,
                        answers_hash="bench",
                        factors_version="bench",
                        defaults_version="bench",
                        schema_version="bench",
                        engine_version="bench",
                        total_kgco2e=total,
                        per_session_kgco2e=per_session,
                        posts=posts,
                        data={
                            "patient_zone": zones[int(rng.integers(0, len(zones)))],
                            "practitioners": practice.practitioners,
                            "sessions": float(sessions[j]),
                        },
                    )
                )
            ResultSnapshot.objects.bulk_create(snapshots, batch_size=1000)
        print(f"\r   base : {high} / {n}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"   {n} cabinets, bilans et résultats insérés en {time.perf_counter() - start:.1f} s")
    if panel:
        make_panel(panel)
    analyze()
    start = time.perf_counter()
    sync_figures()
    print(f"   table des chiffres remplie en {time.perf_counter() - start:.1f} s (une fois)")
    analyze()


def analyze() -> None:
    """Table statistics, as autovacuum keeps them in production (else plans are blind)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def make_panel(size: int) -> None:
    """A closed campaign whose first ``size`` practices' participations are validated."""
    from django.utils import timezone

    from kineco2.panel import testing
    from kineco2.panel.models import Candidate, PanelParticipation, ParticipationStatus
    from kineco2.practices.models import Practice

    campaign = testing.make_campaign("closed", reference_year=YEAR)
    practices = list(Practice.objects.order_by("pk")[:size])
    template = testing.make_candidate(campaign, "35000")
    fields = {
        f.name: getattr(template, f.name)
        for f in Candidate._meta.concrete_fields
        if f.name not in ("id", "ref", "campaign", "email")
    }
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(campaign=campaign, ref=f"B{i:06d}", email=f"b{i}@example.fr", **fields)
            for i in range(1, len(practices))
        ]
    )
    candidates = [template, *candidates]
    now = timezone.now()
    PanelParticipation.objects.bulk_create(
        [
            PanelParticipation(
                campaign=campaign,
                candidate=candidate,
                region_code=practice.region_code,
                quota_index=0,
                practice=practice,
                status=ParticipationStatus.VALIDE,
                validated_at=now,
            )
            for candidate, practice in zip(candidates, practices, strict=True)
        ]
    )
    print(f"   panel : {len(practices)} participations validées")


# -- 2. freshness -----------------------------------------------------------------------------
def old_stamp() -> None:
    """The former freshness check (before kineco2.benchmarks.freshness): COUNT/MAX per table."""
    from django.db.models import Count, Max

    from kineco2.benchmarks.models import AssessmentFigures
    from kineco2.panel.models import PanelParticipation
    from kineco2.practices.models import Assessment, Practice

    AssessmentFigures.objects.aggregate(n=Count("pk"), pk=Max("snapshot_id"))
    Practice.objects.aggregate(n=Count("pk"), pk=Max("pk"))
    Assessment.objects.aggregate(n=Count("pk"), pk=Max("pk"))
    PanelParticipation.objects.aggregate(
        n=Count("pk"), at=Max("validated_at"), w=Max("withdrawn_at"), pk=Max("pk")
    )


def timed(fn, rounds: int) -> tuple[float, float, float]:
    """(median wall s, median CPU s, max wall s) of ``fn`` over ``rounds`` calls."""
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus), max(walls)


def freshness_figures(rounds: int) -> None:
    from kineco2.benchmarks import freshness

    old_stamp()
    wall, cpu, _ = timed(old_stamp, rounds * 3)
    print(
        f"   avant : COUNT/MAX sur quatre tables : {wall * 1000:.1f} ms ({cpu * 1000:.1f} ms CPU)"
    )
    freshness.current()
    wall, cpu, _ = timed(freshness.current, rounds * 20)
    print(f"   après : génération des données (clé primaire) : {wall * 1000:.2f} ms "
          f"({cpu * 1000:.2f} ms CPU)")  # fmt: skip


# -- 3. in-process ----------------------------------------------------------------------------
class Changer:
    """Stores a new result for one practice (as a kiné completing a bilan does)."""

    def __init__(self) -> None:
        from kineco2.practices.models import ResultSnapshot

        self.template = ResultSnapshot.objects.order_by("pk").first()
        self.count = 0

    def __call__(self) -> None:
        from django.core.cache import cache

        from kineco2.practices.models import ResultSnapshot

        self.count += 1
        template = self.template
        ResultSnapshot.objects.create(
            assessment_id=template.assessment_id,
            answers_hash="bench",
            factors_version="bench",
            defaults_version="bench",
            schema_version="bench",
            engine_version="bench",
            total_kgco2e=template.total_kgco2e * (1 + self.count / 1000),
            per_session_kgco2e=template.per_session_kgco2e,
            posts=template.posts,
            data=template.data,
        )
        cache.clear()


def in_process(rounds: int, kinds: list[str], profile: bool = False) -> None:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    change = Changer()
    if profile:
        import cProfile
        import pstats

        for kind in kinds:
            client.get(PATHS[kind])
            change()
            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(client.get, PATHS[kind])
            print(f"   --- profil d'une requête à froid : {kind}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    for kind in kinds:
        path = PATHS[kind]
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        cold_walls, cold_cpus = [], []
        for _ in range(rounds):
            change()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            cold_cpus.append(time.process_time() - cpu)
            cold_walls.append(time.perf_counter() - wall)
            assert response.status_code == 200
        warm, warm_cpu, _ = timed(lambda p=path: client.get(p), rounds * 3)
        print(
            f"   {kind:5s} à froid {statistics.median(cold_walls) * 1000:7.0f} ms "
            f"(max {max(cold_walls) * 1000:.0f} ; CPU {statistics.median(cold_cpus) * 1000:.0f} ms)"
            f" · à chaud {warm * 1000:6.1f} ms (CPU {warm_cpu * 1000:.1f} ms)"
        )
    rebuilt(client, change, rounds, kinds)


def rebuilt(client, change, rounds: int, kinds: list[str]) -> None:
    """What a visitor gets once the task worker has rebuilt the tables after the change
    (kineco2.benchmarks.tasks, enqueued by the change itself): the rebuild's own CPU time (in
    this process, as the worker would spend it; its wait for quiet data set to 0), then the
    request."""
    from django.conf import settings
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from kineco2.jobs.worker import run_pending

    if not settings.KINECO2_REBUILD_PUBLISHED_TABLES:
        print("   (reconstruction en arrière-plan désactivée : pas de Redis)")
        return
    # In production the task waits KINECO2_REBUILD_DELAY_SECONDS without changes; here it runs
    # at once, so that the figure is the request after the rebuild.
    settings.KINECO2_REBUILD_DELAY_SECONDS = 0
    for kind in kinds:
        path = PATHS[kind]
        tasks, walls, cpus = [], [], []
        for _ in range(rounds):
            # Rebuilds queued by the cold rounds above would only find a newer generation.
            DBTaskResult.objects.filter(
                status=TaskResultStatus.READY, task_path__endswith="rebuild_published_tables"
            ).delete()
            change()
            cpu = time.process_time()
            ran = run_pending()
            tasks.append(time.process_time() - cpu)
            assert ran == 1, ran
            wall, cpu = time.perf_counter(), time.process_time()
            assert client.get(path).status_code == 200
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
        print(
            f"   {kind:5s} après reconstruction en arrière-plan (CPU de la tâche "
            f"{statistics.median(tasks) * 1000:.0f} ms) : {statistics.median(walls) * 1000:6.1f} ms"
            f" (CPU {statistics.median(cpus) * 1000:.1f} ms)"
        )


# -- 4. HTTP ----------------------------------------------------------------------------------
def through_http(env: dict, rounds: int, kinds: list[str], port: int) -> None:
    command = gunicorn_command(port)  # as documented (src/kineco2/gunicorn_conf.py)
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    change = Changer()

    def get(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            response.read()

    try:
        for _ in range(150):
            try:
                get("/")
                break
            except OSError:
                time.sleep(0.2)
        for kind in kinds:
            path = PATHS[kind]
            for _ in range(2 * served_by(command)[0]):
                get(path)  # every worker warmed up (requests go to any free worker)
            cold = []
            for _ in range(rounds):
                change()
                start = time.perf_counter()
                get(path)
                cold.append(time.perf_counter() - start)
            warm, _, _ = timed(lambda p=path: get(p), rounds * 3)
            print(
                f"   {kind:5s} à froid {statistics.median(cold) * 1000:7.0f} ms "
                f"(max {max(cold) * 1000:.0f}) · à chaud {warm * 1000:6.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--panel", type=int, default=3_000, help="validated participations")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database", default="", help="postgres://…/name (default: SQLite)")
    parser.add_argument("--kinds", default="page,csv,json,pdf")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile one cold request")
    parser.add_argument("--port", type=int, default=8813)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database kept by --keep (no fill)"
    )
    parser.add_argument(
        "--population",
        default="",
        help="?population= of every request (autodiagnostics: the self-diagnoses' own tables; "
        "default: the page's default, the panel)",
    )
    args = parser.parse_args()
    if args.population:
        for kind, path in PATHS.items():
            PATHS[kind] = f"{path}?population={args.population}"
    sys.stdout.reconfigure(line_buffering=True)
    kinds = args.kinds.split(",")
    var = tempfile.mkdtemp(prefix="kineco2-edl-")
    env = {
        **os.environ,
        "KINECO2_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.bench",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        "PYTHONPATH": str(ROOT / "src"),  # gunicorn serves this checkout
    }
    env.pop("DATABASE_URL", None)
    created = None
    if args.database:
        server, _, name = args.database.rpartition("/")
        created = f"{name}_edl"
        if not args.reuse:
            for sql in (f"DROP DATABASE IF EXISTS {created}", f"CREATE DATABASE {created}"):
                subprocess.run(["psql", server + "/postgres", "-qc", sql], check=True)
        env["DATABASE_URL"] = f"{server}/{created}"
    os.environ.update(env)
    if not args.database:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.db import connection

    print(
        f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, "
        f"{'PostgreSQL' if args.database else 'SQLite'} — "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {load()}"
    )
    try:
        if args.reuse:
            from django.core.management import call_command

            from kineco2.benchmarks.models import AssessmentFigures

            call_command("migrate", verbosity=0)  # a database kept by an older checkout
            print(f"\n1. Base conservée : {AssessmentFigures.objects.count()} bilans")
        else:
            print(f"\n1. {args.n} bilans")
            fill(args.n, args.panel)
        print(f"\n2. Vérification de fraîcheur ({load()})")
        freshness_figures(args.rounds)
        print(f"\n3. Dans le processus (client de test Django) ({load()})")
        in_process(args.rounds, kinds, args.profile)
        if not args.no_http:
            print(
                f"\n4. Par HTTP (gunicorn {describe(gunicorn_command(args.port))}, Redis) ({load()})"
            )
            connection.close()
            through_http(env, args.rounds, kinds, args.port)
        print(f"\nFin : {load()}")
    finally:
        connection.close()
        if created and not (args.keep or args.reuse):
            subprocess.run(
                ["psql", args.database.rpartition("/")[0] + "/postgres", "-qc",
                 f"DROP DATABASE IF EXISTS {created}"],
                check=False,
            )  # fmt: skip


if __name__ == "__main__":
    main()
