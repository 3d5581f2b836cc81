"""Results, the missing-answers page, validation, PDF report, exports and import."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from kineco2.engine.factors import load_factors
from kineco2.engine.formatting import format_number
from kineco2.practices import services
from kineco2.practices.models import ResultSnapshot
from kineco2.practices.selectors import assessment_result

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def url(name, assessment):
    return reverse(name, args=[assessment.pk])


def test_results_page(logged_client, assessment, settings):
    response = logged_client.get(url("assessment_results", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    result = assessment_result(assessment)
    assert result.uncertainty.draws == settings.KINECO2_DRAWS
    assert "t CO2e" in html
    assert "kg CO2e" in html and "par séance" in html
    assert "Intervalle de confiance à 95 %" in html
    assert "par kiné" in html
    # The headline is said: the central value, the draws' median for information only.
    assert "valeurs centrales" in html and "médiane :" in html
    # The chart, inline and CSP-compatible (no style attribute or element).
    assert '<svg stroke-linejoin="round"' in html
    assert "style=" not in html and "<style" not in html and "<script>" not in html
    # Drill-down: quantity × factor = kg CO2e, the factor's source and its page.
    line = result.post("energie").lines[0]
    factor = load_factors(result.factors_version)[line.factor_id]
    assert escape(line.detail) in html
    assert escape(factor.source) in html
    assert f"({factor.year})" in html  # a year, not « 2 022 »
    assert reverse("factor_detail", args=[line.factor_id]) in html
    # the row of that line (built in Python: practices.views._line_row)
    row = html[html.index(escape(line.detail)) :].split("</tr>")[0]
    assert (
        f"{reverse('factor_detail', args=[line.factor_id])}?version={result.factors_version}" in row
    )
    assert format_number(line.kgco2e, 1) in row
    assert f"± {format_number(factor.uncertainty_pct, 0)} %" in row
    assert escape(factor.label) in row
    assert "<details" in html
    assert "mesuré" in html and "valeur par défaut" in html
    # Precision hints link to the step and the question.
    hint = result.precision_hints[0]
    step, name = hint.field.split(".")
    assert f"?question={name}#field-{step}-{name}" in html
    assert "Ce qui rendrait votre bilan plus précis" in html
    assert f"Facteurs d&#x27;émission {result.factors_version}" in html or (
        f"Facteurs d'émission {result.factors_version}" in html
    )
    assert "Valider ce bilan" in html


def test_estimate_factors_are_badged(logged_client, assessment):
    result = assessment_result(assessment)
    factors = load_factors(result.factors_version)
    estimates = [ln for ln in result.lines if factors[ln.factor_id].is_estimate]
    html = logged_client.get(url("assessment_results", assessment)).content.decode()
    if estimates:
        assert '<span class="badge badge-warn">estimation</span>' in html


def test_incomplete_answers_list_what_is_missing(logged_client, assessment):
    assessment.answers = {"profile": {"commune": "35000"}, "energie": {"electricity_kwh": 10}}
    assessment.save()
    response = logged_client.get(url("assessment_results", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Encore quelques réponses avant le résultat" in html
    assert "Nombre de kinésithérapeutes" in html
    assert "réponse obligatoire" in html
    assert "profile/?question=practitioners#field-profile-practitioners" in html
    # Nothing to validate, no report: back to the explanation, never a 500.
    response = logged_client.post(url("assessment_complete", assessment))
    assert response.status_code == 302
    assert not ResultSnapshot.objects.exists()
    assert logged_client.get(url("assessment_pdf", assessment)).status_code == 302


def test_no_profile_at_all(logged_client, assessment):
    assessment.answers = {}
    assessment.save()
    html = logged_client.get(url("assessment_results", assessment)).content.decode()
    assert "profil du cabinet n&#x27;est pas rempli" in html
    assert reverse("assessment_step", args=[assessment.pk, "profile"]) in html


def test_validate_creates_a_snapshot(logged_client, assessment):
    response = logged_client.post(url("assessment_complete", assessment))
    assert response.status_code == 302
    snapshot = ResultSnapshot.objects.get(assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.completed_at is not None
    result = assessment_result(assessment)
    assert snapshot.total_kgco2e == pytest.approx(result.total_kgco2e)
    assert snapshot.factors_version == result.factors_version
    html = logged_client.get(response.url).content.decode()
    assert "validé" in html
    assert "Valider ce bilan" not in html
    assert logged_client.get(url("assessment_complete", assessment)).status_code == 405


def test_pdf_report(logged_client, assessment):
    response = logged_client.get(url("assessment_pdf", assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        'attachment; filename="kineco2-cabinet-des-lices-2025.pdf"'
    )


def test_csv_export_for_a_french_spreadsheet(logged_client, assessment):
    response = logged_client.get(url("assessment_export_csv", assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "kineco2-cabinet-des-lices-2025.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert ["Énergie du cabinet", "Électricité consommée", "7800", "kWh/an"] in rows
    total = next(row for row in rows if row and row[0] == "Total (kg CO2e/an)")
    assert "," in total[1] and "." not in total[1]
    header = next(row for row in rows if row and row[0] == "poste")
    assert header[:4] == ["poste", "ligne", "quantité", "unité"]
    lines = [row for row in rows if row and row[0] == "Énergie du cabinet" and len(row) == 10]
    assert lines and lines[0][5] == "0,052"


def test_json_export_import_round_trip(logged_client, practice, assessment):
    response = logged_client.get(url("assessment_export_json", assessment))
    assert response.status_code == 200
    assert "kineco2-cabinet-des-lices-2025.json" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["kineco2_export"] == 1
    assert data["answers"] == assessment.answers
    assert data["result"]["total_kgco2e"] == pytest.approx(
        assessment_result(assessment).total_kgco2e
    )

    other = services.assessment_create(practice=practice, reference_year=2024, copy_previous=False)
    revision = other.revision
    upload = SimpleUploadedFile("export.json", response.content, "application/json")
    response = logged_client.post(url("assessment_import", other), {"file": upload})
    assert response.status_code == 302
    assert response.url == url("assessment_results", other)
    other.refresh_from_db()
    expected = dict(assessment.answers)
    expected["profile"] = {**assessment.answers["profile"], "reference_year": 2024}
    assert other.answers == expected
    assert other.revision == revision + 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"pas du json", "n&#x27;est pas du JSON valide"),
        (b'{"answers": {}}', "n&#x27;est pas un export de KinéCO2"),
        (b'{"kineco2_export": 1}', "ne contient pas de réponses"),
        (
            b'{"kineco2_export": 1, "answers": {"profile": {"commune": "35000", '
            b'"practitioners": 0}}}',
            "doit être supérieur ou égal à 1",
        ),
        (
            b'{"kineco2_export": 1, "answers": {"profile": {"commune": "99999", '
            b'"practitioners": 2}}}',
            "Commune inconnue",
        ),
        (b"\xff\xfe\x00", "n&#x27;est pas un texte UTF-8"),
        # Issue 9: both gave a 500; the API's strict parser refuses them in French.
        (b'{"kineco2_export": 1, "answers": ' + b"[" * 5000 + b"]" * 5000 + b"}", "trop imbriqué"),
        (
            b'{"kineco2_export": 1, "answers": {"profile": {"practitioners": '
            + b"9" * 5000
            + b"}}}",
            "trop de chiffres",
        ),
        (
            b'{"kineco2_export": 1, "answers": {"profile": {"surface_m2": 1'
            + b"0" * 400
            + b".5}}}",
            "Nombre trop grand",
        ),
        (b'{"kineco2_export": 1, "answers": {"profile": {"surface_m2": NaN}}}', "NaN"),
    ],
)
def test_bad_import_changes_nothing(logged_client, assessment, content, message):
    before = dict(assessment.answers), assessment.revision
    upload = SimpleUploadedFile("export.json", content, "application/json")
    response = logged_client.post(url("assessment_import", assessment), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "rien n&#x27;a changé" in html or "rien n'a changé" in html
    assert message in html
    assessment.refresh_from_db()
    assert (assessment.answers, assessment.revision) == before


def test_import_page_and_missing_file(logged_client, assessment):
    assert logged_client.get(url("assessment_import", assessment)).status_code == 200
    response = logged_client.post(url("assessment_import", assessment), {})
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.content.decode()


def test_inline_svg_is_checked_and_made_csp_compatible():
    from kineco2.web.svg import inline_svg as _safe_svg

    assert _safe_svg("<script>alert(1)</script><svg></svg>") == ""
    assert _safe_svg("") == ""
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n'
        '<svg width="1"><style type="text/css">*{stroke-linecap: butt}</style>'
        '<path style="fill: #2f6f73; stroke-width: 0.8"/></svg>'
    )
    safe = _safe_svg(svg)
    assert safe.startswith('<svg stroke-linejoin="round"')
    assert '<path fill="#2f6f73" stroke-width="0.8"/>' in safe
    assert "style" not in safe


def test_a_hint_on_the_structures_shared_premises_is_shown_without_a_link(assessment):
    """A member's result may rank a default of its structure's shared premises (« structure:… »
    fields, answered by the coordinator): the results page lists it, without a broken link."""
    from types import SimpleNamespace

    from kineco2.engine.result import PrecisionHint
    from kineco2.practices.views import _hint_rows

    shared = PrecisionHint(
        field="structure:batiment.building_type",
        label="Type de locaux",
        share_of_variance=0.2,
        kgco2e=300.0,
    )
    rows = _hint_rows(assessment, SimpleNamespace(precision_hints=(shared,)))
    assert rows == [
        {
            "hint": shared,
            "question": "Type de locaux",
            "default_label": "",
            "step_label": "",
            "url": None,
        }
    ]


def test_results_compare_with_the_previous_year(logged_client, practice, assessment):
    """« Have I improved? »: paired comparison with last year, meaningful or not."""
    from kineco2.practices import services

    assessment.reference_year = 2026
    assessment.save(update_fields=["reference_year"])
    previous = services.assessment_create(practice=practice, reference_year=2025)
    answers = {**assessment.answers, "profile": {**assessment.answers["profile"]}}
    answers["profile"]["reference_year"] = 2025
    answers["energie"] = {**answers["energie"], "heating_kwh": 40000}
    services.assessment_replace_answers(assessment=previous, answers=answers)
    page = logged_client.get(reverse("assessment_results", args=[assessment.pk])).content.decode()
    assert "Par rapport à 2025" in page
    assert "baisse nette de" in page
    assert "Énergie du cabinet" in page
    assert "mêmes facteurs d'émission" in page
    # the interval of a fall is written with the French minus sign (« de −8,12 à −6,45 »)
    intervals = re.findall(r"<td class=\"num\">de ([^<]*) t CO2e</td>", page)
    assert intervals and all("-" not in text and "\u2212" in text for text in intervals), intervals


def test_default_badge_ignores_drivers_outside_the_questionnaire(assessment):
    """A shared-premises line (structures) has drivers whose field is no questionnaire step."""
    from types import SimpleNamespace

    from kineco2.engine.lines import Driver
    from kineco2.practices.views import _default_inputs

    drivers = (
        Driver("locaux:surface", "Surface des locaux partagés", "defaut", 30, "locaux.surface_m2"),
        Driver("defaut:laptops", "Ordinateurs portables", "defaut", 50, "materiel.laptops"),
    )
    post = SimpleNamespace(lines=[SimpleNamespace(drivers=drivers)])
    questions, hypotheses = _default_inputs(assessment, post)
    assert [q["title"] for q in questions] == ["Ordinateurs portables"]
    assert hypotheses == 1
