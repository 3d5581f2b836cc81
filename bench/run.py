"""KinéCO2 benchmarks: print figures, assert nothing (``make bench``).

Targets (issue 2): one deterministic assessment ≤ 1 ms; with 10 000 Monte Carlo draws
≤ 30 ms; the vectorised batch path ≥ 20 000 deterministic assessments per second.
Record the output in docs/benchmarks.md with the command and the machine.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kineco2.engine import (  # noqa: E402
    compute,
    geography,
    parse_input,
)
from kineco2.engine.batch import activity_matrix, evaluate  # noqa: E402


def timeit(fn, repeat: int, inner: int = 1) -> float:
    """Median seconds per call over ``repeat`` rounds of ``inner`` calls."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        rounds.append((time.perf_counter() - start) / inner)
    return statistics.median(rounds)


def synthetic_inputs(n: int):
    try:
        from kineco2.engine.synthetic import generate
    except ImportError:  # pragma: no cover - before the generator existed
        examples = [
            yaml.safe_load(p.read_text()) for p in sorted((ROOT / "examples").glob("*.yaml"))
        ]
        return [parse_input(examples[i % len(examples)]) for i in range(n)]
    return [parse_input(d) for d in generate(n, seed=1)]


def main() -> None:
    print(
        f"Machine : {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    examples = {
        p.stem: parse_input(yaml.safe_load(p.read_text(encoding="utf-8")))
        for p in sorted((ROOT / "examples").glob("*.yaml"))
    }
    geography.locate("75011")  # load the communes once
    print("\n1. Un bilan déterministe (médiane, ms)")
    for name, inputs in examples.items():
        compute(inputs)
        print(f"   {name:38s} {timeit(lambda i=inputs: compute(i), 15, 40) * 1000:7.3f} ms")

    print("\n2. Un bilan avec 10 000 tirages Monte Carlo (médiane, ms)")
    for name, inputs in examples.items():
        print(
            f"   {name:38s} "
            f"{timeit(lambda i=inputs: compute(i, draws=10_000, seed=1), 9, 3) * 1000:7.2f} ms"
        )

    print("\n3. Chemin vectorisé (bilans par seconde)")
    n = 20_000
    inputs = synthetic_inputs(n)
    start = time.perf_counter()
    results = [compute(i) for i in inputs]
    scalar = time.perf_counter() - start
    start = time.perf_counter()
    matrix = activity_matrix(results)
    stack = time.perf_counter() - start
    per_eval = timeit(lambda: evaluate(matrix), 7)
    print(f"   {n} bilans, calcul un par un : {scalar:6.2f} s ({n / scalar:8.0f} bilans/s)")
    print(f"   empilement de la matrice d'activité : {stack:6.2f} s")
    print(f"   réévaluation vectorisée : {per_eval * 1000:7.2f} ms ({n / per_eval:,.0f} bilans/s)")

    print("\n4. Géographie")
    geography._index.cache_clear()
    start = time.perf_counter()
    geography.locate("75011")
    print(f"   chargement des communes : {(time.perf_counter() - start) * 1000:6.1f} ms")
    print(f"   locate() : {timeit(lambda: geography.locate('35000'), 5, 2000) * 1e6:6.2f} µs")
    geography._aav_table.cache_clear()
    geography._zones_by_territory.cache_clear()
    start = time.perf_counter()
    lyon = geography.locate("69123")
    geography.insee_patient_zone(lyon)
    print(
        f"   chargement du zonage INSEE (aires d'attraction) : "
        f"{(time.perf_counter() - start) * 1000:6.1f} ms"
    )
    start = time.perf_counter()
    geography.patient_zones_for("la_reunion")
    print(f"   zones par territoire (une fois) : {(time.perf_counter() - start) * 1000:6.1f} ms")
    zone = timeit(lambda: geography.insee_patient_zone(lyon), 5, 2000)
    print(f"   insee_patient_zone() : {zone * 1e6:6.2f} µs")


if __name__ == "__main__":
    main()
