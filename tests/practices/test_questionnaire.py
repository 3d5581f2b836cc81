"""The questionnaire: steps by level, one answer saved at a time (HTMX), the plain form."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from kineco2.practices import services
from kineco2.practices.answers import DONT_KNOW, STEP_LABELS
from kineco2.practices.forms import visible_specs, visible_steps
from kineco2.practices.models import Assessment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def save_url(assessment):
    return reverse("assessment_save", args=[assessment.pk])


def step_url(assessment, step):
    return reverse("assessment_step", args=[assessment.pk, step])


@pytest.mark.parametrize("level", ["express", "complet"])
def test_every_step_renders(logged_client, assessment, level):
    services.assessment_set_level(assessment=assessment, level=level)
    steps = visible_steps(level)
    assert steps[0] == "profile"
    for step in steps:
        response = logged_client.get(step_url(assessment, step))
        assert response.status_code == 200, step
        html = response.content.decode()
        assert escape(STEP_LABELS[step]) in html
        for spec in visible_specs(step, level):
            assert escape(spec.title) in html, spec.path
            assert f'for="{spec.html_id}"' in html
            assert f'aria-describedby="{spec.html_id}-help' in html
        assert 'hx-trigger="answerSaved from:body"' in html
        assert "<script>" not in html and "style=" not in html


def test_express_skips_questions_and_steps(logged_client, assessment):
    html = logged_client.get(step_url(assessment, "energie")).content.decode()
    assert escape("Électricité consommée") in html
    assert "Fioul acheté" not in html  # complet only
    assert "batiment" not in visible_steps("express")
    response = logged_client.get(step_url(assessment, "batiment"))
    assert response.status_code == 302
    assert response.url == step_url(assessment, "profile")
    # A precision hint may ask for one more question by name.
    html = logged_client.get(step_url(assessment, "energie") + "?question=fuel_oil_litres")
    assert "Fioul acheté" in html.content.decode()


def test_je_ne_sais_pas_on_every_optional_question(logged_client, assessment):
    services.assessment_set_level(assessment=assessment, level="complet")
    html = logged_client.get(step_url(assessment, "profile")).content.decode()
    assert 'name="profile-commune-dontknow"' not in html  # required
    assert 'name="profile-practitioners-dontknow"' not in html
    assert "(obligatoire)" in html
    assert 'name="profile-sessions_per_year-dontknow"' in html
    html = logged_client.get(step_url(assessment, "energie")).content.decode()
    assert f'<option value="{DONT_KNOW}">Je ne sais pas</option>' in html  # choices


def test_question_outside_the_level_is_no_numbered_step(logged_client, assessment):
    """The results' default badge links to a complete-level question of an express assessment:
    the page says it is outside the express steps and « Enregistrer » leads back to the results
    (it said « étape 1 sur 7 » and went on to « Énergie du cabinet »)."""
    assert "materiel" not in visible_steps("express")
    url = step_url(assessment, "materiel") + "?question=laptops"
    html = logged_client.get(url).content.decode()
    assert escape("Ordinateurs portables") in html
    assert "étape 1 sur" not in html
    assert "question hors des étapes du bilan express" in html
    assert "Enregistrer et voir le résultat" in html and "Étape précédente" not in html
    response = logged_client.post(
        url, {"question": "laptops", "materiel-laptops": "2", "go": "next"}
    )
    assert response.status_code == 302
    assert response.url == reverse("assessment_results", args=[assessment.pk])
    assessment.refresh_from_db()
    assert assessment.answers["materiel"]["laptops"] == 2


def test_unknown_step_is_404(logged_client, assessment):
    assert logged_client.get(step_url(assessment, "nope")).status_code == 404


def test_htmx_save_valid_answer(htmx_post, assessment):
    revision = assessment.revision
    response = htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "8 500,5",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Trigger"] == "answerSaved"
    html = response.content.decode()
    assert 'aria-live="polite">Enregistré</p>' in html
    assert 'value="8500,5"' in html  # the new « previous » and the input
    assert 'id="field-energie-electricity_kwh"' in html
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 8500.5
    assert assessment.revision == revision + 1
    assert assessment.last_step == "energie"


def test_htmx_save_invalid_answer_keeps_the_typed_value(htmx_post, assessment):
    revision = assessment.revision
    response = htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "douze",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert "n&#x27;est pas un nombre" in html
    assert 'value="douze"' in html
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 7800
    assert assessment.revision == revision

    response = htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "900000",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    assert (
        "Ne peut pas dépasser 500\u202f000 kWh (vous avez saisi 900\u202f000)"
        in response.content.decode()
    )
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 7800


def test_htmx_je_ne_sais_pas_stores_null(htmx_post, assessment):
    response = htmx_post(
        save_url(assessment),
        {"field": "energie.heating_kwh", "energie-heating_kwh": "15600",
         "energie-heating_kwh-previous": "15600", "energie-heating_kwh-dontknow": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "checked" in html
    assert "le calcul utilise" in html  # the default that replaces the answer
    assessment.refresh_from_db()
    assert "heating_kwh" in assessment.answers["energie"]
    assert assessment.answers["energie"]["heating_kwh"] is None
    # A choice: the « Je ne sais pas » option.
    htmx_post(
        save_url(assessment),
        {"field": "energie.heating_energy", "energie-heating_energy": DONT_KNOW,
         "energie-heating_energy-previous": "gaz"},
    )  # fmt: skip
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["heating_energy"] is None


def test_htmx_required_answer_cannot_be_unknown(htmx_post, assessment):
    response = htmx_post(
        save_url(assessment),
        {"field": "profile.practitioners", "profile-practitioners": "",
         "profile-practitioners-previous": "2"},
    )  # fmt: skip
    assert "Cette réponse est obligatoire." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.answers["profile"]["practitioners"] == 2


def test_htmx_unchanged_answer_is_not_saved_again(htmx_post, assessment):
    revision = assessment.revision
    response = htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "7800",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assessment.refresh_from_db()
    assert assessment.revision == revision


def test_htmx_conflict_with_another_tab(htmx_post, assessment):
    # Another tab saved 8000 while this page still shows 7800.
    services.assessment_save_answer(
        assessment_id=assessment.pk, section="energie", name="electricity_kwh", raw="8000"
    )
    revision = Assessment.objects.get(pk=assessment.pk).revision
    data = {"field": "energie.electricity_kwh", "energie-electricity_kwh": "7900",
            "energie-electricity_kwh-previous": "7800"}  # fmt: skip
    response = htmx_post(save_url(assessment), data)
    html = response.content.decode()
    assert "modifiée ailleurs" in html
    assert "8\u202f000 kWh/an" in html  # the other tab's value
    assert 'value="7900"' in html  # ours, kept
    assert "Garder la mienne" in html and "Prendre l'autre" in html
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 8000
    assert assessment.revision == revision

    # « Prendre l'autre »: nothing saved, the other value shown with its « previous ».
    response = htmx_post(save_url(assessment), {**data, "resolve": "take"})
    html = response.content.decode()
    assert 'value="8000"' in html and "modifiée ailleurs" not in html
    # « Garder la mienne »: saved without the stale « previous ».
    response = htmx_post(save_url(assessment), {**data, "resolve": "keep"})
    assert response["HX-Trigger"] == "answerSaved"
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 7900


def test_htmx_save_rejects_unknown_questions(htmx_post, assessment):
    assert htmx_post(save_url(assessment), {"field": "energie.nope"}).status_code == 400
    assert htmx_post(save_url(assessment), {"field": "nope.x"}).status_code == 400


def test_subtotal_refreshes_after_each_save(logged_client, htmx_post, assessment):
    url = reverse("assessment_subtotal", args=[assessment.pk])
    before = logged_client.get(url).content.decode()
    assert "kg CO2e par séance" in before
    htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "200000",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    after = logged_client.get(url).content.decode()
    assert "t CO2e par an" in after
    assert after != before
    assessment.answers = {"energie": {"electricity_kwh": 1000}}
    assessment.save()
    html = logged_client.get(url).content.decode()
    assert "Complétez le profil pour voir le résultat" in html


def test_plain_post_saves_the_whole_step(logged_client, assessment):
    """Without JavaScript: the step form posts every answer; errors keep what was typed."""
    data = {
        "energie-data_quality": "mesure",
        "energie-data_quality-previous": "mesure",
        "energie-electricity_kwh": "9000",
        "energie-electricity_kwh-previous": "7800",
        "energie-heating_energy": "gaz",
        "energie-heating_energy-previous": "gaz",
        "energie-heating_kwh": "quinze mille",
        "energie-heating_kwh-previous": "15600",
        "go": "next",
    }
    response = logged_client.post(step_url(assessment, "energie"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "n'ont pas été enregistrées" in html
    assert 'value="quinze mille"' in html
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 9000
    assert assessment.answers["energie"]["heating_kwh"] == 15600

    data.update(
        {"energie-electricity_kwh-previous": "9000", "energie-heating_kwh": "14000",
         "energie-fuel_oil_litres-dontknow": "1"}
    )  # fmt: skip
    response = logged_client.post(step_url(assessment, "energie"), data)
    assert response.status_code == 302
    next_step = visible_steps(assessment.level)[2]
    assert response.url == step_url(assessment, next_step)
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["heating_kwh"] == 14000
    assert "fuel_oil_litres" not in assessment.answers["energie"]  # not asked in express
    assert assessment.last_step == next_step


def test_plain_post_conflict_and_resolution(logged_client, assessment):
    services.assessment_save_answer(
        assessment_id=assessment.pk, section="energie", name="electricity_kwh", raw="8000"
    )
    data = {"energie-electricity_kwh": "7900", "energie-electricity_kwh-previous": "7800"}
    html = logged_client.post(step_url(assessment, "energie"), data).content.decode()
    assert "modifiée ailleurs" in html
    response = logged_client.post(
        step_url(assessment, "energie"), {**data, "resolve": "keep:energie.electricity_kwh"}
    )
    assert response.status_code == 200  # stays on the step to show the result
    assert "Enregistré" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 7900


def test_last_step_and_previous_button(logged_client, assessment):
    data = {"energie-electricity_kwh": "7800", "energie-electricity_kwh-previous": "7800"}
    response = logged_client.post(step_url(assessment, "energie"), {**data, "go": "previous"})
    assert response.url == step_url(assessment, "profile")
    response = logged_client.post(step_url(assessment, "materiel"), {"go": "next"})
    assessment.refresh_from_db()
    resume = logged_client.get(reverse("assessment_resume", args=[assessment.pk]))
    assert resume.url == step_url(assessment, assessment.last_step)
    last = visible_steps(assessment.level)[-1]
    response = logged_client.post(step_url(assessment, last), {"go": "next"})
    assert response.url == reverse("assessment_results", args=[assessment.pk])


def test_prepare_lists_documents_and_sets_level(logged_client, assessment):
    url = reverse("assessment_prepare", args=[assessment.pk])
    html = logged_client.get(url).content.decode()
    for document in ("factures d'électricité", "relevé d'activité Ameli",
                     "visites à domicile", "déclaration 2035", "inventaire de votre matériel"):  # fmt: skip
        assert document in html
    response = logged_client.post(url, {"level": "complet"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.level == "complet"
    # Express answers are the same answers: nothing is lost.
    assert assessment.answers["energie"]["electricity_kwh"] == 7800
    html = logged_client.get(step_url(assessment, "energie")).content.decode()
    assert "Fioul acheté" in html
    assert 'value="7800"' in html


def test_resume_without_progress_goes_to_prepare(logged_client, practice):
    fresh = services.assessment_create(practice=practice, reference_year=2023)
    response = logged_client.get(reverse("assessment_resume", args=[fresh.pk]))
    assert response.url == reverse("assessment_prepare", args=[fresh.pk])


# -- French numbers and plausibility (issue 12) ---------------------------------------------
def test_htmx_ambiguous_number_is_asked_back_then_saved(htmx_post, assessment):
    revision = assessment.revision
    response = htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "14.200",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    html = response.content.decode()
    assert "HX-Trigger" not in response
    assert "« 14.200 » : voulez-vous dire 14\u202f200 kWh ou 14,2 kWh ?" in html
    assert 'name="energie-electricity_kwh-pick" value="14200"' in html
    assert 'name="energie-electricity_kwh-pick" value="14,2"' in html
    assert 'value="14.200"' in html  # what was typed is kept
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 7800  # never guessed
    assert assessment.revision == revision

    response = htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "14.200",
         "energie-electricity_kwh-pick": "14200", "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    assert response["HX-Trigger"] == "answerSaved"
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 14200
    assert 'value="14200"' in response.content.decode()


def test_plain_form_ambiguous_number_then_pick_stays_on_the_step(logged_client, assessment):
    url = step_url(assessment, "energie")
    data = {"energie-electricity_kwh": "14.200", "energie-electricity_kwh-previous": "7800"}
    response = logged_client.post(url, {**data, "go": "next"})
    assert response.status_code == 200
    assert "voulez-vous dire" in response.content.decode()
    response = logged_client.post(url, {**data, "energie-electricity_kwh-pick": "14,2"})
    assert response.status_code == 200  # the choice is saved, the user stays on the step
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 14.2


def test_units_in_the_input_are_understood(htmx_post, assessment):
    htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "12 000 kWh",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 12000


def test_implausible_answer_is_saved_with_a_warning(htmx_post, logged_client, assessment):
    response = htmx_post(
        save_url(assessment),
        {"field": "energie.electricity_kwh", "energie-electricity_kwh": "14",
         "energie-electricity_kwh-previous": "7800"},
    )  # fmt: skip
    html = response.content.decode()
    assert response["HX-Trigger"] == "answerSaved"  # a warning, not a refusal
    assert "14 kWh pour 2 kinés, c&#x27;est très peu" in html
    assert (
        'aria-describedby="f-energie-electricity_kwh-help f-energie-electricity_kwh-warning"'
        in html
    )
    assessment.refresh_from_db()
    assert assessment.answers["energie"]["electricity_kwh"] == 14
    results = logged_client.get(reverse("assessment_results", args=[assessment.pk]))
    page = results.content.decode()
    assert "Réponses à vérifier" in page
    assert "?question=electricity_kwh#field-energie-electricity_kwh" in page


# -- the complete level guides (issue 12) ----------------------------------------------------
def test_switching_to_complet_resumes_at_the_first_step_with_unanswered_questions(
    logged_client, assessment
):
    # express done: every express step seen
    for step in visible_steps("express"):
        logged_client.get(step_url(assessment, step))
    response = logged_client.post(
        reverse("assessment_prepare", args=[assessment.pk]), {"level": "complet"}
    )
    # the profile has complet-only questions (surface is answered, telehealth is not)
    assert response.url == step_url(assessment, "profile")
    page = logged_client.get(response.url).content.decode()
    # steps seen in express are not « terminée » at the complete level
    steps = len(visible_steps("complet"))
    assert f"1 étape terminée sur {steps}" in page


def test_resume_skips_seen_steps_and_fully_answered_ones(logged_client, assessment):
    services.assessment_set_level(assessment=assessment, level="complet")
    assessment.refresh_from_db()
    logged_client.get(step_url(assessment, "profile"))
    response = logged_client.get(reverse("assessment_resume", args=[assessment.pk]))
    # profile seen → the next step with unanswered questions (energie has fuel oil…)
    assert response.url == step_url(assessment, "energie")


def test_a_step_is_done_when_seen_not_before(logged_client, assessment):
    page = logged_client.get(step_url(assessment, "energie")).content.decode()
    assert f"1 étape terminée sur {len(visible_steps('express'))}" in page
    assessment.refresh_from_db()
    assert assessment.seen_steps == ["express:energie"]


def test_step_lists_the_questions_still_on_default(logged_client, assessment):
    services.assessment_set_level(assessment=assessment, level="complet")
    page = logged_client.get(step_url(assessment, "energie")).content.decode()
    assert "2 questions utilisent encore une" in page  # bill share, hot water
    assert 'href="#field-energie-fuel_oil_litres"' not in page  # no default for fuel oil
    assert 'href="#field-energie-bill_share_percent"' in page
    assert 'href="#field-energie-electricity_kwh"' not in page  # answered
    assert "par défaut)</span>" in page  # counts in the step navigation


def test_default_badge_lists_the_inputs_and_links_to_them(logged_client, assessment):
    page = logged_client.get(reverse("assessment_results", args=[assessment.pk])).content
    page = page.decode()
    assert 'class="defaults-used"' in page
    # the express level never asks the office paper: the badge says so and links to it
    assert "?question=office_paper_reams#field-consommables-office_paper_reams" in page
    assert "hypothèse" in page


def test_glossary_page_and_links(client, logged_client, assessment):
    page = client.get(reverse("glossary")).content.decode()
    for anchor in (
        "pcs-pci",
        "prg",
        "ar6",
        "beges",
        "centile",
        "intervalle-de-confiance",
        "valeur-par-defaut",
        "convention-de-methode",
    ):
        assert f'id="{anchor}"' in page
    results = logged_client.get(reverse("assessment_results", args=[assessment.pk])).content
    assert b"/methodologie/glossaire/#intervalle-de-confiance" in results
    assert b"/methodologie/glossaire/#valeur-par-defaut" in results
