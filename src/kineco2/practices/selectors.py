"""Reads, always scoped to what the user may see.

A practice (and its assessments) is visible to its members only; anything else is a 404,
so that the existence of another practice's data never leaks.
"""

from __future__ import annotations

import hashlib
import itertools
import json

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from kineco2.engine import InputError, compute
from kineco2.engine.defaults import load_defaults
from kineco2.engine.result import Result
from kineco2.practices.answers import to_input
from kineco2.practices.models import Assessment, Membership, Practice, Role


def practices_for_user(user) -> QuerySet[Practice]:
    if not user.is_authenticated:
        return Practice.objects.none()
    return Practice.objects.filter(memberships__user=user).distinct()


def membership_for(user, practice: Practice) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, practice=practice).first()


def practice_for_user(user, practice_id: int, *, manage: bool = False) -> Practice:
    """The practice if ``user`` is a member (a titulaire when ``manage``), else 404."""
    try:
        practice = practices_for_user(user).get(pk=practice_id)
    except (Practice.DoesNotExist, ValueError, TypeError):
        raise Http404("Cabinet introuvable") from None
    if (
        manage
        and not Membership.objects.filter(
            user=user, practice=practice, role=Role.TITULAIRE
        ).exists()
    ):
        raise Http404("Cabinet introuvable")
    return practice


def assessment_for_user(user, assessment_id: int) -> Assessment:
    if not user.is_authenticated:
        raise Http404("Bilan introuvable")
    try:
        # a join on the user's membership (one per user and practice: a unique constraint),
        # cheaper to build than the « practice in the user's practices » subquery
        return Assessment.objects.select_related("practice").get(
            pk=assessment_id, practice__memberships__user=user
        )
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404("Bilan introuvable") from None


