"""Plausibility warnings: an answer far outside what a practice of this size plausibly has.

The ranges are data (``data/plausibility/<version>.yaml``), each with its rationale, and
scale with the practice's size (``per: kine``). An answer outside its range is never
refused: :func:`check_answers` returns French warnings that ask the user to check the figure
and its unit (« 14 kWh/an pour 3 kinés, c'est très peu… »). Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kineco2.engine import yamlfile
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.numbers import french, with_unit

PLAUSIBILITY_DIR = Path(__file__).parent / "data" / "plausibility"
PER = ("kine", "cabinet")
_VERSION = re.compile(r"^\d{4}\.\d+$")


@dataclass(frozen=True, slots=True)
class PlausibleRange:
    path: str  # "energie.electricity_kwh"
    per: str
    low: float | None
    high: float | None
    rationale: str

    def bounds(self, practitioners: int) -> tuple[float | None, float | None]:
        scale = practitioners if self.per == "kine" else 1
        return (
            None if self.low is None else self.low * scale,
            None if self.high is None else self.high * scale,
        )


@dataclass(frozen=True, slots=True)
class PlausibilityWarning:
    path: str
    value: float
    low: float | None
    high: float | None
    message: str  # French, shown under the question
    rationale: str

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1]


@dataclass(frozen=True)
class RangeSet:
    version: str
    ranges: dict[str, PlausibleRange]


def versions() -> list[str]:
    return sorted(
        (p.stem for p in PLAUSIBILITY_DIR.glob("*.yaml") if _VERSION.match(p.stem)),
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )


@cache
def load_ranges(version: str | None = None) -> RangeSet:
    """The plausible ranges of ``version`` (the latest by default), validated."""
    version = version or versions()[-1]
    path = PLAUSIBILITY_DIR / f"{version}.yaml"
    if not path.exists():
        raise ReferenceDataError(f"Plages de plausibilité introuvables : version {version}.")
    data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    if str(data.get("version")) != version:
        raise ReferenceDataError(f"{path.name} : la version déclarée n'est pas {version}.")
    ranges = {}
    for key, row in (data.get("ranges") or {}).items():
        problems = []
        if key.count(".") != 1:
            problems.append("le chemin doit être « section.question »")
        if row.get("per") not in PER:
            problems.append(f"« per » doit être l'un de {', '.join(PER)}")
        low, high = row.get("low"), row.get("high")
        if low is None and high is None:
            problems.append("au moins une borne (low, high) est attendue")
        if low is not None and high is not None and not low < high:
            problems.append("low doit être inférieur à high")
        if not str(row.get("rationale", "")).strip():
            problems.append("la justification (rationale) manque")
        if problems:
            raise ReferenceDataError(f"{path.name}, {key} : " + " ; ".join(problems))
        ranges[key] = PlausibleRange(
            path=key,
            per=row["per"],
            low=None if low is None else float(low),
            high=None if high is None else float(high),
            rationale=str(row["rationale"]).strip(),
        )
    return RangeSet(version=version, ranges=ranges)


def _size_text(practitioners: int, per: str) -> str:
    if per != "kine":
        return "pour un cabinet"
    return "pour un kiné" if practitioners == 1 else f"pour {practitioners} kinés"


def check_answer(
    path: str, value: Any, *, practitioners: int, unit: str = "", version: str | None = None
) -> PlausibilityWarning | None:
    """The warning for ``path = value`` in a practice of ``practitioners``, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    rng = load_ranges(version).ranges.get(path)
    if rng is None:
        return None
    practitioners = max(1, int(practitioners or 1))
    low, high = rng.bounds(practitioners)
    size = _size_text(practitioners, rng.per)
    typed = with_unit(french(float(value)), unit)
    if low is not None and value < low:
        verdict = "c'est très peu"
    elif high is not None and value > high:
        verdict = "c'est beaucoup"
    else:
        return None
    if low is not None and high is not None:
        expected = f"entre {french(low)} et {with_unit(french(high), unit)}"
    elif low is not None:
        expected = f"au moins {with_unit(french(low), unit)}"
    else:
        expected = f"au plus {with_unit(french(high), unit)}"  # type: ignore[arg-type]
    message = (
        f"{typed} {size}, {verdict} : on attend plutôt {expected}. Vérifiez le chiffre et "
        "l'unité. S'il est exact, gardez-le : il est enregistré et compte dans le bilan."
    )
    return PlausibilityWarning(
        path=path,
        value=float(value),
        low=low,
        high=high,
        message=message,
        rationale=rng.rationale,
    )


def check_answers(
    answers: dict[str, Any], *, units: dict[str, str] | None = None, version: str | None = None
) -> list[PlausibilityWarning]:
    """Warnings for every answered question of ``answers`` (stored JSON, possibly partial).

    ``units`` maps a path to its unit (for the messages); the practice's size is the
    profile's number of practitioners (1 when not given yet).
    """
    profile = answers.get("profile") or {}
    practitioners = profile.get("practitioners")
    if not isinstance(practitioners, int) or isinstance(practitioners, bool):
        practitioners = 1
    units = units or {}
    warnings = []
    for path in load_ranges(version).ranges:
        section, name = path.split(".", 1)
        value = (answers.get(section) or {}).get(name)
        warning = check_answer(
            path, value, practitioners=practitioners, unit=units.get(path, ""), version=version
        )
        if warning is not None:
            warnings.append(warning)
    return warnings
