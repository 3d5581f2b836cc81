"""``kineco2 compute`` as a whole process: wall clock and CPU (user + system) per run.

    .venv/bin/python bench/cli_process.py [--runs 24] [--before DIR] [--script]

Runs ``python -m kineco2.cli compute examples/trois-kines-ville-moyenne-gaz.yaml`` (or, with
``--script``, the installed console script ``kineco2``) as a new process ``--runs`` times after
one warm-up run that fills the caches, and prints min / median / max. With ``--before DIR`` (the
``src`` directory of another checkout, e.g. an extracted older commit), the two codes run
alternately, each through ``PYTHONPATH`` and with its own cache directory (an entry of one
must not evict the other's), and every run's output must be the same byte for byte. The
environment is the user's, without ``PYTHONDONTWRITEBYTECODE`` (byte-compiled modules cached,
as an installed package runs) nor the settings the command line sets itself
(``OPENBLAS_NUM_THREADS``, ``PYDANTIC_DISABLE_PLUGINS``). On a shared machine compare the CPU
figures: the wall clock also counts the other processes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/trois-kines-ville-moyenne-gaz.yaml"
DROPPED = ("PYTHONDONTWRITEBYTECODE", "OPENBLAS_NUM_THREADS", "PYDANTIC_DISABLE_PLUGINS")


def run(command: list[str], src: Path, cache: Path) -> tuple[float, float, bytes]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env["PYTHONPATH"] = str(src)
    env["KINECO2_CACHE_DIR"] = str(cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def spread(values: list[float]) -> str:
    ms = [1000 * v for v in values]
    return f"{min(ms):.0f} / {statistics.median(ms):.0f} / {max(ms):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--before", type=Path, help="src directory of the code to compare with")
    parser.add_argument("--script", action="store_true", help="the console script kineco2")
    args = parser.parse_args()
    if args.script:
        command = [str(Path(sys.executable).with_name("kineco2")), "compute", EXAMPLE]
    else:
        command = [sys.executable, "-m", "kineco2.cli", "compute", EXAMPLE]
    codes = {"after": ROOT / "src"}
    if args.before is not None:
        codes = {"before": args.before.resolve(), **codes}
    with tempfile.TemporaryDirectory(prefix="kineco2-bench-cli-") as tmp:
        caches = {name: Path(tmp) / name for name in codes}
        for name, cache in caches.items():
            cache.mkdir(mode=0o700)
            run(command, codes[name], cache)  # warm-up: fills the caches
        figures: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in codes}
        outputs = set()
        names = list(codes)
        for index in range(args.runs):
            for name in names if index % 2 == 0 else names[::-1]:
                wall, cpu, output = run(command, codes[name], caches[name])
                figures[name][0].append(wall)
                figures[name][1].append(cpu)
                outputs.add(output)
    print(f"{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}")
    print(
        f"{args.runs} runs each after a warm-up, load average {os.getloadavg()[0]:.2f} at the end"
    )
    print(f"{'':8} {'wall min / median / max':>26} {'CPU min / median / max':>26}")
    for name, (walls, cpus) in figures.items():
        print(f"{name:8} {spread(walls):>26} {spread(cpus):>26}")
    if len(outputs) != 1:
        sys.exit("the outputs differ")
    print("same output on every run")


if __name__ == "__main__":
    main()
