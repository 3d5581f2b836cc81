"""``kineco2 compute`` as a process prints what the engine computes, whatever its start-up path.

The process starts lean (one BLAS thread, no pydantic plugin search, reference data parsed,
the answers' validators, the dataclass methods and the regular expressions compiled once
into a cache keyed by content, only the parser of the command run, no interpreter
finalisation): none of it may change a byte of the output. Each example is run as a process with an empty cache (every file parsed), then again (served from the
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
    stored = sorted(
        p.name.split("-")[0] if p.name.startswith(("dataclasses", "regex")) else p.suffix
        for p in cache.iterdir()
    )
    # data files, validators, dataclass methods, regular expressions
    assert stored == [".marshal", ".marshal", ".pickle", "dataclasses1", "regex1"]
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


def run_python(code: str, *args: str, cache: Path | str, stdout=subprocess.PIPE, unbuffered=False):
    env = {k: v for k, v in os.environ.items() if k not in LEAN_ENVIRONMENT}
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    env["KINECO2_CACHE_DIR"] = str(cache)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )


#: The command of this process, ended by the interpreter as usual (``argv`` given).
NORMAL_EXIT = "import sys; from kineco2.cli import main; sys.exit(main(sys.argv[1:]))"
#: The console script's call: ``main()`` on the process's command line (``exit_now``).
PROCESS_EXIT = "import sys; from kineco2.cli import main; sys.exit(main())"


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (("compute", str(EXAMPLES[0])), 0),
        (("compute", str(EXAMPLES[-1]), "--format", "json", "--draws", "500"), 0),
        (("schema",), 0),
        (("compute", "nope.yaml"), 2),
        (("compute", str(EXAMPLES[0]), "--draws", "5"), 2),
        (("compute", str(EXAMPLES[0]), "--format", "xml"), 2),  # argparse's own exit
    ],
    ids=["table", "json", "schema", "missing-file", "bad-draws", "bad-option"],
)
def test_the_process_exit_changes_no_output_nor_status(command, status, tmp_path):
    runs = [
        run_python(code, *command, cache=tmp_path / "cache") for code in (NORMAL_EXIT, PROCESS_EXIT)
    ]
    normal, fast = ((p.returncode, p.stdout, p.stderr) for p in runs)
    assert fast == normal
    assert normal[0] == status
    assert normal[1 if status == 0 else 2]


def test_the_process_exit_with_bad_answers(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text(BAD_ANSWERS[0], encoding="utf-8")
    runs = [
        run_python(code, "compute", str(path), cache=tmp_path / "cache")
        for code in (NORMAL_EXIT, PROCESS_EXIT)
    ]
    normal, fast = ((p.returncode, p.stdout, p.stderr) for p in runs)
    assert fast == normal
    assert runs[1].returncode == 2
    assert "Erreur dans les réponses :" in runs[1].stderr


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_the_process_exit_to_a_closed_pipe(unbuffered, tmp_path):
    """The reader went away: buffered, the last flush fails and the interpreter reports it
    (status 120) as it always did; unbuffered, ``main`` meets the closed pipe (status 0)."""
    statuses = []
    for code in (NORMAL_EXIT, PROCESS_EXIT):
        read, write = os.pipe()
        os.close(read)
        with os.fdopen(write, "w") as closed:
            proc = run_python(
                code,
                "compute",
                str(EXAMPLES[0]),
                cache=tmp_path,
                stdout=closed,
                unbuffered=unbuffered,
            )
        statuses.append((proc.returncode, proc.stderr))
    assert statuses[0] == statuses[1]
    if unbuffered:
        assert statuses[0] == (0, "")
    else:
        assert statuses[0][0] == 120
        assert "BrokenPipeError" in statuses[0][1]


#: Reports an end of the process through ``os._exit`` (no finalisation).
WATCHED = (
    "import os, sys\n"
    "_exit = os._exit\n"
    "def reported_exit(status):\n"
    "    print('os._exit', file=sys.stderr, flush=True)\n"
    "    _exit(status)\n"
    "os._exit = reported_exit\n"
)


def test_the_process_ends_without_the_interpreters_finalisation(tmp_path):
    proc = run_python(WATCHED + PROCESS_EXIT, "schema", cache=tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"]
    assert proc.stderr == "os._exit\n"  # the objects of the process were not freed
    normal = run_python(WATCHED + NORMAL_EXIT, "schema", cache=tmp_path)
    assert normal.stdout == proc.stdout
    assert normal.stderr == ""


@pytest.mark.parametrize(
    "setup",
    [
        "import atexit; atexit.register(lambda: print('atexit', file=sys.stderr))\n",
        "import threading, time; threading.Thread(target=time.sleep, args=(0.5,)).start()\n",
        "sys.settrace(lambda *a: None)\n",
        "sys.setprofile(lambda *a: None)\n",
        "sys.monitoring.use_tool_id(2, 'profiler')\n",
    ],
    ids=["atexit", "thread", "tracer", "profiler", "monitoring"],
)
def test_the_process_is_finalised_when_something_waits_for_it(setup, tmp_path):
    proc = run_python(WATCHED + setup + PROCESS_EXIT, "schema", cache=tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"]
    assert "os._exit" not in proc.stderr
    if "atexit" in setup:
        assert "atexit" in proc.stderr
