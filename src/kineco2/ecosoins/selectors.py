"""Reads of the écosoins app, always scoped to what the user may see.

The effect of an action is always computed by the engine (:mod:`kineco2.engine.actions`) on
the answers; the database only holds the texts shown (moderator-editable), the plans and the
initiatives. Practice-scoped reads go through :mod:`kineco2.practices.selectors` (404 for
non-members).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models import QuerySet
from django.http import Http404

from kineco2.ecosoins.models import (
    CatalogueAction,
    Initiative,
    InitiativeStatus,
    PlannedAction,
    PlanStatus,
    Sector,
)
from kineco2.ecosoins.reference import VARIANTS, variant_answers, variant_label
from kineco2.ecosoins.services import action_texts, can_moderate
from kineco2.engine import InputError, compute, parse_input
from kineco2.engine.actions import (
    COST_LEVELS,
    SCOPES,
    TIMES_TO_IMPLEMENT,
    Action,
    ActionError,
    Simulation,
    applicable_actions,
    is_applicable,
    load_actions,
    rank_actions,
    simulate,
)
from kineco2.engine.errors import EngineError
from kineco2.engine.posts import POSTS
from kineco2.engine.result import Result
from kineco2.practices import selectors as practice_selectors
from kineco2.practices.answers import to_input
from kineco2.practices.models import Assessment, Practice

#: Monte Carlo draws for the recommendations (one paired simulation per action: keep it fast).
RECOMMENDATION_DRAWS = 300
#: Draws of the simulator and of the plan's expected gain.
SIMULATOR_DRAWS = 1000
#: Draws of the catalogue's worked examples (computed once per process).
EXAMPLE_DRAWS = 300
#: Below this (kg CO2e a year), an action is « sans gain calculé ».
NO_GAIN_KG = 0.05

POST_LABELS: dict[str, str] = {post.ID: post.LABEL for post in POSTS}
POST_IDS: tuple[str, ...] = tuple(POST_LABELS)


def post_links(post_ids: Iterable[str]) -> list[dict[str, str]]:
    return [{"id": p, "label": POST_LABELS.get(p, p)} for p in post_ids]


# -- catalogue ---------------------------------------------------------------------------
def catalogue_rows(*, published_only: bool = True) -> dict[str, CatalogueAction]:
    """The texts of the catalogue's actions, by action id, in the data file's order.

    Rows come from the database (moderator-editable). Before the first ``sync_catalogue``
    the data file's texts are used as they are (unsaved rows), so the pages never break.
    """
    catalogue = load_actions()
    stored = {row.action_id: row for row in CatalogueAction.objects.all()}
    rows: dict[str, CatalogueAction] = {}
    for action in catalogue:
        row = stored.get(action.id)
        if row is None and not stored:
            row = CatalogueAction(action_id=action.id, published=True)
            for name, value in action_texts(action, catalogue.version).items():
                setattr(row, name, value)
        if row is None or (published_only and not row.published):
            continue
        rows[action.id] = row
    return rows


def title_of(action_id: str, rows: Mapping[str, CatalogueAction] | None = None) -> str:
    """The title shown for an action id (the moderator's text, or the data file's)."""
    rows = rows if rows is not None else catalogue_rows(published_only=False)
    if action_id in rows:
        return rows[action_id].title
    catalogue = load_actions()
    if action_id in catalogue:
        return catalogue[action_id].title
    row = CatalogueAction.objects.filter(action_id=action_id).first()
    return row.title if row else action_id


def catalogue_action(action_id: str) -> tuple[CatalogueAction, Action]:
    """A published action of the catalogue (texts, engine action), or 404."""
    rows = catalogue_rows()
    catalogue = load_actions()
    if action_id not in rows or action_id not in catalogue:
        raise Http404("Action inconnue")
    return rows[action_id], catalogue[action_id]


@dataclass(frozen=True)
class WorkedExample:
    """An action applied alone, default parameters, on the reference practice."""

    label: str
    baseline_kgco2e: float
    scenario_kgco2e: float
    sessions: float
    interval_low_kgco2e: float | None  # of the *change* (scenario − baseline)
    interval_high_kgco2e: float | None
    by_post: tuple[tuple[str, str, float], ...]  # (post id, label, change kg)

    @property
    def change_kgco2e(self) -> float:
        """Scenario − baseline: negative when the action lowers the footprint."""
        return self.scenario_kgco2e - self.baseline_kgco2e

    @property
    def change_per_session_kgco2e(self) -> float:
        return self.change_kgco2e / self.sessions if self.sessions else 0.0

    @property
    def change_share(self) -> float:
        return self.change_kgco2e / self.baseline_kgco2e if self.baseline_kgco2e else 0.0


def _example(simulation: Simulation, label: str) -> WorkedExample:
    interval = simulation.avoided_interval_95
    return WorkedExample(
        label=label,
        baseline_kgco2e=simulation.baseline.total_kgco2e,
        scenario_kgco2e=simulation.scenario.total_kgco2e,
        sessions=simulation.baseline.sessions,
        interval_low_kgco2e=-interval.high if interval else None,
        interval_high_kgco2e=-interval.low if interval else None,
        by_post=tuple(
            (post, POST_LABELS.get(post, post), -value)
            for post, value in sorted(simulation.avoided_by_post.items(), key=lambda kv: -kv[1])
            if abs(value) >= NO_GAIN_KG
        ),
    )


@cache
def _worked_examples(catalogue_version: str) -> dict[str, WorkedExample | None]:
    """Every action's worked example (a pure function of the shipped reference data)."""
    catalogue = load_actions(catalogue_version)
    variants = []
    for words, changes in VARIANTS:
        inputs = parse_input(variant_answers(changes))
        variants.append((variant_label(words), inputs, compute(inputs)))
    examples: dict[str, WorkedExample | None] = {}
    for action in catalogue:
        examples[action.id] = None
        for label, inputs, result in variants:
            if not is_applicable(action, inputs, result):
                continue
            try:
                simulation = simulate(
                    inputs,
                    [(action.id, None)],
                    baseline=result,
                    draws=EXAMPLE_DRAWS,
                    seed=settings.KINECO2_SEED,
                    catalogue=catalogue,
                )
            except EngineError:  # pragma: no cover - the catalogue tests guard against it
                continue
            examples[action.id] = _example(simulation, label)
            break
    return examples


