"""CPU time of one cold results page, in process (no HTTP server, no load generator).

The same loop as ``bench/cold.py`` (save a new answer through the questionnaire's HTMX
autosave endpoint, then GET the results page: nothing of the new result is cached), run with
Django's test client in this process, so that ``time.process_time()`` measures only the work
of the application: a figure that holds on a machine shared with other processes, where the
wall clock of ``bench/cold.py`` does not. ``--profile`` prints a cProfile of the loop.

    .venv/bin/python bench/cold_cpu.py [--requests 40] [--database URL] [--profile]

Throw-away SQLite file by default, or a throw-away PostgreSQL database (created and dropped)
with ``--database postgres://…/name``; the cache is Redis (``REDIS_URL``, db 12 by default)
as in production, flushed of this run's keys only by their expiry.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# As the server does (kineco2/wsgi.py): one BLAS thread per request thread.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cold import prepare
from load import ROOT

sys.path.insert(0, str(ROOT / "src"))
from kineco2.web.memory import keep_freed_memory

keep_freed_memory()  # as the server does (kineco2/wsgi.py): freed memory kept for reuse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database", default="", help="postgres://… (default: SQLite file)")
    parser.add_argument("--profile", action="store_true", help="cProfile (CPU time)")
    parser.add_argument(
        "--pyinstrument", action="store_true", help="statistical profile (if installed)"
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="CPU time spent in the main parts of a page"
    )
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--profile-out", default="", help="write the cProfile stats to a file")
    parser.add_argument(
        "--queries", action="store_true", help="print the SQL of one more save and page"
    )
    parser.add_argument("--lines", type=int, default=60)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="kineco2-coldcpu-")
    env = {
        **os.environ,
        "KINECO2_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.dev",
        "DJANGO_DEBUG": "0",
        "KINECO2_DRAWS": "10000",
    }
    env.pop("DATABASE_URL", None)
    created = None
    if args.database:
        base, _, name = args.database.rpartition("/")
        created = f"{name}_coldcpu"
        for sql in (f"DROP DATABASE IF EXISTS {created}", f"CREATE DATABASE {created}"):
            subprocess.run(["psql", base + "/postgres", "-qc", sql], check=True)
        env["DATABASE_URL"] = f"{base}/{created}"
    try:
        (pk,) = prepare(env, 1)
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "kineco2.settings.bench"
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
        sys.path.insert(0, str(ROOT / "src"))
        run(pk, args)
    finally:
        if created:
            subprocess.run(
                [
                    "psql",
                    args.database.rpartition("/")[0] + "/postgres",
                    "-qc",
                    f"DROP DATABASE IF EXISTS {created}",
                ],
                check=False,
            )


#: Parts timed by ``--breakdown`` (module, attribute); nested parts are included in outer ones.
PARTS = [
    ("kineco2.practices.views", "render"),
    ("kineco2.practices.selectors", "assessment_result"),
    ("kineco2.engine.uncertainty", "with_monte_carlo"),
    ("kineco2.practices.views", "_benchmark"),
    ("kineco2.practices.views", "_post_rows"),
    ("kineco2.practices.views", "_posts_chart"),
    ("kineco2.practices.views", "_hint_rows"),
    ("kineco2.practices.views", "_plausibility_rows"),
    ("kineco2.practices.views", "_progress_context"),
    ("kineco2.practices.views", "_results_page_key"),
    ("kineco2.benchmarks.templatetags.benchmarks_ui", "comparison_chart"),
    ("django.templatetags.cache.CacheNode", "render"),
    ("django.template.loader_tags.IncludeNode", "render"),
    ("django.core.cache.backends.redis.RedisCacheClient", "get"),
    ("django.core.cache.backends.redis.RedisCacheClient", "set"),
    ("django.db.backends.utils.CursorWrapper", "execute"),
    ("django.core.handlers.base.BaseHandler", "get_response"),
    ("kineco2.practices.views", "assessment_save"),
    ("kineco2.practices.views", "assessment_results"),
    ("kineco2.practices.selectors", "assessment_for_user"),
    ("kineco2.practices.selectors", "latest_snapshot"),
    ("kineco2.structures.selectors", "shared_share_for"),
    ("kineco2.practices.selectors", "compute"),
    ("kineco2.engine.uncertainty", "sample_totals"),
    ("kineco2.engine.uncertainty", "_intervals"),
    ("kineco2.practices.services", "assessment_save_answer"),
    ("django.db.models.base.Model", "refresh_from_db"),
    ("django.contrib.auth", "get_user"),
    ("kineco2.benchmarks.freshness", "current"),
    ("kineco2.panel.roles", "perimeter_for"),
    ("django.template.backends.django.Template", "render"),
    ("pickle", "dumps"),
]


def instrument() -> dict[str, list[float]]:
    """Wrap :data:`PARTS` to add up their CPU time (outermost call only)."""
    import functools
    import importlib

    spent: dict[str, list[float]] = {}
    for module_name, attr in PARTS:
        try:
            owner = importlib.import_module(module_name)
        except ModuleNotFoundError:
            module_name, _, cls = module_name.rpartition(".")
            owner = getattr(importlib.import_module(module_name), cls)
        original = getattr(owner, attr)
        label = f"{owner.__name__.rpartition('.')[2]}.{attr}"
        spent[label] = [0.0, 0]
        depth = {"n": 0}

        def wrapper(*a, __original=original, __label=label, __depth=depth, **kw):
            if __depth["n"]:
                return __original(*a, **kw)
            __depth["n"] += 1
            start = time.process_time()
            try:
                return __original(*a, **kw)
            finally:
                spent[__label][0] += time.process_time() - start
                spent[__label][1] += 1
                __depth["n"] -= 1

        setattr(owner, attr, functools.wraps(original)(wrapper))
    return spent


def run(pk: int, args) -> None:
    import django

    django.setup()
    spent = instrument() if args.breakdown else None
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username="demo@kineco2.fr", password="demo-kineco2-2025")
    step = f"/cabinets/bilans/{pk}/energie/"
    page = client.get(step).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    shown = re.search(r'name="energie-electricity_kwh-previous" value="([^"]*)"', page)
    previous = shown.group(1) if shown else ""
    save = f"/cabinets/bilans/{pk}/enregistrer/"
    results = f"/cabinets/bilans/{pk}/resultats/"
    # Answers never seen by the cache before: decimals drawn for this run (the results are
    # cached by the answers for 24 h in Redis).
    decimals = random.SystemRandom().randrange(1, 10_000)

    def one(i: int) -> tuple[float, float]:
        nonlocal previous
        value = f"{6000 + i},{decimals:04d}"
        start = time.process_time()
        response = client.post(
            save,
            {
                "field": "energie.electricity_kwh",
                "energie-electricity_kwh": value,
                "energie-electricity_kwh-previous": previous,
                "csrfmiddlewaretoken": token,
            },
            HTTP_HX_REQUEST="true",
        )
        saved = time.process_time() - start
        assert response.status_code == 200 and "Enregistré" in response.content.decode()
        previous = value
        start = time.process_time()
        response = client.get(results)
        shown = time.process_time() - start
        assert response.status_code == 200
        assert "Intervalle de confiance à 95 %" in response.content.decode()  # a result page
        return saved, shown

    for i in range(3):  # warm the process: imports, reference data, templates
        one(i)
    saves, pages = [], []
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    sampler = None
    if args.pyinstrument:
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0005)
        sampler.start()
    if profiler:
        profiler.enable()
    if spent:
        for value in spent.values():
            value[:] = [0.0, 0]
    for i in range(3, 3 + args.requests):
        saved, shown = one(i)
        saves.append(saved)
        pages.append(shown)
    if profiler:
        profiler.disable()
    if args.queries:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            one(10_000)
        for q in ctx.captured_queries:
            print("   SQL", q["sql"][:300])
    if sampler:
        sampler.stop()
    vendor = connection.vendor
    total = [a + b for a, b in zip(saves, pages, strict=True)]
    print(
        f"CPU par page de résultats à froid ({vendor}, {len(pages)} pages, 10 000 tirages) : "
        f"page médiane {statistics.median(pages) * 1000:.1f} ms (min {min(pages) * 1000:.1f}) ; "
        f"enregistrement médian {statistics.median(saves) * 1000:.1f} ms ; "
        f"les deux {statistics.median(total) * 1000:.1f} ms (min {min(total) * 1000:.1f}) ; "
        f"charge {os.getloadavg()[0]:.1f}"
    )
    if spent:
        pages_and_saves = len(pages)
        for label, (cpu, calls) in spent.items():
            print(
                f"   {label:45s} {cpu / pages_and_saves * 1000:7.2f} ms par page+enregistrement "
                f"({calls / pages_and_saves:.1f} appels)"
            )
    if profiler:
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
    if sampler:
        print(
            sampler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PYI_ALL")))
        )
    from django.db import connections

    connections.close_all()  # so that the throw-away PostgreSQL database can be dropped


if __name__ == "__main__":
    main()
