"""The survey's pages: the practice's side (follow-up, poster, corrections) and the
patient's side (three questions, no account, no JavaScript needed).

Every practice page goes through ``selectors`` (the user's practices only, 404 otherwise).
The patient's pages are public and reached by the survey's short link; they store nothing
that identifies the patient (see ``models.py``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kineco2.engine import geography
from kineco2.engine.survey import ENGINE_MODES, SURVEY_MODES, SurveyError, load_parameters
from kineco2.practices import selectors as practice_selectors
from kineco2.practices.views import login_required
from kineco2.survey import selectors, services
from kineco2.survey.forms import (
    AnswerEditForm,
    PatientAnswerForm,
    SurveyOpenForm,
    commune_label,
)
from kineco2.survey.models import Answer

#: One answer per visit: a device cookie (no identity, nothing stored server-side).
DEVICE_COOKIE_HOURS = 12
COOKIE_SALT = "kineco2.survey.answered"


def _cookie_name(survey) -> str:
    return f"kineco2_enquete_{survey.pk}"


def _already_answered(request, survey) -> bool:
    value = request.get_signed_cookie(
        _cookie_name(survey), default=None, salt=COOKIE_SALT, max_age=DEVICE_COOKIE_HOURS * 3600
    )
    return value == "1"


def survey_url(request, survey) -> str:
    return request.build_absolute_uri(reverse("survey_patient", args=[survey.token]))


def _date(value) -> str:
    return formats.date_format(value, "j F Y")


# -- the practice's side -------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def survey_home(request, pk):
    practice = practice_selectors.practice_for_user(request.user, pk)
    latest = practice.assessments.order_by("-reference_year").first()
    initial = {"days": 14, "reference_year": latest.reference_year if latest else None}
    form = SurveyOpenForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        survey = services.survey_open(
            practice=practice,
            user=request.user,
            reference_year=form.cleaned_data["reference_year"],
            days=form.cleaned_data["days"],
        )
        messages.success(request, "L'enquête est ouverte : imprimez l'affiche ou partagez le lien.")
        return redirect("survey_detail", pk=survey.pk)
    surveys = practice.surveys.all()
    return render(
        request,
        "survey/survey_home.html",
        {
            "practice": practice,
            "form": form,
            "surveys": surveys,
            "params": load_parameters(),
            "status": 400 if form.errors else 200,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def survey_detail(request, pk):
    survey = selectors.survey_for_user(request.user, pk)
    stats = selectors.survey_stats(survey)
    params = load_parameters()
    answers = list(survey.answers.order_by("-pk")[:200])
    total = max(stats.answers, 1)
    modes = [
        {
            "label": SURVEY_MODES[key].label,
            "count": count,
            "share": count / total,
        }
        for key, count in stats.by_survey_mode.items()
        if count
    ]
    most = max((count for _, count in stats.distance_bins), default=0) or 1
    bins = [
        {"label": label, "count": count, "width": round(100 * count / most)}
        for label, count in stats.distance_bins
    ]
    return render(
        request,
        "survey/survey_detail.html",
        {
            "survey": survey,
            "practice": survey.practice,
            "stats": stats,
            "params": params,
            "modes": modes,
            "bins": bins,
            "by_mode": [s for s in stats.by_mode.values() if s.answers],
            "answers": answers,
            "url": survey_url(request, survey),
            "missing": max(0, params.min_answers - stats.answers),
            "mode_labels": {k: m.label for k, m in SURVEY_MODES.items()},
            "figures": selectors.before_after(survey, stats) if stats.enough else None,
            "engine_modes": ENGINE_MODES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_apply(request, pk):
    """Confirm, then write the measured values into the assessment of the survey's year."""
    survey = selectors.survey_for_user(request.user, pk)
    stats = selectors.survey_stats(survey)
    if not stats.enough:
        messages.error(
            request,
            f"Il faut au moins {stats.min_answers} réponses pour reporter l'enquête dans le "
            f"bilan ({stats.answers} pour l'instant).",
        )
        return redirect("survey_detail", pk=survey.pk)
    figures = selectors.before_after(survey, stats)
    if figures.get("assessment") is None or figures.get("error"):
        return redirect("survey_detail", pk=survey.pk)
    if request.method == "POST":
        services.survey_apply(
            survey=survey,
            assessment=figures["assessment"],
            stats=stats,
            zone=figures["after"].zone,
        )
        messages.success(
            request,
            f"Les déplacements des patients du bilan {survey.reference_year} sont maintenant "
            f"mesurés auprès de {stats.answers} patients.",
        )
        return redirect("assessment_results", pk=figures["assessment"].pk)
    return render(
        request,
        "survey/survey_apply.html",
        {"survey": survey, "practice": survey.practice, "stats": stats, "figures": figures},
    )


@login_required
@require_POST
def survey_unapply(request, pk):
    survey = selectors.survey_for_user(request.user, pk)
    services.survey_unapply(survey=survey)
    messages.success(
        request, "L'enquête est retirée du bilan : l'estimation par type de commune s'applique."
    )
    return redirect("survey_detail", pk=survey.pk)