def worked_examples() -> dict[str, WorkedExample | None]:
    return _worked_examples(load_actions().version)


@cache
def reference_change(action_id: str, parameters: tuple[tuple[str, float], ...] = ()) -> float:
    """Scenario − baseline (kg CO2e a year) of one action on the reference practice itself."""
    inputs = parse_input(variant_answers({}))
    return -simulate(inputs, [(action_id, dict(parameters))], draws=0).avoided_kgco2e


def worked_example(action_id: str) -> WorkedExample | None:
    return worked_examples().get(action_id)


def initiative_cost_level(cost_eur: int) -> str:
    """The cost level of an initiative, for the catalogue's filter: 0 €, up to 500 €, up to
    5 000 €, more."""
    if cost_eur <= 0:
        return "aucun"
    if cost_eur <= 500:
        return "faible"
    if cost_eur <= 5000:
        return "moyen"
    return "élevé"


@dataclass(frozen=True)
class CatalogueEntry:
    kind: str  # "action" | "initiative"
    key: str
    title: str
    description: str
    posts: list[dict[str, str]]
    cost_level: str
    effort: str | None
    time_to_implement: str
    scope_of_action: str
    example: WorkedExample | None = None
    initiative: Initiative | None = None


@dataclass(frozen=True)
class CatalogueFilters:
    post: str = ""
    cost: str = ""
    effort: str = ""
    scope: str = ""
    time: str = ""
    kind: str = ""  # "", "actions", "initiatives"

    @property
    def active(self) -> bool:
        return any((self.post, self.cost, self.effort, self.scope, self.time, self.kind))


def catalogue_entries(filters: CatalogueFilters | None = None) -> list[CatalogueEntry]:
    """The published actions (data file order) then the published initiatives (newest first),
    filtered. Initiatives have no effort: an effort filter keeps actions only."""
    filters = filters or CatalogueFilters()
    examples = worked_examples()
    entries: list[CatalogueEntry] = []
    if filters.kind != "initiatives":
        for action_id, row in catalogue_rows().items():
            if filters.post and filters.post not in row.posts:
                continue
            if filters.cost and row.cost_level != filters.cost:
                continue
            if filters.effort and row.effort != filters.effort:
                continue
            if filters.scope and row.scope_of_action != filters.scope:
                continue
            if filters.time and row.time_to_implement != filters.time:
                continue
            entries.append(
                CatalogueEntry(
                    kind="action",
                    key=action_id,
                    title=row.title,
                    description=row.description,
                    posts=post_links(row.posts),
                    cost_level=row.cost_level,
                    effort=row.effort,
                    time_to_implement=row.time_to_implement,
                    scope_of_action=row.scope_of_action,
                    example=examples.get(action_id),
                )
            )
    if filters.kind != "actions" and not filters.effort:
        initiatives = published_initiatives()
        if filters.scope:
            initiatives = initiatives.filter(scope_of_action=filters.scope)
        if filters.time:
            initiatives = initiatives.filter(time_to_implement=filters.time)
        for initiative in initiatives:
            if filters.post and filters.post not in initiative.posts:
                continue
            level = initiative_cost_level(initiative.cost_eur)
            if filters.cost and level != filters.cost:
                continue
            entries.append(
                CatalogueEntry(
                    kind="initiative",
                    key=str(initiative.pk),
                    title=initiative.title,
                    description=initiative.description,
                    posts=post_links(initiative.posts),
                    cost_level=level,
                    effort=None,
                    time_to_implement=initiative.time_to_implement,
                    scope_of_action=initiative.scope_of_action,
                    initiative=initiative,
                )
            )
    return entries


# -- recommendations ---------------------------------------------------------------------
@dataclass(frozen=True)
class Recommendation:
    action_id: str
    title: str
    description: str
    posts: list[dict[str, str]]
    cost_level: str
    effort: str
    time_to_implement: str
    scope_of_action: str
    saving: str
    parameters: dict[str, float]
    avoided_kgco2e: float
    interval_low_kgco2e: float | None
    interval_high_kgco2e: float | None
    avoided_per_session_kgco2e: float
    avoided_share: float
    planned: bool = False
    note: GainNote | None = None  # shared premises or default values behind the figure


@dataclass(frozen=True)
class WithoutGain:
    action_id: str
    title: str
    change_kgco2e: float  # scenario − baseline (≥ 0)
    reason: str
    planned: bool = False
    note: GainNote | None = None  # the reason with its link, when there is one


@dataclass(frozen=True)
class Recommendations:
    assessment: Assessment
    items: list[Recommendation]
    others: list[Recommendation]
    without_gain: list[WithoutGain]
    baseline_kgco2e: float
    not_applicable: int = 0
    error: str = ""
    shared: SharedPremises | None = None

    @property
    def count(self) -> int:
        return len(self.items) + len(self.others)


