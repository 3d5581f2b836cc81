"""Écosoins pages: catalogue, recommendations, simulator, action plan, initiatives, FAQ.

Views are thin: reads go through ``selectors`` (practice-scoped reads through
:mod:`kineco2.practices.selectors`, 404 for non-members) and writes through ``services``.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kineco2.ecosoins import selectors, services
from kineco2.ecosoins.charts import count_bars_svg, inline_svg, share_bars_svg
from kineco2.ecosoins.forms import (
    DEFAULT_RATE_PERCENT,
    CatalogueFilterForm,
    InitiativeForm,
    ModerationForm,
    PlanItemForm,
    french_number,
    param_name,
    read_choices,
)
from kineco2.ecosoins.models import Initiative, PlanStatus
from kineco2.engine import InputError
from kineco2.engine.actions import ActionError, load_actions, simulate, trajectory
from kineco2.engine.factors import load_factors
from kineco2.practices import selectors as practice_selectors
from kineco2.practices.models import Assessment


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _forbidden(request, message: str):
    return render(request, "ecosoins/forbidden.html", {"message": message}, status=403)


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# -- public catalogue ----------------------------------------------------------------------
@require_GET
def catalogue(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = selectors.CatalogueFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.CatalogueFilters(**form.cleaned_data)
    entries = selectors.catalogue_entries(filters)
    return render(
        request,
        "ecosoins/catalogue.html",
        {
            "eco_section": "catalogue",
            "form": form,
            "filters": filters,
            "entries": entries,
            "action_count": sum(1 for e in entries if e.kind == "action"),
            "initiative_count": sum(1 for e in entries if e.kind == "initiative"),
        },
    )


def _user_assessments(user) -> list[Assessment]:
    """The latest assessment of each of the user's practices (to simulate an action on it)."""
    if not user.is_authenticated:
        return []
    latest = []
    for practice in practice_selectors.practices_for_user(user):
        assessment = selectors.latest_assessment(practice)
        if assessment is not None:
            latest.append(assessment)
    return latest


@require_GET
def action_detail(request, action_id: str):
    row, action = selectors.catalogue_action(action_id)
    user_assessments = _user_assessments(request.user)
    notes = selectors.action_notes_for(request.user, action, user_assessments)
    return render(
        request,
        "ecosoins/action_detail.html",
        {
            "assessment_notes": [(a, notes.get(a.pk)) for a in user_assessments],
            "eco_section": "catalogue",
            "row": row,
            "action": action,
            "posts": selectors.post_links(action.posts),
            "example": selectors.worked_example(action_id),
            "user_assessments": user_assessments,
        },
    )


@require_GET
def initiative_detail(request, pk: int):
    initiative = selectors.initiative_for_user(request.user, pk)
    return render(
        request,
        "ecosoins/initiative_detail.html",
        {
            "eco_section": "catalogue",
            "initiative": initiative,
            "posts": selectors.post_links(initiative.posts),
            "show_note": bool(initiative.moderator_note)
            and (
                services.can_moderate(request.user)
                or (request.user.is_authenticated and initiative.submitted_by_id == request.user.pk)
            ),
        },
    )


# -- recommendations -----------------------------------------------------------------------
@login_required
@require_GET
def recommendations_page(request, pk: int):
    assessment = practice_selectors.assessment_for_user(request.user, pk)
    try:
        _, result = selectors.baseline_of(assessment)
    except InputError:
        return _missing_answers(request, assessment)
    # Loaded by the results page with HTMX (a fragment), or a page of its own.
    template = (
        "ecosoins/_recommendations.html"
        if request.headers.get("HX-Request") == "true"
        else "ecosoins/recommendations.html"
    )
    return render(
        request,
        template,
        {
            "assessment": assessment,
            "practice": assessment.practice,
            "recommendations": selectors.recommendations(assessment, result, user=request.user),
        },
    )


def _missing_answers(request, assessment: Assessment):
    return render(
        request,
        "ecosoins/missing_answers.html",
        {"assessment": assessment, "practice": assessment.practice},
    )


