"""The Base Carbone export reader on ADEME's real extract and on malformed exports."""

from __future__ import annotations

import io
import time
from datetime import date
from pathlib import Path

import pytest

from kineco2.engine.basecarbone import (
    BaseCarboneFormatError,
    iter_elements,
    parse_number,
    read_elements,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "base_carbone" / "base_carbone_extract.csv"
HEADER = FIXTURE.read_bytes().split(b"\n", 1)[0].rstrip(b"\r")
WIDTH = HEADER.count(b";") + 1


def row(
    kind="Elément",
    element="1001",
    value="1,5",
    unit="kgCO2e/kWh",
    status="Valide générique",
    uncertainty="10",
    name="Test",
    modified="01/02/2024",
    post_type="",
    source="",
) -> bytes:
    header = HEADER.decode("cp1252").split(";")
    cells = [""] * WIDTH
    columns = {
        '"Type Ligne"': kind,
        '"Identifiant de l\'élément"': element,
        '"Statut de l\'élément"': status,
        '"Nom base français"': name,
        '"Unité français"': unit,
        "Incertitude": uncertainty,
        '"Total poste non décomposé"': value,
        '"Date de modification"': modified,
        '"Type poste"': post_type,
        "Source": source,
    }
    for title, cell in columns.items():
        cells[header.index(title)] = cell
    return ";".join(cells).encode("cp1252")


def export(*rows: bytes, header: bytes = HEADER) -> io.BytesIO:
    return io.BytesIO(b"\r\n".join([header, *rows]) + b"\r\n")


def error_of(data: io.BytesIO) -> BaseCarboneFormatError:
    with pytest.raises(BaseCarboneFormatError) as info:
        list(iter_elements(data))
    return info.value


# -- the real extract ------------------------------------------------------------------------
def test_reads_the_real_extract():
    elements = read_elements(FIXTURE)
    assert len(elements) == 53
    elec = elements["42513"]
    assert elec.name == "Electricité"
    assert elec.attribute == "2022 - mix moyen"
    assert elec.unit == "kgCO2e/kWh"
    assert elec.value == 0.052
    assert elec.uncertainty_pct == 10
    assert elec.modified == date(2023, 4, 24)
    assert elec.location == "France continentale"
    assert [p.type for p in elec.posts] == [
        "Combustion à la centrale",
        "Amont",
        "Transport et distribution",
    ]
    assert sum(p.value for p in elec.posts) == pytest.approx(0.052, rel=1e-3)
    assert elec.line == 108


def test_scientific_notation_and_latin1():
    elements = read_elements(FIXTURE)
    train = elements["28144"]
    assert train.value == pytest.approx(5.92e-3)
    assert train.posts[0].value == pytest.approx(5.29e-3)
    assert elements["27025"].posts[0].name == "Matiéres premiéres"  # as ADEME wrote it


def test_quoted_field_with_doubled_quotes_is_one_field():
    printer = read_elements(FIXTURE)["27025"]
    # ADEME's text itself holds quotes ("""ADEME… """"Modélisation…"): one field, and the
    # columns after it stay aligned.
    assert printer.source.startswith('"ADEME. J.Lhotellier')
    assert "Modélisation et évaluation ACV" in printer.source
    assert printer.location == "France continentale"


def test_status_archived_and_missing_uncertainty():
    elements = read_elements(FIXTURE)
    assert elements["22024"].archived
    assert not elements["42513"].archived
    assert elements["24309"].uncertainty_pct is None


def test_read_only_wanted_ids():
    assert set(read_elements(FIXTURE, ids=["42513", "999999"])) == {"42513"}


def test_utf8_export_is_detected():
    text = FIXTURE.read_bytes().decode("cp1252").encode("utf-8")
    assert read_elements(io.BytesIO(text))["27025"].posts[0].name == "Matiéres premiéres"


@pytest.mark.parametrize(
    ("text", "value"),
    [("5,92E-3", 5.92e-3), ("1 833", 1833.0), ("0", 0.0), ("", None), ("-3,5", -3.5)],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


# -- robustness ------------------------------------------------------------------------------
def test_quoted_fields_with_semicolons_and_newlines():
    data = export(
        row(name='"Nom; avec\r\nretour à la ligne"', value="2,5"),
        row(kind="Poste", value="2,5", post_type='"Amont; total"'),
        row(element="1002", value="1,00E-2"),
    )
    elements = list(iter_elements(data))
    assert [e.id for e in elements] == ["1001", "1002"]
    assert elements[0].name == "Nom; avec\r\nretour à la ligne"
    assert elements[0].posts[0].type == "Amont; total"
    assert elements[1].line == 5  # the multi-line field took two physical lines
    assert elements[1].value == 0.01


def test_streams_tens_of_thousands_of_rows(tmp_path):
    path = tmp_path / "full.csv"
    with path.open("wb") as handle:
        handle.write(HEADER + b"\r\n")
        for i in range(20_000):
            handle.write(row(element=str(100_000 + i), value=f"{i},5E-2") + b"\r\n")
            handle.write(row(kind="Poste", element=str(100_000 + i), value="1") + b"\r\n")
    started = time.perf_counter()
    count = sum(1 for _ in iter_elements(path))
    assert count == 20_000
    assert time.perf_counter() - started < 20


# -- malformed exports: French errors with the line number -----------------------------------
def test_empty_file():
    error = error_of(io.BytesIO(b""))
    assert error.line == 1
    assert "vide" in str(error)


def test_comma_separated_file():
    error = error_of(io.BytesIO(b"Type Ligne,Identifiant,Valeur\r\nElement,1,2\r\n"))
    assert "point-virgule" in str(error)


def test_missing_columns():
    error = error_of(io.BytesIO(b"Type Ligne;Identifiant\r\nElement;1\r\n"))
    assert error.line == 1
    assert "colonne(s) manquante(s)" in str(error)
    assert "« Total poste non décomposé »" in str(error)


def test_unreadable_number_names_line_and_column():
    error = error_of(export(row(), row(element="1002", value="12,3,4")))
    assert error.line == 3
    assert str(error).startswith("Export Base Carbone illisible, ligne 3 :")
    assert "« 12,3,4 »" in str(error)
    assert "Total poste non décomposé" in str(error)


def test_wrong_number_of_columns():
    error = error_of(export(row(), b"Poste;1001;oops"))
    assert error.line == 3
    assert "3 colonne(s) au lieu de" in str(error)


def test_unclosed_quote_is_reported_where_the_field_starts():
    error = error_of(export(row(), row(element="1002", name='"sans fin'), row(element="1003")))
    assert error.line == 3
    assert "guillemet" in str(error)


def test_poste_without_its_element():
    error = error_of(export(row(), row(kind="Poste", element="2002")))
    assert error.line == 3
    assert "sans sa ligne « Elément »" in str(error)


def test_duplicate_element():
    error = error_of(export(row(), row(element="1002"), row()))
    assert error.line == 4
    assert "déjà ligne 2" in str(error)


def test_bad_date_and_unknown_row_type():
    assert "JJ/MM/AAAA" in str(error_of(export(row(modified="2024-02-01"))))
    error = error_of(export(row(), row(kind="Total")))
    assert error.line == 3
    assert "type de ligne « Total » inconnu" in str(error)


def test_missing_file():
    with pytest.raises(BaseCarboneFormatError, match="introuvable"):
        list(iter_elements("/nonexistent/export.csv"))
