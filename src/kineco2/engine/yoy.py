"""Year on year: what changed because the activity changed, what changed because the factors did.

Between two yearly assessments of a practice, two things may change at once: the answers (more
sessions, a new boiler, fewer kilometres) and the version of the emission factors (ADEME
updates the Base Carbone). The change of the footprint is split in two, by re-running the
same engine three times (never a separate formula):

* ``A`` = compute(previous answers, previous factors): last year's footprint as published;
* ``B`` = compute(previous answers, current factors): last year restated with this year's
  factors;
* ``C`` = compute(current answers, current factors): this year's footprint.

Then **factor effect** = B − A, **activity effect** = C − B, and their sum is the total
change C − A, per post and in total (the order matters: the activity effect is valued with the
current factors, the factor effect with the previous activity — the usual convention of a
restated baseline, GHG Protocol « recalculation of base year emissions »).

The defaults (« je ne sais pas ») are the same for the three runs (the latest shipped version
unless ``defaults`` says otherwise), so a change of defaults is not mistaken for a change of
activity — except for ``A`` when last year's version ships its own defaults (or
``previous_defaults`` names them): then ``A`` uses them, and the factor effect is the whole
**method effect** (factors and defaults), as between two methodology versions. Either way B and C share one version: the
comparison of the two years is made with the same method. Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kineco2.engine.allocation import SharedShare
from kineco2.engine.compute import compute
from kineco2.engine.defaults import DefaultSet, load_defaults
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.result import Result
from kineco2.engine.schema import AssessmentInput, parse_input

__all__ = ["ChangeDecomposition", "PostChange", "decompose_change"]


@dataclass(frozen=True, slots=True)
class PostChange:
    """One post (or the total): the three runs and the two effects, in kg CO2e per year."""

    id: str
    label: str
    previous_kgco2e: float  # A: previous answers, previous factors
    restated_kgco2e: float  # B: previous answers, current factors
    current_kgco2e: float  # C: current answers, current factors

    @property
    def factor_effect_kgco2e(self) -> float:
        return self.restated_kgco2e - self.previous_kgco2e

    @property
    def activity_effect_kgco2e(self) -> float:
        return self.current_kgco2e - self.restated_kgco2e

    @property
    def total_change_kgco2e(self) -> float:
        return self.current_kgco2e - self.previous_kgco2e

    @property
    def relative_change(self) -> float | None:
        """The total change as a share of the previous value (``None`` from zero)."""
        if not self.previous_kgco2e:
            return None
        return self.total_change_kgco2e / self.previous_kgco2e

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "previous_kgco2e": self.previous_kgco2e,
            "restated_kgco2e": self.restated_kgco2e,
            "current_kgco2e": self.current_kgco2e,
            "factor_effect_kgco2e": self.factor_effect_kgco2e,
            "activity_effect_kgco2e": self.activity_effect_kgco2e,
            "total_change_kgco2e": self.total_change_kgco2e,
        }


@dataclass(frozen=True)
class ChangeDecomposition:
    previous_factors_version: str
    current_factors_version: str
    defaults_version: str
    previous: Result
    restated: Result
    current: Result
    posts: tuple[PostChange, ...]
    total: PostChange
    previous_defaults_version: str = ""  # A's defaults ("" or = defaults_version: the same)

    @property
    def factors_changed(self) -> bool:
        return self.previous_factors_version != self.current_factors_version

    @property
    def method_changed(self) -> bool:
        """Factors or defaults differ between last year's result and this year's."""
        return self.factors_changed or (
            bool(self.previous_defaults_version)
            and self.previous_defaults_version != self.defaults_version
        )

    @property
    def factor_effect_kgco2e(self) -> float:
        return self.total.factor_effect_kgco2e

    @property
    def activity_effect_kgco2e(self) -> float:
        return self.total.activity_effect_kgco2e

    @property
    def total_change_kgco2e(self) -> float:
        return self.total.total_change_kgco2e

    # per session: the same split (the number of sessions is activity: A and B share it)
    @property
    def previous_per_session_kgco2e(self) -> float:
        return self.previous.per_session_kgco2e

    @property
    def current_per_session_kgco2e(self) -> float:
        return self.current.per_session_kgco2e

    @property
    def per_session_factor_effect_kgco2e(self) -> float:
        return self.restated.per_session_kgco2e - self.previous.per_session_kgco2e

    @property
    def per_session_activity_effect_kgco2e(self) -> float:
        return self.current.per_session_kgco2e - self.restated.per_session_kgco2e

    def changed_posts(self, threshold_kg: float = 0.05) -> list[PostChange]:
        """Posts whose value moved (by either effect), largest absolute change first."""
        moved = [
            p
            for p in self.posts
            if abs(p.factor_effect_kgco2e) >= threshold_kg
            or abs(p.activity_effect_kgco2e) >= threshold_kg
        ]
        return sorted(moved, key=lambda p: -abs(p.total_change_kgco2e))

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous_factors_version": self.previous_factors_version,
            "current_factors_version": self.current_factors_version,
            "defaults_version": self.defaults_version,
            "previous_defaults_version": self.previous_defaults_version or self.defaults_version,
            "total": self.total.to_dict(),
            "posts": [p.to_dict() for p in self.posts],
            "per_session": {
                "previous_kgco2e": self.previous_per_session_kgco2e,
                "current_kgco2e": self.current_per_session_kgco2e,
                "factor_effect_kgco2e": self.per_session_factor_effect_kgco2e,
                "activity_effect_kgco2e": self.per_session_activity_effect_kgco2e,
            },
        }


def _inputs(value: AssessmentInput | Mapping[str, Any]) -> AssessmentInput:
    if isinstance(value, AssessmentInput):
        return value
    return parse_input(dict(value))  # raises InputError (French) if invalid


def _factors(value: FactorSet | str | None) -> FactorSet:
    if isinstance(value, FactorSet):
        return value
    return load_factors(value or None)  # raises ReferenceDataError for an unknown version


def _defaults(value: DefaultSet | str | None) -> DefaultSet:
    if isinstance(value, DefaultSet):
        return value
    return load_defaults(value or None)


def decompose_change(
    previous_inputs: AssessmentInput | Mapping[str, Any],
    previous_factors_version: FactorSet | str,
    current_inputs: AssessmentInput | Mapping[str, Any],
    current_factors_version: FactorSet | str,
    *,
    defaults: DefaultSet | str | None = None,
    previous_defaults: DefaultSet | str | None = None,
    previous_shared: SharedShare | None = None,
    restated_shared: SharedShare | None = None,
    current_shared: SharedShare | None = None,
) -> ChangeDecomposition:
    """Split the change from last year into an activity effect and a factor effect.

    ``*_inputs``: answers (an :class:`AssessmentInput` or the answers as a dict);
    ``*_factors_version``: a shipped version (``"2025.1"``) or a :class:`FactorSet`;
    ``defaults``: the defaults of the three runs (latest version by default);
    ``previous_defaults``: last year's defaults for ``A`` only (its methodology version).
    ``*_shared``: a member's share of its structure's shared premises — last year's share
    computed with last year's method (``previous_shared``) and with this year's
    (``restated_shared``, ``previous_shared`` if not given), this year's share
    (``current_shared``): each year keeps the bilan des locaux of its own year.
    Raises :class:`~kineco2.engine.errors.InputError` for invalid answers and
    :class:`~kineco2.engine.errors.ReferenceDataError` for an unknown version.
    """
    if restated_shared is None:
        restated_shared = previous_shared
    previous_in = _inputs(previous_inputs)
    current_in = _inputs(current_inputs)
    previous_factors = _factors(previous_factors_version)
    current_factors = _factors(current_factors_version)
    default_set = _defaults(defaults)
    # Last year's figure as it was computed: a shipped version brings its own defaults (the
    # methods of 2025.1 and 2026.1 differ), so the « factor effect » is then the effect of the
    # whole methodology version (factors and defaults). ``previous_defaults`` says it outright.
    previous_set = _defaults(previous_defaults) if previous_defaults else default_set
    if not previous_defaults and defaults is None and isinstance(previous_factors_version, str):
        from kineco2.engine.defaults import available_versions

        if previous_factors_version in available_versions():
            previous_set = _defaults(previous_factors_version)

    a = compute(
        previous_in, factors=previous_factors, defaults=previous_set, shared=previous_shared
    )
    b = compute(previous_in, factors=current_factors, defaults=default_set, shared=restated_shared)
    c = compute(current_in, factors=current_factors, defaults=default_set, shared=current_shared)

    posts = tuple(
        PostChange(
            id=post.id,
            label=post.label,
            previous_kgco2e=post.kgco2e,
            restated_kgco2e=b.post(post.id).kgco2e,
            current_kgco2e=c.post(post.id).kgco2e,
        )
        for post in a.posts
    )
    total = PostChange(
        id="total",
        label="Total",
        previous_kgco2e=a.total_kgco2e,
        restated_kgco2e=b.total_kgco2e,
        current_kgco2e=c.total_kgco2e,
    )
    return ChangeDecomposition(
        previous_factors_version=previous_factors.version,
        current_factors_version=current_factors.version,
        defaults_version=default_set.version,
        previous=a,
        restated=b,
        current=c,
        posts=posts,
        total=total,
        previous_defaults_version=previous_set.version,
    )
