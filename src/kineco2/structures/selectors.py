"""Reads, always scoped to what the user may see.

* A **coordinator** of a structure sees the structure's own data (members list, other
  professionals, shared premises, allocation) and, for each member practice, only what that
  practice agreed to share (its footprint by post, when ``share_footprint``) — never its
  answers.
* A **member** (a user of a member practice) sees the structure, the allocation key and its
  own practice's share; not the other members' footprints.
* Anyone else gets a 404: the existence of a structure's data never leaks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.http import Http404

from kineco2.engine import InputError, compute, parse_input
from kineco2.engine.allocation import (
    Allocation,
    Occupant,
    SharedShare,
    allocate,
    shared_premises_answers,
)
from kineco2.engine.defaults import DefaultSet, load_defaults
from kineco2.engine.errors import EngineError
from kineco2.engine.factors import FactorSet
from kineco2.engine.result import Result
from kineco2.practices.models import Assessment, Practice
from kineco2.structures.models import (
    Coordinator,
    CoordinatorRole,
    MemberPractice,
    SharedPremises,
    Structure,
)


def structures_for_user(user) -> QuerySet[Structure]:
    """Structures the user coordinates or whose member practice the user belongs to."""
    if not user.is_authenticated:
        return Structure.objects.none()
    return Structure.objects.filter(
        Q(coordinators__user=user) | Q(members__practice__memberships__user=user)
    ).distinct()


def coordinator_role(user, structure: Structure) -> str | None:
    if not user.is_authenticated:
        return None
    row = Coordinator.objects.filter(user=user, structure=structure).only("role").first()
    return row.role if row else None


def user_member_practices(user, structure: Structure) -> list[MemberPractice]:
    """The member practices of ``structure`` the user belongs to."""
    if not user.is_authenticated:
        return []
    return list(
        MemberPractice.objects.select_related("practice").filter(
            structure=structure, practice__memberships__user=user
        )
    )


def structure_for_user(user, pk, *, coordinate: bool = False, manage: bool = False) -> Structure:
    """The structure if the user may see it (coordinate: a coordinator; manage: responsable)."""
    try:
        structure = structures_for_user(user).get(pk=pk)
    except (Structure.DoesNotExist, ValueError, TypeError):
        raise Http404("Structure introuvable") from None
    if coordinate or manage:
        role = coordinator_role(user, structure)
        if role is None or (manage and role != CoordinatorRole.RESPONSABLE):
            raise Http404("Structure introuvable")
    return structure


def is_titulaire_of(user, practice: Practice) -> bool:
    from kineco2.practices.selectors import is_titulaire

    return is_titulaire(user, practice)


# -- allocation -------------------------------------------------------------------------------


def occupants(structure: Structure) -> list[Occupant]:
    """Member practices then other professionals, in a stable order."""
    rows: list[Occupant] = [
        Occupant(
            key=f"cabinet:{m.pk}",
            label=m.practice.name,
            surface_m2=m.surface_m2,
            sessions=m.sessions_per_year,
            hours_per_week=m.hours_per_week,
            headcount=m.headcount,
        )
        for m in structure.members.select_related("practice").order_by("pk")
    ]
    rows += [
        Occupant(
            key=f"pro:{p.pk}",
            label=p.display_name,
            surface_m2=p.surface_m2,
            sessions=p.sessions_per_year,
            hours_per_week=p.hours_per_week,
            headcount=p.headcount,
        )
        for p in structure.other_professionals.order_by("pk")
    ]
    return rows


def premises_input_dict(
    structure: Structure, premises: SharedPremises, people: list[Occupant] | None = None
) -> dict:
    people = occupants(structure) if people is None else people
    surface = sum(o.surface_m2 for o in people) + structure.common_surface_m2
    sessions = sum(o.sessions for o in people)
    return shared_premises_answers(
        commune=structure.commune_code,
        surface_m2=surface if surface >= 5 else None,
        headcount=sum(o.headcount for o in people) or 1,
        sessions=sessions or None,
        sections=premises.answers or {},
        reference_year=premises.reference_year,
    )


@dataclass(frozen=True)
class PremisesComputation:
    result: Result
    allocation: Allocation


def _fingerprint(
    structure: Structure,
    premises: SharedPremises,
    people: list[Occupant],
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
) -> str:
    defaults = defaults or load_defaults()
    payload = {
        "input": premises_input_dict(structure, premises, people),
        "keys": [structure.premises_key, structure.support_key, structure.common_surface_m2],
        "occupants": [repr(o) for o in people],
        "name": structure.name,
        "versions": [defaults.version, factors.version if factors else defaults.factors_version],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def premises_computation(
    structure: Structure,
    premises: SharedPremises,
    *,
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
) -> PremisesComputation:
    """The shared premises' result and its allocation (cached by content). Raises InputError.

    ``factors``/``defaults``: another methodology than the current one (a recompute under a
    version, last year's published figure): the building is computed with them.
    """
    people = occupants(structure)
    key = "structure-premises:" + _fingerprint(structure, premises, people, factors, defaults)
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = compute(
        parse_input(premises_input_dict(structure, premises, people)),
        factors=factors,
        defaults=defaults,
    )
    allocation = allocate(
        result.lines,
        people,
        premises_key=structure.premises_key,
        support_key=structure.support_key,
        common_surface_m2=structure.common_surface_m2,
        structure_label=structure.name,
    )
    value = PremisesComputation(result=result, allocation=allocation)
    cache.set(key, value, timeout=24 * 3600)
    return value


def premises_for_year(structure: Structure, year: int) -> SharedPremises | None:
    return SharedPremises.objects.filter(structure=structure, reference_year=year).first()


def shared_share_for(
    assessment: Assessment,
    *,
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
) -> SharedShare | None:
    """The share of shared premises a member practice's assessment receives, if any.

    The first structure (by date of joining) with a « bilan des locaux partagés » for the
    assessment's year gives it — the bilan **of that year**: last year's assessment keeps
    last year's share. An incomplete bilan des locaux gives nothing (the practice's own
    answers stay in use) rather than an error on the practice's results. ``factors`` and
    ``defaults`` compute the building under another methodology (see
    :func:`premises_computation`).
    """
    memberships = MemberPractice.objects.filter(
        practice_id=assessment.practice_id,
        structure__premises__reference_year=assessment.reference_year,
    ).order_by("joined_at", "pk")
    # Most practices share no premises: a query of ids, light to build, says so on every
    # results page and autosave; the members' rows are read only when there are some.
    if not memberships.values_list("pk", flat=True)[:1]:
        return None
    for membership in memberships.select_related("structure", "practice"):
        premises = premises_for_year(membership.structure, assessment.reference_year)
        if premises is None or not membership.structure.has_premises:
            continue
        try:
            computation = premises_computation(
                membership.structure, premises, factors=factors, defaults=defaults
            )
        except InputError:
            continue
        return computation.allocation.shared_share(f"cabinet:{membership.pk}")
    return None


def sharing_structure(assessment: Assessment) -> Structure | None:
    """The structure whose shared premises give ``assessment`` its share, as
    :func:`shared_share_for` chooses it (first joined, with a bilan des locaux of the year),
    to link a member to its structure; ``None`` when the practice shares no premises."""
    memberships = MemberPractice.objects.filter(
        practice_id=assessment.practice_id,
        structure__premises__reference_year=assessment.reference_year,
    ).order_by("joined_at", "pk")
    for membership in memberships.select_related("structure"):
        if membership.structure.has_premises:
            return membership.structure
    return None


def members_with_premises(assessment_ids: Iterable[int]) -> set[int]:
    """Those assessments whose practice is in a structure with a bilan des locaux of the
    assessment's year (one query): the only ones :func:`shared_share_for` may give a share."""
    return set(
        Assessment.objects.filter(
            pk__in=list(assessment_ids),
            practice__structure_memberships__structure__premises__reference_year=F(
                "reference_year"
            ),
        ).values_list("pk", flat=True)
    )


