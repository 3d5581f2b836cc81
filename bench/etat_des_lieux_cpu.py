"""CPU of the état des lieux' cold path, piece by piece and request by request (interleaved).

    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/etat_des_lieux_cpu.py \
        --database postgres://postgres@127.0.0.1:5432/kineco2_bench_edl --rounds 5

On a database filled by ``bench/etat_des_lieux.py --keep`` (give the full name, ``…_edl``).
Prints the median CPU time of this process (``time.process_time``: every thread, so the
two-thread sorts count fully) of: the population reads, ``overview()`` of the self-diagnoses and
of the panel checked against them, then cold requests page / CSV / JSON **interleaved** (a result
stored and the cache emptied before each, as in ``bench/etat_des_lieux.py``), then the same
requests with the cache emptied but the overviews kept in the process (what a request costs
besides its tables: template, charts, queries). CPU figures only: run before/after in the same
minutes to compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
PATHS = {
    "page": "/etat-des-lieux/",
    "csv": "/etat-des-lieux/etat-des-lieux.csv",
    "json": "/etat-des-lieux/api/distributions",
}


def cpu(fn, rounds: int) -> float:
    """Median CPU ms of ``fn`` over ``rounds`` calls."""
    out = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        out.append(time.process_time() - start)
    return statistics.median(out) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True, help="postgres://…/kineco2_bench_edl")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument(
        "--population", default="", help="?population= of the requests (e.g. autodiagnostics)"
    )
    parser.add_argument("--pdf", action="store_true", help="also the PDF")
    parser.add_argument(
        "--malloc-default",
        action="store_true",
        help="glibc's dynamic malloc thresholds (not kineco2.web.memory's, which the server sets)",
    )
    args = parser.parse_args()
    if args.pdf:
        PATHS["pdf"] = "/etat-des-lieux/etat-des-lieux.pdf"
    if args.population:
        for kind, path in PATHS.items():
            PATHS[kind] = f"{path}?population={args.population}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "kineco2.settings.bench",
            "KINECO2_VAR_DIR": tempfile.mkdtemp(prefix="kineco2-edl-cpu-"),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
            "DATABASE_URL": args.database,
        }
    )
    if not args.malloc_default:
        from kineco2.web.memory import keep_freed_memory

        keep_freed_memory()  # as the server does (kineco2/wsgi.py): freed memory kept for reuse
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client
    from etat_des_lieux import Changer, load

    from kineco2.benchmarks import aggregates, selectors

    rounds = args.rounds
    print(f"{load()}")
    stamp = selectors._stamp()

    def read(population):
        return selectors.load_population(population, year=args.year, use_cache=False, stamp=stamp)

    auto, panel = read("autodiagnostics"), read("panel")
    print(f"rows: self-diagnoses {len(auto)}, panel {len(panel)}")
    for name in ("autodiagnostics", "panel"):
        print(f"read {name}: {cpu(lambda name=name: read(name), rounds):.1f} ms")
    salt = selectors.disclosure_salt()
    outer = aggregates.overview(auto, salt=salt)
    print(
        f"overview() self-diagnoses: {cpu(lambda: aggregates.overview(auto, salt=salt), rounds):.1f} ms"
    )
    print(
        "overview() panel: "
        f"{cpu(lambda: aggregates.overview(panel, salt=salt, outers=[outer]), rounds):.1f} ms"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    for path in PATHS.values():
        client.get(path)
    change = Changer()
    cold: dict[str, list[float]] = {kind: [] for kind in PATHS}
    kept: dict[str, list[float]] = {kind: [] for kind in PATHS}
    for _ in range(rounds):
        for kind, path in PATHS.items():
            change()
            start = time.process_time()
            assert client.get(path).status_code == 200
            cold[kind].append((time.process_time() - start) * 1000)
    for _ in range(rounds):
        for kind, path in PATHS.items():
            cache.clear()  # the overviews stay in this process (selectors._LOCAL_OVERVIEWS)
            start = time.process_time()
            client.get(path)
            kept[kind].append((time.process_time() - start) * 1000)
    for kind in PATHS:
        print(
            f"{kind}: cold {statistics.median(cold[kind]):.1f} ms (min {min(cold[kind]):.1f}); "
            f"cache emptied, overviews kept: {statistics.median(kept[kind]):.1f} ms"
        )
    print(f"{load()}")


if __name__ == "__main__":
    main()
