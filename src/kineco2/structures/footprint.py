"""The structure's consolidated footprint, its collective action plan and the CPTS aggregates.

Everything here is computed from what the structure owns (its « bilan des locaux
partagés », its members list) and from what each member practice agreed to share
(``MemberPractice.share_footprint``): a member that does not share counts only for its share
of the premises, never for its own posts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache

from kineco2.engine import InputError
from kineco2.engine.actions import (
    ActionError,
    is_applicable,
    load_actions,
    simulate,
)
from kineco2.engine.allocation import (
    PREMISES_POSTS,
    REPLACED_POSTS,
    Allocation,
    Consolidation,
    allocate,
    consolidate,
    to_grams,
)
from kineco2.engine.posts import POST_LABELS
from kineco2.practices.answers import to_input
from kineco2.structures import selectors
from kineco2.structures.models import MemberPractice, Structure

#: Monte Carlo draws of the consolidated intervals.
DRAWS = 2000


@dataclass
class MemberRow:
    key: str
    label: str
    kind: str  # "cabinet" or "profession"
    status: str  # French: what is counted for this occupant
    shared_grams: int
    own_grams: int | None
    interval_kg: tuple[float, float] | None
    member: MemberPractice | None = None
    grams_by_post: dict[str, int] = field(default_factory=dict)

    @property
    def grams(self) -> int:
        return self.shared_grams + (self.own_grams or 0)

    @property
    def kgco2e(self) -> float:
        return self.grams / 1000


@dataclass
class Footprint:
    structure: Structure
    year: int
    allocation: Allocation | None
    premises_error: str | None
    rows: list[MemberRow]
    consolidation: Consolidation
    premises_result: Any = None

    @property
    def total_kgco2e(self) -> float:
        return self.consolidation.total_kgco2e

    @property
    def shared_kgco2e(self) -> float:
        return (self.allocation.total_grams / 1000) if self.allocation else 0.0

    @property
    def members_sharing(self) -> int:
        return sum(1 for r in self.rows if r.kind == "cabinet" and r.own_grams is not None)

    def posts(self) -> list[tuple[str, str, int]]:
        """(post id, label, grams) of the consolidated footprint, in display order."""
        totals: dict[str, int] = {}
        for row in self.rows:
            for post, grams in row.grams_by_post.items():
                totals[post] = totals.get(post, 0) + grams
        return [(p, label, totals[p]) for p, label in POST_LABELS.items() if totals.get(p)]


def structure_footprint(structure: Structure, year: int, *, draws: int = DRAWS) -> Footprint:
    """Shared premises + the sharing members' own posts + the other professions' shares."""
    premises = selectors.premises_for_year(structure, year) if structure.has_premises else None
    allocation = premises_result = None
    premises_error = None
    if premises is not None:
        try:
            computation = selectors.premises_computation(structure, premises)
            allocation, premises_result = computation.allocation, computation.result
        except InputError as exc:
            premises_error = str(exc)
    parts = []
    meta: list[tuple[str, str, str, MemberPractice | None, bool]] = []
    for member in structure.members.select_related("practice").order_by("pk"):
        key = f"cabinet:{member.pk}"
        share_lines = allocation.share(key).lines if allocation else ()
        found = selectors.member_result(member, year)
        if found is not None:
            _, result = found
            lines = list(result.lines)
            if allocation and not result.shared_premises:
                # The member's result did not receive this structure's share (another
                # structure's premises for this year): count this one's, not its own premises.
                lines = [ln for ln in lines if ln.post not in REPLACED_POSTS] + list(share_lines)
            status = "bilan validé partagé, avec sa part des locaux"
            own = True
        else:
            lines = list(share_lines)
            status = (
                "part des locaux seulement (bilan non partagé)"
                if not member.share_footprint
                else "part des locaux seulement (pas de bilan validé pour cette année)"
            )
            own = False
        parts.append((key, member.practice.name, lines))
        meta.append((key, "cabinet", status, member, own))
    if allocation:
        for professional in structure.other_professionals.order_by("pk"):
            key = f"pro:{professional.pk}"
            parts.append((key, professional.display_name, allocation.share(key).lines))
            meta.append((key, "profession", "part des locaux (autre profession)", None, False))
    seed = settings.KINECO2_SEED
    consolidation = consolidate(parts, draws=draws, seed=seed)
    rows = []
    for part, (key, kind, status, member, own) in zip(consolidation.parts, meta, strict=True):
        rows.append(
            MemberRow(
                key=key,
                label=part.label,
                kind=kind,
                status=status,
                shared_grams=part.shared_grams,
                own_grams=part.own_grams if own else None,
                interval_kg=part.interval_kg,
                member=member,
                grams_by_post=part.grams_by_post,
            )
        )
    return Footprint(
        structure=structure,
        year=year,
        allocation=allocation,
        premises_error=premises_error,
        rows=rows,
        consolidation=consolidation,
        premises_result=premises_result,
    )


def year_on_year(structure: Structure) -> list[dict[str, Any]]:
    """Totals of each year (no intervals: a quick table)."""
    out = []
    for year in selectors.years_of(structure):
        fp = structure_footprint(structure, year, draws=0)
        out.append(
            {
                "year": year,
                "total_kgco2e": fp.total_kgco2e,
                "shared_kgco2e": fp.shared_kgco2e,
                "members_sharing": fp.members_sharing,
                "change": None,
            }
        )
    for previous, current in itertools.pairwise(out):
        if previous["total_kgco2e"]:
            current["change"] = current["total_kgco2e"] / previous["total_kgco2e"] - 1
    return out


# -- collective action plan -----------------------------------------------------------------


@dataclass
class CollectiveGain:
    action_id: str
    title: str
    scope: str  # "locaux" (simulated on the shared premises) or "cabinets"
    per_member: dict[str, float]  # occupant key -> avoided kg CO2e
    total_kgco2e: float
    members_concerned: int


def _plan_fingerprint(structure: Structure, year: int) -> str:
    members = list(
        structure.members.order_by("pk").values_list(
            "pk", "share_footprint", "surface_m2", "sessions_per_year", "hours_per_week"
        )
    )
    answers = [
        a.answers
        for m in structure.members.filter(share_footprint=True)
        for a in m.practice.assessments.filter(reference_year=year, completed_at__isnull=False)
    ]
    premises = selectors.premises_for_year(structure, year)
    payload = {
        "members": members,
        "answers": answers,
        "premises": premises.answers if premises else None,
        "pros": list(structure.other_professionals.values_list("pk", "surface_m2")),
        "keys": [structure.premises_key, structure.support_key, structure.common_surface_m2],
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def collective_plan(structure: Structure, year: int) -> list[CollectiveGain]:
    """Each écosoin simulated for every sharing member (its own posts) and, for building
    actions, on the shared premises with the gain split by the allocation key."""
    key = f"structure-plan:{structure.pk}:{year}:{_plan_fingerprint(structure, year)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    catalogue = load_actions()
    gains: dict[str, CollectiveGain] = {}

    def gain_for(action) -> CollectiveGain:
        return gains.setdefault(
            action.id,
            CollectiveGain(
                action_id=action.id,
                title=action.title,
                scope="",
                per_member={},
                total_kgco2e=0.0,
                members_concerned=0,
            ),
        )

    # 1. Building actions, on the shared premises: the gain is split like the premises.
    premises = selectors.premises_for_year(structure, year) if structure.has_premises else None
    computation = None
    if premises is not None:
        try:
            computation = selectors.premises_computation(structure, premises)
        except InputError:
            computation = None
    if computation is not None:
        from kineco2.engine import parse_input

        premises_inputs = parse_input(selectors.premises_input_dict(structure, premises))
        baseline = computation.result
        occupants = selectors.occupants(structure)
        for action in catalogue:
            if not set(action.posts) <= PREMISES_POSTS:
                continue
            try:
                if not is_applicable(action, premises_inputs, baseline):
                    continue
                sim = simulate(premises_inputs, [(action.id, None)], draws=0, baseline=baseline)
            except (ActionError, InputError):
                continue
            after = allocate(
                sim.scenario.lines,
                occupants,
                premises_key=structure.premises_key,
                support_key=structure.support_key,
                common_surface_m2=structure.common_surface_m2,
            )
            before = computation.allocation
            entry = gain_for(action)
            entry.scope = "locaux"
            for share in before.shares:
                avoided = (share.grams - after.share(share.occupant.key).grams) / 1000
                if avoided:
                    entry.per_member[share.occupant.key] = avoided
            entry.total_kgco2e = (before.total_grams - after.total_grams) / 1000
            entry.members_concerned = len(entry.per_member)
    # 2. The members' own posts (patients' travel, home visits, equipment…).
    for member in structure.members.select_related("practice").order_by("pk"):
        found = selectors.member_result(member, year)
        if found is None:
            continue
        assessment, _ = found
        try:
            inputs = to_input(assessment.answers)
        except InputError:
            continue
        from kineco2.engine import compute

        baseline = compute(inputs)
        for action in catalogue:
            if set(action.posts) & REPLACED_POSTS and computation is not None:
                continue  # the building is the structure's: simulated above
            try:
                if not is_applicable(action, inputs, baseline):
                    continue
                sim = simulate(inputs, [(action.id, None)], draws=0, baseline=baseline)
            except (ActionError, InputError):
                continue
            if sim.avoided_kgco2e <= 0 or not math.isfinite(sim.avoided_kgco2e):
                continue
            entry = gain_for(action)
            entry.scope = entry.scope or "cabinets"
            member_key = f"cabinet:{member.pk}"
            entry.per_member[member_key] = (
                entry.per_member.get(member_key, 0) + to_grams(sim.avoided_kgco2e) / 1000
            )
            entry.total_kgco2e = math.fsum(entry.per_member.values())
            entry.members_concerned = len(entry.per_member)
    out = sorted(
        (g for g in gains.values() if g.total_kgco2e > 0),
        key=lambda g: g.total_kgco2e,
        reverse=True,
    )
    cache.set(key, out, timeout=3600)
    return out


# -- CPTS and territorial networks: aggregates under the small-cell rule --------------------


@dataclass
class NetworkAggregates:
    year: int
    total_tco2e: Any  # Cell | Suppressed (t CO2e of a member practice)
    per_session: Any  # Cell | Suppressed (kg CO2e per session)
    posts: list[tuple[str, Any]]  # (label, Cell | Suppressed of t CO2e)


def network_aggregates(structure: Structure, year: int) -> NetworkAggregates:
    """What the members of a CPTS agreed to share, as distributions published only under the
    rules of :mod:`kineco2.benchmarks.disclosure` (thresholds, protected quantiles, rounded
    counts): never one practice's figure, never a group too small."""
    from kineco2.benchmarks import disclosure
    from kineco2.benchmarks.aggregates import describe
    from kineco2.benchmarks.selectors import disclosure_salt

    ids, totals, sessions, by_post = [], [], [], {}
    for member in structure.members.select_related("practice").order_by("pk"):
        found = selectors.member_result(member, year)
        if found is None:
            continue
        _, result = found
        ids.append(member.practice_id)
        totals.append(result.total_kgco2e / 1000)
        sessions.append(result.per_session_kgco2e)
        for post in result.posts:
            by_post.setdefault(post.id, []).append(post.kgco2e / 1000)
    salt = disclosure_salt()

    def key(indicator: str) -> bytes:
        return disclosure.cell_key(ids, "structure", structure.pk, year, indicator, salt=salt)

    return NetworkAggregates(
        year=year,
        total_tco2e=describe(totals, key=key("total")),
        per_session=describe(sessions, key=key("per_session")),
        posts=[(POST_LABELS[p], describe(v, key=key(p))) for p, v in by_post.items()],
    )
