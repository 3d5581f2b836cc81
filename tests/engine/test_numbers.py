"""French number input: understood, refused with a French message, or asked back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kineco2.engine.numbers import AmbiguousNumber, NumberInputError, parse_number, plain_text
from kineco2.engine.schema import parse_input


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1 234,5", "", 1234.5),
        ("1\u202f234,5", "", 1234.5),
        ("1\u00a0234,5", "", 1234.5),
        ("1.234,5", "", 1234.5),
        ("12 000", "", 12000),
        ("12 000 kWh", "kWh/an", 12000),
        ("12 000 kwh/an", "kWh/an", 12000),
        ("12 MWh", "kWh/an", 12000),
        ("1.234.567", "", 1234567),
        ("14,2", "", 14.2),
        ("14.2", "", 14.2),
        ("1234.567", "", 1234.567),  # four digits before the dot: not a thousands dot
        ("0.200", "", 0.2),
        (",5", "", 0.5),
        ("350 €", "€ HT/an", 350),
        ("350 euros TTC", "€ TTC/an", 350),
        ("3 k€", "€ HT/an", 3000),
        ("1,5 t", "kg/an", 1500),
        ("40 m²", "m²", 40),
        ("40 m2", "m²", 40),
        ("10 %", "%", 10),
        ("12 000,50 € HT", "€ HT/an", 12000.5),
        ("-5", "", -5),
    ],
)
def test_understood(text, unit, expected):
    assert parse_number(text, unit=unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "unit", "big", "small"),
    [("14.200", "kWh/an", 14200, 14.2), ("1.500", "", 1500, 1.5), ("999.999", "", 999999, 999.999)],
)
def test_dot_and_three_digits_is_asked_back(text, unit, big, small):
    with pytest.raises(AmbiguousNumber) as caught:
        parse_number(text, unit=unit)
    assert caught.value.as_thousands == big
    assert caught.value.as_decimal == pytest.approx(small)
    assert "voulez-vous dire" in str(caught.value)
    # each reading, submitted back, is understood without ambiguity
    for value, _label in caught.value.choices:
        assert parse_number(value, unit=unit) == pytest.approx(float(value.replace(",", ".")))


def test_ambiguous_message_in_french():
    with pytest.raises(AmbiguousNumber) as caught:
        parse_number("14.200", unit="kWh/an")
    assert str(caught.value) == "« 14.200 » : voulez-vous dire 14\u202f200 kWh ou 14,2 kWh ?"


def test_integer_question_takes_the_only_integer_reading():
    assert parse_number("2.500", unit="séances/an", integer=True) == 2500
    with pytest.raises(AmbiguousNumber):
        parse_number("2.000", unit="séances/an", integer=True)
    with pytest.raises(NumberInputError, match="nombre entier"):
        parse_number("2,5", integer=True)


@pytest.mark.parametrize(
    ("text", "unit", "fragment"),
    [
        ("douze", "", "n'est pas un nombre"),
        ("1,234.5", "", "la virgule sépare les décimales"),
        ("1,234,567", "", "n'apparaît qu'une fois"),
        ("1e6", "", "sans « e »"),
        ("12 0", "", "groupes de trois chiffres"),
        ("1.23.456", "", "groupes de trois chiffres"),
        ("12 km", "kWh/an", "saisissez la valeur en kWh"),
        ("12 kWh", "", "sans unité"),
        ("12,", "", "n'est pas un nombre"),
        ("", "", "Saisissez un nombre"),
        ("9" * 20, "", "bien trop grand"),
    ],
)
def test_refused_with_a_french_message(text, unit, fragment):
    with pytest.raises(NumberInputError) as caught:
        parse_number(text, unit=unit)
    assert not isinstance(caught.value, AmbiguousNumber)
    assert fragment in str(caught.value)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda x: round(x, 3)))
def test_plain_text_round_trips(value):
    assert parse_number(plain_text(value)) == pytest.approx(value)


@given(st.integers(min_value=1000, max_value=10**9))
def test_grouped_integers_round_trip(value):
    spaced = f"{value:,}".replace(",", " ")
    dotted = f"{value:,}".replace(",", ".")
    assert parse_number(spaced) == value
    if dotted.count(".") > 1:
        assert parse_number(dotted) == value
    else:
        with pytest.raises(AmbiguousNumber):
            parse_number(dotted)


def test_schema_reads_text_the_french_way():
    """API bodies, YAML and imports: a number given as text follows the same rules."""
    data = {
        "profile": {"commune": "69123", "practitioners": "3"},
        "energie": {"electricity_kwh": "12 000 kWh", "heating_kwh": "1.234,5"},
    }
    parsed = parse_input(data)
    assert parsed.profile.practitioners == 3
    assert parsed.energie.electricity_kwh == 12000
    assert parsed.energie.heating_kwh == 1234.5
    with pytest.raises(ValueError, match="voulez-vous dire"):
        parse_input({**data, "energie": {"electricity_kwh": "14.200"}})


def test_bound_messages_use_french_numbers_and_units():
    with pytest.raises(ValueError) as caught:
        parse_input(
            {
                "profile": {"commune": "69123", "practitioners": 3},
                "energie": {"electricity_kwh": 1e12},
            }
        )
    assert (
        "ne peut pas dépasser 500\u202f000 kWh (vous avez saisi 1\u202f000\u202f000\u202f000\u202f000)"
        in str(caught.value)
    )
    with pytest.raises(ValueError) as caught:
        parse_input({"profile": {"commune": "69123", "practitioners": 3, "reference_year": 1990}})
    assert "supérieur ou égal à 2015 (vous avez saisi 1990)" in str(caught.value)
    with pytest.raises(ValueError) as caught:
        parse_input(
            {
                "profile": {"commune": "69123", "practitioners": 3},
                "energie": {"electricity_kwh": -5},
            }
        )
    assert "supérieur ou égal à 0 kWh (vous avez saisi \u22125)" in str(caught.value)
