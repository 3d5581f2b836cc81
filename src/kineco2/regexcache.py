"""Compiled regular expressions kept between runs of the command line.

A ``kineco2 compute`` compiles about 50 regular expressions while it imports its modules —
PyYAML's (one character class spanning Unicode costs ≈ 5 ms alone), argparse's, pydantic's,
numpy's, the engine's —, ≈ 8 ms of a ≈ 170 ms run, the same ones at every run. :mod:`re`
keeps the patterns it compiles in a cache of the process; :func:`seed`, called by the command
line before those imports, fills that cache with the patterns of an earlier run, rebuilt from
their compiled code by ``_sre.compile`` — the call :func:`re.compile` ends with — without
parsing and optimising them again. Each is the object ``re.compile`` would have built: two
patterns compare equal only with the same pattern text, flags and compiled code, and
:func:`store` keeps a pattern only if its rebuilt form compares equal to the one the run
compiled. :func:`store` writes the patterns of the run when some were not seeded.

The entry is :mod:`marshal` data (texts, flags, lists of integers) in the directory of
:mod:`kineco2.cachedir` (read only if private to the user), named after the exact Python build
and the version of the regular expression engine's code (``_sre.MAGIC``, ``CODESIZE``): another
interpreter never reads it. This relies on CPython's ``re`` internals (``re._cache``,
``re._parser``, ``re._compiler``, ``_sre.compile``), which the name pins; anywhere they differ,
or on any error, nothing is seeded and :mod:`re` compiles as usual.
"""

from __future__ import annotations

import marshal
import re
import sys
from pathlib import Path

from kineco2.cachedir import interpreter_entry, private
from kineco2.cachedir import store as store_entry

#: Bumped when the layout of an entry changes.
FORMAT = 1
#: At most this many patterns are kept (the most recently compiled; ``re`` keeps 512).
MAX_PATTERNS = 256

#: Keys (``re``'s: type, pattern, flags) seeded in this process.
_seeded: frozenset[tuple[type, str | bytes, int]] = frozenset()


def entry_path() -> Path | None:
    """The entry of this interpreter (``None``: cache off or not CPython)."""
    import _sre

    return interpreter_entry(f"regex{FORMAT}", f"{sys.maxunicode}|{_sre.MAGIC}|{_sre.CODESIZE}")


def seed() -> int:
    """Put the stored patterns in :mod:`re`'s cache (none already there is replaced); how
    many were stored. Never raises."""
    global _seeded
    try:
        cache = re._cache  # type: ignore[attr-defined]
        entry = entry_path()
        if not isinstance(cache, dict) or entry is None or not private(entry.parent):
            return 0
        import _sre

        stored = marshal.loads(entry.read_bytes())  # noqa: S302 (plain data, private directory)
        patterns = {}
        for pattern, flags, final_flags, code, groups, groupindex, indexgroup in stored:
            key = (type(pattern), pattern, flags)
            patterns[key] = _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)
    except Exception:  # absent, damaged, another layout: compile as usual
        return 0
    for key, compiled in patterns.items():
        cache.setdefault(key, compiled)
    _seeded = frozenset(patterns)
    return len(patterns)


def compiled_code(pattern: str | bytes, flags: int) -> tuple:
    """What ``re.compile(pattern, flags)`` passes to ``_sre.compile`` after the pattern text:
    (flags, code, groups, groupindex, indexgroup), as plain data."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (
        int(flags | parsed.state.flags),
        [int(c) for c in _compiler._code(parsed, flags)],
        int(parsed.state.groups - 1),
        groupindex,
        tuple(indexgroup),
    )


def store() -> bool:
    """Store the patterns of :mod:`re`'s cache if some were compiled after :func:`seed`
    (whether something was written). Never raises."""
    try:
        cache = re._cache  # type: ignore[attr-defined]
        keys = list(cache)
        if all(key in _seeded for key in keys):
            return False
        entry = entry_path()
        if entry is None:
            return False
        import _sre

        entries = []
        for key in keys[-MAX_PATTERNS:]:
            kind, pattern, flags = key
            if kind not in (str, bytes) or flags & re.DEBUG:
                continue
            data = compiled_code(pattern, flags)
            if _sre.compile(pattern, *data) != cache[key]:
                continue  # not what re.compile built here: never served
            entries.append((pattern, int(flags), *data))
        blob = marshal.dumps(entries)
    except Exception:  # something unexpected in re's cache: nothing stored
        return False
    store_entry(entry, blob)
    return True


__all__ = ["compiled_code", "entry_path", "seed", "store"]
