"""The physiotherapist's journey: practices, questionnaire, results, report and exports.

Views are thin: every read goes through ``selectors`` (scoped to the user's practices, 404
otherwise) and every write through ``services``. Charts and the PDF are imported lazily.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required as django_login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kineco2.engine import InputError, geography
from kineco2.engine.factors import load_factors
from kineco2.engine.formatting import format_number, plain_number, source_with_year
from kineco2.engine.lines import ORIGINS
from kineco2.practices import selectors, services
from kineco2.practices.answers import STEP_LABELS, STEPS, field_specs, to_input
from kineco2.practices.forms import (
    MAX_IMPORT_BYTES,
    AssessmentCreateForm,
    ImportForm,
    InvitationForm,
    LevelForm,
    PracticeForm,
    build_question,
    commune_choices,
    display_value,
    problem_target,
    read_answer,
    visible_specs,
    visible_steps,
)
from kineco2.practices.models import Assessment, Invitation, Level
from kineco2.web.svg import inline_svg

SAVED = "Enregistré"
SAVED_EVENT = "answerSaved"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def login_required(view):
    """Django's ``login_required``; an HTMX request is sent to the login page as a whole page.

    Without this, an expired session would swap the login page into a question.
    """
    protected = django_login_required(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if _is_htmx(request) and not request.user.is_authenticated:
            page = urlsplit(request.headers.get("HX-Current-URL", "")).path or request.path
            response = HttpResponse("")
            response["HX-Redirect"] = (
                f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}"
            )
            return response
        return protected(request, *args, **kwargs)

    return wrapper


# -- practices ----------------------------------------------------------------------------
@login_required
@require_GET
def practice_list(request):
    practices = selectors.practices_for_user(request.user).prefetch_related("assessments")
    return render(request, "practices/practice_list.html", {"practices": practices})


@login_required
@require_http_methods(["GET", "POST"])
def practice_create(request):
    form = PracticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            practice = services.practice_create(user=request.user, **form.cleaned_data)
        except geography.CommuneError as exc:
            form.add_error("commune", str(exc))
        else:
            messages.success(request, f"Le cabinet « {practice.name} » est créé.")
            return redirect("practice_detail", pk=practice.pk)
    return render(request, "practices/practice_form.html", {"form": form})


@login_required
@require_GET
def commune_search(request):
    text = request.GET.get("commune") or request.GET.get("q") or ""
    return render(
        request, "practices/commune_options.html", {"choices": commune_choices(text), "q": text}
    )


def _practice_detail(request, practice, *, invite_form=None, create_form=None, status=200):
    titulaire = selectors.is_titulaire(request.user, practice)
    assessments = []
    for assessment in practice.assessments.order_by("-reference_year"):
        assessments.append(
            {"assessment": assessment, "snapshot": selectors.latest_snapshot(assessment)}
        )
    comparison = selectors.year_comparison(practice)
    trajectory = ""
    if comparison:
        from kineco2.report.charts import trajectory_svg

        t = comparison["trajectory"]
        figures = json.dumps([t["years"], t["values"], t["target"]]).encode()
        key = "chart:trajectory:" + hashlib.sha256(figures).hexdigest()
        trajectory = cache.get_or_set(
            key + ":safe",
            lambda: inline_svg(trajectory_svg(t["years"], t["values"], t["target"])),
            timeout=24 * 3600,
        )
    invitations = (
        Invitation.objects.filter(practice=practice, accepted_at__isnull=True).order_by(
            "-created_at"
        )
        if titulaire
        else []
    )
    context = {
        "practice": practice,
        "titulaire": titulaire,
        "territory": geography.TERRITORIES.get(practice.territory, practice.territory),
        "memberships": practice.memberships.select_related("user").order_by("role", "pk"),
        "invitations": invitations,
        "invite_form": invite_form or InvitationForm(),
        "create_form": create_form or AssessmentCreateForm(practice=practice),
        "has_previous": bool(assessments),
        "assessments": assessments,
        "comparison": comparison,
        "trajectory_svg": trajectory,
    }
    return render(request, "practices/practice_detail.html", context, status=status)


@login_required
@require_GET
def practice_detail(request, pk: int):
    practice = selectors.practice_for_user(request.user, pk)
    return _practice_detail(request, practice)


@login_required
@require_POST
def practice_invite(request, pk: int):
    practice = selectors.practice_for_user(request.user, pk, manage=True)
    if not getattr(request.user, "email_confirmed", False):
        messages.error(
            request,
            "Confirmez d'abord votre adresse e-mail (lien reçu à l'inscription) : "
            "c'est nécessaire pour inviter un confrère.",
        )
        return redirect(reverse("practice_detail", args=[practice.pk]) + "#membres")
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _practice_detail(request, practice, invite_form=form)
    invitation = services.invitation_create(
        practice=practice,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=request.user,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    messages.success(request, f"Invitation envoyée à {invitation.email}.")
    return redirect(reverse("practice_detail", args=[practice.pk]) + "#membres")


@login_required
@require_POST
def assessment_create(request, pk: int):
    practice = selectors.practice_for_user(request.user, pk)
    form = AssessmentCreateForm(request.POST, practice=practice)
    if not form.is_valid():
        return _practice_detail(request, practice, create_form=form)
    assessment = services.assessment_create(
        practice=practice,
        reference_year=form.cleaned_data["reference_year"],
        copy_previous=form.cleaned_data["copy_previous"],
    )
    if assessment.copied_from_id:
        messages.success(
            request,
            f"Bilan {assessment.reference_year} créé : il reprend les réponses du bilan "
            f"{assessment.copied_from.reference_year}. Corrigez seulement ce qui a changé.",
        )
    else:
        messages.success(request, f"Bilan {assessment.reference_year} créé.")
    return redirect("assessment_prepare", pk=assessment.pk)


# -- questionnaire ------------------------------------------------------------------------
def _step_url(assessment: Assessment, step: str) -> str:
    # reverse() once per assessment object (kept on it for the request), then a string
    # replacement: a results page links to steps from every post's defaults and every hint
    template = assessment.__dict__.get("_step_url_template")
    if template is None:
        template = reverse("assessment_step", args=[assessment.pk, "__step__"])
        assessment.__dict__["_step_url_template"] = template
    return template.replace("__step__", step)


def _unanswered(assessment: Assessment, step: str) -> list:
    """Questions of ``step`` at the assessment's level that have no answer at all yet."""
    given = assessment.answers.get(step) or {}
    return [spec for spec in visible_specs(step, assessment.level) if spec.name not in given]