def _fmt_kg(value: float) -> str:
    from kineco2.engine.formatting import format_significant

    return format_significant(abs(value), 2) + "\u00a0kg CO2e"


def _no_gain_reason(by_post: Mapping[str, float], avoided: float) -> str:
    """Why an action gains nothing here, from the engine's change by post (avoided, kg)."""
    up = sorted(((p, -v) for p, v in by_post.items() if v <= -NO_GAIN_KG), key=lambda kv: -kv[1])
    down = sorted(((p, v) for p, v in by_post.items() if v >= NO_GAIN_KG), key=lambda kv: -kv[1])
    if not up and not down:
        if abs(avoided) >= 0.0005:
            return (
                "Avec vos réponses, son effet calculé est négligeable (moins de 0,05 kg CO2e "
                "par an)."
            )
        return (
            "Avec vos réponses, cette action ne change pas le calcul : ce qu'elle réduit est "
            "déjà nul ou n'est pas compté dans votre bilan."
        )
    ups = ", ".join(f"« {POST_LABELS.get(p, p)} » (+{_fmt_kg(v)} par an)" for p, v in up)
    if not down:
        return f"Elle fait augmenter {ups}, sans rien réduire ailleurs."
    downs = ", ".join(f"« {POST_LABELS.get(p, p)} » (−{_fmt_kg(v)})" for p, v in down)
    if avoided <= -NO_GAIN_KG:
        return f"Elle fait augmenter {ups}, plus qu'elle ne réduit {downs}."
    return f"Ce qu'elle fait gagner sur {downs} est compensé par {ups}."


@dataclass(frozen=True)
class GainNote:
    """Why an action's gain is zero, not computable or partial for one practice, in plain
    French, with an optional link (shown next to the figure it explains)."""

    text: str
    url: str = ""
    url_label: str = ""


@dataclass(frozen=True)
class SharedPremises:
    """A member practice whose premises posts come from its structure's shared premises."""

    structure_label: str
    posts: frozenset[str]
    premises_percent: float
    premises_key: str
    support_percent: float
    support_key: str
    plan_url: str = ""  # the structure's collective plan, only for its coordinators

    def share_text(self, posts: Iterable[str]) -> str:
        """« 26,7 % des locaux, répartis selon la surface occupée » for premises posts, the
        support functions' share for the others (déchets), both when an action has both."""
        from kineco2.engine.allocation import KEY_LABELS, PREMISES_POSTS

        posts = set(posts)
        parts = []
        if posts & PREMISES_POSTS:
            key = KEY_LABELS.get(self.premises_key, self.premises_key)
            parts.append(f"{format_percent(self.premises_percent)} des locaux, selon {key}")
        if posts - PREMISES_POSTS:
            key = KEY_LABELS.get(self.support_key, self.support_key)
            parts.append(
                f"{format_percent(self.support_percent)} des fonctions support, selon {key}"
            )
        return " ; ".join(parts)

    def touched(self, posts: Iterable[str]) -> list[str]:
        return [p for p in posts if p in self.posts]

    def summary(self) -> str:
        labels = ", ".join(f"« {POST_LABELS.get(p, p)} »" for p in POST_IDS if p in self.posts)
        return (
            f"Votre cabinet partage les locaux de « {self.structure_label} » : {labels} sont "
            "comptés dans le bilan des locaux partagés de la structure, et votre cabinet en "
            f"reçoit une part selon la règle de répartition choisie par la structure "
            f"({self.share_text(self.posts)}). Vos propres réponses sur ces postes ne sont pas "
            "utilisées : les écosoins qui les concernent se mènent collectivement, avec la "
            "structure, et leur gain ne s'affiche pas dans le bilan de votre cabinet seul."
        )

    def note(self, posts: Iterable[str], *, gain: bool) -> GainNote | None:
        """The note for an action on ``posts``: its gain is zero here (``gain`` False) or
        only its part outside the shared premises is counted (``gain`` True)."""
        touched = self.touched(posts)
        if not touched:
            return None
        labels = ", ".join(f"« {POST_LABELS.get(p, p)} »" for p in touched)
        est = "sont comptés" if len(touched) > 1 else "est compté"
        if gain:
            text = (
                f"Seule la part hors locaux est comptée ici : {labels} de votre cabinet {est} "
                f"dans les locaux partagés de « {self.structure_label} », et votre part "
                f"({self.share_text(touched)}) suit la règle de répartition de la structure. "
                "Sur ce poste, l'action se mène avec la structure."
            )
        else:
            text = (
                f"Pas de gain calculé pour votre cabinet seul : {labels} {est} dans les "
                f"locaux partagés de « {self.structure_label} », et votre part "
                f"({self.share_text(touched)}) suit la règle de répartition de la structure, "
                "pas vos propres réponses. L'action se mène collectivement, avec la "
                "structure : son gain est calculé sur le bilan des locaux et réparti entre "
                "les occupants."
            )
        if not self.plan_url:
            text += " Parlez-en aux coordinateurs de la structure."
        if self.plan_url:
            return GainNote(text, self.plan_url, "Voir le plan d'action collectif de la structure")
        return GainNote(text)


def format_percent(value: float) -> str:
    from kineco2.engine.formatting import format_number

    return format_number(value, 1) + "\u00a0%"


