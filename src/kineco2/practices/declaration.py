"""« Remplir avec ma déclaration 2035 »: type or import the 2035 lines, check, then save.

Three steps on one page, no JavaScript needed:

1. the kiné types the amounts of the 2035 lines they have, or imports the CSV export of
   their accounting software (« libellé ; montant »);
2. the page shows what went where (each question with the lines that add into it, the
   lines not used and why, the rows not recognised) and every total stays editable;
3. « Enregistrer » saves the questions through the same service as the questionnaire.

The mapping itself is engine data (:mod:`kineco2.engine.declaration2035`).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from kineco2.engine import declaration2035 as d2035
from kineco2.engine.numbers import NumberInputError, french, parse_number, plain_text
from kineco2.practices import selectors, services
from kineco2.practices.answers import STEP_LABELS, field_specs
from kineco2.practices.forms import display_value
from kineco2.practices.views import login_required

MAX_UPLOAD = d2035.MAX_CSV_BYTES


def _spec(path: str):
    section, _, name = path.partition(".")
    return next(s for s in field_specs(section) if s.name == name)


def _question_rows(assessment, filling: d2035.Filling) -> list[dict]:
    rows = []
    for path in [*filling.answers, *filling.implied]:
        spec = _spec(path)
        if path in filling.answers:
            value = filling.answers[path]
            sources = [
                {"label": c.line.label, "amount": display_value(spec, c.amount)}
                for c in filling.sources[path]
            ]
            why = " ".join(dict.fromkeys(c.line.why for c in filling.sources[path]))
        else:
            value, line = filling.implied[path]
            sources = []
            why = line.why
        current = (assessment.answers.get(spec.section) or {}).get(spec.name)
        rows.append(
            {
                "path": path,
                "title": spec.title,
                "step_label": STEP_LABELS.get(spec.section, ""),
                "unit": spec.unit,
                "value": plain_text(value),
                "sources": sources,
                "implied": path not in filling.answers,
                "why": why,
                "current": display_value(spec, current) if current is not None else "",
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def assessment_2035(request, pk: int):
    assessment = selectors.assessment_for_user(request.user, pk)
    mapping = d2035.load_mapping()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    problems: list[str] = []
    csv_rows: list = []
    preview = None
    status = 200

    if action == "save":
        saved, refused = 0, []
        implied = [path for line in mapping.lines.values() for path in line.also]
        for path in dict.fromkeys([*mapping.targets(), *implied]):
            raw = request.POST.get(f"q-{path}")
            if raw is None or not raw.strip():
                continue
            section, _, name = path.partition(".")
            outcome = services.assessment_save_answer(
                assessment_id=assessment.pk, section=section, name=name, raw=raw
            )
            if outcome.ok:
                saved += 1
            else:
                refused.append(f"{_spec(path).title} : {outcome.error}")
        if refused:
            problems = ["Ces réponses n'ont pas été enregistrées :", *refused]
            status = 400
        else:
            messages.success(
                request,
                f"{saved} réponse{'s' if saved > 1 else ''} remplie{'s' if saved > 1 else ''} "
                "avec votre déclaration 2035. Vérifiez-les dans le questionnaire si besoin.",
            )
            return redirect("assessment_results", pk=assessment.pk)

    if action == "preview":
        amounts: dict[str, float] = {}
        upload = request.FILES.get("csv")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                problems.append("Le fichier est trop gros pour un export de 2035 (500 Ko au plus).")
            else:
                try:
                    amounts, csv_rows = d2035.read_csv(upload.read(), mapping)
                except ValueError as exc:
                    problems.append(str(exc))
        for line in mapping.lines.values():
            text = request.POST.get(f"l-{line.id}", "").strip()
            typed[line.id] = text
            if not text:
                continue
            try:
                value = float(parse_number(text, unit="€"))
            except NumberInputError as exc:
                errors[line.id] = str(exc)
                continue
            if value < 0:
                errors[line.id] = "Un montant positif est attendu."
                continue
            amounts[line.id] = round(amounts.get(line.id, 0.0) + value, 2)
        if not amounts and not errors and not problems:
            problems.append("Saisissez au moins un montant, ou choisissez le fichier exporté.")
        if errors or problems:
            status = 400
        elif amounts:
            filling = d2035.fill(amounts, mapping)
            preview = {
                "questions": _question_rows(assessment, filling),
                "unused": [
                    {"label": c.line.label, "amount": french(c.amount), "why": c.line.why}
                    for c in filling.unused
                ],
            }

    lines = [
        {"line": line, "value": typed.get(line.id, ""), "error": errors.get(line.id, "")}
        for line in mapping.lines.values()
    ]
    return render(
        request,
        "practices/assessment_2035.html",
        {
            "assessment": assessment,
            "practice": assessment.practice,
            "lines": lines,
            "has_errors": bool(errors),
            "problems": problems,
            "csv_rows": csv_rows,
            "preview": preview,
            "mapping_version": mapping.version,
            "results_url": reverse("assessment_results", args=[assessment.pk]),
        },
        status=status,
    )
