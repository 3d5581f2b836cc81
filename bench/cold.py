"""Cold-path benchmark: the results page right after an answer changed (nothing cached for it).

The documented web benchmark (bench/load.py) measures cache hits: the same answers, the same
page. Here every request of the results page follows a change of an answer, as when a kiné
corrects a figure and looks at the result again: the engine runs (10 000 Monte Carlo draws),
the chart is drawn, the page is rendered. Each simulated user works on their own assessment
(a copy of the demo's), so 20 users make 20 different results.

* 1 user: sequential (save an answer, then GET the results page), p50/p95 of the page;
* 20 users: the same loop in 20 threads, pages per second; the answer saves of all users run
  concurrently too (the questionnaire's HTMX autosave endpoint, same service as the form) and
  must never answer 500: that is the SQLite concurrency check (WAL, busy timeout, IMMEDIATE
  transactions).

Served by gunicorn as documented: the configuration of production and ``make run``,
``src/kineco2/gunicorn_conf.py`` (two sync workers per core, preloaded; decision 0012), Redis
cache, SQLite (throw-away file) or PostgreSQL (``--database postgres://…``, a throw-away
database that is created and dropped). Only loopback traffic; bounded in requests and time;
stops by itself.

    .venv/bin/python bench/cold.py [--users 1,20] [--requests 200] [--database URL] [--warmup 2]

Diagnostics, not the documented setup: ``--workers N`` / ``--threads N`` override the
configuration (more than one thread: gunicorn's threaded workers), ``--config FILE`` serves
with another gunicorn configuration file.

Before measuring, ``--warmup`` cold pages per user are served and not counted (each worker's
first pages load numpy, the engine's data and the Monte Carlo's random rows). The load
generator is cheap on purpose (it shares the 2 cores with the server): keep-alive
``http.client`` connections, the page read but not parsed; it prints its own CPU per page
next to the server's (gunicorn's master and workers, from /proc), and the server's minor page
faults per page (memory handed back to the system and faulted in again, see
``kineco2/web/memory.py``).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import GUNICORN_CONFIG, ROOT, describe, gunicorn_command, login, manage


def prepare(env: dict, copies: int) -> list[int]:
    """Migrate, load the demo, and give the demo user ``copies`` assessments to edit."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "setup_reference")
    manage(env, "load_demo")
    code = (
        "import copy;from kineco2.accounts.models import User;"
        "from kineco2.practices.models import Assessment, Membership, Role;"
        "from kineco2.practices import services;"
        "u=User.objects.get(email='demo@kineco2.fr');"
        "src=Assessment.objects.filter(practice__memberships__user=u).order_by('-reference_year')[0];"
        "ids=[];"
        f"n={copies};"
        "\nfor i in range(n):\n"
        "  p=services.practice_create(user=u,name=f'Banc {i}',commune='35000',practitioners=2,practice_mode='groupe');"
        "  a=services.assessment_create(practice=p,reference_year=src.reference_year,copy_previous=False);"
        "  ans=copy.deepcopy(src.answers);ans['profile']={**ans['profile'],'commune':'35000','practitioners':2};"
        "  services.assessment_replace_answers(assessment=a,answers=ans);ids.append(a.pk)\n"
        "print('BENCH', ' '.join(map(str, ids)))"
    )
    line = next(
        ln for ln in manage(env, "shell", "-c", code).splitlines() if ln.startswith("BENCH")
    )
    return [int(x) for x in line.split()[1:]]


#: Decimals of every answer of this run (see user_loop).
RUN_DECIMALS = random.SystemRandom().randrange(1, 10_000)
#: Integer part of the answers: never twice the same in a run, whichever user or round (all
#: users' assessments are copies of the same answers, and results are cached by answers).
ANSWER_NUMBERS = itertools.count()