def shared_premises(assessment: Assessment, result: Result, user=None) -> SharedPremises | None:
    """The shared premises of a member practice's result (``None`` without a share); the
    link to the structure's collective plan only if ``user`` coordinates the structure."""
    share = getattr(result, "shared", None)
    if share is None:
        return None
    plan_url = ""
    if user is not None and getattr(user, "is_authenticated", False):
        from django.urls import reverse

        from kineco2.structures.selectors import coordinator_role, sharing_structure

        structure = sharing_structure(assessment)
        if structure is not None and coordinator_role(user, structure) is not None:
            plan_url = reverse("structure_plan", args=[structure.pk, assessment.reference_year])
    return SharedPremises(
        structure_label=share.structure_label,
        posts=frozenset(share.replaces_posts),
        premises_percent=share.premises_percent,
        premises_key=share.premises_key,
        support_percent=share.support_percent,
        support_key=share.support_key,
        plan_url=plan_url,
    )


def _defaulted_posts(result: Result, posts: Iterable[str]) -> list[str]:
    """Those of ``posts`` whose lines in ``result`` are all default values (none answered)."""
    out = []
    for post in posts:
        origins = {line.origin for line in result.lines if line.post == post}
        if origins and origins <= {"defaut"}:
            out.append(post)
    return out


def no_gain_note(
    action: Action,
    by_post: Mapping[str, float],
    avoided: float,
    result: Result,
    shared: SharedPremises | None,
) -> GainNote:
    """Why ``action`` gains nothing (or adds emissions) for this practice."""
    if shared is not None and abs(avoided) < NO_GAIN_KG:
        note = shared.note(action.posts, gain=False)
        if note is not None:
            return note
    if abs(avoided) < NO_GAIN_KG and not any(
        line.kgco2e > 0 for line in result.lines if line.post in action.posts
    ):
        labels = _post_list(action.posts)
        return GainNote(
            f"Votre bilan ne compte rien sur {labels} (pas de donnée, ou un poste nul avec vos "
            "réponses) : l'action n'a rien à réduire ici."
        )
    text = _no_gain_reason(by_post, avoided)
    if avoided <= -NO_GAIN_KG:
        from django.urls import reverse

        return GainNote(
            text,
            reverse("ecosoins_faq") + "#draps",
            "Pourquoi une action peut augmenter l'empreinte",
        )
    defaulted = _defaulted_posts(result, action.posts)
    if defaulted:
        estimated = "sont estimés" if len(defaulted) > 1 else "est estimé"
        text += (
            f" {_post_list(defaulted)} {estimated} avec des valeurs par défaut, faute de vos "
            "propres chiffres dans le bilan : renseignez-les pour un calcul propre à votre "
            "cabinet."
        )
    return GainNote(text)


def _post_list(posts: Iterable[str]) -> str:
    return ", ".join(f"« {POST_LABELS.get(p, p)} »" for p in posts)


def default_note(action: Action, result: Result) -> GainNote | None:
    """A gain computed on default values (the practice gave none of its own figures for the
    action's posts) is an estimate: say so next to it."""
    defaulted = _defaulted_posts(result, action.posts)
    if not defaulted:
        return None
    estimated = "sont estimés" if len(defaulted) > 1 else "est estimé"
    return GainNote(
        f"Gain estimé : {_post_list(defaulted)} {estimated} avec des valeurs par défaut "
        "(moyennes de cabinets comparables), faute de vos propres chiffres dans le bilan. "
        "Renseignez-les pour un gain propre à votre cabinet."
    )


