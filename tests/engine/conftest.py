"""Shared helpers of the engine tests (no Django needed)."""

from __future__ import annotations

from typing import Any

import pytest

from kineco2.engine import compute, parse_input
from kineco2.engine.result import Result

#: A mainland practice whose profile is fully answered: Rennes, 1 kiné, 4 000 sessions,
#: 10 % at home (3 600 at the practice, 400 at home), 40 m².
PROFILE = {
    "commune": "35000",
    "practitioners": 1,
    "sessions_per_year": 4000,
    "home_visit_percent": 10,
    "surface_m2": 40,
    "patient_zone": "grand_pole",
}


def run(profile: dict[str, Any] | None = None, **sections: dict[str, Any]) -> Result:
    data: dict[str, Any] = {"profile": {**PROFILE, **(profile or {})}}
    data.update(sections)
    return compute(parse_input(data))


def line(result: Result, post: str, item: str):
    matches = [ln for ln in result.lines if ln.post == post and ln.item == item]
    assert len(matches) == 1, f"expected one line {post}/{item}, got {len(matches)}"
    return matches[0]


@pytest.fixture
def approx():
    return lambda value: pytest.approx(value, rel=1e-12, abs=1e-12)


@pytest.fixture
def methodology_2025_1(monkeypatch):
    """Run a test against the released methodology 2025.1 (factors, defaults, écosoins).

    The hand-computed cases written for 2025.1 stay as regression tests of that released
    version: stored results name it and it must keep giving the same figures.
    """
    from kineco2.engine import actions, defaults, factors

    monkeypatch.setattr(factors, "latest_version", lambda: "2025.1")
    monkeypatch.setattr(defaults, "latest_version", lambda: "2025.1")
    monkeypatch.setattr(actions, "available_versions", lambda: ["2025.1"])
