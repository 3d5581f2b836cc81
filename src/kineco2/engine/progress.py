"""« Have I improved? »: this year against last year, and whether the change is meaningful.

Both years are computed with the **same** factor and defaults versions (last year restated,
as :mod:`kineco2.engine.yoy` does), then drawn jointly by the paired Monte Carlo of
:mod:`kineco2.engine.compare`: one multiplier per emission factor shared by both years, one per
default shared by both years. An answer is the same datum in both years only when it did not
change (copied from last year's assessment); a changed answer is a new measurement whose error
is independent of last year's, so its driver is renamed for this year before the draw.

A change is **significant** when the 95 % interval of the paired difference excludes zero:
« baisse nette de 12 % » versus « baisse de 0,5 %, pas significative compte tenu des
incertitudes ». Pure Python (numpy), no Django.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kineco2.engine.allocation import SharedShare
from kineco2.engine.compare import paired_samples
from kineco2.engine.compute import compute
from kineco2.engine.defaults import DefaultSet, load_defaults
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.formatting import format_number
from kineco2.engine.result import Result
from kineco2.engine.schema import AssessmentInput, parse_input

__all__ = ["Change", "YearProgress", "compare_years"]

_ANSWER_ORIGINS = ("mesure", "estime")
THIS_YEAR = ":cette-annee"


@dataclass(frozen=True)
class Change:
    """One quantity (total, per session, one post): last year, this year, paired interval."""

    id: str
    label: str
    previous: float
    current: float
    low: float  # 2.5th percentile of the paired difference (current − previous)
    high: float  # 97.5th percentile

    @property
    def difference(self) -> float:
        return self.current - self.previous

    @property
    def relative(self) -> float | None:
        return self.difference / self.previous if self.previous else None

    @property
    def significant(self) -> bool:
        """The 95 % interval of the difference excludes zero."""
        return self.low > 0 or self.high < 0

    @property
    def direction(self) -> str:
        if self.difference < 0:
            return "baisse"
        if self.difference > 0:
            return "hausse"
        return "stable"

    @property
    def verdict(self) -> str:
        """A French sentence: « baisse nette de 12 % », « hausse de 0,5 %, pas significative… »."""
        relative = self.relative
        if self.direction == "stable" or relative is None:
            return "pas de changement"
        size = format_number(abs(relative) * 100, 1 if abs(relative) < 0.1 else 0)
        size = size.removesuffix(",0")
        if self.significant:
            return f"{self.direction} nette de {size}\u00a0%"
        return f"{self.direction} de {size}\u00a0%, pas significative compte tenu des incertitudes"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "previous": self.previous,
            "current": self.current,
            "difference": self.difference,
            "difference_interval": [self.low, self.high],
            "significant": self.significant,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class YearProgress:
    factors_version: str
    defaults_version: str
    draws: int
    total: Change  # kg CO2e per year
    per_session: Change  # kg CO2e per session
    posts: tuple[Change, ...]
    previous: Result  # last year's answers with this year's factors (restated)
    current: Result

    def changed_posts(self, threshold_kg: float = 0.5) -> list[Change]:
        """Posts that moved, largest absolute change first."""
        moved = [p for p in self.posts if abs(p.difference) >= threshold_kg]
        return sorted(moved, key=lambda p: -abs(p.difference))

    def to_dict(self) -> dict[str, Any]:
        return {
            "factors_version": self.factors_version,
            "defaults_version": self.defaults_version,
            "draws": self.draws,
            "total": self.total.to_dict(),
            "per_session": self.per_session.to_dict(),
            "posts": [p.to_dict() for p in self.posts],
        }


def _answers_of(inputs: AssessmentInput) -> dict[str, Any]:
    return inputs.model_dump()


def _field_value(answers: Mapping[str, Any], path: str) -> Any:
    section, _, name = path.partition(".")
    return (answers.get(section) or {}).get(name, None)


def _independent_changed_answers(
    current: Result, previous_answers: Mapping[str, Any], current_answers: Mapping[str, Any]
) -> Result:
    """``current`` with the drivers of changed answers renamed (independent of last year's)."""

    def rename(driver):
        if driver.origin not in _ANSWER_ORIGINS or driver.field is None:
            return driver
        if _field_value(previous_answers, driver.field) == _field_value(
            current_answers, driver.field
        ):
            return driver  # the same datum, copied from last year
        return dataclasses.replace(driver, id=driver.id + THIS_YEAR)

    # every driver of the line, those of its complements (1 − shares) included
    lines = tuple(line.map_drivers(rename) for line in current.lines)
    posts = tuple(
        dataclasses.replace(post, lines=tuple(line for line in lines if line.post == post.id))
        for post in current.posts
    )
    return dataclasses.replace(
        current,
        lines=lines,
        posts=posts,
        sessions_drivers=tuple(rename(d) for d in current.sessions_drivers),
    )


def compare_years(
    previous_inputs: AssessmentInput | Mapping[str, Any],
    current_inputs: AssessmentInput | Mapping[str, Any],
    *,
    factors: FactorSet | str | None = None,
    defaults: DefaultSet | str | None = None,
    draws: int = 1000,
    seed: int = 0,
    previous_shared: SharedShare | None = None,
    current_shared: SharedShare | None = None,
) -> YearProgress:
    """This year against last year (restated with the same factors), with paired intervals.

    ``previous_shared``/``current_shared``: each year's share of its structure's shared
    premises, when the practice had one that year (as its results page shows it).
    Raises :class:`~kineco2.engine.errors.InputError` for invalid answers.
    """
    previous_in = (
        previous_inputs
        if isinstance(previous_inputs, AssessmentInput)
        else parse_input(dict(previous_inputs))
    )
    current_in = (
        current_inputs
        if isinstance(current_inputs, AssessmentInput)
        else parse_input(dict(current_inputs))
    )
    factor_set = factors if isinstance(factors, FactorSet) else load_factors(factors or None)
    default_set = defaults if isinstance(defaults, DefaultSet) else load_defaults(defaults or None)
    previous = compute(
        previous_in, factors=factor_set, defaults=default_set, shared=previous_shared
    )
    current = compute(current_in, factors=factor_set, defaults=default_set, shared=current_shared)
    paired_current = _independent_changed_answers(
        current, _answers_of(previous_in), _answers_of(current_in)
    )
    samples = paired_samples(previous, paired_current, draws=draws, seed=seed)

    def change(id_: str, label: str, before: float, after: float, diff: np.ndarray) -> Change:
        low, high = np.percentile(diff, [2.5, 97.5])
        return Change(id_, label, before, after, float(low), float(high))

    total = change(
        "total",
        "Total",
        previous.total_kgco2e,
        current.total_kgco2e,
        samples.scenario - samples.baseline,
    )
    per_session = change(
        "per_session",
        "Par séance",
        previous.per_session_kgco2e,
        current.per_session_kgco2e,
        -samples.avoided_per_session,
    )
    posts = tuple(
        change(
            post.id,
            post.label,
            post.kgco2e,
            current.post(post.id).kgco2e,
            samples.scenario_posts[post.id] - samples.baseline_posts[post.id],
        )
        for post in previous.posts
    )
    return YearProgress(
        factors_version=factor_set.version,
        defaults_version=default_set.version,
        draws=draws,
        total=total,
        per_session=per_session,
        posts=posts,
        previous=previous,
        current=current,
    )