def answers_key(answers: Mapping[str, Any], *parts: Any) -> str:
    payload = json.dumps(
        {"answers": answers, "parts": [str(p) for p in parts]},
        sort_keys=True,
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _ranking(assessment: Assessment, result: Result) -> dict[str, Any]:
    """The engine's ranking of every applicable action (plain data, cached by answers)."""
    catalogue = load_actions()
    seed = settings.KINECO2_SEED
    key = "ecosoins:ranking:" + answers_key(
        assessment.answers,
        catalogue.version,
        result.factors_version,
        result.defaults_version,
        RECOMMENDATION_DRAWS,
        seed,
    )
    cached = django_cache.get(key)
    if cached is not None:
        return cached
    inputs = to_input(assessment.answers)
    ranked = rank_actions(inputs, result, draws=RECOMMENDATION_DRAWS, seed=seed)
    rows = []
    for item in ranked:
        interval = item.interval_95
        row = {
            "id": item.action.id,
            "parameters": dict(item.parameters),
            "avoided_kgco2e": item.avoided_kgco2e,
            "low": interval.low if interval else None,
            "high": interval.high if interval else None,
            "per_session": item.avoided_per_session_kgco2e,
            "share": item.avoided_share,
            "reason": "",
        }
        if item.avoided_kgco2e < NO_GAIN_KG:
            detail = simulate(inputs, [(item.action.id, None)], baseline=result, draws=0)
            row["reason"] = _no_gain_reason(detail.avoided_by_post, item.avoided_kgco2e)
        rows.append(row)
    data = {"rows": rows, "not_applicable": len(catalogue) - len(ranked)}
    django_cache.set(key, data, timeout=24 * 3600)
    return data


def _recommendation_note(
    action: Action, result: Result, shared: SharedPremises | None
) -> GainNote | None:
    note = shared.note(action.posts, gain=True) if shared is not None else None
    return note if note is not None else default_note(action, result)


def planned_ids(practice: Practice) -> set[str]:
    return set(
        PlannedAction.objects.filter(practice=practice)
        .exclude(status=PlanStatus.ABANDONNEE)
        .values_list("action_id", flat=True)
    )


def recommendations(
    assessment: Assessment, result: Result, *, limit: int = 8, user=None
) -> Recommendations:
    """The applicable, published actions ranked by avoided t CO2e, with the 95 % interval.

    Actions whose computed gain is not positive are listed apart (``without_gain``) with the
    reason found in the engine's change by post.
    """
    try:
        data = _ranking(assessment, result)
    except (InputError, ActionError, EngineError) as exc:
        return Recommendations(assessment, [], [], [], result.total_kgco2e, error=str(exc))
    rows = catalogue_rows()
    catalogue = load_actions()
    planned = planned_ids(assessment.practice)
    shared = shared_premises(assessment, result, user)
    ranked: list[Recommendation] = []
    without: list[WithoutGain] = []
    for item in data["rows"]:
        row = rows.get(item["id"])
        if row is None or item["id"] not in catalogue:
            continue  # unpublished by a moderator
        if item["avoided_kgco2e"] < NO_GAIN_KG:
            note = None
            if shared is not None and abs(item["avoided_kgco2e"]) < NO_GAIN_KG:
                note = shared.note(catalogue[item["id"]].posts, gain=False)
            without.append(
                WithoutGain(
                    action_id=item["id"],
                    title=row.title,
                    change_kgco2e=-item["avoided_kgco2e"],
                    reason=note.text if note is not None else item["reason"],
                    planned=item["id"] in planned,
                    note=note,
                )
            )
            continue
        ranked.append(
            Recommendation(
                action_id=item["id"],
                title=row.title,
                description=row.description,
                posts=post_links(row.posts),
                cost_level=row.cost_level,
                effort=row.effort,
                time_to_implement=row.time_to_implement,
                scope_of_action=row.scope_of_action,
                saving=row.saving,
                parameters=item["parameters"],
                avoided_kgco2e=item["avoided_kgco2e"],
                interval_low_kgco2e=item["low"],
                interval_high_kgco2e=item["high"],
                avoided_per_session_kgco2e=item["per_session"],
                avoided_share=item["share"],
                planned=item["id"] in planned,
                note=_recommendation_note(catalogue[item["id"]], result, shared),
            )
        )
    return Recommendations(
        assessment=assessment,
        items=ranked[:limit],
        others=ranked[limit:],
        without_gain=without,
        baseline_kgco2e=result.total_kgco2e,
        not_applicable=data["not_applicable"],
        shared=shared,
    )


# -- simulator ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulatorAction:
    action: Action
    row: CatalogueAction
    group: str  # label of the first post, to group the form


def simulator_actions(inputs, result: Result) -> list[SimulatorAction]:
    """The published actions that apply to the practice, grouped by their first post."""
    rows = catalogue_rows()
    actions = [
        SimulatorAction(a, rows[a.id], POST_LABELS.get(a.posts[0], a.posts[0]))
        for a in applicable_actions(inputs, result)
        if a.id in rows
    ]
    order = {post: i for i, post in enumerate(POST_IDS)}
    return sorted(actions, key=lambda s: order.get(s.action.posts[0], len(order)))


def run_simulation(
    assessment: Assessment,
    inputs,
    baseline: Result,
    choices: list[tuple[str, dict[str, float]]],
    *,
    draws: int = SIMULATOR_DRAWS,
) -> Simulation:
    """The engine's simulation, cached by answers and choices. Raises :class:`ActionError`."""
    seed = settings.KINECO2_SEED
    key = "ecosoins:simulation:" + answers_key(
        assessment.answers,
        load_actions().version,
        baseline.factors_version,
        baseline.defaults_version,
        sorted((a, sorted(p.items())) for a, p in choices),
        draws,
        seed,
    )
    simulation = django_cache.get(key)
    if simulation is None:
        simulation = simulate(inputs, choices, baseline=baseline, draws=draws, seed=seed)
        django_cache.set(key, simulation, timeout=3600)
    return simulation


def baseline_of(assessment: Assessment) -> tuple[Any, Result]:
    """(answers as engine input, result without Monte Carlo). Raises :class:`InputError`."""
    inputs = to_input(assessment.answers)
    return inputs, practice_selectors.assessment_result(assessment, draws=0)


# -- action plan -------------------------------------------------------------------------
@dataclass
class PlanItem:
    item: PlannedAction
    title: str
    in_catalogue: bool
    parameters: list[dict[str, Any]] = field(default_factory=list)


def plan_items(practice: Practice) -> list[PlanItem]:
    rows = catalogue_rows(published_only=False)
    catalogue = load_actions()
    items = []
    queryset = PlannedAction.objects.filter(practice=practice).select_related("owner")
    for item in queryset.order_by("created_at", "pk"):
        parameters = []
        if item.action_id in catalogue:
            action = catalogue[item.action_id]
            for parameter in action.parameters:
                value = item.parameters.get(parameter.name, parameter.default)
                parameters.append(
                    {"label": parameter.label, "value": value, "unit": parameter.unit}
                )
        items.append(
            PlanItem(
                item=item,
                title=title_of(item.action_id, rows),
                in_catalogue=item.action_id in catalogue,
                parameters=parameters,
            )
        )
    return items


def plan_item_for_user(user, practice_id: int, item_id: int) -> PlannedAction:
    practice = practice_selectors.practice_for_user(user, practice_id)
    try:
        return PlannedAction.objects.select_related("practice", "owner").get(
            pk=item_id, practice=practice
        )
    except (PlannedAction.DoesNotExist, ValueError, TypeError):
        raise Http404("Action du plan introuvable") from None


def latest_assessment(practice: Practice) -> Assessment | None:
    """The practice's most recent assessment whose answers can be computed."""
    for assessment in practice.assessments.order_by("-reference_year"):
        try:
            to_input(assessment.answers)
        except InputError:
            continue
        return assessment
    return None


@dataclass(frozen=True)
class PlanGain:
    assessment: Assessment | None
    simulation: Simulation | None
    included: list[str]
    skipped: list[tuple[str, str]]  # (title, reason)
    error: str = ""
    superseded: list[str] = field(default_factory=list)  # made useless by another action
    # Why an action gains nothing (or only part) for this practice: (title, note), in plan order.
    notes: list[tuple[str, GainNote]] = field(default_factory=list)
    shared: SharedPremises | None = None

    @property
    def no_gain(self) -> bool:
        """The plan's computed gain is nil: say why rather than show « 0 t »."""
        return self.simulation is not None and abs(self.simulation.avoided_kgco2e) < NO_GAIN_KG


def plan_gain(practice: Practice, items: list[PlanItem] | None = None, user=None) -> PlanGain:
    """The expected gain of the plan: every planned, non-abandoned action simulated together
    on the latest assessment. Actions that no longer apply (already reflected in the answers,
    retired from the catalogue, parameters out of bounds) are listed apart; each action whose
    own gain is nil, negative or partial here gets a note saying why (``notes``)."""
    items = plan_items(practice) if items is None else items
    assessment = latest_assessment(practice)
    active = [p for p in items if p.item.status != PlanStatus.ABANDONNEE]
    if assessment is None:
        return PlanGain(None, None, [], [])
    if not active:
        return PlanGain(assessment, None, [], [])
    inputs, baseline = baseline_of(assessment)
    shared = shared_premises(assessment, baseline, user)
    catalogue = load_actions()
    choices: list[tuple[str, dict[str, float]]] = []
    included: list[str] = []
    skipped: list[tuple[str, str]] = []
    notes: list[tuple[str, GainNote]] = []
    for planned in active:
        action_id = planned.item.action_id
        if action_id not in catalogue:
            skipped.append((planned.title, "action retirée du catalogue"))
            continue
        action = catalogue[action_id]
        if not is_applicable(action, inputs, baseline):
            note = shared.note(action.posts, gain=False) if shared is not None else None
            if note is not None:
                notes.append((planned.title, note))
            elif planned.item.status == PlanStatus.REALISEE:
                skipped.append(
                    (
                        planned.title,
                        "réalisée : elle ne s'applique plus aux réponses du bilan "
                        f"{assessment.reference_year}, qui comptent sans doute déjà son effet",
                    )
                )
            else:
                skipped.append(
                    (
                        planned.title,
                        f"ne s'applique pas aux réponses du bilan {assessment.reference_year} "
                        "(peut-être déjà prise en compte)",
                    )
                )
            continue
        params = _valid_parameters(action, planned.item.parameters)
        try:
            alone = simulate(inputs, [(action_id, params)], baseline=baseline, draws=0)
        except ActionError as exc:
            skipped.append((planned.title, str(exc)))
            continue
        if alone.avoided_kgco2e < NO_GAIN_KG:
            notes.append(
                (
                    planned.title,
                    no_gain_note(
                        action, alone.avoided_by_post, alone.avoided_kgco2e, baseline, shared
                    ),
                )
            )
            if shared is not None and alone.avoided_kgco2e <= -NO_GAIN_KG:
                note = shared.note(action.posts, gain=True)
                if note is not None:
                    notes.append((planned.title, note))
        else:
            note = shared.note(action.posts, gain=True) if shared is not None else None
            if note is None:
                note = default_note(action, baseline)
            if note is not None:
                notes.append((planned.title, note))
        choices.append((action_id, params))
        included.append(planned.title)
    if not choices:
        return PlanGain(assessment, None, included, skipped, notes=notes, shared=shared)
    try:
        simulation = run_simulation(assessment, inputs, baseline, choices)
    except ActionError as exc:
        return PlanGain(
            assessment, None, included, skipped, error=str(exc), notes=notes, shared=shared
        )
    titles = {p.item.action_id: p.title for p in active}
    superseded = [titles.get(a, a) for a in simulation.skipped]
    return PlanGain(
        assessment,
        simulation,
        included,
        skipped,
        superseded=superseded,
        notes=notes,
        shared=shared,
    )


def _valid_parameters(action: Action, stored: Mapping[str, Any]) -> dict[str, float]:
    """Stored parameters still valid for the action (others fall back to their default)."""
    params: dict[str, float] = {}
    for parameter in action.parameters:
        value = stored.get(parameter.name, parameter.default)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and parameter.min <= value <= parameter.max
            and (not parameter.integer or float(value).is_integer())
        ):
            params[parameter.name] = float(value)
        else:
            params[parameter.name] = parameter.default
    return params