def _on_default(assessment: Assessment, step: str) -> list:
    """Questions of ``step`` whose calculation still uses a default (no answer, or « je ne
    sais pas »), at the assessment's level; questions without a default are left out."""
    given = assessment.answers.get(step) or {}
    return [
        spec
        for spec in visible_specs(step, assessment.level)
        if spec.default_id and given.get(spec.name) is None
    ]


def _seen(assessment: Assessment, step: str) -> bool:
    return f"{assessment.level}:{step}" in (assessment.seen_steps or [])


def _resume_step(assessment: Assessment) -> str:
    """The first step not seen yet at this level that has unanswered questions; otherwise
    the first step with unanswered questions; otherwise where the user left off."""
    steps = visible_steps(assessment.level)
    with_gaps = [step for step in steps if _unanswered(assessment, step)]
    for step in with_gaps:
        if not _seen(assessment, step):
            return step
    if assessment.last_step in steps:
        return assessment.last_step
    return with_gaps[0] if with_gaps else steps[0]


def _result_or_none(assessment: Assessment, draws: int = 0):
    try:
        return selectors.assessment_result(assessment, draws=draws)
    except InputError:
        return None


def _effective_answers(result) -> dict:
    """The value the calculation used for each question (answered, defaulted or guessed)."""
    if result is None:
        return {}
    return {"profile.patient_zone": result.patient_zone, **result.effective_answers}


def _progress(assessment: Assessment, steps: list[str]) -> dict:
    """Answered questions, and steps done: a step is done once the user has seen it."""
    answered = total = done = 0
    done_steps = set()
    for step in steps:
        specs = visible_specs(step, assessment.level)
        given = assessment.answers.get(step) or {}
        answered += sum(1 for spec in specs if spec.name in given)
        total += len(specs)
        if _seen(assessment, step):
            done += 1
            done_steps.add(step)
    return {
        "answered": answered,
        "total": total,
        "done": done,
        "steps": len(steps),
        "done_steps": done_steps,
        "percent": round(100 * answered / total) if total else 0,
    }


