"""Load benchmark: 20 concurrent users on the results page and the compute endpoint.

Starts the application on 127.0.0.1 (a throw-away SQLite database under /tmp), logs in as
the demo user, then runs a bounded number of requests from 20 threads and prints p50/p95
latency and requests per second. Only loopback traffic; stops by itself.

    .venv/bin/python bench/load.py [--users 20] [--requests 400] [--port 8799]

Served by gunicorn as documented (``src/kineco2/gunicorn_conf.py``, decision 0012);
``--workers`` / ``--threads`` override it (diagnostics).
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
#: The gunicorn configuration of production and ``make run`` (docs/decisions/0012).
GUNICORN_CONFIG = "python:kineco2.gunicorn_conf"


def gunicorn_command(port: int, config: str = GUNICORN_CONFIG, workers=0, threads=0) -> list:
    """gunicorn serving the application on loopback with ``config``; ``workers`` and
    ``threads`` override it when given (diagnostics)."""
    command = [str(Path(PY).parent / "gunicorn"), "-c", config, "--bind", f"127.0.0.1:{port}"]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    return [*command, "--log-level", "warning"]


def served_by(command: list) -> tuple[int, int, str, bool]:
    """(workers, threads, worker class, preloaded) of a :func:`gunicorn_command`."""
    import importlib
    import runpy

    config = command[command.index("-c") + 1]
    if config.startswith("python:"):
        settings = vars(importlib.import_module(config.removeprefix("python:")))
    else:
        settings = runpy.run_path(config)

    def option(name: str, default):
        flag = "--" + name
        return int(command[command.index(flag) + 1]) if flag in command else default

    workers = option("workers", settings.get("workers", 1))
    threads = option("threads", settings.get("threads", 1))
    kind = "gthread" if threads > 1 else settings.get("worker_class", "sync")
    return workers, threads, kind, bool(settings.get("preload_app"))


def describe(command: list) -> str:
    """« 4 workers × 1 thread(s) (sync, application préchargée) »."""
    workers, threads, kind, preload = served_by(command)
    preloaded = ", application préchargée" if preload else ""
    return f"{workers} workers × {threads} thread(s) ({kind}{preloaded})"


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [PY, "-m", "kineco2.manage", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def prepare(env: dict) -> tuple[int, str]:
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "setup_reference")
    manage(env, "load_demo")
    code = (
        "import hashlib;from kineco2.accounts.models import ApiToken, User;"
        "from kineco2.practices.models import Assessment;"
        "u=User.objects.get(email='demo@kineco2.fr');"
        "a=Assessment.objects.filter(practice__memberships__user=u).order_by('-reference_year')[0];"
        "t=ApiToken.new_token();"
        "ApiToken.objects.create(user=u,name='bench',token_hash=hashlib.sha256(t.encode()).hexdigest(),prefix=t[:8]);"
        "print('BENCH', a.pk, t)"
    )
    line = next(
        ln for ln in manage(env, "shell", "-c", code).splitlines() if ln.startswith("BENCH")
    )
    _, pk, token = line.split()
    return int(pk), token


def login(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/compte/connexion/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": "demo@kineco2.fr",
            "email": "demo@kineco2.fr",
            "password": "demo-kineco2-2025",
        }
    ).encode()
    request = urllib.request.Request(
        base + "/compte/connexion/", data=data, headers={"Referer": base + "/compte/connexion/"}
    )
    opener.open(request).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def run(port: int, method: str, path: str, headers: dict, users: int, total: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + 120

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    break
            start = time.perf_counter()
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            if response.status >= 400:
                raise SystemExit(f"{method} {path} → HTTP {response.status}")
            with lock:
                latencies.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(users)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
    print(
        f"   {method} {path.split('?')[0]:45s} n={len(latencies):4d}  p50 {p50:7.1f} ms  "
        f"p95 {p95:7.1f} ms  {len(latencies) / wall:6.1f} req/s"
    )
    return latencies


WRK_SCRIPT = """
wrk.method = "{method}"
{headers}
done = function(summary, latency, requests)
  io.write(string.format("WRK %d %.1f %.1f %.1f\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6)))
  io.write(string.format("ERRORS %d %d\\n", summary.errors.status, summary.errors.timeout))
end
"""


def run_wrk(port: int, method: str, path: str, headers: dict, users: int, seconds: int) -> None:
    """The same measure with wrk (C, a few % of one core), so the server gets the CPU."""
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT.format(method=method, headers=lines))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{users}",
            f"-d{seconds}s",
            "-s",
            handle.name,
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    n, p50, p95, rps = next(ln for ln in out.splitlines() if ln.startswith("WRK")).split()[1:]
    errors = next(ln for ln in out.splitlines() if ln.startswith("ERRORS")).split()[1:]
    if errors != ["0", "0"]:
        raise SystemExit(f"{method} {path} : erreurs HTTP/délais {errors}")
    print(
        f"   {method} {path.split('?')[0]:45s} n={int(n):5d}  p50 {float(p50):7.1f} ms  "
        f"p95 {float(p95):7.1f} ms  {float(rps):6.1f} req/s  (wrk)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--workers", type=int, default=0, help="override the configuration's")
    parser.add_argument("--threads", type=int, default=0, help="override the configuration's")
    parser.add_argument(
        "--generator",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="wrk (Debian package) leaves the CPU to the server",
    )
    parser.add_argument("--seconds", type=int, default=20, help="duration of each wrk run")
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="kineco2-bench-")
    env = {
        **os.environ,
        "KINECO2_VAR_DIR": var,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.dev",
        "DJANGO_DEBUG": "0",
        "KINECO2_DRAWS": "10000",
    }
    env.pop("DATABASE_URL", None)
    pk, token = prepare(env)
    # As in production: gunicorn as documented, results cached in Redis (shared).
    server_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.bench",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"),
    }
    server = subprocess.Popen(
        gunicorn_command(args.port, workers=args.workers, threads=args.threads),
        env=server_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        cookie = login(base)
        results = f"/cabinets/bilans/{pk}/resultats/"
        urllib.request.urlopen(urllib.request.Request(base + results, headers={"Cookie": cookie}))
        print(
            f"{args.users} utilisateurs simultanés, {args.requests} requêtes par point d'accès "
            "(10 000 tirages Monte Carlo, résultats en cache)"
        )
        compute = f"/api/assessments/{pk}/compute?draws=10000"
        api_results = f"/api/assessments/{pk}/results"
        bearer = {"Authorization": f"Bearer {token}"}
        if args.generator == "wrk":
            print(f"Générateur : wrk, {args.seconds} s par point d'accès")
            run_wrk(args.port, "GET", results, {"Cookie": cookie}, args.users, args.seconds)
            run_wrk(
                args.port,
                "POST",
                compute,
                {**bearer, "Content-Type": "application/json"},
                args.users,
                args.seconds,
            )
            run_wrk(args.port, "GET", api_results, bearer, args.users, args.seconds)
        else:
            run(args.port, "GET", results, {"Cookie": cookie}, args.users, args.requests)
            run(
                args.port,
                "POST",
                compute,
                {**bearer, "Content-Type": "application/json"},
                args.users,
                args.requests // 4,
            )
            run(args.port, "GET", api_results, bearer, args.users, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
