"""The first cold requests of a new server process, with and without the warm-up.

A gunicorn worker builds some things on first use (URL reverse tables, compiled templates,
modules a view imports lazily, its Typst compilers); ``kineco2.web.warmup`` builds them before
the first request (in the master before forking, and in each worker). This bench starts a new
Python process per measurement, sets Django up as gunicorn's preloaded master leaves it (the
URL conf imported), applies the warm-up or not, then serves ``--requests`` cold requests of
the état des lieux (the published data change before each, the cache is cleared) and prints
the CPU and wall time of each: the first against the next ones.

Needs a database kept by ``bench/etat_des_lieux.py --keep`` (50 000 assessments):

    .venv/bin/python bench/etat_des_lieux.py --database postgres://postgres@127.0.0.1:5432/kineco2_bench --keep --kinds page --no-http --rounds 1
    .venv/bin/python bench/first_request.py --database postgres://postgres@127.0.0.1:5432/kineco2_bench_edl [--kind page|pdf] [--population autodiagnostics] [--runs 2]

Old and new processes alternate (``--runs`` pairs); nothing is asserted, figures are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def child(kind: str, population: str, requests: int, warm: bool) -> None:
    """One new process: Django as the preloaded master has it, then cold requests."""
    sys.path.insert(0, str(ROOT / "bench"))
    from kineco2.web.memory import keep_freed_memory

    keep_freed_memory()  # as kineco2.wsgi does
    import django

    django.setup()
    from django.test import Client
    from django.urls import get_resolver

    _ = get_resolver().url_patterns  # what gunicorn's preloaded master had before the warm-up
    import etat_des_lieux as edl

    if warm:
        from kineco2.web import warmup

        start = time.process_time()
        warmup.warm_shared()
        shared = time.process_time() - start
        start = time.process_time()
        warmup.warm_worker()
        print(f"WARMUP {shared * 1000:.0f} {(time.process_time() - start) * 1000:.0f}")
    path = edl.PATHS[kind] + (f"?population={population}" if population else "")
    client = Client(HTTP_HOST="127.0.0.1")
    change = edl.Changer()
    for _ in range(requests):
        change()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        if response.status_code != 200:
            raise SystemExit(f"{path} → HTTP {response.status_code}")
        print(f"REQUEST {cpu * 1000:.1f} {wall * 1000:.1f}")


def measure(env: dict, args: argparse.Namespace, warm: bool) -> tuple[list, list, str]:
    command = [PY, __file__, "--child", "--kind", args.kind, "--requests", str(args.requests)]
    if args.population:
        command += ["--population", args.population]
    if warm:
        command.append("--warm")
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    cpus, walls, warmup = [], [], ""
    for line in out.splitlines():
        if line.startswith("REQUEST"):
            _, cpu, wall = line.split()
            cpus.append(float(cpu))
            walls.append(float(wall))
        elif line.startswith("WARMUP"):
            _, shared, worker = line.split()
            warmup = f" ; échauffement : maître {shared} ms, worker {worker} ms (CPU)"
    return cpus, walls, warmup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="", help="postgres://…/name kept by --keep")
    parser.add_argument("--kind", default="page", choices=["page", "csv", "json", "pdf"])
    parser.add_argument("--population", default="")
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.kind, args.population, args.requests, args.warm)
        return
    if not args.database:
        parser.error("--database : la base conservée par bench/etat_des_lieux.py --keep")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.bench",
        "DATABASE_URL": args.database,
        "KINECO2_VAR_DIR": tempfile.mkdtemp(prefix="kineco2-first-"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        "PYTHONPATH": str(ROOT / "src"),
    }
    print(
        f"Premières requêtes à froid d'un processus neuf : {args.kind}"
        f"{' (' + args.population + ')' if args.population else ''}, {args.requests} requêtes,"
        f" charge {os.getloadavg()[0]:.1f}"
    )
    for run in range(1, args.runs + 1):
        for warm in (False, True):
            cpus, walls, warmup = measure(env, args, warm)
            label = "avec échauffement" if warm else "sans échauffement"
            print(
                f"  {run}. {label:18s} 1re requête : CPU {cpus[0]:6.1f} ms, {walls[0]:6.1f} ms ;"
                f" suivantes (médiane) : CPU {statistics.median(cpus[1:]):6.1f} ms,"
                f" {statistics.median(walls[1:]):6.1f} ms{warmup}"
            )


if __name__ == "__main__":
    main()