# -- simulator -----------------------------------------------------------------------------
def _trajectory(assessment: Assessment, baseline, simulation, rate_percent: float) -> dict:
    # From the assessment's year: the target starts there (trajectory_svg needs a target
    # value for every year it draws).
    year = assessment.reference_year
    rate = rate_percent / 100
    horizon = 10
    points = trajectory(baseline.total_kgco2e, year, horizon, rate)
    years = [p.year for p in points]
    target = [p.kgco2e for p in points]
    target_points = dict(zip(years, target, strict=True))
    values: list[float | None] = [None] * len(years)
    values[0] = baseline.total_kgco2e
    if simulation is not None:
        values[1] = simulation.scenario.total_kgco2e
    from kineco2.report.charts import trajectory_svg

    label = f"Trajectoire cible (\u2212{french_number(rate_percent)}\u00a0% par an)"
    svg = inline_svg(trajectory_svg(years, values, target, target_label=label))
    years_of_target = None
    if simulation is not None and simulation.scenario.total_kgco2e < baseline.total_kgco2e:
        ratio = simulation.scenario.total_kgco2e / baseline.total_kgco2e
        years_of_target = math.log(ratio) / math.log(1 - rate) if ratio > 0 else None
    return {
        "svg": svg,
        "rate": rate_percent,
        "year_2030": target_points.get(2030),
        "target_next": target_points.get(year + 1),
        "years_of_target": years_of_target,
        "next_year": year + 1,
    }


def _post_changes(simulation) -> list[dict]:
    rows = []
    for post in simulation.baseline.posts:
        after = simulation.scenario.post(post.id).kgco2e
        if abs(after - post.kgco2e) >= selectors.NO_GAIN_KG:
            rows.append(
                {
                    "id": post.id,
                    "label": post.label,
                    "before": post.kgco2e,
                    "after": after,
                    "change": after - post.kgco2e,
                }
            )
    return sorted(rows, key=lambda r: r["change"])


def _simulator_context(request, assessment, available, choices, *, plan_error: str = "") -> dict:
    inputs, baseline = selectors.baseline_of(assessment)
    simulation, error = None, ""
    if choices.valid and choices.choices:
        try:
            simulation = selectors.run_simulation(assessment, inputs, baseline, choices.choices)
        except ActionError as exc:
            error = str(exc)
    rate = choices.rate if not choices.rate_error else DEFAULT_RATE_PERCENT
    rows = selectors.catalogue_rows()
    groups: list[dict] = []
    for item in available:
        action = item.action
        params = []
        for parameter in action.parameters:
            key = param_name(action.id, parameter.name)
            params.append(
                {
                    "p": parameter,
                    "name": key,
                    "id": f"sim-{action.id}-{parameter.name}",
                    "value": choices.values.get(key, french_number(parameter.default)),
                    "error": choices.errors.get(key, ""),
                    "min": french_number(parameter.min),
                    "max": french_number(parameter.max),
                    "default": french_number(parameter.default),
                }
            )
        entry = {
            "action": action,
            "title": item.row.title,
            "checked": action.id in choices.selected,
            "params": params,
        }
        if not groups or groups[-1]["label"] != item.group:
            groups.append({"label": item.group, "actions": []})
        groups[-1]["actions"].append(entry)
    skipped = [selectors.title_of(a, rows) for a in simulation.skipped] if simulation else []
    return {
        "assessment": assessment,
        "practice": assessment.practice,
        "baseline": baseline,
        "groups": groups,
        "choices": choices,
        "simulation": simulation,
        "error": error,
        "plan_error": plan_error,
        "post_changes": _post_changes(simulation) if simulation else [],
        "gain_notes": (
            selectors.simulation_notes(
                assessment, baseline, simulation, choices.selected, request.user
            )
            if simulation
            else []
        ),
        "no_gain": simulation is not None and abs(simulation.avoided_kgco2e) < selectors.NO_GAIN_KG,
        "skipped": skipped,
        "trajectory": _trajectory(assessment, baseline, simulation, rate),
        "planned": selectors.planned_ids(assessment.practice),
        "all_params": [p for g in groups for a in g["actions"] for p in a["params"]],
        "chosen_titles": [selectors.title_of(a, rows) for a in choices.selected],
    }


def _simulator_actions(assessment):
    inputs, baseline = selectors.baseline_of(assessment)
    available = selectors.simulator_actions(inputs, baseline)
    return available, {item.action.id: item.action for item in available}


@login_required
@require_http_methods(["GET", "POST"])
def simulator(request, pk: int):
    assessment = practice_selectors.assessment_for_user(request.user, pk)
    try:
        available, actions = _simulator_actions(assessment)
    except InputError:
        return _missing_answers(request, assessment)
    data = request.POST if request.method == "POST" else request.GET
    choices = read_choices(data, actions, with_rate=True)
    context = _simulator_context(request, assessment, available, choices)
    if _is_htmx(request):
        return render(request, "ecosoins/_simulator_result.html", {**context, "oob": True})
    return render(request, "ecosoins/simulator.html", context)