# -- year on year ------------------------------------------------------------------------
@dataclass(frozen=True)
class YearOnYear:
    previous: Assessment | None = None
    current: Assessment | None = None
    previous_snapshot: Any = None
    current_snapshot: Any = None
    change: Any = None  # kineco2.engine.yoy.ChangeDecomposition
    error: str = ""
    method_gap_kgco2e: float = 0.0  # stored snapshot − recomputation of last year


def _loadable_defaults(version: str) -> str | None:
    """``version`` if that defaults version ships, else ``None`` (the current defaults)."""
    from kineco2.engine.defaults import available_versions

    return version if version in available_versions() else None


def year_on_year(practice: Practice) -> YearOnYear:
    """The change between the two latest completed assessments, split by the engine into
    what the activity changed and what the factor version changed."""
    from kineco2.engine.yoy import decompose_change

    history = practice_selectors.completed_history(practice)
    if len(history) < 2:
        return YearOnYear()
    (previous, previous_snapshot), (current, current_snapshot) = history[-2], history[-1]
    from kineco2.engine.defaults import load_defaults
    from kineco2.engine.factors import load_factors
    from kineco2.structures.selectors import share_fingerprint, shared_share_for

    previous_defaults = _loadable_defaults(previous_snapshot.defaults_version)
    try:
        # A member of a structure: each year with the share of that year's bilan des locaux,
        # last year's also under last year's method for its published figure.
        previous_share = shared_share_for(
            previous,
            factors=load_factors(previous_snapshot.factors_version),
            defaults=load_defaults(previous_defaults) if previous_defaults else None,
        )
        restated_share = shared_share_for(previous)
        current_share = shared_share_for(current)
    except (InputError, EngineError):
        previous_share = restated_share = current_share = None
    key = "ecosoins:yoy:" + answers_key(
        {
            "previous": previous.answers,
            "current": current.answers,
            "shares": [
                share_fingerprint(s) for s in (previous_share, restated_share, current_share)
            ],
        },
        previous_snapshot.factors_version,
        current_snapshot.factors_version,
    )
    change = django_cache.get(key)
    if change is None:
        try:
            # Both years with the same method (this year's); last year's published figure
            # with its own factors and defaults, so the method effect is the whole change.
            change = decompose_change(
                to_input(previous.answers),
                previous_snapshot.factors_version,
                to_input(current.answers),
                current_snapshot.factors_version,
                previous_defaults=previous_defaults,
                previous_shared=previous_share,
                restated_shared=restated_share,
                current_shared=current_share,
            )
        except (InputError, EngineError) as exc:
            return YearOnYear(
                previous,
                current,
                previous_snapshot,
                current_snapshot,
                error=f"Le calcul de l'évolution est impossible : {exc}",
            )
        django_cache.set(key, change, timeout=24 * 3600)
    return YearOnYear(
        previous,
        current,
        previous_snapshot,
        current_snapshot,
        change=change,
        method_gap_kgco2e=previous_snapshot.total_kgco2e - change.total.previous_kgco2e,
    )


