"""The cached validators of the answers validate exactly as pydantic's own build.

Each scenario runs in a fresh process (installing validators changes the schema's classes
for the whole process), with its own cache directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from kineco2.engine import validatorcache

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

BAD = [
    {"profile": {"commune": "35000", "practitioners": 1}, "energie": {"electricity_kwh": -5}},
    {"profile": {"commune": "35000", "practitioners": 1, "couleur": "bleu"}},
    {"profile": {"commune": "35000", "practitioners": "trois"}},
    {"profile": {"practitioners": 1}},
    {"profile": {"commune": "35000", "practitioners": 1}, "visites_domicile": {"vehicle": "x"}},
    {"profile": {"commune": "35000", "practitioners": 1}, "schema_version": "9.0"},
]

SCRIPT = """
import json, sys
from kineco2.engine import validatorcache
from kineco2.engine.errors import InputError
from kineco2.engine.schema import parse_input
from kineco2.engine.yamlfile import safe_load
how = validatorcache.install()
out = []
for path in sys.argv[1:]:
    out.append(parse_input(safe_load(open(path, encoding="utf-8"))).model_dump(mode="json"))
for data in json.loads(sys.stdin.read()):
    try:
        parse_input(data)
    except InputError as exc:
        out.append(exc.problems)
print(json.dumps({"how": how, "out": out}))
"""


def run(cache: Path | str) -> dict:
    env = dict(os.environ, KINECO2_CACHE_DIR=str(cache))
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, *map(str, EXAMPLES)],
        input=json.dumps(BAD),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_built_cached_and_uncached_validators_agree(tmp_path):
    cache = tmp_path / "cache"
    off = run("")
    stored = run(cache)
    served = run(cache)
    assert (off["how"], stored["how"], served["how"]) == ("unchanged", "stored", "cache")
    assert stored["out"] == off["out"]
    assert served["out"] == off["out"]
    assert len(served["out"]) == len(EXAMPLES) + len(BAD)
    assert all(isinstance(problems, list) and problems for problems in off["out"][-len(BAD) :])


def test_a_damaged_or_foreign_entry_is_rebuilt(tmp_path):
    cache = tmp_path / "cache"
    reference = run(cache)["out"]
    (entry,) = cache.glob("*-validators.pickle")
    stale = cache / f"{'0' * 64}-validators.pickle"  # from sources edited since
    stale.write_bytes(entry.read_bytes())
    entry.write_bytes(b"not a pickle")
    again = run(cache)
    assert again["how"] == "stored" and again["out"] == reference
    assert list(cache.glob("*-validators.pickle")) == [entry]  # the stale entry is gone
    cache.chmod(0o777)  # others could have written it: not read
    assert run(cache)["how"] == "stored"
    cache.chmod(0o700)
    assert run(cache) == {"how": "cache", "out": reference}


def test_the_key_follows_the_engine_sources(tmp_path, monkeypatch):
    source = tmp_path / "fake.py"
    source.write_text("LIMIT = 1\n", encoding="utf-8")
    module = types.ModuleType("kineco2.engine.zz_fake")
    module.__file__ = str(source)
    before = validatorcache.key()
    monkeypatch.setitem(sys.modules, "kineco2.engine.zz_fake", module)
    with_module = validatorcache.key()
    source.write_text("LIMIT = 2\n", encoding="utf-8")
    edited = validatorcache.key()
    assert len({before, with_module, edited}) == 3


@pytest.mark.parametrize("cache", ["", "unusable"])
def test_no_cache_no_error(tmp_path, cache):
    if cache:
        blocker = tmp_path / "file"
        blocker.write_text("x", encoding="utf-8")
        cache = blocker / "cache"
    result = run(cache)
    assert result["how"] in ("unchanged", "stored")
    assert len(result["out"]) == len(EXAMPLES) + len(BAD)
