"""The compiled validator of the answers, kept between runs of the command line.

The first validation in a process builds pydantic's validator of
:class:`~kineco2.engine.schema.AssessmentInput` from the classes of ``schema.py`` (≈ 25 ms of
CPU, a tenth of a ``kineco2 compute`` run), then one per section left empty (its default is
built by validating nothing). The validator is that schema compiled: a pydantic-core
``SchemaValidator``, which pickles as its core schema — plain data and references, by name, to
the schema's classes and validator functions. :func:`install` stores the validators of the
answers and of every section once, then puts them back in place of pydantic's deferred build.
Same schema, same validator: ``schema.py`` stays the only statement of the rules.

The key is the SHA-256 of the source of every loaded module of ``kineco2.engine`` (the schema
and whatever it reads: limits, patterns, error texts) and the versions of Python, pydantic and
pydantic-core: any edit builds and stores the validators again. Entries live in the
directory of :mod:`kineco2.engine.datacache` (``KINECO2_CACHE_DIR``; empty: off) and are read
only if that directory belongs to the user and nobody else can write to it (unpickling runs
code, as a ``.pyc`` does). Only the command line installs them: a server builds the validator
once for its lifetime. Anything unexpected — no entry, a damaged one, an unpicklable
validator, a model already built — leaves pydantic's own build in place.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

from kineco2.engine import datacache

FORMAT = 1


def _models() -> dict[str, type]:
    from kineco2.engine.schema import SECTIONS, AssessmentInput

    return {"AssessmentInput": AssessmentInput} | {cls.__name__: cls for cls in SECTIONS.values()}


def key() -> str:
    """The SHA-256 of what the validators are made of (see the module's docstring)."""
    import pydantic
    import pydantic_core

    digest = hashlib.sha256()
    digest.update(
        f"validators{FORMAT} py{sys.version} pydantic{pydantic.VERSION} "
        f"core{pydantic_core.__version__}".encode()
    )
    for name in sorted(sys.modules):
        if name != "kineco2.engine" and not name.startswith("kineco2.engine."):
            continue
        path = getattr(sys.modules[name], "__file__", None)
        digest.update(f"\0{name}\0".encode())
        if path:
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def entry_path() -> Path | None:
    directory = datacache.cache_dir()
    if directory is None:
        return None
    return directory / f"{key()}-validators.pickle"


def install() -> str:
    """Put the cached validators in place (``"cache"``), or build and store them
    (``"stored"``); ``"unchanged"`` when they are already built or the cache is off or unusable.
    """
    from pydantic_core import SchemaValidator

    models = _models()
    if any(model.__pydantic_complete__ for model in models.values()):
        return "unchanged"  # built already in this process: nothing to gain
    try:
        entry = entry_path()
    except OSError:
        return "unchanged"
    if entry is None:
        return "unchanged"
    if datacache.private(entry.parent):
        try:
            validators = pickle.loads(entry.read_bytes())  # noqa: S301 (private directory)
        except Exception:  # absent or damaged: build as usual
            validators = None
        if (
            isinstance(validators, dict)
            and validators.keys() == models.keys()
            and all(type(v) is SchemaValidator for v in validators.values())
        ):
            for name, model in models.items():
                model.__pydantic_validator__ = validators[name]
            return "cache"
    for model in models.values():
        model.model_rebuild()
    built = {name: model.__pydantic_validator__ for name, model in models.items()}
    if not all(type(v) is SchemaValidator for v in built.values()):
        return "unchanged"  # a pydantic plugin wraps them: not stored
    try:
        blob = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something in the schema does not pickle
        return "unchanged"
    datacache.store(entry, blob)
    for other in entry.parent.glob("*-validators.pickle"):
        if other != entry:  # made from sources that changed since: never read again
            try:
                other.unlink()
            except OSError:
                pass
    return "stored"


__all__ = ["entry_path", "install", "key"]
