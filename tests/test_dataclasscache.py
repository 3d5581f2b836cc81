"""The dataclass methods compiled once: the same code objects as ``@dataclass`` compiles, the
same classes, and a missing, damaged or foreign entry only means compiling."""

from __future__ import annotations

import dataclasses
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kineco2 import dataclasscache

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "trois-kines-ville-moyenne-gaz.yaml")
METHODS = (
    "__init__",
    "__repr__",
    "__eq__",
    "__hash__",
    "__setattr__",
    "__delattr__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    monkeypatch.setenv("KINECO2_CACHE_DIR", str(directory))
    return directory


def make_classes():
    """Dataclasses of several kinds, made afresh at each call."""

    @dataclasses.dataclass(frozen=True, slots=True, order=True)
    class Point:
        x: float
        y: float = 0.0
        tags: tuple[str, ...] = ()

    @dataclasses.dataclass
    class Box:
        name: str
        items: list[int] = dataclasses.field(default_factory=list)
        hidden: int = dataclasses.field(default=3, repr=False, compare=False)

        def __post_init__(self) -> None:
            self.items.append(len(self.name))

    @dataclasses.dataclass(kw_only=True, eq=False)
    class Options:
        draws: int
        seed: int = 0

    return Point, Box, Options


def codes(classes) -> list:
    return [
        getattr(cls, name).__code__
        for cls in classes
        for name in METHODS
        if hasattr(getattr(cls, name, None), "__code__")
        and getattr(cls, name).__code__.co_filename == "<string>"
    ]


def behaviour(classes) -> list:
    point, box, options = classes
    p = point(1.0, 2.0, ("a",))
    b = box("abc")
    o = options(draws=5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3.0
    with pytest.raises(TypeError):
        options(5)
    return [
        repr(p),
        p == point(1.0, 2.0, ("a",)),
        p < point(1.5),
        hash(p) == hash(point(1.0, 2.0, ("a",))),
        repr(b),
        b == box("abc", [3], hidden=9),
        repr(o),
        o == options(draws=5),
        [f.name for f in dataclasses.fields(point)],
    ]


def test_the_cached_code_is_the_code_dataclass_compiles(cache):
    plain = make_classes()
    with dataclasscache.installed() as cold:
        first = make_classes()
    assert cold is not None and cold.new >= len(codes(first)) > 10
    entry = dataclasscache.entry_path()
    assert entry.parent == cache and entry.is_file()
    with dataclasscache.installed() as warm:
        second = make_classes()
    assert warm.new == 0  # every text served from the entry
    assert codes(first) == codes(plain)
    assert codes(second) == codes(plain)
    assert behaviour(first) == behaviour(plain) == behaviour(second)
    assert "exec" not in vars(dataclasses)  # removed after the block


def test_the_entry_is_written_only_for_new_texts(cache):
    with dataclasscache.installed():
        make_classes()
    entry = dataclasscache.entry_path()
    written = entry.stat().st_mtime_ns
    os.utime(entry, ns=(1, 1))
    with dataclasscache.installed():
        make_classes()
    assert entry.stat().st_mtime_ns == 1
    assert written != 1


@pytest.mark.parametrize(
    "content",
    [b"", b"damaged", marshal.dumps({"a": 1}), marshal.dumps([1, 2])],
    ids=["empty", "damaged", "not-code", "other-layout"],
)
def test_a_bad_entry_only_means_compiling(cache, content):
    plain = make_classes()
    dataclasscache.entry_path().write_bytes(content)
    with dataclasscache.installed() as codes_used:
        again = make_classes()
    assert codes_used.new >= len(codes(again)) > 10
    assert codes(again) == codes(plain)


def test_an_entry_others_can_write_is_not_read(cache):
    with dataclasscache.installed():
        make_classes()
    os.chmod(cache, 0o777)  # noqa: S103 (the case refused)
    assert dataclasscache.load() == {}


def test_another_exec_in_dataclasses_is_left_alone(cache, monkeypatch):
    def other(source, globals=None, locals=None):
        exec(source, globals, locals)  # noqa: S102

    monkeypatch.setattr(dataclasses, "exec", other, raising=False)
    with dataclasscache.installed() as codes_used:
        make_classes()
    assert codes_used is None
    assert dataclasses.exec is other


def test_cache_off(monkeypatch):
    monkeypatch.setenv("KINECO2_CACHE_DIR", "")
    assert dataclasscache.entry_path() is None
    assert dataclasscache.load() == {}
    with dataclasscache.installed() as codes_used:
        classes = make_classes()
    assert codes_used.new > 0
    assert behaviour(classes) == behaviour(make_classes())


def test_every_code_a_command_line_process_stores_is_the_compiled_one(tmp_path):
    """A ``kineco2 compute`` stores the code of its dataclasses: each is what compiling its
    text gives, and the next run compiles none."""
    env = dict(os.environ, KINECO2_CACHE_DIR=str(tmp_path))
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-m", "kineco2.cli", "compute", EXAMPLE, "--draws", "0"],
            capture_output=True,
            check=True,
            env=env,
            cwd=ROOT,
        )
        assert run.stdout
    check = (
        "from kineco2 import dataclasscache\n"
        "codes = dataclasscache.load()\n"
        "assert len(codes) >= 200, len(codes)\n"
        "for text, code in codes.items():\n"
        "    assert code == dataclasscache.compiled(text), text\n"
        "import dataclasses\n"
        "with dataclasscache.installed() as used:\n"
        "    import kineco2.cli\n"
        "assert used.new == 0, used.new\n"
        "print(len(codes))\n"
    )
    second = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert second.returncode == 0, second.stderr
    assert int(second.stdout) >= 200
