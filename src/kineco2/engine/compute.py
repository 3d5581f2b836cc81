"""Compute an assessment: run every post, sum the lines, rank what would tighten the result."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from kineco2.engine.context import Context, Figure, FiguresContext
from kineco2.engine.defaults import DefaultSet, load_defaults
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.lines import Line
from kineco2.engine.posts import POSTS
from kineco2.engine.result import PostResult, PrecisionHint, Result
from kineco2.engine.schema import SCHEMA_VERSION, AssessmentInput, field_title

if TYPE_CHECKING:  # imported by its callers; the engine's hot path does not need the module
    from kineco2.engine.allocation import SharedShare

ENGINE_VERSION = "1.0"


def compute(
    inputs: AssessmentInput,
    *,
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
    draws: int = 0,
    seed: int = 0,
    shared: SharedShare | None = None,
    drivers: bool = True,
) -> Result:
    """The footprint of one assessment. ``draws > 0`` adds the Monte Carlo uncertainty.

    ``drivers=False``: the figures only — the same lines and values, without the
    uncertainty drivers of their quantities (several times cheaper; for batch recomputes
    that store totals). Such a result cannot carry a Monte Carlo nor precision hints.

    ``shared``: the practice's share of its structure's shared premises
    (:mod:`kineco2.engine.allocation`); its lines replace the practice's own premises posts.
    """
    if draws > 0 and not drivers:
        raise ValueError("Le Monte Carlo demande les facteurs d'incertitude (drivers=True).")
    defaults = defaults or load_defaults()
    factors = factors or load_factors(defaults.factors_version or None)
    ctx = Context(inputs, factors, defaults, drivers=drivers)
    for post in POSTS:
        post.compute(ctx)
    if shared is not None:
        ctx.lines[:] = shared.apply(ctx.lines)
        ctx.notes.append(shared.note())

    lines = tuple(ctx.lines)
    by_post: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        by_post[line.post].append(line)
    post_totals = {post.ID: math.fsum(ln.kgco2e for ln in by_post[post.ID]) for post in POSTS}
    total = math.fsum(post_totals.values())
    posts = tuple(
        PostResult(
            id=post.ID,
            label=post.LABEL,
            kgco2e=post_totals[post.ID],
            share=post_totals[post.ID] / total if total else 0.0,
            lines=tuple(by_post[post.ID]),
        )
        for post in POSTS
    )
    result = Result(
        lines=lines,
        posts=posts,
        total_kgco2e=total,
        sessions=ctx.sessions.value,
        practitioners=ctx.practitioners,
        territory=ctx.territory,
        patient_zone=ctx.zone,
        patient_zone_guessed=ctx.zone_guessed,
        commune_name=ctx.commune.name,
        factors_version=factors.version,
        defaults_version=defaults.version,
        schema_version=SCHEMA_VERSION,
        engine_version=ENGINE_VERSION,
        notes=tuple(ctx.notes),
        factor_ids_used=frozenset(ctx.factor_ids_used),
        sessions_drivers=ctx.sessions.drivers,
        effective_answers=dict(ctx.effective),
        shared_premises=shared.to_dict() if shared is not None else None,
        shared=shared,
        patient_zone_insee=ctx.zone_insee,
    )
    if draws > 0:
        from kineco2.engine.uncertainty import with_monte_carlo

        result = with_monte_carlo(result, draws=draws, seed=seed)
    return result


def post_totals(
    inputs: AssessmentInput,
    *,
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
    shared: SharedShare | None = None,
) -> dict[str, float]:
    """The kg CO2e of each post (in the order of ``POSTS``): the figures of
    ``compute(inputs, ...).posts``, bit for bit, without building the result.

    For batch recomputes that store totals per post: the posts run on a
    :class:`kineco2.engine.context.FiguresContext`, which keeps each line's post and kg CO2e
    only (no uncertainty drivers, no :class:`Line`, no labels or notes). The total is
    ``math.fsum`` of these values, as in :func:`compute`.
    """
    defaults = defaults or load_defaults()
    factors = factors or load_factors(defaults.factors_version or None)
    ctx = FiguresContext(inputs, factors, defaults)
    for post in POSTS:
        post.compute(ctx)
    figures = ctx.figures
    if shared is not None:
        kept = shared.apply(Figure(*figure) for figure in figures)
        figures = [(line.post, line.kgco2e) for line in kept]
    by_post: dict[str, list[float]] = defaultdict(list)
    for post_id, kgco2e in figures:
        by_post[post_id].append(kgco2e)
    return {post.ID: math.fsum(by_post[post.ID]) for post in POSTS}


def precision_hints(lines: tuple[Line, ...], limit: int = 5) -> tuple[PrecisionHint, ...]:
    """Answers left at their default, ranked by their share of the variance of the total.

    First-order (log-normal, small σ) approximation: a driver whose sensitivity in a line of
    E kg is s (:meth:`kineco2.engine.lines.Quantity.log_loadings`: e·σ for a power e, less for
    a share through its complement) contributes (Σ s·E)² to the variance of the total; so
    does each factor. A categorical default drawn as a mixture contributes the variance of
    its choice, Σ Eₒ² / pₒ − (Σ Eₒ)², Eₒ the weighted kg of option o. Only defaults that a
    question can replace are listed.
    """
    loading: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = defaultdict(float)
    labels: dict[str, tuple[str | None, str, str]] = {}
    factor_weight: dict[str, float] = defaultdict(float)
    factor_sigma: dict[str, float] = {}
    mixtures: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    probability: dict[tuple[str, str], float] = {}
    for line in lines:
        factor_weight[line.factor_id] += line.kgco2e
        factor_sigma[line.factor_id] = math.log1p(line.factor_uncertainty_pct / 100) / 1.96
        for driver in line.all_drivers():
            labels[driver.id] = (driver.field, driver.label, driver.origin)
        for driver_id, sensitivity in line.activity.log_loadings().items():
            loading[driver_id] += sensitivity * line.kgco2e
            weight[driver_id] += line.kgco2e
        if line.branch is not None:
            branch = line.branch
            mixtures[branch.group][branch.option] += line.kgco2e
            probability[branch.group, branch.option] = branch.probability
            labels[f"melange:{branch.group}"] = (branch.field, branch.label, "defaut")
    contributions = {key: value**2 for key, value in loading.items()}
    for group, options in mixtures.items():
        mean = math.fsum(options.values())
        second = math.fsum(e * e / probability[group, o] for o, e in options.items())
        contributions[f"melange:{group}"] = max(0.0, second - mean * mean)
        weight[f"melange:{group}"] = mean
    total_variance = math.fsum(contributions.values()) + math.fsum(
        (factor_sigma[f] * w) ** 2 for f, w in factor_weight.items()
    )
    if total_variance <= 0:
        return ()
    # Several defaults may stand behind one question: group them by the question.
    by_field: dict[str, list[str]] = defaultdict(list)
    for key in contributions:
        field, _, origin = labels[key]
        if origin == "defaut" and field is not None:
            by_field[field].append(key)
    hints = [
        PrecisionHint(
            field=field,
            label=field_title(tuple(field.split("."))) or labels[keys[0]][1],
            share_of_variance=math.fsum(contributions[k] for k in keys) / total_variance,
            kgco2e=max(weight[k] for k in keys),
        )
        for field, keys in by_field.items()
    ]
    hints.sort(key=lambda h: h.share_of_variance, reverse=True)
    return tuple(h for h in hints[:limit] if h.share_of_variance > 0.001)
