"""The compiled regular expressions kept between runs: every pattern served is the one
``re.compile`` builds, and a missing, damaged or foreign entry only means compiling."""

from __future__ import annotations

import _sre
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path
from re import _compiler  # type: ignore[attr-defined]

import pytest

from kineco2 import regexcache

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "trois-kines-ville-moyenne-gaz.yaml")

PATTERNS = [
    (r"\d{5}|2[AB]\d{3}", 0),
    (r"(?:CODE)?(INSEE|POSTAL|CP):?(\d{5}|2[AB]\d{3})", 0),
    (r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})", 0),
    ("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", 0),  # PyYAML
    (r"^[+\-\u2212\u2013]?[\d \u00a0\u202f\u2009.,]*\d", 0),
    (r"  a b  # comment\n  c", re.VERBOSE),
    (r"(?i)straße", 0),
    (r"^\s*$", re.MULTILINE | re.ASCII),
    (rb"[\x00-\x1f]+(?P<tail>x)?", 0),
]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    monkeypatch.setenv("KINECO2_CACHE_DIR", str(directory))
    monkeypatch.setattr(regexcache, "_seeded", frozenset())
    return directory


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS)
def test_rebuilt_pattern_is_the_compiled_one(pattern, flags):
    fresh = _compiler.compile(pattern, flags)
    rebuilt = _sre.compile(pattern, *regexcache.compiled_code(pattern, flags))
    assert rebuilt == fresh  # same text, flags and compiled code
    assert rebuilt.groupindex == fresh.groupindex
    assert rebuilt.groups == fresh.groups
    sample = (
        "x 2A004 INSEE35000 2026-12 Straße \ufffe\x01 -1 234,5"
        if isinstance(pattern, str)
        else b"\x01\x02x"
    )
    assert [m.span() for m in rebuilt.finditer(sample)] == [
        m.span() for m in fresh.finditer(sample)
    ]


def test_stored_then_seeded_patterns_are_served_by_re(cache):
    for pattern, flags in PATTERNS:
        re.compile(pattern, flags)
    assert regexcache.store()
    entry = regexcache.entry_path()
    assert entry.parent == cache and entry.is_file()
    re.purge()
    assert regexcache.seed() >= len(PATTERNS)
    for pattern, flags in PATTERNS:
        key = (type(pattern), pattern, flags)
        seeded = re._cache[key]  # type: ignore[attr-defined]
        assert re.compile(pattern, flags) is seeded
        assert seeded == _compiler.compile(pattern, flags)
    assert not regexcache.store()  # nothing new: nothing written


def test_a_new_pattern_is_stored_with_the_seeded_ones(cache):
    re.compile(PATTERNS[0][0])
    regexcache.store()
    re.purge()
    regexcache.seed()
    re.compile("kineco2-new-(pattern)")
    assert regexcache.store()
    stored = {(p, f) for p, f, *_ in marshal.loads(regexcache.entry_path().read_bytes())}  # noqa: S302
    assert {(PATTERNS[0][0], 0), ("kineco2-new-(pattern)", 0)} <= stored


@pytest.mark.parametrize(
    "content",
    [b"", b"damaged", marshal.dumps([("a", 0, 32, [1, 2, 3], 0, {}, ())]), marshal.dumps({"x": 1})],
    ids=["empty", "damaged", "invalid-code", "other-layout"],
)
def test_a_bad_entry_only_means_compiling(cache, content):
    regexcache.entry_path().write_bytes(content)
    re.purge()
    assert regexcache.seed() == 0
    assert re.compile("a") == _compiler.compile("a", 0)


def test_an_entry_others_can_write_is_not_read(cache):
    re.compile(PATTERNS[0][0])
    regexcache.store()
    os.chmod(cache, 0o777)  # noqa: S103 (the case refused)
    re.purge()
    assert regexcache.seed() == 0


def test_cache_off(monkeypatch):
    monkeypatch.setenv("KINECO2_CACHE_DIR", "")
    monkeypatch.setattr(regexcache, "_seeded", frozenset())
    assert regexcache.entry_path() is None
    assert regexcache.seed() == 0
    assert not regexcache.store()


def test_every_pattern_a_command_line_process_is_served_is_the_compiled_one(tmp_path):
    """A first ``kineco2 compute`` stores its patterns; in another process every one of them,
    seeded, equals what ``re`` compiles there."""
    env = dict(os.environ, KINECO2_CACHE_DIR=str(tmp_path))
    first = subprocess.run(
        [sys.executable, "-m", "kineco2.cli", "compute", EXAMPLE, "--draws", "0"],
        capture_output=True,
        check=True,
        env=env,
        cwd=ROOT,
    )
    assert first.stdout
    check = (
        "import re, sys\n"
        "from re import _compiler\n"
        "from kineco2 import regexcache\n"
        "count = regexcache.seed()\n"
        "assert count >= 20, count\n"
        "for kind, pattern, flags in regexcache._seeded:\n"
        "    assert re._cache[kind, pattern, flags] == _compiler.compile(pattern, flags), pattern\n"
        "print(count)\n"
    )
    second = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert second.returncode == 0, second.stderr
    assert int(second.stdout) >= 20
