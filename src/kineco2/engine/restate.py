"""An assessment recomputed with another methodology version: method effect, answers effect.

A stored result keeps the methodology version that produced it. When a new version is
published, the practitioner may see the result « recalculé avec la méthode 2026.1 ». The
difference between the stored figure and the new one is split in two, by running the same
engine (never a separate formula), as :mod:`kineco2.engine.yoy` does between two years:

* ``S`` = the stored result (answers as they were, old version);
* ``A`` = compute(today's answers, old version's factors **and defaults**);
* ``B`` = compute(today's answers, new version's factors and defaults).

**effet de vos réponses** = A − S (what changed because answers were edited since the result
was stored, valued with the old method; zero when nothing was edited), **effet de la
méthode** = B − A (factors and defaults, valued on today's answers); their sum is B − S.

To add up *exactly* — on screen and in the numbers — each figure is first rounded to 0.1 kg
CO2e as a :class:`~decimal.Decimal` (the precision shown), and the effects are differences of
these decimals: ``method + answers == total`` holds with no floating-point residue, per post
and in total. Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from kineco2.engine.compute import compute
from kineco2.engine.defaults import DefaultSet
from kineco2.engine.factors import FactorSet
from kineco2.engine.result import Result
from kineco2.engine.schema import AssessmentInput, parse_input

__all__ = ["PostRestatement", "Restatement", "restate", "to_tenth"]

TENTH = Decimal("0.1")


def to_tenth(value: float) -> Decimal:
    """``value`` (kg CO2e) rounded to 0.1 kg, exactly, as a Decimal (half to even)."""
    return Decimal(repr(float(value))).quantize(TENTH, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class PostRestatement:
    """One post (or the total), in kg CO2e rounded to 0.1 kg."""

    id: str
    label: str
    stored: Decimal  # S
    old_method: Decimal  # A: today's answers, old version
    new_method: Decimal  # B: today's answers, new version

    @property
    def answers_effect(self) -> Decimal:
        return self.old_method - self.stored

    @property
    def method_effect(self) -> Decimal:
        return self.new_method - self.old_method

    @property
    def total_change(self) -> Decimal:
        return self.new_method - self.stored

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "stored_kgco2e": float(self.stored),
            "old_method_kgco2e": float(self.old_method),
            "new_method_kgco2e": float(self.new_method),
            "answers_effect_kgco2e": float(self.answers_effect),
            "method_effect_kgco2e": float(self.method_effect),
            "total_change_kgco2e": float(self.total_change),
        }


@dataclass(frozen=True)
class Restatement:
    old_version: str
    new_version: str
    old: Result  # A
    new: Result  # B
    posts: tuple[PostRestatement, ...]
    total: PostRestatement

    @property
    def answers_changed(self) -> bool:
        return any(p.answers_effect for p in (*self.posts, self.total))

    def moved_posts(self) -> list[PostRestatement]:
        """Posts whose figure moved, largest absolute change first."""
        moved = [p for p in self.posts if p.total_change or p.method_effect]
        return sorted(moved, key=lambda p: -abs(p.total_change))

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "total": self.total.to_dict(),
            "posts": [p.to_dict() for p in self.posts],
        }


def _posts_of(stored: Result | Mapping[str, Any] | None) -> tuple[dict[str, float], float | None]:
    if stored is None:
        return {}, None
    if isinstance(stored, Result):
        return {p.id: p.kgco2e for p in stored.posts}, stored.total_kgco2e
    posts = stored.get("posts") or {}
    if isinstance(posts, list):  # Result.to_dict()
        posts = {p["id"]: p["kgco2e"] for p in posts}
    return dict(posts), stored.get("total_kgco2e")


def restate(
    inputs: AssessmentInput | Mapping[str, Any],
    *,
    old: tuple[FactorSet, DefaultSet],
    new: tuple[FactorSet, DefaultSet],
    stored: Result | Mapping[str, Any] | None = None,
) -> Restatement:
    """Today's answers under the old and the new version, against the stored result.

    ``stored``: the stored result (a :class:`Result`, its ``to_dict()``, or a mapping with
    ``total_kgco2e`` and ``posts`` {post id: kg}); ``None`` means « the old version on today's
    answers » (no answers effect). Raises :class:`~kineco2.engine.errors.InputError` for
    answers the engine refuses.
    """
    answers = inputs if isinstance(inputs, AssessmentInput) else parse_input(dict(inputs))
    a = compute(answers, factors=old[0], defaults=old[1])
    b = compute(answers, factors=new[0], defaults=new[1])
    stored_posts, stored_total = _posts_of(stored)
    ids = [p.id for p in a.posts] + [p.id for p in b.posts if p.id not in {q.id for q in a.posts}]
    a_posts = {p.id: p for p in a.posts}
    b_posts = {p.id: p for p in b.posts}
    posts = []
    for post_id in ids:
        old_kg = a_posts[post_id].kgco2e if post_id in a_posts else 0.0
        new_kg = b_posts[post_id].kgco2e if post_id in b_posts else 0.0
        label = (b_posts.get(post_id) or a_posts[post_id]).label
        posts.append(
            PostRestatement(
                id=post_id,
                label=label,
                stored=to_tenth(stored_posts.get(post_id, old_kg) if stored else old_kg),
                old_method=to_tenth(old_kg),
                new_method=to_tenth(new_kg),
            )
        )
    total = PostRestatement(
        id="total",
        label="Total",
        stored=to_tenth(stored_total if stored_total is not None else a.total_kgco2e),
        old_method=to_tenth(a.total_kgco2e),
        new_method=to_tenth(b.total_kgco2e),
    )
    return Restatement(
        old_version=old[0].version,
        new_version=new[0].version,
        old=a,
        new=b,
        posts=tuple(posts),
        total=total,
    )
