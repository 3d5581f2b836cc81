"""Parsed reference data kept between processes, keyed by the content of the file.

Every start of ``kineco2 compute`` parsed the defaults file (≈ 5 ms with libyaml for
``2026.1.yaml``) and the version registry (≈ 2 ms). The parsed document is now stored once,
as :mod:`marshal` data (read back in ≈ 0,1 ms), under a name made of the SHA-256 of the bytes
read: an edited file has another hash and is parsed again, so a stale entry is never served
(released files never change anyway; their hashes are pinned by tests). The name also carries
the versions of Python and PyYAML, the YAML loader and this module's format.

Only plain data is stored (dict, list, str, int, float, bool, None): a document with other
types (a YAML date) is parsed every time. The directory and its rules are those of
:mod:`kineco2.cachedir` (``$KINECO2_CACHE_DIR``, else the user's cache directory; entries read
only from a directory of the current user that no one else can write to, written to a
temporary file then renamed). An unwritable or unreadable directory, or a damaged entry, only
means parsing the file as before: never an error.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from pathlib import Path
from typing import Any

from kineco2.cachedir import cache_dir, private, store
from kineco2.engine import yamlfile

#: Bumped when the layout of an entry changes.
FORMAT = 1
_PLAIN = (dict, list, str, int, float, bool, type(None))


def _tag() -> str:
    import yaml

    loader = yamlfile.SafeLoader.__name__
    python = "{}.{}".format(*sys.version_info[:2])
    return f"yaml{FORMAT}-py{python}-pyyaml{yaml.__version__}-{loader}"


def entry_path(content: bytes) -> Path | None:
    """The cache entry of a YAML file with these bytes (``None``: cache off)."""
    directory = cache_dir()
    if directory is None:
        return None
    return directory / f"{hashlib.sha256(content).hexdigest()}-{_tag()}.marshal"


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return type(value) in _PLAIN


def load_yaml(path: Path | str) -> Any:
    """The parsed YAML of a reference data file: the same as ``yamlfile.safe_load`` of the
    file read as UTF-8 text, from the cache when these exact bytes were parsed before."""
    content = Path(path).read_bytes()
    entry = entry_path(content)
    if entry is not None and private(entry.parent):
        try:
            # data this module wrote, in a directory only this user can write
            return marshal.loads(entry.read_bytes())  # noqa: S302
        except (OSError, EOFError, ValueError, TypeError):
            pass  # absent, unreadable or damaged: parse the file
    # the text ``open(path, encoding="utf-8")`` gives (universal newlines)
    text = content.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    value = yamlfile.safe_load(text)
    if entry is not None and _plain(value):
        store(entry, marshal.dumps(value))
    return value


__all__ = ["cache_dir", "entry_path", "load_yaml", "private", "store"]
