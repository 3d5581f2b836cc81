"""``kineco2 compute`` as a process prints what the engine computes, whatever its start-up path.

The process starts lean (one BLAS thread, no pydantic plugin search, reference data parsed
and the answers' validators compiled once into a cache keyed by content, only the parser of
the command run): none of it may change a byte of the output. Each example
is run as a process with an empty cache (every file parsed), then again (served from the
cache), and compared with the same computation done here, in the test process (numpy with its
default threads, no lean settings).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kineco2.cli import LEAN_ENVIRONMENT, lean_environment, read_answers, render_table
from kineco2.engine import compute, parse_input

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def run_cli(*args: str, cache: Path | str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in LEAN_ENVIRONMENT}
    env["KINECO2_CACHE_DIR"] = str(cache)
    proc = subprocess.run(
        [sys.executable, "-m", "kineco2.cli", "compute", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_every_example_is_checked():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_process_output_equals_the_engine_cache_cold_and_warm(example, tmp_path):
    result = compute(parse_input(read_answers(str(example))), draws=10_000, seed=0)
    expected_json = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    expected_table = render_table(result) + "\n"
    cache = tmp_path / "cache"

    cold = run_cli(str(example), "--format", "json", cache=cache)
    stored = sorted(p.suffix for p in cache.iterdir())
    assert stored == [".marshal", ".marshal", ".pickle"]  # data files, validators
    warm = run_cli(str(example), "--format", "json", cache=cache)
    table = run_cli(str(example), cache=cache)

    assert cold == expected_json
    assert warm == expected_json
    assert table == expected_table


def test_process_output_without_the_cache(tmp_path):
    example = str(EXAMPLES[0])
    result = compute(parse_input(read_answers(example)), draws=0)
    assert run_cli(example, "--draws", "0", cache="") == render_table(result) + "\n"


def test_lean_environment_is_scoped(monkeypatch):
    for name in LEAN_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")  # set by the user: kept
    with lean_environment():
        assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
        assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ


BAD_ANSWERS = [
    "profile:\n  commune: '35000'\n  practitioners: 1\nenergie:\n  electricity_kwh: -5\n",
    "profile:\n  commune: '35000'\n  practitioners: 1\n  couleur: bleu\n",
    "profile: {commune: '35000', practitioners: 1}\nvisites_domicile: {vehicle: fusee}\n",
]


def test_errors_are_the_same_with_cold_and_warm_cache(tmp_path, capsys):
    from kineco2.cli import main

    cache = tmp_path / "cache"
    for number, text in enumerate(BAD_ANSWERS):
        path = tmp_path / f"answers{number}.yaml"
        path.write_text(text, encoding="utf-8")
        assert main(["compute", str(path)]) == 2
        expected = capsys.readouterr().err
        runs = []
        for _ in range(2):
            env = {k: v for k, v in os.environ.items() if k not in LEAN_ENVIRONMENT}
            env["KINECO2_CACHE_DIR"] = str(cache)
            proc = subprocess.run(
                [sys.executable, "-m", "kineco2.cli", "compute", str(path)],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
                env=env,
            )
            runs.append((proc.returncode, proc.stderr))
        assert runs == [(2, expected), (2, expected)]


def test_the_lean_parser_parses_compute_as_the_full_one():
    from kineco2.cli import build_parser

    argv = ["compute", "x.yaml", "--format", "json", "--draws", "500", "--seed", "3"]
    lean = vars(build_parser(lean=True).parse_args(argv))
    full = vars(build_parser().parse_args(argv))
    assert lean == full
