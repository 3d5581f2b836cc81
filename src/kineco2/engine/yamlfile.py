"""YAML reading for the engine's reference data: libyaml's C parser when PyYAML has it.

PyYAML's pure-Python parser takes most of a CLI run's time on the defaults file (≈ 10 times
slower than libyaml's). ``CSafeLoader`` is the same safe subset of YAML, so the data read is
identical; the pure-Python ``SafeLoader`` is the fallback where libyaml is absent.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """``yaml.safe_load`` with the C parser when available."""
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 (a safe loader)