def shared_shares(
    assessment_ids: Iterable[int],
    *,
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
) -> dict[int, SharedShare]:
    """The shares of those assessments that receive one: for the batch recomputes, which must
    give a member the figure its results page gives."""
    shares = {}
    for assessment in Assessment.objects.filter(pk__in=members_with_premises(assessment_ids)):
        try:
            share = shared_share_for(assessment, factors=factors, defaults=defaults)
        except (InputError, EngineError):
            share = None
        if share is not None:
            shares[assessment.pk] = share
    return shares


def share_fingerprint(share: SharedShare | None) -> str:
    """A short key of a share, for the caches of results that include it."""
    return "" if share is None else hashlib.sha256(repr(share).encode()).hexdigest()[:16]


def member_result(member: MemberPractice, year: int) -> tuple[Assessment, Result] | None:
    """A member's validated assessment of ``year`` with its share, if it agreed to share it."""
    if not member.share_footprint:
        return None
    assessment = Assessment.objects.filter(
        practice=member.practice, reference_year=year, completed_at__isnull=False
    ).first()
    if assessment is None:
        return None
    from kineco2.practices.selectors import assessment_result

    try:
        return assessment, assessment_result(assessment, draws=0)
    except InputError:
        return None


def years_of(structure: Structure) -> list[int]:
    years = set(structure.premises.values_list("reference_year", flat=True))
    years |= set(
        Assessment.objects.filter(
            practice__structure_memberships__structure=structure,
            practice__structure_memberships__share_footprint=True,
            completed_at__isnull=False,
        ).values_list("reference_year", flat=True)
    )
    return sorted(years)