@login_required
@require_GET
def survey_poster(request, pk):
    from kineco2.survey.poster import render_poster

    survey = selectors.survey_for_user(request.user, pk)
    pdf = render_poster(
        practice=survey.practice.name,
        url=survey_url(request, survey),
        opens_on=_date(survey.opens_on),
        closes_on=_date(survey.closes_on),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="affiche-enquete-{survey.pk}.pdf"'
    return response


@login_required
@require_POST
def survey_close(request, pk):
    survey = selectors.survey_for_user(request.user, pk)
    services.survey_close(survey=survey)
    messages.success(request, "L'enquête est close : les patients ne peuvent plus répondre.")
    return redirect("survey_detail", pk=survey.pk)


@login_required
@require_POST
def survey_reopen(request, pk):
    survey = selectors.survey_for_user(request.user, pk)
    services.survey_reopen(survey=survey)
    messages.success(request, "L'enquête est rouverte pour sept jours.")
    return redirect("survey_detail", pk=survey.pk)


@login_required
@require_http_methods(["GET", "POST"])
def answer_edit(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    survey = answer.survey
    if request.method == "POST" and request.POST.get("delete") == "1":
        services.answer_delete(answer=answer)
        messages.success(request, "La réponse est supprimée.")
        return redirect("survey_detail", pk=survey.pk)
    initial = {
        "mode": answer.mode,
        "commune": answer.commune_insee,
        "km": answer.one_way_km,
        "only_for_session": answer.only_for_session,
    }
    form = AnswerEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.answer_update(
            answer=answer,
            mode=form.cleaned_data["mode"],
            commune_insee=form.cleaned_data["commune_insee"],
            one_way_km=form.cleaned_data["km"],
            only=form.cleaned_data["only_for_session"],
        )
        messages.success(request, "La réponse est corrigée.")
        return redirect("survey_detail", pk=survey.pk)
    return render(
        request,
        "survey/answer_edit.html",
        {"answer": answer, "survey": survey, "practice": survey.practice, "form": form},
        status=400 if form.errors else 200,
    )


# -- the patient's side --------------------------------------------------------------------
def _unavailable(request, survey, status):
    return render(request, "survey/patient_unavailable.html", {"survey": survey}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def patient_answer(request, token):
    survey = selectors.survey_by_token(token)
    if survey is None:
        return _unavailable(request, None, 404)
    if not survey.is_open:
        return _unavailable(request, survey, 410 if request.method == "POST" else 200)
    context = {"survey": survey, "practice_name": survey.practice.name}
    if _already_answered(request, survey):
        return render(request, "survey/patient_done.html", context | {"again": True})
    form = PatientAnswerForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.answer_submit(
                    survey=survey,
                    mode=data["mode"],
                    commune_insee=data["commune_insee"],
                    one_way_km=data["one_way_km"],
                    only=data["only"],
                )
            except services.SurveyClosedError:
                return _unavailable(request, survey, 410)
            except services.SurveyRateLimitedError:
                return render(request, "survey/patient_busy.html", context, status=429)
            except SurveyError as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                response = redirect("survey_patient_thanks", token=survey.token)
                response.set_signed_cookie(
                    _cookie_name(survey),
                    "1",
                    salt=COOKIE_SALT,
                    max_age=DEVICE_COOKIE_HOURS * 3600,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
                return response
        else:
            status = 400
    candidates = [(c.code_insee, c.label) for c in form.candidates] if form.is_bound else []
    return render(
        request,
        "survey/patient_form.html",
        context | {"form": form, "candidates": candidates},
        status=status,
    )


@never_cache
@require_GET
def patient_thanks(request, token):
    survey = selectors.survey_by_token(token)
    if survey is None:
        return _unavailable(request, None, 404)
    return render(
        request,
        "survey/patient_done.html",
        {"survey": survey, "practice_name": survey.practice.name, "again": False},
    )


@require_GET
def patient_communes(request, token):
    """Autocomplete options (progressive enhancement; the form works without it)."""
    survey = selectors.survey_by_token(token)
    if survey is None or not survey.is_open:
        raise Http404("Enquête introuvable")
    text = (request.GET.get("commune") or "")[:80]
    found = geography.search_communes(text, limit=8) if len(text.strip()) >= 2 else []
    labels = [commune_label(c) for c in found]
    return render(request, "survey/commune_options.html", {"labels": labels})


__all__ = ["Answer"]


# -- the regional unions -------------------------------------------------------------------
def _staff_required(view):
    from kineco2.panel.views import staff_required

    return staff_required(view)


@_staff_required
@require_GET
def survey_unions(request):
    """Surveys' results by zone and region for the viewer's perimeter (disclosure-controlled)."""
    from kineco2.survey import aggregates

    perimeter = request.perimeter
    rows = aggregates.rows_for(perimeter)
    return render(
        request,
        "survey/unions.html",
        {
            "data": aggregates.aggregate(rows, secret=aggregates.salt()),
            "perimeter": perimeter,
            "regions": sorted(perimeter.regions),
        },
    )
