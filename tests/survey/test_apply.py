"""Reporting the survey into the assessment: confirmation, « mesuré auprès de N patients »,
answers still editable, removal, and next year's proposal to re-run."""

from __future__ import annotations

import pytest

from kineco2.practices.services import assessment_create
from kineco2.survey.models import Answer

pytestmark = pytest.mark.django_db


def add_answers(survey, count, **fields):
    fields = {"mode": "voiture_seul", "one_way_km": 4.0} | fields
    Answer.objects.bulk_create(Answer(survey=survey, **fields) for _ in range(count))


@pytest.fixture
def assessment(practice):
    return assessment_create(practice=practice, reference_year=2025)


def test_before_after_then_report_into_the_assessment(
    logged_client, survey, assessment, clear_cache
):
    add_answers(survey, 24)
    add_answers(survey, 10, mode="marche", one_way_km=1.0)
    page = logged_client.get(f"/enquetes/{survey.pk}/").content.decode()
    assert "Estimation par type de commune (avant)" in page
    assert "Mesuré auprès de 34 patients (après)" in page
    assert "Clore l'enquête et reporter dans le bilan" in page

    confirm = logged_client.get(f"/enquetes/{survey.pk}/reporter/")
    assert confirm.status_code == 200
    assert "Confirmer le report" in confirm.content.decode()
    assessment.refresh_from_db()
    assert "enquete" not in assessment.answers.get("deplacements_patients", {})  # not yet

    response = logged_client.post(f"/enquetes/{survey.pk}/reporter/")
    assert (
        response.status_code == 302
        and response.url == f"/cabinets/bilans/{assessment.pk}/resultats/"
    )
    assessment.refresh_from_db()
    survey.refresh_from_db()
    enquete = assessment.answers["deplacements_patients"]["enquete"]
    assert enquete["n_reponses"] == 34
    # 24 × 8 km by car / 34 answers.
    assert enquete["km_par_seance"]["voiture"] == pytest.approx(24 * 8 / 34, abs=1e-3)
    assert survey.applied_assessment == assessment and not survey.is_open
    assert survey.results["zone"] and survey.results["region_code"] == "53"

    results = logged_client.get(response.url).content.decode()
    assert "mesuré auprès de 34 patients" in results

    # The answers stay editable: the follow-up says the report is stale and offers to redo it.
    answer = Answer.objects.filter(mode="marche").first()
    logged_client.post(f"/enquetes/reponses/{answer.pk}/", {"mode": "bus", "km": "6"})
    page = logged_client.get(f"/enquetes/{survey.pk}/").content.decode()
    assert "Les réponses ont changé depuis le dernier report" in page
    logged_client.post(f"/enquetes/{survey.pk}/reporter/")
    assessment.refresh_from_db()
    assert assessment.answers["deplacements_patients"]["enquete"]["km_par_seance"]["bus"] > 0

    # Removing it brings the zone table back.
    logged_client.post(f"/enquetes/{survey.pk}/retirer/")
    assessment.refresh_from_db()
    survey.refresh_from_db()
    assert "enquete" not in assessment.answers["deplacements_patients"]
    assert survey.applied_at is None and survey.results == {}


def test_cannot_report_below_the_minimum(logged_client, survey, assessment):
    add_answers(survey, 12)
    response = logged_client.post(f"/enquetes/{survey.pk}/reporter/")
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert "enquete" not in assessment.answers.get("deplacements_patients", {})
    page = logged_client.get(response.url).content.decode()
    assert "Il faut au moins 30 réponses" in page


def test_without_an_assessment_of_that_year(logged_client, survey):
    add_answers(survey, 30)
    page = logged_client.get(f"/enquetes/{survey.pk}/").content.decode()
    assert "pas encore de bilan 2025" in page
    assert logged_client.post(f"/enquetes/{survey.pk}/reporter/").status_code == 302


def test_next_year_proposes_to_rerun(logged_client, practice, survey, assessment, clear_cache):
    add_answers(survey, 30)
    logged_client.post(f"/enquetes/{survey.pk}/reporter/")
    page = logged_client.get(f"/cabinets/{practice.pk}/").content.decode()
    assert "Relancez-la" not in page
    following = assessment_create(practice=practice, reference_year=2026)
    # The copy of last year's answers leaves the survey out: it measured 2025.
    assert "enquete" not in following.answers.get("deplacements_patients", {})
    page = logged_client.get(f"/cabinets/{practice.pk}/").content.decode()
    assert "Relancez-la pour le bilan 2026" in page


def test_another_practice_cannot_report(logged_client, other_survey):
    add_answers(other_survey, 30)
    assert logged_client.get(f"/enquetes/{other_survey.pk}/reporter/").status_code == 404
    assert logged_client.post(f"/enquetes/{other_survey.pk}/reporter/").status_code == 404
    assert logged_client.post(f"/enquetes/{other_survey.pk}/retirer/").status_code == 404