# -- action plan ---------------------------------------------------------------------------
@login_required
@require_POST
def plan_add(request, pk: int):
    """Add one or several actions (with parameters) to the plan of the assessment's practice."""
    assessment = practice_selectors.assessment_for_user(request.user, pk)
    practice = assessment.practice
    fallback = reverse("ecosoins_plan", args=[practice.pk])
    from_simulator = request.POST.get("from") == "simulateur"
    try:
        available, actions = _simulator_actions(assessment)
    except InputError:
        messages.error(
            request, "Le bilan est incomplet : complétez-le avant de choisir des actions."
        )
        return redirect(_next_url(request, fallback))
    choices = read_choices(request.POST, actions, with_rate=from_simulator)
    error = ""
    if not choices.selected:
        error = "Choisissez au moins une action à ajouter à votre plan."
    elif not choices.valid:
        error = "Corrigez les valeurs signalées : rien n'a été ajouté au plan."
    else:
        inputs, baseline = selectors.baseline_of(assessment)
        try:  # the engine validates the combination (applicability, bounds)
            simulate(inputs, choices.choices, baseline=baseline, draws=0)
        except ActionError as exc:
            error = f"{exc} Rien n'a été ajouté au plan."
    if error:
        if from_simulator:
            context = _simulator_context(request, assessment, available, choices, plan_error=error)
            return render(request, "ecosoins/simulator.html", context)
        if _is_htmx(request):
            return render(request, "ecosoins/_plan_added.html", {"error": error}, status=200)
        messages.error(request, error)
        return redirect(_next_url(request, fallback))
    outcome = services.plan_add(practice=practice, choices=choices.choices)
    titles = [selectors.title_of(a) for a, _ in choices.choices]
    listed = ", ".join(f"« {t} »" for t in titles)
    if len(titles) == 1:
        text = f"{listed} est dans votre plan d'action."
    else:
        text = f"{listed} sont dans votre plan d'action."
    if outcome.updated and not outcome.created:
        text += (
            " Ses paramètres sont mis à jour." if len(titles) == 1 else " Paramètres mis à jour."
        )
    if _is_htmx(request):
        return render(request, "ecosoins/_plan_added.html", {"message": text, "plan_url": fallback})
    messages.success(request, text)
    return redirect(_next_url(request, fallback))


def _plan_context(practice, *, edit_form=None, user=None) -> dict:
    items = selectors.plan_items(practice)
    gain = selectors.plan_gain(practice, items, user=user)
    yoy = selectors.year_on_year(practice)
    realised = [p for p in items if p.item.status == PlanStatus.REALISEE]
    return {
        "practice": practice,
        "items": items,
        "gain": gain,
        "yoy": yoy,
        "realised": realised,
        "statuses": PlanStatus,
        "latest": selectors.latest_assessment(practice),
    }