def answers_hash(answers: dict, *, draws: int, seed: int) -> str:
    defaults = load_defaults()
    payload = json.dumps(
        {
            "answers": answers,
            "defaults": defaults.version,
            "factors": defaults.factors_version,
            "draws": draws,
            "seed": seed,
        },
        sort_keys=True,
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def assessment_result(assessment: Assessment, *, draws: int | None = None) -> Result:
    """The result of an assessment, cached by answers, versions and draws.

    Raises :class:`kineco2.engine.InputError` if the answers are not complete enough.
    """
    draws = settings.KINECO2_DRAWS if draws is None else draws
    seed = settings.KINECO2_SEED
    key = "result:" + answers_hash(assessment.answers, draws=draws, seed=seed)
    # A member of a structure with shared premises receives its share of the building.
    from kineco2.structures.selectors import shared_share_for

    shared = shared_share_for(assessment)
    share_key = "" if shared is None else ":" + hashlib.sha256(repr(shared).encode()).hexdigest()
    key += share_key
    result = cache.get(key)
    if result is None:
        if draws > 0:
            # ``compute(…, draws=n)`` is ``with_monte_carlo(compute(…), draws=n)``: the
            # deterministic result of these answers, when the questionnaire's autosave has
            # just cached it, is not computed a second time (same figures: the key covers
            # the answers, the versions, the seed and the share of shared premises).
            from kineco2.engine.uncertainty import with_monte_carlo

            base_key = "result:" + answers_hash(assessment.answers, draws=0, seed=seed)
            base = cache.get(base_key + share_key)
            if base is None:
                base = compute(to_input(assessment.answers), seed=seed, shared=shared)
            result = with_monte_carlo(base, draws=draws, seed=seed)
        else:
            result = compute(to_input(assessment.answers), seed=seed, shared=shared)
        cache.set(key, result, timeout=24 * 3600)
    return result


def previous_assessment(assessment: Assessment) -> Assessment | None:
    return (
        Assessment.objects.filter(
            practice=assessment.practice, reference_year__lt=assessment.reference_year
        )
        .order_by("-reference_year")
        .first()
    )


#: Draws of the paired year-on-year comparison (enough for a stable 95 % interval).
PROGRESS_DRAWS = 2000


_UNSET = object()


def year_progress(assessment: Assessment, previous=_UNSET):
    """This year against the previous assessment, paired (``None`` without a usable one).

    Returns ``(previous assessment, kineco2.engine.progress.YearProgress)``, cached by both
    sets of answers and the reference-data versions. ``previous``: the
    :func:`previous_assessment`, when the caller has already read it.
    """
    if previous is _UNSET:
        previous = previous_assessment(assessment)
    if previous is None:
        return None
    from kineco2.engine.progress import compare_years
    from kineco2.structures.selectors import share_fingerprint, shared_share_for

    # A member of a structure: each year with the share of that year's bilan des locaux.
    previous_share, current_share = shared_share_for(previous), shared_share_for(assessment)
    key = (
        "progress:"
        + hashlib.sha256(
            (
                answers_hash(previous.answers, draws=PROGRESS_DRAWS, seed=settings.KINECO2_SEED)
                + answers_hash(assessment.answers, draws=PROGRESS_DRAWS, seed=settings.KINECO2_SEED)
                + share_fingerprint(previous_share)
                + ":"
                + share_fingerprint(current_share)
            ).encode()
        ).hexdigest()
    )
    progress = cache.get(key)
    if progress is None:
        try:
            progress = compare_years(
                to_input(previous.answers),
                to_input(assessment.answers),
                draws=PROGRESS_DRAWS,
                seed=settings.KINECO2_SEED,
                previous_shared=previous_share,
                current_shared=current_share,
            )
        except InputError:
            return None
        cache.set(key, progress, timeout=24 * 3600)
    return previous, progress


def latest_snapshot(assessment: Assessment, *, light: bool = False):
    """The most recent result snapshot of an assessment, or ``None``.

    ``light`` leaves out the stored full result (``data``, tens of kB of JSON) when only the
    totals, versions and hash are needed.
    """
    snapshots = assessment.snapshots.order_by("-computed_at", "-pk")
    if light:
        snapshots = snapshots.defer("data")
    return snapshots.first()


def completed_history(practice: Practice) -> list[tuple[Assessment, object]]:
    """Completed assessments of a practice, oldest first, each with its latest snapshot."""
    history = []
    completed = practice.assessments.filter(completed_at__isnull=False).order_by("reference_year")
    for assessment in completed:
        snapshot = latest_snapshot(assessment)
        if snapshot is not None:
            history.append((assessment, snapshot))
    return history


def is_titulaire(user, practice: Practice) -> bool:
    membership = membership_for(user, practice)
    return membership is not None and membership.role == Role.TITULAIRE


#: Yearly reduction of the target trajectory (−5 % per year).
TARGET_YEARLY_REDUCTION = 0.05


def year_comparison(practice: Practice, *, years_ahead: int = 2) -> dict | None:
    """Year-on-year figures of the completed assessments (from their snapshots), or ``None``.

    ``posts``: one row per post with its kg CO2e (``values``) and its kg CO2e per session
    (``per_session``) for each completed year; ``total`` and
    ``per_session`` likewise; ``change`` the variation of the total from the previous
    completed year; ``trajectory``: years (from the first completed year to ``years_ahead``
    after the last), totals (``None`` where there is no completed assessment) and the
    target, −5 % a year from the first total.
    """
    from kineco2.engine.posts import POSTS

    history = completed_history(practice)
    if not history:
        return None
    snapshots = [snapshot for _, snapshot in history]
    years = [assessment.reference_year for assessment, _ in history]
    sessions = [(snapshot.data or {}).get("sessions") for snapshot in snapshots]
    rows = []
    for post in POSTS:
        values = [snapshot.posts.get(post.ID) for snapshot in snapshots]
        if any(values):
            per_session = [
                value / count if value is not None and count else None
                for value, count in zip(values, sessions, strict=True)
            ]
            rows.append(
                {"id": post.ID, "label": post.LABEL, "values": values, "per_session": per_session}
            )
    totals = [snapshot.total_kgco2e for snapshot in snapshots]
    changes: list[float | None] = [None]
    changes += [
        (now / before - 1) if before else None for before, now in itertools.pairwise(totals)
    ]
    first_year, first_total = years[0], totals[0]
    span = list(range(first_year, years[-1] + years_ahead + 1))
    by_year = dict(zip(years, totals, strict=True))
    return {
        "years": years,
        "posts": rows,
        "total": totals,
        "per_session": [snapshot.per_session_kgco2e for snapshot in snapshots],
        "change": changes,
        "trajectory": {
            "years": span,
            "values": [by_year.get(year) for year in span],
            "target": [
                first_total * (1 - TARGET_YEARLY_REDUCTION) ** (year - first_year) for year in span
            ],
        },
    }
