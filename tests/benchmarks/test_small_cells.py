"""Disclosure control on every aggregate path: page, CSV, PDF, JSON (groups of 15, 8 and 4)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from html import unescape

import pytest
from django.urls import reverse

from kineco2.benchmarks import disclosure
from tests.benchmarks.conftest import BRETAGNE, REUNION

pytestmark = pytest.mark.django_db

SUPPRESSED = "moins de 11 cabinets"
FIVE = {"region": BRETAGNE, "zone": "grande_ville", "size": "2-3", "mode": "groupe"}
FOUR = {"region": REUNION, "zone": "ville_moyenne_petite", "size": "1", "mode": "seul"}
LABELS_OF_FOUR = [
    "La Réunion",
    "Centre d'une ville moyenne ou d'une petite ville",
    "Un kiné (exercice seul)",
    "Cabinet individuel",
    "Corse",
    "Maison de santé pluriprofessionnelle (MSP)",
]
LABELS_OF_FIVE = ["Bretagne", "Centre d'une grande ville", "2 ou 3 kinés", "Cabinet de groupe"]


def table_row(html: str, label: str) -> str:
    """The ``<tr>`` of a distribution table whose header cell starts with ``label``."""
    found = re.search(r'<tr[^>]*>\s*<th scope="row">' + re.escape(label) + r".*?</tr>", html, re.S)
    assert found, label
    return found.group(0)


def figures_in(row_html: str) -> list[str]:
    """Digits of a row, apart from the marker « moins de 11 cabinets » itself."""
    text = re.sub(r"<[^>]+>", " ", row_html).replace(SUPPRESSED, "")
    return re.findall(r"\d", text)


def test_page_hides_every_cell_of_four(client, small_cells):
    response = client.get(reverse("etat_des_lieux"), {"population": "autodiagnostics"})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Population : Autodiagnostics" in html
    assert "Environ 25 cabinets" in html
    for label in LABELS_OF_FOUR:
        row = table_row(html, label)
        assert SUPPRESSED in row
        assert figures_in(row) == [], label
    for label in LABELS_OF_FIVE:
        row = table_row(html, label)
        assert SUPPRESSED not in row
        assert re.search(r'<td class="num">≈\s15</td>', row), label
    # The Bretagne median (mean of 15…19 t = 17 t, 2,2 kg per session, within ±3 %) is
    # shown, the Réunion one never.
    assert re.search(r"1[67],\d", table_row(html, "Bretagne"))
    assert re.search(r"2,[12]\d", table_row(html, "Bretagne"))
    # Charts say it too, in their text alternative.
    assert "La Réunion : moins de 11 cabinets, non publié" in html
    assert "91,2" not in table_row(html, "La Réunion")


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_csv_hides_every_cell_of_four(client, small_cells):
    response = client.get(reverse("etat_des_lieux_csv"), {"population": "autodiagnostics"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows
    figures = ("n_cabinets", "p10", "p25", "mediane", "p75", "p90")
    for dimension, code in FOUR.items():
        hidden = [r for r in rows if r["dimension"] == dimension and r["groupe"] == code]
        assert hidden, dimension
        for row in hidden:
            assert row["statut"] == SUPPRESSED
            assert all(row[key] == "" for key in figures), row
    for dimension, code in FIVE.items():
        shown = [r for r in rows if r["dimension"] == dimension and r["groupe"] == code]
        assert {r["n_cabinets"] for r in shown} == {"15"}, dimension
        assert {r["statut"] for r in shown} == {"publié"}
        assert {r["p10"] for r in shown} == {""}  # extremes need 30 practices
    total = next(
        r for r in rows
        if r["dimension"] == "region" and r["groupe"] == BRETAGNE
        and r["indicateur"] == "annuel" and r["poste"] == "total"
    )  # fmt: skip
    assert 16.5 <= float(total["mediane"].replace(",", ".")) <= 17.5  # decimal comma if any
    session = next(
        r for r in rows
        if r["dimension"] == "region" and r["groupe"] == BRETAGNE
        and r["indicateur"] == "seance" and r["poste"] == "total"
    )  # fmt: skip
    assert 2.13 <= float(session["mediane"].replace(",", ".")) <= 2.27
    assert session["unite"] == "kg CO2e/séance"


def test_json_hides_every_cell_of_four(client, small_cells):
    response = client.get(reverse("etat_des_lieux_api"), {"population": "autodiagnostics"})
    assert response.status_code == 200
    payload = response.json()
    assert payload["population"] == "autodiagnostics"
    assert payload["annee"] == 2025
    cases = payload["cases"]
    for dimension, code in FOUR.items():
        hidden = [c for c in cases if c["dimension"] == dimension and c["groupe"] == code]
        assert hidden
        for case in hidden:
            assert case["statut"] == SUPPRESSED
            assert case["n_cabinets"] is None and case["mediane"] is None and case["p90"] is None
    for dimension, code in FIVE.items():
        shown = [c for c in cases if c["dimension"] == dimension and c["groupe"] == code]
        assert {c["n_cabinets"] for c in shown} == {15}
    national = next(
        c for c in cases if c["dimension"] == "national" and c["poste"] == "total"
        and c["indicateur"] == "annuel"
    )  # fmt: skip
    assert national["n_cabinets"] == 25
    assert payload["methode"]["seuil_effectif"] == 11


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext absent : installer poppler-utils (apt-get install poppler-utils)")
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def test_pdf_hides_every_cell_of_four(client, small_cells):
    response = client.get(reverse("etat_des_lieux_pdf"), {"population": "autodiagnostics"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "État des lieux" in text
    assert "environ 25 cabinets" in text
    lines = text.splitlines()
    for label in ("La Réunion (outre-mer)", "Un kiné (exercice seul)", "Cabinet individuel"):
        row = next(line for line in lines if line.strip().startswith(label))
        assert SUPPRESSED in row, label
        assert re.findall(r"\d", row.replace(label, "").replace(SUPPRESSED, "")) == [], row
    bretagne = next(  # the table's row, not the chart's label
        line for line in lines if line.strip().startswith("Bretagne") and "(n ≈" not in line
    )
    assert SUPPRESSED not in bretagne
    assert re.search(r"\b15\b", bretagne)
    assert re.search(r"1[67],\d", bretagne)


def test_empty_state_publishes_nothing(client, db):
    html = unescape(client.get(reverse("etat_des_lieux")).content.decode())
    assert "aucun chiffre n'est publié" in html
    assert client.get(reverse("etat_des_lieux_pdf")).status_code == 200
    assert client.get(reverse("etat_des_lieux_csv")).status_code == 200
    cases = client.get(reverse("etat_des_lieux_api")).json()["cases"]
    assert all(c["n_cabinets"] is None for c in cases)


@pytest.mark.parametrize(
    "query",
    [
        {"annee": "abc"},
        {"annee": "99999"},
        {"population": "<script>"},
        {"population": "panel", "annee": "-1"},
        {"annee": "2025\x00"},
    ],
)
def test_bad_query_never_fails(client, small_cells, query):
    for name in ("etat_des_lieux", "etat_des_lieux_csv", "etat_des_lieux_pdf"):
        assert client.get(reverse(name), query).status_code == 200, name
    response = client.get(reverse("etat_des_lieux_api"), query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "erreur" in response.json()


def test_a_year_without_results_is_all_suppressed(client, small_cells):
    cases = client.get(
        reverse("etat_des_lieux_api"), {"population": "autodiagnostics", "annee": "2019"}
    ).json()["cases"]
    assert all(c["statut"] == SUPPRESSED for c in cases)


def test_only_the_latest_snapshot_of_an_assessment_counts(client, small_cells):
    from tests.benchmarks.conftest import add_result

    bretagne, _ = small_cells
    add_result(bretagne[0], 99_000.0, per_session=9.9)  # a second validation, same year
    cases = client.get(reverse("etat_des_lieux_api"), {"population": "autodiagnostics"}).json()[
        "cases"
    ]
    total = next(
        c for c in cases if c["dimension"] == "region" and c["groupe"] == BRETAGNE
        and c["indicateur"] == "annuel" and c["poste"] == "total"
    )  # fmt: skip
    assert total["n_cabinets"] == 15
    # 11…24 t and 99 t: the median window is 16…20 t (the new maximum is never used).
    low, high = disclosure.published_bounds(18.0)
    assert low <= total["mediane"] <= high