@login_required
@require_GET
def plan(request, pk: int):
    practice = practice_selectors.practice_for_user(request.user, pk)
    return render(request, "ecosoins/plan.html", _plan_context(practice, user=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int, item_pk: int):
    item = selectors.plan_item_for_user(request.user, pk, item_pk)
    practice = item.practice
    initial = {
        "status": item.status,
        "target_date": item.target_date,
        "owner": item.owner_id,
        "notes": item.notes,
    }
    form = PlanItemForm(
        request.POST if request.method == "POST" else None, practice=practice, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(
                item=item,
                status=form.cleaned_data["status"],
                target_date=form.cleaned_data["target_date"],
                owner=form.cleaned_data["owner"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            form.add_error("owner" if exc.code == "owner_not_member" else None, exc)
        else:
            messages.success(request, f"« {selectors.title_of(item.action_id)} » est mise à jour.")
            return redirect(reverse("ecosoins_plan", args=[practice.pk]) + f"#action-{item.pk}")
    return render(
        request,
        "ecosoins/plan_edit.html",
        {
            "practice": practice,
            "item": item,
            "title": selectors.title_of(item.action_id),
            "form": form,
        },
    )


@login_required
@require_POST
def plan_remove(request, pk: int, item_pk: int):
    item = selectors.plan_item_for_user(request.user, pk, item_pk)
    title = selectors.title_of(item.action_id)
    services.plan_remove(item=item)
    messages.success(request, f"« {title} » est retirée du plan d'action.")
    return redirect("ecosoins_plan", pk=pk)


# -- initiatives ---------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def initiative_submit(request):
    form = InitiativeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        commune = data["commune"]
        initiative = services.initiative_submit(
            user=request.user,
            title=data["title"],
            description=data["description"],
            commune_code=commune.code_insee,
            commune_name=commune.name,
            region_name=commune.region_name,
            posts=data["posts"],
            cost_eur=data["cost_eur"],
            time_to_implement=data["time_to_implement"],
            scope_of_action=data["scope_of_action"],
            observed_results=data["observed_results"],
            sector=data["sector"],
            cost_perceived=data.get("cost_perceived") or "",
        )
        messages.success(
            request,
            f"Merci ! « {initiative.title} » est envoyée : un modérateur la relira avant de la "
            "publier dans le catalogue.",
        )
        return redirect("ecosoins_my_initiatives")
    return render(
        request, "ecosoins/initiative_form.html", {"form": form, "eco_section": "proposer"}
    )


@login_required
@require_GET
def my_initiatives(request):
    return render(
        request,
        "ecosoins/my_initiatives.html",
        {"initiatives": selectors.initiatives_of(request.user), "eco_section": "miennes"},
    )


def _moderation_page(request, *, bound: dict[int, ModerationForm] | None = None):
    bound = bound or {}
    queue = [
        {
            "eco_section": "catalogue",
            "initiative": initiative,
            "posts": selectors.post_links(initiative.posts),
            "form": bound.get(initiative.pk) or ModerationForm(prefix=f"i{initiative.pk}"),
        }
        for initiative in selectors.moderation_queue().select_related("submitted_by")
    ]
    return render(
        request,
        "ecosoins/moderation.html",
        {"queue": queue, "recent": selectors.recently_moderated(), "eco_section": "moderation"},
    )


_NOT_MODERATOR = "Cette page est réservée aux modérateurs des initiatives (groupe « Modérateurs »)."


@login_required
@require_GET
def moderation(request):
    if not services.can_moderate(request.user):
        return _forbidden(request, _NOT_MODERATOR)
    return _moderation_page(request)


@login_required
@require_POST
def moderate(request, pk: int):
    if not services.can_moderate(request.user):
        return _forbidden(request, _NOT_MODERATOR)
    try:
        initiative = Initiative.objects.get(pk=pk)
    except Initiative.DoesNotExist:
        raise Http404("Initiative introuvable") from None
    form = ModerationForm(request.POST, prefix=f"i{pk}")
    if form.is_valid():
        try:
            services.initiative_moderate(
                initiative=initiative,
                moderator=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error("note", exc)
        else:
            verb = "publiée" if initiative.status == "publiee" else "refusée"
            messages.success(request, f"« {initiative.title} » est {verb}.")
            return redirect("ecosoins_moderation")
    return _moderation_page(request, bound={initiative.pk: form})


# -- statistics and FAQ --------------------------------------------------------------------
@require_GET
def stats(request):
    """Statistics of the published initiatives, like the national survey's, under the
    publication rules: nothing below the threshold, counts possibly rounded."""
    raw_total, breakdowns = selectors.initiative_stats()
    survey = selectors.initiative_survey()
    charts = []
    if survey["total"] is not None:
        shares = [(s.label, s.share) for s in survey["shares"] if s.share is not None]
        if shares:
            survey["svg"] = inline_svg(
                share_bars_svg("Les initiatives publiées, comme l'enquête nationale", shares)
            )
        for breakdown in selectors.published_breakdowns(breakdowns, raw_total):
            rows = [r for r in breakdown.rows if r[1]]  # published and non-zero
            if not rows:
                continue
            charts.append(
                {
                    "breakdown": breakdown,
                    "rows": breakdown.rows,
                    "svg": inline_svg(
                        count_bars_svg(f"Initiatives publiées, {breakdown.title.lower()}", rows)
                    ),
                    "hidden": any(count is None for _, count in breakdown.rows),
                }
            )
    return render(
        request,
        "ecosoins/stats.html",
        {
            "total": survey["total"],
            "any_published": raw_total > 0,
            "survey": survey,
            "charts": charts,
            "eco_section": "stats",
        },
    )


def _reference_change(action_id: str, **parameters: float) -> float | None:
    if action_id not in load_actions():
        return None
    try:
        return selectors.reference_change(action_id, tuple(sorted(parameters.items())))
    except ActionError:
        return None


def _sheets_break_even():
    """Washable sheet vs paper roll with the latest mainland defaults, or ``None`` (2025.1)."""
    from kineco2.engine.defaults import load_defaults
    from kineco2.engine.posts.linge import break_even

    defaults = load_defaults()
    if "linen_kg_per_session" not in defaults.defaults:
        return None
    return break_even(load_factors(), defaults, "france_continentale")


@require_GET
def faq(request):
    examples = selectors.worked_examples()
    return render(
        request,
        "ecosoins/faq.html",
        {
            "eco_section": "faq",
            "sheets": examples.get("draps_lavables"),
            "sheets_break_even": _sheets_break_even(),
            "paper": examples.get("drap_papier_reduit"),
            "catalogue_size": len(load_actions()),
            "catalogue_version": load_actions().version,
            "electricity_factor": load_factors()["elec_fr_mix_moyen"].value,
        },
    )
