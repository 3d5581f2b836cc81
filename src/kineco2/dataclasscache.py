"""The generated methods of dataclasses, compiled once and kept between runs of the command line.

``@dataclass`` writes the source text of each class's ``__init__``, ``__repr__``, ``__eq__``…
and compiles it with ``exec`` (one compilation per method in Python 3.12). The modules of a
``kineco2 compute`` create ≈ 70 dataclasses when imported — the engine's, pydantic's,
annotated_types' —: ≈ 300 compilations, ≈ 20 ms of a ≈ 165 ms run, of the same texts at every
run. While the command line imports its modules (:func:`installed`), the name ``exec`` in the
:mod:`dataclasses` module — and nowhere else — is :meth:`_Codes.exec`, which runs the code
object an earlier run compiled from the very same text (kept as :mod:`marshal` data, what a
``.pyc`` holds) and compiles a text it has not seen as ``exec`` does (``"<string>"``, no
``__future__`` flag inherited: ``dataclasses.py`` has none). Same text, same compiler, same
code object; then the builtin ``exec`` runs it exactly as before. The name is removed after the
imports.

The entry lives in the directory of :mod:`kineco2.cachedir` (read only if private to the
user: loading code, like a ``.pyc``, runs what it holds), named after the exact Python build,
its bytecode magic number and optimisation level: another interpreter never reads it. It
holds the texts the last run compiled; it is written again only when a run met a text it did
not hold (new or edited dataclasses). Anything unexpected — no entry, a damaged one, another
``exec`` already shadowing the builtin — means compiling as usual.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

from kineco2.cachedir import interpreter_entry, private
from kineco2.cachedir import store as store_entry

#: Bumped when the layout of an entry changes.
FORMAT = 1


def entry_path() -> Path | None:
    """The entry of this interpreter (``None``: cache off or not CPython)."""
    from importlib.util import MAGIC_NUMBER

    return interpreter_entry(f"dataclasses{FORMAT}", f"{MAGIC_NUMBER.hex()}|{sys.flags.optimize}")


def compiled(source: str) -> CodeType:
    """The code ``exec(source)`` runs when called from :mod:`dataclasses`."""
    return compile(source, "<string>", "exec", dont_inherit=True)


class _Codes:
    """Code objects by source text: those of the entry, those compiled by this run."""

    def __init__(self, known: dict[str, CodeType]):
        self.known = known
        self.used: dict[str, CodeType] = {}
        self.new = 0

    def exec(self, source: Any, globals: Any = None, locals: Any = None) -> None:
        """``exec`` for :mod:`dataclasses`: the same code, compiled once."""
        if type(source) is str:
            code = self.used.get(source) or self.known.get(source)
            if code is None:
                code = compiled(source)
                self.new += 1
            self.used[source] = code
            source = code
        builtins.exec(source, globals, locals)  # noqa: S102 (dataclasses' own generated code)


def load() -> dict[str, CodeType]:
    """The code objects of the entry (empty when absent, damaged or not to be read)."""
    try:
        entry = entry_path()
        if entry is None or not private(entry.parent):
            return {}
        codes = marshal.loads(entry.read_bytes())  # noqa: S302 (private directory, as a .pyc)
    except Exception:  # absent, unreadable, damaged
        return {}
    if not isinstance(codes, dict) or not all(
        type(k) is str and type(v) is CodeType for k, v in codes.items()
    ):
        return {}
    return codes


@contextlib.contextmanager
def installed() -> Iterator[_Codes | None]:
    """For the ``with`` block (the command line's imports): the dataclasses it creates use
    the cached code objects; the texts compiled are stored if some were new."""
    import dataclasses

    if "exec" in vars(dataclasses):  # someone else's: left alone
        yield None
        return
    codes = _Codes(load())
    dataclasses.exec = codes.exec  # type: ignore[attr-defined]
    try:
        yield codes
    finally:
        if vars(dataclasses).get("exec") == codes.exec:
            del dataclasses.exec  # type: ignore[attr-defined]
    if codes.new:
        entry = entry_path()
        if entry is not None:
            try:
                blob = marshal.dumps(codes.used)
            except ValueError:  # pragma: no cover - code objects always marshal
                return
            store_entry(entry, blob)


__all__ = ["compiled", "entry_path", "installed", "load"]