# -- initiatives -------------------------------------------------------------------------
def published_initiatives() -> QuerySet[Initiative]:
    return Initiative.objects.filter(status=InitiativeStatus.PUBLIEE).order_by("-created_at", "-pk")


def initiative_for_user(user, pk: int) -> Initiative:
    """A published initiative; its author and the moderators also see it before publication."""
    try:
        initiative = Initiative.objects.get(pk=pk)
    except (Initiative.DoesNotExist, ValueError, TypeError):
        raise Http404("Initiative introuvable") from None
    if initiative.status == InitiativeStatus.PUBLIEE or can_moderate(user):
        return initiative
    if user.is_authenticated and initiative.submitted_by_id == user.pk:
        return initiative
    raise Http404("Initiative introuvable")


def initiatives_of(user) -> QuerySet[Initiative]:
    return Initiative.objects.filter(submitted_by=user).order_by("-created_at", "-pk")


def moderation_queue() -> QuerySet[Initiative]:
    return Initiative.objects.filter(status=InitiativeStatus.SOUMISE).order_by("created_at", "pk")


def recently_moderated(limit: int = 20) -> QuerySet[Initiative]:
    return (
        Initiative.objects.exclude(status=InitiativeStatus.SOUMISE)
        .select_related("moderated_by")
        .order_by("-moderated_at", "-pk")[:limit]
    )


#: Cost bands of the statistics page: (label, lowest €, highest € or None).
COST_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("Sans coût", 0, 0),
    ("1 à 500\u00a0€", 1, 500),
    ("501 à 2\u202f000\u00a0€", 501, 2000),
    ("2\u202f001 à 10\u202f000\u00a0€", 2001, 10000),
    ("Plus de 10\u202f000\u00a0€", 10001, None),
)


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    rows: list[tuple[str, int]]  # (label, count)


def initiative_stats() -> tuple[int, list[Breakdown]]:
    """Counts of the published initiatives by sector, scope, time, cost band and post."""
    initiatives = list(published_initiatives())
    total = len(initiatives)
    sectors = Counter(i.sector for i in initiatives)
    scopes = Counter(i.scope_of_action for i in initiatives)
    times = Counter(i.time_to_implement for i in initiatives)
    posts = Counter(p for i in initiatives for p in i.posts)
    bands = Counter()
    for initiative in initiatives:
        for label, low, high in COST_BANDS:
            if initiative.cost_eur >= low and (high is None or initiative.cost_eur <= high):
                bands[label] += 1
                break
    breakdowns = [
        Breakdown(
            "secteur",
            "Par secteur",
            [(label, sectors[value]) for value, label in Sector.choices],
        ),
        Breakdown(
            "portee",
            "Individuelles ou collectives",
            [(value.capitalize(), scopes[value]) for value in SCOPES],
        ),
        Breakdown(
            "delai",
            "Par délai de mise en œuvre",
            [(value.capitalize(), times[value]) for value in TIMES_TO_IMPLEMENT],
        ),
        Breakdown("cout", "Par coût", [(label, bands[label]) for label, _, _ in COST_BANDS]),
        Breakdown(
            "postes",
            "Par poste d'émissions touché",
            [(label, posts[post]) for post, label in POST_LABELS.items() if posts[post]],
        ),
    ]
    return total, breakdowns


#: Sectors counted as « ville » (ambulatory care) in the national survey; the rest are
#: « établissements » (health or medico-social institutions).
CITY_SECTORS = (Sector.CABINET, Sector.MSP, Sector.CENTRE_SANTE, Sector.CPTS)


