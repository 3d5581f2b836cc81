"""Factors kept in the data but not used by any post, each with the reason (in French).

``data/factors/<version>.unused.yaml`` lists them; a test checks that every factor is either
used by a post or listed there, and never both.
"""

from __future__ import annotations

from functools import cache

from kineco2.engine import yamlfile
from kineco2.engine.factors import FACTORS_DIR, latest_version


@cache
def unused_factors(version: str | None = None) -> dict[str, str]:
    path = FACTORS_DIR / f"{version or latest_version()}.unused.yaml"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        return dict(yamlfile.safe_load(handle) or {})
