"""The directory of the caches kept between processes, and how an entry is written.

Shared by :mod:`kineco2.engine.datacache` (parsed reference data), :mod:`kineco2.engine.
validatorcache` (the answers' compiled validators) and :mod:`kineco2.regexcache` (compiled
regular expressions). Outside the engine package so that the command line can read an entry
before it imports the engine (importing ``kineco2.engine`` imports all of it).

The directory is ``$KINECO2_CACHE_DIR`` if set (an empty value turns the caches off), else
``$XDG_CACHE_HOME/kineco2`` or ``~/.cache/kineco2`` — never inside the repository. Entries are
read only from a directory of the current user that no one else can write to; they are written
to a temporary file then renamed, so a reader never sees half an entry.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_dir() -> Path | None:
    """Where entries live, or ``None`` when the cache is off (``KINECO2_CACHE_DIR=""``)."""
    configured = os.environ.get("KINECO2_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kineco2"


def private(directory: Path) -> bool:
    """Entries are read only from a directory of this user that nobody else can write to
    (as ssh does for its keys): a cache is not a way in."""
    try:
        status = directory.stat()
    except OSError:
        return False
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def interpreter_entry(name: str, build: str) -> Path | None:
    """The entry ``name`` of this CPython build, for data only this exact interpreter may read
    (compiled code): named after ``sys.version`` and ``build`` (what else the data depends on,
    such as a bytecode magic number). ``None`` when the cache is off or not on CPython."""
    directory = cache_dir()
    if directory is None or sys.implementation.name != "cpython":
        return None
    import hashlib

    digest = hashlib.sha256(f"{sys.version}|{build}".encode()).hexdigest()[:20]
    major, minor = sys.version_info[:2]
    return directory / f"{name}-py{major}{minor}-{digest}.marshal"


def store(entry: Path, blob: bytes) -> None:
    """Write ``blob`` as ``entry`` (through a temporary file and a rename); an unwritable
    directory is not an error: the entry is simply not stored."""
    temporary = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary.write_bytes(blob)
        os.replace(temporary, entry)
    except OSError:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass


__all__ = ["cache_dir", "interpreter_entry", "private", "store"]