def step_page(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[str, str]:
    """(CSRF token, value the page shows for the electricity question) of a step page."""
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    page = response.read().decode()
    if response.status != 200:
        raise SystemExit(f"GET {path} → HTTP {response.status}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    shown = re.search(r'name="energie-electricity_kwh-previous" value="([^"]*)"', page)
    return token, shown.group(1) if shown else ""


def user_loop(
    port: int,
    cookie: str,
    pk: int,
    count: int,
    deadline: float,
    pages: list[float],
    saves: list[float],
    errors: list[str],
    lock: threading.Lock,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    step = f"/cabinets/bilans/{pk}/energie/"
    token, previous = step_page(conn, step, cookie)
    save = f"/cabinets/bilans/{pk}/enregistrer/"
    results = f"/cabinets/bilans/{pk}/resultats/"
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        # A new answer each time: a cold result. The decimals are drawn once per run: the
        # results are cached by the answers (24 h, in Redis), so a second run must not meet
        # the answers of the first one; the integer part is never twice the same in a run.
        value = f"{6000 + next(ANSWER_NUMBERS)},{RUN_DECIMALS:04d}"
        body = urllib.parse.urlencode(
            {
                "field": "energie.electricity_kwh",
                "energie-electricity_kwh": value,
                "energie-electricity_kwh-previous": previous,
                "csrfmiddlewaretoken": token,
            }
        )
        start = time.perf_counter()
        conn.request(
            "POST",
            save,
            body=body,
            headers={
                "Cookie": cookie,
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": token,
                "Referer": f"http://127.0.0.1:{port}{step}",
            },
        )
        response = conn.getresponse()
        text = response.read().decode()
        saved = time.perf_counter() - start
        if response.status >= 500 or "Enregistré" not in text:
            with lock:
                errors.append(f"autosave HTTP {response.status}")
        previous = value
        start = time.perf_counter()
        conn.request("GET", results, headers={"Cookie": cookie})
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        with lock:
            saves.append(saved)
            if response.status != 200:
                errors.append(f"results HTTP {response.status}")
            else:
                pages.append(elapsed)
    conn.close()


def process_tree(root: int) -> tuple[float, int]:
    """CPU time (user + system, seconds) and minor page faults of a process and its children
    (gunicorn's master and workers), read from /proc: what the server spent, whatever else
    runs on the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    faults = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        # fields[0] is the state; [1] the parent id; [7] minor faults; [11], [12] utime and
        # stime in ticks
        if int(entry) == root or int(fields[1]) == root:
            total += (int(fields[11]) + int(fields[12])) / tick
            faults += int(fields[7])
    return total, faults


def measure(
    port: int, cookie: str, pks: list[int], users: int, total: int, server: int, report=True
) -> None:
    pages: list[float] = []
    saves: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 240
    per_user = max(1, total // users)
    threads = [
        threading.Thread(
            target=user_loop,
            args=(port, cookie, pks[i], per_user, deadline, pages, saves, errors, lock),
        )
        for i in range(users)
    ]
    server_cpu, server_faults = process_tree(server)
    own_cpu = time.process_time()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    own_cpu = time.process_time() - own_cpu
    cpu_after, faults_after = process_tree(server)
    server_cpu, server_faults = cpu_after - server_cpu, faults_after - server_faults
    if not report:
        return
    pages.sort()
    saves.sort()

    def pct(values: list[float], q: float) -> float:
        return values[int(q * (len(values) - 1))] * 1000 if values else float("nan")

    print(
        f"   {users:2d} utilisateur(s) : page de résultats à froid n={len(pages):4d}  "
        f"p50 {statistics.median(pages) * 1000:7.1f} ms  p95 {pct(pages, 0.95):7.1f} ms  "
        f"{len(pages) / wall:6.1f} pages/s ; enregistrement p50 {pct(saves, 0.5):6.1f} ms "
        f"p95 {pct(saves, 0.95):6.1f} ms ; erreurs {len(errors)}"
    )
    if pages:
        print(
            f"      CPU par page + enregistrement : serveur {server_cpu / len(pages) * 1000:.1f} ms, "
            f"générateur de charge {own_cpu / len(pages) * 1000:.1f} ms ; "
            f"défauts de page du serveur {server_faults / len(pages):.0f} par page ; "
            f"charge moyenne {os.getloadavg()[0]:.1f}"
        )
    if errors:
        print("     " + ", ".join(sorted(set(errors))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="1,20")
    parser.add_argument("--requests", type=int, default=200, help="results pages per run")
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument(
        "--config", default=GUNICORN_CONFIG, help="gunicorn configuration (default: as documented)"
    )
    parser.add_argument("--workers", type=int, default=0, help="override the configuration's")
    parser.add_argument("--threads", type=int, default=0, help="override the configuration's")
    parser.add_argument("--database", default="", help="postgres://… (default: SQLite file)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="cold pages per user served before measuring, not counted (0: none)",
    )
    args = parser.parse_args()
    users = [int(u) for u in args.users.split(",")]
    var = tempfile.mkdtemp(prefix="kineco2-cold-")
    env = {
        **os.environ,
        "KINECO2_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.dev",
        "DJANGO_DEBUG": "0",
        "KINECO2_DRAWS": "10000",
    }
    env.pop("DATABASE_URL", None)
    created_db = None
    if args.database:
        base, _, name = args.database.rpartition("/")
        created_db = f"{name}_cold"
        subprocess.run(
            ["psql", base + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {created_db}"],
            check=True,
        )
        subprocess.run(
            ["psql", base + "/postgres", "-qc", f"CREATE DATABASE {created_db}"], check=True
        )
        env["DATABASE_URL"] = f"{base}/{created_db}"
    pks = prepare(env, max(users))
    server_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.bench",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"),
    }
    command = gunicorn_command(args.port, args.config, args.workers, args.threads)
    server = subprocess.Popen(
        command, env=server_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        cookie = login(base)
        database = "PostgreSQL" if args.database else "SQLite (WAL)"
        print(
            f"Chemin à froid : une réponse change avant chaque page de résultats ; {database} ; "
            f"gunicorn {describe(command)} ; 10 000 tirages Monte Carlo"
        )
        if args.warmup:
            # Each worker's first pages import numpy and the engine, read the reference
            # data, draw the Monte Carlo's random rows and compile the templates (≈ 1 s of
            # CPU per worker): a one-off of a started server, not the cost of a page.
            warm = max(users)
            measure(args.port, cookie, pks, warm, args.warmup * warm, server.pid, report=False)
            print(f"   échauffement : {args.warmup * warm} pages à froid servies, non comptées")
        for count in users:
            measure(args.port, cookie, pks, count, args.requests, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
        if created_db:
            subprocess.run(
                [
                    "psql",
                    args.database.rpartition("/")[0] + "/postgres",
                    "-qc",
                    f"DROP DATABASE IF EXISTS {created_db}",
                ],
                check=False,
            )


if __name__ == "__main__":
    main()
