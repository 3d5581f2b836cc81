"""« Remplir avec ma déclaration 2035 »: typed or imported lines → the € questions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kineco2.engine import declaration2035 as d2035

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def url(assessment):
    return reverse("assessment_2035", args=[assessment.pk])


def test_mapping_targets_are_questions_in_euros_asked_as_paid():
    from kineco2.practices.answers import field_specs

    mapping = d2035.load_mapping()
    for path in mapping.targets():
        section, name = path.split(".")
        spec = next(s for s in field_specs(section) if s.name == name)
        assert "TTC" in spec.unit, path  # 2026.1: amounts as paid, as on the 2035
    for line in mapping.lines.values():
        assert line.why and line.label


def test_fill_adds_lines_into_one_question_and_says_what_is_unused():
    filling = d2035.fill({"honoraires": 1200, "assurances": 800, "energie": 1500, "achats": 3000})
    assert filling.answers["services.insurance_bank_accounting_eur"] == 2000
    assert [c.line.id for c in filling.sources["services.insurance_bank_accounting_eur"]] == [
        "honoraires",
        "assurances",
    ]
    assert filling.implied["consommables.gels_oils_eur"][0] == 0  # in « achats »
    assert [c.line.id for c in filling.unused] == ["energie"]
    assert "kWh" in filling.unused[0].line.why


def test_read_csv_french_numbers_header_codes_and_unknown_rows():
    data = (
        "Libellé;Montant\n"
        "BA;Achats;3 250,40\n"
        "Entretien et réparations;1.234,56\n"
        "Primes d'assurances;890 €\n"
        "Divers;50\n"
        "Téléphone;1.200\n"
    ).encode("cp1252")
    amounts, rows = d2035.read_csv(data)
    assert amounts == {"achats": 3250.4, "entretien_reparations": 1234.56, "assurances": 890.0}
    problems = {r.label: r.problem for r in rows if r.problem}
    assert problems["Divers"] == "ligne non reconnue : non utilisée"
    assert "voulez-vous dire" in problems["Téléphone"]  # « 1.200 » is asked, never guessed


def test_typed_amounts_preview_then_save(logged_client, assessment):
    page = logged_client.get(url(assessment))
    assert page.status_code == 200
    assert "Remplir avec ma déclaration 2035" in page.content.decode()

    preview = logged_client.post(
        url(assessment),
        {"action": "preview", "l-achats": "3 000", "l-honoraires": "1 200,50",
         "l-assurances": "800", "l-energie": "1 500"},
    )  # fmt: skip
    html = preview.content.decode()
    assert preview.status_code == 200
    assert 'name="q-consommables.medical_supplies_eur" value="3000"' in html
    assert 'name="q-services.insurance_bank_accounting_eur" value="2000,5"' in html
    assert 'name="q-consommables.gels_oils_eur" value="0"' in html
    assert "Lignes non utilisées" in html and "kWh" in html
    # an unused line's amount is written the French way too (« 1 500 € », never « 1500 € »)
    assert "Chauffage, eau, gaz, électricité</strong> (1\u202f500\xa0€)" in html
    assessment.refresh_from_db()
    assert "consommables" not in assessment.answers  # nothing saved before « Enregistrer »

    saved = logged_client.post(
        url(assessment),
        {"action": "save", "q-consommables.medical_supplies_eur": "2 800",
         "q-services.insurance_bank_accounting_eur": "2000,5",
         "q-consommables.gels_oils_eur": "0"},
    )  # fmt: skip
    assert saved.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers["consommables"]["medical_supplies_eur"] == 2800  # corrected
    assert assessment.answers["consommables"]["gels_oils_eur"] == 0
    assert assessment.answers["services"]["insurance_bank_accounting_eur"] == 2000.5


def test_unreadable_amount_is_shown_and_nothing_saved(logged_client, assessment):
    response = logged_client.post(url(assessment), {"action": "preview", "l-achats": "14.200"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "voulez-vous dire" in html
    assert 'value="14.200"' in html  # what was typed is kept


def test_csv_import_preview(logged_client, assessment):
    upload = SimpleUploadedFile(
        "2035.csv", b"Achats;3 250,40\nFrais bancaires;120\n", content_type="text/csv"
    )
    response = logged_client.post(url(assessment), {"action": "preview", "csv": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="q-consommables.medical_supplies_eur" value="3250,4"' in html
    assert 'name="q-services.insurance_bank_accounting_eur" value="120"' in html


def test_other_practice_cannot_use_it(client, assessment, other_user):
    client.force_login(other_user)
    assert client.get(url(assessment)).status_code == 404