@login_required
@require_GET
def assessment_resume(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    if not assessment.last_step and not assessment.seen_steps:
        return redirect("assessment_prepare", pk=assessment.pk)
    return redirect(_step_url(assessment, _resume_step(assessment)))


@login_required
@require_http_methods(["GET", "POST"])
def assessment_prepare(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    form = LevelForm(
        request.POST if request.method == "POST" else None, initial={"level": assessment.level}
    )
    if request.method == "POST" and form.is_valid():
        services.assessment_set_level(assessment=assessment, level=form.cleaned_data["level"])
        return redirect(_step_url(assessment, _resume_step(assessment)))
    return render(
        request,
        "practices/assessment_prepare.html",
        {
            "assessment": assessment,
            "practice": assessment.practice,
            "form": form,
            "express_count": sum(len(visible_specs(s, Level.EXPRESS)) for s in STEPS),
            "complet_count": sum(len(visible_specs(s, Level.COMPLET)) for s in STEPS),
        },
    )


def _question_state(spec, outcome, raw: str, previous: str) -> dict:
    if outcome.ok:
        return {"status": SAVED}
    if outcome.conflict:
        return {
            "typed": raw,
            "previous": previous,
            "conflict": True,
            "error": outcome.error,
            "current": display_value(spec, outcome.current),
        }
    return {
        "typed": raw,
        "previous": previous,
        "error": outcome.error,
        "choices": list(outcome.choices),
    }


def _save(assessment: Assessment, spec, raw: str, previous: str, *, keep: bool):
    kwargs = {} if keep else {"previous": previous}
    return services.assessment_save_answer(
        assessment_id=assessment.pk, section=spec.section, name=spec.name, raw=raw, **kwargs
    )


def _step_context(assessment: Assessment, step: str, specs, states: dict) -> dict:
    steps = visible_steps(assessment.level)
    result = _result_or_none(assessment)
    effective = _effective_answers(result)
    questions = [
        build_question(spec, assessment.answers, effective=effective, **states.get(spec.name, {}))
        for spec in specs
    ]
    # A step outside the level (one question of the complete level opened from the results'
    # default badge) is no numbered step: it has no previous step and leads back to the results.
    in_level = step in steps
    position = steps.index(step) if in_level else len(steps)
    progress = _progress(assessment, steps)
    return {
        "assessment": assessment,
        "practice": assessment.practice,
        "step": step,
        "step_label": STEP_LABELS[step],
        "position": position + 1 if in_level else None,
        "nav": [
            {
                "step": s,
                "label": STEP_LABELS[s],
                "url": _step_url(assessment, s),
                "current": s == step,
                "done": s in progress["done_steps"],
                "defaults": len(_on_default(assessment, s)),
            }
            for s in steps
        ],
        "on_default": [q for q in questions if q.spec in _on_default(assessment, step)],
        "progress": progress,
        "questions": questions,
        "has_errors": any(q.error for q in questions),
        "previous_step": steps[position - 1] if in_level and position > 0 else None,
        "next_step": steps[position + 1] if position + 1 < len(steps) else None,
        "save_url": reverse("assessment_save", args=[assessment.pk]),
        "subtotal_url": reverse("assessment_subtotal", args=[assessment.pk]),
        "subtotal": result,
    }


@login_required
@require_http_methods(["GET", "POST"])
def assessment_step(request, pk: int, step: str):
    assessment = selectors.assessment_for_user(request.user, pk)
    if step not in STEPS:
        raise Http404("Étape inconnue")
    asked = request.GET.get("question") or request.POST.get("question") or None
    specs = visible_specs(step, assessment.level, also=asked)
    if not specs:
        return redirect(_step_url(assessment, visible_steps(assessment.level)[0]))
    states: dict[str, dict] = {}
    if request.method == "POST":
        action, _, target = request.POST.get("resolve", "").partition(":")
        for spec in specs:
            raw, previous, changed = read_answer(request.POST, spec)
            if target == spec.path and action == "take":
                states[spec.name] = {"status": "Valeur de l'autre onglet reprise."}
                continue
            keep = target == spec.path and action == "keep"
            if not changed and not keep:
                continue
            outcome = _save(assessment, spec, raw, previous, keep=keep)
            states[spec.name] = _question_state(spec, outcome, raw, previous)
        assessment.refresh_from_db()
        blocked = any("error" in state for state in states.values())
        picked = any(key.endswith("-pick") for key in request.POST)
        if not blocked and not action and not picked:
            steps = visible_steps(assessment.level)
            if step not in steps:  # a question outside the level's steps: back to the results
                return redirect("assessment_results", pk=assessment.pk)
            position = steps.index(step)
            go = request.POST.get("go", "next")
            if go == "previous" and position > 0:
                destination = steps[position - 1]
            elif go == "next" and position + 1 < len(steps):
                destination = steps[position + 1]
            elif go == "next":
                return redirect("assessment_results", pk=assessment.pk)
            else:
                destination = step
            services.assessment_set_last_step(assessment=assessment, step=destination)
            return redirect(_step_url(assessment, destination))
    if request.method == "GET":
        services.assessment_mark_seen(assessment=assessment, step=step)
    context = _step_context(assessment, step, specs, states)
    context["asked"] = asked if asked in {spec.name for spec in specs} else None
    return render(request, "practices/assessment_step.html", context)


@login_required
@require_POST
def assessment_save(request, pk: int):
    """Save one answer (HTMX): re-render the question with « Enregistré » or the error."""
    assessment = selectors.assessment_for_user(request.user, pk)
    section, _, name = request.POST.get("field", "").partition(".")
    if section not in STEPS:
        return HttpResponseBadRequest("Question inconnue.")
    spec = next((s for s in field_specs(section) if s.name == name), None)
    if spec is None:
        return HttpResponseBadRequest("Question inconnue.")
    if not _is_htmx(request):  # a plain form posts the whole step instead
        return redirect(_step_url(assessment, section))
    resolve = request.POST.get("resolve", "").partition(":")[0]
    saved = False
    if resolve == "take":
        state = {"status": "Valeur de l'autre onglet reprise."}
    else:
        raw, previous, changed = read_answer(request.POST, spec)
        if not changed and resolve != "keep":
            # Nothing to save (back to what the page showed): clear any error, keep the rest.
            checked = request.POST.get(f"{spec.section}-{spec.name}-dontknow") == "1"
            state = {"typed": raw, "previous": previous, "dont_know_checked": checked}
            if raw.strip():
                state["status"] = SAVED  # what the page shows is what is stored
        else:
            outcome = _save(assessment, spec, raw, previous, keep=resolve == "keep")
            state = _question_state(spec, outcome, raw, previous)
            saved = outcome.ok
            if saved:  # what was just stored: no need to read the row again
                assessment.answers = outcome.answers
                assessment.revision = outcome.revision
                assessment.last_step = spec.section
            else:
                assessment.refresh_from_db()
    result = _result_or_none(assessment)
    question = build_question(
        spec,
        assessment.answers,
        effective=_effective_answers(result),
        **state,
    )
    response = render(
        request,
        "practices/_question.html",
        {"q": question, "save_url": reverse("assessment_save", args=[assessment.pk])},
    )
    if saved:
        response["HX-Trigger"] = SAVED_EVENT
    return response


@login_required
@require_GET
def assessment_subtotal(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    return render(
        request,
        "practices/_subtotal.html",
        {"assessment": assessment, "subtotal": _result_or_none(assessment)},
    )


# -- results ------------------------------------------------------------------------------
def _missing(request, assessment: Assessment, error: InputError):
    problems = []
    for label, message in error.problems:
        step, name = problem_target(label)
        title = ""
        url = None
        if step:
            url = _step_url(assessment, step)
            if name:
                spec = next((s for s in field_specs(step) if s.name == name), None)
                title = spec.title if spec else name
                url += f"?question={name}#field-{step}-{name}"
        problems.append(
            {
                "step_label": STEP_LABELS.get(step, "") if step else "",
                "title": title,
                "message": message,
                "url": url,
            }
        )
    return render(
        request,
        "practices/assessment_missing.html",
        {"assessment": assessment, "practice": assessment.practice, "problems": problems},
    )


@functools.lru_cache(maxsize=1024)
def _spec_for(step: str, name: str):
    """The question ``name`` of ``step``, or ``None`` (the questionnaire is fixed in a process:
    a dictionary look-up where the pages searched the step's questions for each line)."""
    if step not in STEPS:
        return None
    return next((s for s in field_specs(step) if s.name == name), None)


def _hint_rows(assessment: Assessment, result) -> list[dict]:
    rows = []
    for hint in result.precision_hints:
        step, _, name = (hint.field or "").partition(".")
        # A hint may name a question this practice does not answer itself (the shared
        # premises of its structure, « structure:… »): shown without a link.
        spec = _spec_for(step, name)
        url = None
        if spec is not None:
            url = _step_url(assessment, step) + f"?question={name}#field-{step}-{name}"
        question = spec.title if spec else hint.label
        rows.append(
            {
                "hint": hint,
                "question": question,
                "default_label": hint.label if hint.label.lower() != question.lower() else "",
                "step_label": STEP_LABELS.get(step, ""),
                "url": url,
            }
        )
    return rows


def _signed_tonnes(kg: float) -> str:
    """« +0,12 », « −0,67 » (the French minus sign, as everywhere else on the site)."""
    text = format_number(kg / 1000, 2)
    return text.replace("-", "\u2212") if text.startswith("-") else "+" + text


def _progress_context(assessment: Assessment, previous) -> dict | None:
    """« Have I improved? »: the comparison with the previous assessment, in French."""
    found = selectors.year_progress(assessment, previous)
    if found is None:
        return None
    previous, progress = found

    def row(change, per_session: bool = False) -> dict:
        if per_session:
            before = format_number(change.previous, 2) + " kg CO2e"
            after = format_number(change.current, 2) + " kg CO2e"
            low, high = (
                format_number(v, 2).replace("-", "\u2212") for v in (change.low, change.high)
            )
            interval = f"de {low} à {high} kg CO2e"
        else:
            before = format_number(change.previous / 1000, 2) + " t CO2e"
            after = format_number(change.current / 1000, 2) + " t CO2e"
            interval = f"de {_signed_tonnes(change.low)} à {_signed_tonnes(change.high)} t CO2e"
        return {
            "label": change.label,
            "before": before,
            "after": after,
            "verdict": change.verdict,
            "significant": change.significant,
            "direction": change.direction,
            "interval": interval,
        }

    return {
        "previous": previous,
        "total": row(progress.total),
        "per_session": row(progress.per_session, per_session=True),
        "posts": [row(change) for change in progress.changed_posts()[:6]],
        "factors_version": progress.factors_version,
        "draws": progress.draws,
    }


@functools.cache
def _units_and_titles() -> tuple[dict[str, str], dict[str, str]]:
    """Unit and title of every question by path (the questionnaire is fixed in a process)."""
    units = {spec.path: spec.unit for step in STEPS for spec in field_specs(step)}
    titles = {spec.path: spec.title for step in STEPS for spec in field_specs(step)}
    return units, titles


def _plausibility_rows(assessment: Assessment) -> list[dict]:
    """Answers far outside what a practice of this size plausibly has, with a link to each."""
    from kineco2.engine import plausibility

    units, titles = _units_and_titles()
    rows = []
    for warning in plausibility.check_answers(assessment.answers, units=units):
        step, name = warning.section, warning.name
        rows.append(
            {
                "title": titles.get(warning.path, name),
                "step_label": STEP_LABELS.get(step, ""),
                "message": warning.message,
                "url": _step_url(assessment, step) + f"?question={name}#field-{step}-{name}",
            }
        )
    return rows


def _default_inputs(assessment: Assessment, post) -> tuple[list[dict], int]:
    """(questions of ``post`` still answered by a default, with links; other hypotheses)."""
    questions: dict[str, dict] = {}
    hypotheses = set()
    for line in post.lines:
        for driver in line.drivers:
            if driver.origin != "defaut":
                continue
            step, _, name = (driver.field or "").partition(".")
            spec = _spec_for(step, name) if name else None
            if spec is None:
                hypotheses.add(driver.id)
                continue
            questions.setdefault(
                spec.path,
                {
                    "title": spec.title,
                    "step_label": STEP_LABELS.get(step, ""),
                    "url": _step_url(assessment, step) + f"?question={name}#field-{step}-{name}",
                },
            )
    return list(questions.values()), len(hypotheses)


@functools.lru_cache(maxsize=4096)
def _factor_cell(factor_id: str, version: str) -> str:
    """The « Source du facteur » cell of a calculation line: the same for every bilan of a
    factor version, so built once per process (link, label, estimate badge, source, ± %)."""
    factor = load_factors(version).get(factor_id)
    if factor is None:
        return format_html("<code>{}</code>", factor_id)
    badge = (
        mark_safe(' <span class="badge badge-warn">estimation</span>') if factor.is_estimate else ""
    )
    return format_html(
        '<a href="{}?version={}">{}</a>{}<br>{}, ± {} %',
        reverse("factor_detail", args=[factor_id]),
        version,
        factor.label,
        badge,
        source_with_year(factor.source, factor.year),
        format_number(float(factor.uncertainty_pct), 0),
    )


#: Rows of calculation tables already built in this process, by what they show (see
#: :func:`_line_row`); emptied when full.
_LINE_ROWS: dict[tuple, str] = {}
_LINE_ROWS_MAX = 8192


def _exact(value):
    """A float as a key of :data:`_LINE_ROWS`: ``0.0`` and ``-0.0`` are equal but print apart."""
    return value if value else repr(value)


def _line_row(line, version: str) -> str:
    """One row of a post's calculation table, kept by everything it shows.

    An autosave changes one answer: most lines of the next results page are those of the
    previous one, so their row (two numbers with significant figures, one with a decimal,
    escaping) is taken from :data:`_LINE_ROWS` instead of being formatted again. The key
    holds every field the row reads (``Line.detail`` reads quantity, unit, factor value and
    unit, note), so a row is always that of its line.
    """
    key = (
        line.label,
        line.origin,
        _exact(line.quantity),
        line.unit,
        _exact(line.factor_value),
        line.factor_unit,
        line.note,
        _exact(line.kgco2e),
        line.factor_id,
        version,
    )
    row = _LINE_ROWS.get(key)
    if row is None:
        row = _build_line_row(line, version)
        if len(_LINE_ROWS) >= _LINE_ROWS_MAX:
            _LINE_ROWS.clear()
        _LINE_ROWS[key] = row
    return row


def _build_line_row(line, version: str) -> str:
    """One row of a post's calculation table (built here: ≈ 40 rows per page, each ten
    template variables and a URL, were a third of a cold results page)."""
    return format_html(
        '<tr><th scope="row">{}<br><span class="badge quality-{}">{}</span></th><td>{}</td>'
        '<td class="num">{}</td><td class="source">{}</td></tr>',
        line.label,
        line.origin,
        ORIGINS.get(line.origin, line.origin),
        line.detail,
        format_number(line.kgco2e, 1),
        _factor_cell(line.factor_id, version),
    )


def _post_rows(result, assessment: Assessment | None = None) -> list[dict]:
    unc = result.uncertainty
    rows = []
    for post in sorted(result.posts, key=lambda p: -p.kgco2e):
        lines = mark_safe("\n".join(_line_row(line, result.factors_version) for line in post.lines))
        defaults, hypotheses = (
            _default_inputs(assessment, post) if assessment is not None else ([], 0)
        )
        rows.append(
            {
                "post": post,
                "defaults": defaults,
                "hypotheses": hypotheses,
                "origin": post.origin,
                "origin_label": ORIGINS.get(post.origin, post.origin),
                "interval": unc.posts.get(post.id) if unc else None,
                "lines": lines,
            }
        )
    return rows


def _posts_html(result, assessment: Assessment) -> dict[str, str]:
    """The posts table's rows and the calculation details of a results page, built here.

    Before, ``assessment_results.html`` looped over :func:`_post_rows` in the template: with
    its filters (French numbers), ``{% if %}`` and variable lookups, these two loops cost
    ≈ 1 ms of CPU on every cold page (a new answer is a new cached fragment). The HTML is
    exactly what those loops wrote (``tests/practices/test_results_html.py`` renders the old
    template loops for the examples and compares): every value is escaped as the template's
    autoescape did, and the whitespace is the template's.
    """
    from django.utils.formats import localize
    from django.utils.html import conditional_escape as esc

    from kineco2.engine.formatting import format_kg, format_tonnes
    from kineco2.practices.templatetags.practices_ui import pluriel, share, tonnes_only

    rows = []
    details = []
    for row in _post_rows(result, assessment):
        post = row["post"]
        label = esc(post.label)
        post_id = esc(post.id)
        origin = esc(row["origin"])
        badge = f'<span class="badge quality-{origin}">{esc(row["origin_label"])}</span>'
        post_share = esc(share(post.share))
        lines = row["lines"]
        interval = row["interval"]
        hypotheses = row["hypotheses"]
        defaults = row["defaults"]
        if defaults:
            links = "".join(
                f'<li><a href="{esc(d["url"])}">{esc(d["title"])}</a> ({esc(d["step_label"])})</li>'
                for d in defaults
            )
            quality = (
                f'<details class="defaults-used"><summary>{badge}<span class="visually-hidden">'
                " : voir les réponses qui manquent</span></summary>\n"
                "          <p>Sans réponse de votre part, "
                + ("cette question utilise" if len(defaults) == 1 else "ces questions utilisent")
                + " une valeur par défaut :</p>\n"
                f"          <ul>{links}</ul>\n"
                "          "
                + (
                    f"<p>et {esc(localize(hypotheses))} hypothèse{esc(pluriel(hypotheses))}"
                    " de la méthode sans question.</p>"
                    if hypotheses
                    else ""
                )
                + "\n        </details>"
            )
        else:
            quality = badge + (
                '<span class="sub"> (hypothèses de la méthode, sans question)</span>'
                if row["origin"] == "defaut" and hypotheses
                else ""
            )
        heading = f'<a href="#poste-{post_id}">{label}</a>' if lines else label
        if interval:
            spread = f"{esc(tonnes_only(interval.low, 2))} – {esc(tonnes_only(interval.high, 2))} t"
        else:
            spread = "–"
        rows.append(
            "\n      <tr>\n"
            f'        <th scope="row">{heading}</th>\n'
            f'        <td class="num">{esc(format_tonnes(float(post.kgco2e), 2))}</td>\n'
            f'        <td class="num">{post_share}</td>\n'
            f'        <td class="num">{spread}</td>\n'
            f"        <td>{quality}</td>\n"
            "      </tr>\n      "
        )
        if lines:
            details.append(
                "\n"
                f'  <details class="lines" id="poste-{post_id}">\n'
                f"    <summary>{label} : {esc(format_kg(float(post.kgco2e)))} ({post_share})"
                f" — {badge}</summary>\n"
                '    <div class="table-scroll">\n'
                "    <table>\n"
                f'      <caption class="visually-hidden">Lignes de calcul du poste {label}</caption>\n'
                '      <thead><tr><th scope="col">Ligne</th><th scope="col">Quantité × facteur</th>'
                '<th scope="col" class="num">= kg CO2e</th><th scope="col">Source du facteur</th>'
                "</tr></thead>\n"
                "      <tbody>\n"
                f"        {lines}\n"
                "      </tbody>\n"
                "    </table>\n"
                "    </div>\n"
                "  </details>\n  "
            )
    # every piece above is escaped (esc) or a literal of this function
    return {"tbody": mark_safe("".join(rows)), "details": mark_safe("".join(details))}


def _benchmark(assessment, result, answers_hash: str):
    """The comparison with similar practices, cached a few minutes (the panel moves slowly)."""
    from kineco2.benchmarks.comparison import compare

    key = f"benchmark:{assessment.practice_id}:{assessment.reference_year}:{answers_hash}"
    outcome = cache.get(key)  # get + set: two round trips where get_or_set makes three
    if outcome is None:
        outcome = compare(result, assessment.practice, reference_year=assessment.reference_year)
        cache.set(key, outcome, timeout=300)
    return outcome


def _posts_chart(result, answers_hash: str) -> str:
    """The chart by post, inline: plain SVG written directly (≈ 0,1 ms, no Matplotlib), the
    same as the PDF's, so the page stays cheap after every change of an answer."""
    from kineco2.report.svgbars import posts_bar_svg

    return inline_svg(posts_bar_svg(result))


def _results_page_key(request, assessment, answers_hash: str, snapshot, previous) -> str | None:
    """Cache key of a rendered results page, or ``None`` when it must not be cached.

    The page depends on the answers (their hash covers the factor and defaults versions),
    the latest snapshot, the practice's name and the viewer's session (the CSRF token of
    its forms is valid for the whole session). Pending messages are never cached. The key
    lives five minutes, like the comparison with similar practices it shows.
    """
    from django.contrib.messages import get_messages

    session_key = request.session.session_key
    if not session_key or len(get_messages(request)):
        return None
    parts = [
        session_key,
        str(request.user.pk),
        str(request.user.email_confirmed),
        str(assessment.pk),
        answers_hash,
        str(snapshot.pk if snapshot else 0),
        str(assessment.completed_at),
        assessment.practice.name,
        # the comparison with the previous year depends on that year's answers too
        str((previous.revision, previous.pk) if previous is not None else None),
    ]
    return "page:results:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


@login_required
@require_GET
def assessment_results(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    current_hash = selectors.answers_hash(
        assessment.answers, draws=settings.KINECO2_DRAWS, seed=settings.KINECO2_SEED
    )
    snapshot = selectors.latest_snapshot(assessment, light=True)
    # read once: the page's cache key and the comparison with last year both depend on it
    previous = selectors.previous_assessment(assessment)
    page_key = _results_page_key(request, assessment, current_hash, snapshot, previous)
    if page_key is not None:
        page = cache.get(page_key)
        if page is not None:
            return HttpResponse(page)
    try:
        result = selectors.assessment_result(assessment)
    except InputError as exc:
        return _missing(request, assessment, exc)
    unc = result.uncertainty
    context = {
        "assessment": assessment,
        "practice": assessment.practice,
        "result": result,
        "unc": unc,
        "chart_svg": SimpleLazyObject(lambda: _posts_chart(result, current_hash)),
        "posts_html": SimpleLazyObject(lambda: _posts_html(result, assessment)),
        "result_key": current_hash,
        "benchmark": SimpleLazyObject(lambda: _benchmark(assessment, result, current_hash)),
        "hints": _hint_rows(assessment, result),
        "to_check": _plausibility_rows(assessment),
        "progress": _progress_context(assessment, previous),
        "snapshot": snapshot,
        "up_to_date": snapshot is not None and snapshot.answers_hash == current_hash,
        "per_session_ok": not math.isnan(result.per_session_kgco2e),
    }
    response = render(request, "practices/assessment_results.html", context)
    if page_key is not None:
        cache.set(page_key, response.content, timeout=300)
    return response


@login_required
@require_POST
def assessment_complete(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    try:
        result = selectors.assessment_result(assessment)
    except InputError:
        messages.error(request, "Le bilan ne peut pas être validé : des réponses manquent.")
        return redirect("assessment_results", pk=assessment.pk)
    services.assessment_complete(assessment=assessment, result=result)
    messages.success(
        request,
        f"Bilan {assessment.reference_year} validé : son résultat est enregistré et servira "
        "de point de comparaison pour les années suivantes.",
    )
    return redirect("assessment_results", pk=assessment.pk)


def _filename(assessment: Assessment, extension: str) -> str:
    slug = slugify(assessment.practice.name) or "cabinet"
    return f"kineco2-{slug}-{assessment.reference_year}.{extension}"


@login_required
@require_GET
def assessment_pdf(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    try:
        result = selectors.assessment_result(assessment)
    except InputError:
        messages.error(request, "Le rapport ne peut pas être produit : des réponses manquent.")
        return redirect("assessment_results", pk=assessment.pk)
    from kineco2.report.pdf import render_report

    pdf = render_report(
        result,
        practice_name=assessment.practice.name,
        reference_year=assessment.reference_year,
        generated_on=timezone.localdate(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(assessment, "pdf")}"'
    return response


# -- exports and import -------------------------------------------------------------------
@login_required
@require_GET
def assessment_export_json(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    result = _result_or_none(assessment, draws=settings.KINECO2_DRAWS)
    payload = {
        "kineco2_export": 1,
        "practice": assessment.practice.name,
        "reference_year": assessment.reference_year,
        "level": assessment.level,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "answers": assessment.answers,
        "result": result.to_dict() if result else None,
    }
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{_filename(assessment, "json")}"'
    return response


def _csv_number(value, decimals: int | None = None) -> str:
    """A number for a French spreadsheet: decimal comma, no thousands separator."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if decimals is None and value.is_integer():
            return str(int(value))
        if decimals is not None:
            return format_number(value, decimals, thousands="")
        return plain_number(value)  # no float noise: 0.10400000000000001 → 0,104
    return str(value)


@login_required
@require_GET
def assessment_export_csv(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    result = _result_or_none(assessment, draws=settings.KINECO2_DRAWS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Réponses du bilan", assessment.practice.name, assessment.reference_year])
    writer.writerow(["étape", "question", "réponse", "unité"])
    for step in STEPS:
        given = assessment.answers.get(step) or {}
        for spec in field_specs(step):
            if spec.name not in given:
                continue
            value = given[spec.name]
            if value is None:
                text = "je ne sais pas"
            elif spec.kind in ("choice", "boolean"):
                text = display_value(spec, value)
            else:
                text = _csv_number(value)
            writer.writerow([STEP_LABELS[step], spec.title, text, spec.unit])
    writer.writerow([])
    if result is None:
        writer.writerow(["Résultat", "réponses incomplètes : aucun résultat calculé"])
    else:
        writer.writerow(["Résultat", "kg CO2e"])
        writer.writerow(["Total (kg CO2e/an)", _csv_number(result.total_kgco2e, 1)])
        writer.writerow(["Par séance (kg CO2e)", _csv_number(result.per_session_kgco2e, 3)])
        writer.writerow(["Par kiné (kg CO2e/an)", _csv_number(result.per_practitioner_kgco2e, 1)])
        if result.uncertainty:
            interval = result.uncertainty.total
            writer.writerow(
                [
                    "Intervalle de confiance à 95 % du total (kg CO2e/an)",
                    _csv_number(interval.low, 1),
                    _csv_number(interval.high, 1),
                ]
            )
        writer.writerow([])
        writer.writerow(
            [
                "poste",
                "ligne",
                "quantité",
                "unité",
                "facteur",
                "valeur du facteur",
                "unité du facteur",
                "kg CO2e",
                "qualité de la donnée",
                "incertitude (%)",
            ]
        )
        for post in result.posts:
            for line in post.lines:
                writer.writerow(
                    [
                        post.label,
                        line.label,
                        _csv_number(line.quantity),
                        line.unit,
                        line.factor_id,
                        _csv_number(line.factor_value),
                        line.factor_unit,
                        _csv_number(line.kgco2e, 2),
                        ORIGINS.get(line.origin, line.origin),
                        _csv_number(line.uncertainty_pct, 0),
                    ]
                )
        writer.writerow([])
        writer.writerow(
            [
                "versions",
                f"facteurs {result.factors_version}",
                f"valeurs par défaut {result.defaults_version}",
                f"schéma {result.schema_version}",
                f"moteur {result.engine_version}",
            ]
        )
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(assessment, "csv")}"'
    return response


def _read_import(upload, assessment: Assessment) -> tuple[dict | None, list[str]]:
    """(answers to store, French problems) of an uploaded JSON export."""
    if upload.size > MAX_IMPORT_BYTES:
        return None, ["Le fichier est trop gros pour être un export de KinéCO2 (2 Mo au plus)."]
    from kineco2.api.errors import BodyError, loads_strict

    raw = upload.read()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, ["Le fichier n'est pas un texte UTF-8 : choisissez le fichier JSON exporté."]
    try:  # the API's strict parser: deep nesting, huge numbers, NaN are refused, never a 500
        data = loads_strict(raw, what="Le fichier")
    except BodyError as exc:
        return None, [str(exc)]
    if not isinstance(data, dict) or data.get("kineco2_export") != 1:
        return None, ["Ce fichier n'est pas un export de KinéCO2 (format « kineco2_export » 1)."]
    answers = data.get("answers")
    if not isinstance(answers, dict):
        return None, ["Le fichier ne contient pas de réponses (« answers »)."]
    answers = {key: value for key, value in answers.items() if key in STEPS}
    profile = answers.get("profile")
    if isinstance(profile, dict):
        answers["profile"] = {**profile, "reference_year": assessment.reference_year}
    try:
        to_input(answers)
    except InputError as exc:
        return None, [f"{path} : {message}" if path else message for path, message in exc.problems]
    return answers, []


@login_required
@require_http_methods(["GET", "POST"])
def assessment_import(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        answers, problems = _read_import(form.cleaned_data["file"], assessment)
        if answers is not None:
            services.assessment_replace_answers(assessment=assessment, answers=answers)
            messages.success(
                request, "Réponses importées : elles remplacent les réponses précédentes."
            )
            return redirect("assessment_results", pk=assessment.pk)
    status = 400 if problems else 200
    return render(
        request,
        "practices/assessment_import.html",
        {
            "assessment": assessment,
            "practice": assessment.practice,
            "form": form,
            "problems": problems,
        },
        status=status,
    )