@dataclass(frozen=True)
class SurveyShare:
    """One headline share of the national good-practice survey, as published."""

    key: str
    label: str  # what the share counts, e.g. « Menées en ville »
    question: str  # the split it comes from
    share: int | None  # whole-number %, ``None``: not published (publication rules)
    count: int | None
    base: int | None  # published number of initiatives the share is taken on


def initiative_survey() -> dict[str, Any]:
    """The figures the national survey published, on the published initiatives, under the
    publication rules (:mod:`kineco2.outreach.publication`): ville vs établissements,
    individual vs collective, implemented in less than 6 months, cost felt as low.

    Each share is computed on two published counts of a two-group split; a split whose groups
    cannot both be published (too few initiatives) shows no share.
    """
    from kineco2.outreach import publication

    initiatives = list(published_initiatives())
    total = len(initiatives)

    def split(key, label, question, yes, no):
        base = yes + no
        counts = publication.partition(base, {"yes": yes, "no": no})
        published_base = publication.count(base)
        share = (
            publication.share(counts["yes"], (counts["yes"] or 0) + (counts["no"] or 0))
            if counts["yes"] is not None and counts["no"] is not None
            else None
        )
        return SurveyShare(key, label, question, share, counts["yes"], published_base)

    city = sum(i.sector in CITY_SECTORS for i in initiatives)
    collective = sum(i.scope_of_action == "collective" for i in initiatives)
    quick = sum(i.time_to_implement in ("moins d'un mois", "1 à 6 mois") for i in initiatives)
    rated = [i for i in initiatives if i.cost_perceived]
    low = sum(i.cost_perceived == "faible" for i in rated)
    shares = [
        split("ville", "Menées en ville", "Ville ou établissement", city, total - city),
        split(
            "individuelle",
            "Individuelles",
            "Individuelle ou collective",
            total - collective,
            collective,
        ),
        split("rapides", "Mises en œuvre en moins de 6 mois", "Délai", quick, total - quick),
        split("cout_faible", "Coût ressenti comme faible", "Coût ressenti", low, len(rated) - low),
    ]
    return {
        "total": publication.count(total),
        "threshold": publication.threshold(),
        "suppressed": publication.SUPPRESSED,
        "shares": shares,
    }


def published_breakdowns(breakdowns: list[Breakdown], total: int) -> list[Breakdown]:
    """The breakdowns with every count passed through the publication rules (``None``:
    hidden). Posts are not a partition (an initiative touches several): each is on its own."""
    from kineco2.outreach import publication

    out = []
    for breakdown in breakdowns:
        counts = dict(breakdown.rows)
        if breakdown.key == "postes":
            shown = {label: publication.count(n) for label, n in counts.items()}
        else:
            shown = publication.partition(total, counts)
        out.append(
            Breakdown(
                breakdown.key, breakdown.title, [(lbl, shown[lbl]) for lbl, _ in breakdown.rows]
            )
        )
    return out


__all__ = [
    "COST_LEVELS",
    "CatalogueEntry",
    "CatalogueFilters",
    "Recommendations",
    "catalogue_entries",
    "recommendations",
]


def action_notes_for(user, action: Action, assessments: list[Assessment]) -> dict[int, GainNote]:
    """For the action page: the note of each of ``assessments`` (by pk) whose practice counts
    the action's posts in shared premises (its gain is then computed with the structure)."""
    from kineco2.engine.allocation import REPLACED_POSTS
    from kineco2.structures.selectors import members_with_premises

    if not assessments or not set(action.posts) & REPLACED_POSTS:
        return {}
    sharing = members_with_premises(a.pk for a in assessments)
    notes: dict[int, GainNote] = {}
    for assessment in assessments:
        if assessment.pk not in sharing:
            continue
        try:
            _, result = baseline_of(assessment)
        except (InputError, EngineError):
            continue
        shared = shared_premises(assessment, result, user)
        note = shared.note(action.posts, gain=False) if shared is not None else None
        if note is not None:
            notes[assessment.pk] = note
    return notes


def simulation_notes(
    assessment: Assessment,
    baseline: Result,
    simulation: Simulation,
    action_ids: Iterable[str],
    user=None,
) -> list[tuple[str, GainNote]]:
    """For the simulator: why the chosen actions gain nothing, or only part, here — the
    shared premises of a member practice for the actions on them, otherwise (one action, no
    gain or more emissions) the engine's change by post."""
    action_ids = list(action_ids)
    shared = shared_premises(assessment, baseline, user)
    catalogue = load_actions()
    rows = catalogue_rows(published_only=False)
    by_post = simulation.avoided_by_post
    notes: list[tuple[str, GainNote]] = []
    for action_id in action_ids:
        if action_id not in catalogue:
            continue
        action = catalogue[action_id]
        note = None
        if shared is not None:
            rest = [p for p in action.posts if p not in shared.posts]
            changes = any(abs(by_post.get(p, 0.0)) >= NO_GAIN_KG for p in rest)
            note = shared.note(action.posts, gain=changes)
        if note is None and any(by_post.get(p, 0.0) >= NO_GAIN_KG for p in action.posts):
            note = default_note(action, baseline)
        if note is not None:
            notes.append((title_of(action_id, rows), note))
    avoided = simulation.avoided_kgco2e
    if len(action_ids) == 1 and action_ids[0] in catalogue and avoided < NO_GAIN_KG:
        # One action: say why it gains nothing or adds emissions (the shared premises, when
        # they are the whole reason, are said above already).
        if avoided <= -NO_GAIN_KG or shared is None:
            action = catalogue[action_ids[0]]
            note = no_gain_note(action, by_post, avoided, baseline, None)
            notes.append((title_of(action.id, rows), note))
    return notes
