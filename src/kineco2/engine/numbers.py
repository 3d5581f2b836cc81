"""Numbers typed the French way: « 1 234,5 », « 12 000 kWh », « 1.234,5 » — never guessed.

French users write the decimal with a comma and group thousands with a space (ordinary,
no-break or narrow no-break) or with a dot. A dot is therefore ambiguous when it is
followed by exactly three digits and nothing shows which role it plays: « 14.200 » may be
14 200 or 14,2. Such an input is not guessed: :class:`AmbiguousNumber` carries both
readings so the interface asks back (« 14 200 ou 14,2 ? »).

Accepted (``value`` then why):

* ``1234,5``, ``1 234,5``, ``1 234,5`` (U+202F), ``1.234,5``: comma = decimal, spaces
  or dots before it = thousands;
* ``12 000``, ``1.234.567``: groups of three digits (several dots cannot be decimals);
* ``14.2``, ``1234.567``: a dot that cannot group thousands is a decimal point;
* ``12 000 kWh``, ``350 €``, ``12 MWh`` (→ 12 000 when kWh is expected): a unit after the
  number, checked against the question's unit, with a few conversions (MWh, t, k€).

Refused with a French message: ``1,234.5`` and ``1,234,567`` (English style), ``1e6``,
two decimal separators, letters that are not the question's unit.

Pure Python; used by the engine's schema (API, CLI, imports) and the questionnaire. The
libraries evaluated (Babel's ``parse_decimal``, price-parser) read « 14.200 » as 14,2 or as
14 200 without asking: see docs/decisions/0004-french-number-input.md.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass

from kineco2.engine.formatting import format_significant

#: Characters accepted as a thousands space (ordinary, no-break, narrow no-break, thin).
_SPACES = " \u00a0\u202f\u2009"
_MINUS = "-\u2212\u2013"
MAX_ABS = 1e12


@functools.cache
def _number_part() -> re.Pattern[str]:
    """The number at the start of a text. Compiled on first use (≈ 1 ms): most answers are
    numbers already, read without it."""
    return re.compile(r"^[+\-\u2212\u2013]?[\d" + _SPACES + r".,]*\d[\d" + _SPACES + r".,]*")


class NumberInputError(ValueError):
    """The text is not a number this question accepts. ``str()`` is a French sentence."""


@dataclass
class AmbiguousNumber(NumberInputError):
    """« 14.200 »: thousands (``as_thousands``) or decimal (``as_decimal``)? Ask the user."""

    text: str
    as_thousands: float
    as_decimal: float
    unit: str = ""

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def choices(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """((value to submit, French label), …) for the two readings."""
        return (
            (plain_text(self.as_thousands), with_unit(french(self.as_thousands), self.unit)),
            (plain_text(self.as_decimal), with_unit(french(self.as_decimal), self.unit)),
        )

    def __str__(self) -> str:
        big, small = (label for _, label in self.choices)
        return f"« {self.text} » : voulez-vous dire {big} ou {small} ?"


def french(value: float) -> str:
    """A parsed value in French (« 14 200 », « 14,2 »), without trailing zeros."""
    text = format_significant(value, 15)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def plain_text(value: float) -> str:
    """A value as unambiguous input text: no grouping, decimal comma (« 14200 », « 14,2 »)."""
    return french(value).replace("\u202f", "")


def with_unit(text: str, unit: str) -> str:
    return f"{text} {unit_symbol(unit)}".strip() if unit else text


def unit_symbol(unit: str) -> str:
    """The unit as typed after a number: ``kWh/an`` → ``kWh``, ``€ TTC/an`` → ``€``."""
    head = unit.split("/", 1)[0].strip()
    for suffix in (" HT", " TTC"):
        head = head.removesuffix(suffix)
    return head


def _key(text: str) -> str:
    """Case-, accent- and space-insensitive form of a unit (« kWh/an » → ``kwh/an``)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s.]", "", text.lower()).replace("²", "2").replace("³", "3")


#: Other spellings of a unit's symbol (keys as :func:`_key` gives them).
_SYNONYMS: dict[str, set[str]] = {
    "€": {"€", "eur", "euro", "euros", "e"},
    "kwh": {"kwh", "kw/h"},
    "km": {"km", "kms", "kilometre", "kilometres"},
    "l": {"l", "litre", "litres"},
    "kg": {"kg", "kgs", "kilo", "kilos", "kilogramme", "kilogrammes"},
    "m2": {"m2", "metrecarre", "metrescarres"},
    "m": {"m", "metre", "metres"},
    "%": {"%", "pourcent", "pourcents"},
    "h": {"h", "heure", "heures"},
    "go": {"go", "gigaoctet", "gigaoctets"},
    "ans": {"an", "ans", "annee", "annees"},
    "seances": {"seance", "seances", "actes"},
    "jours": {"jour", "jours", "j"},
}
#: Units converted into the question's unit: (expected symbol, typed) → factor.
_CONVERSIONS: dict[tuple[str, str], float] = {
    ("kwh", "mwh"): 1000.0,
    ("kwh", "wh"): 0.001,
    ("kg", "t"): 1000.0,
    ("kg", "tonne"): 1000.0,
    ("kg", "tonnes"): 1000.0,
    ("€", "k€"): 1000.0,
    ("€", "keur"): 1000.0,
    ("km", "m"): 0.001,
}


def _unit_factor(typed: str, expected: str) -> float:
    """The factor turning a number in ``typed`` units into ``expected`` units, or raise."""
    typed_key = _key(typed)
    if not expected:
        raise NumberInputError(f"« {typed} » : cette réponse est un nombre sans unité.")
    full = _key(expected)
    symbol = _key(unit_symbol(expected))
    if typed_key in (full, symbol):
        return 1.0
    # « €/an » for « € TTC/an », « kWh par an »…
    bare = typed_key.removesuffix("/an").removesuffix("paran")
    bare = bare.removesuffix("ht").removesuffix("ttc") if symbol == "€" else bare
    if bare == symbol:
        return 1.0
    for canonical, spellings in _SYNONYMS.items():
        if symbol in spellings | {canonical} and bare in spellings:
            return 1.0
    canonical_symbol = next((c for c, s in _SYNONYMS.items() if symbol in s), symbol)
    factor = _CONVERSIONS.get((canonical_symbol, bare))
    if factor is not None:
        return factor
    raise NumberInputError(
        f"Unité « {typed} » non reconnue pour cette question : saisissez la valeur en "
        f"{unit_symbol(expected)}."
    )


def _digits_groups(text: str, separator: str) -> list[str] | None:
    """``"1.234.567"`` → ``["1", "234", "567"]`` when it is a valid grouping, else ``None``."""
    groups = text.split(separator)
    if not groups[0] or len(groups[0]) > 3 or not all(g.isdigit() for g in groups):
        return None
    if any(len(g) != 3 for g in groups[1:]):
        return None
    return groups


def _parse_plain(number: str, original: str) -> tuple[float, float | None]:
    """(value, other reading when ambiguous) of a number without unit or sign."""
    example = "Exemple : 1 234,5"
    spaced = any(c in number for c in _SPACES)
    if spaced:
        parts = re.split("[" + _SPACES + "]+", number)
        integer_groups, last = parts[:-1], parts[-1]
        # the decimal part sticks to the last group: « 12 000,5 », « 12 000.5 »
        tail_match = re.match(r"^(\d{3})([.,]\d+)?$", last)
        if not tail_match or _digits_groups(".".join([*integer_groups]), ".") is None:
            raise NumberInputError(
                f"« {original} » n'est pas un nombre : les espaces ne peuvent séparer que des "
                f"groupes de trois chiffres. {example}"
            )
        decimals = tail_match.group(2) or ""
        digits = "".join(integer_groups) + tail_match.group(1)
        if decimals.startswith(","):
            return float(f"{digits}.{decimals[1:]}"), None
        if decimals:  # a dot after space-grouped thousands can only be decimal
            return float(f"{digits}.{decimals[1:]}"), None
        return float(digits), None
    commas, dots = number.count(","), number.count(".")
    if commas > 1:
        raise NumberInputError(
            f"« {original} » n'est pas un nombre : en français, la virgule sépare les "
            f"décimales et n'apparaît qu'une fois. {example}"
        )
    if commas == 1 and dots and number.index(",") < number.rindex("."):
        raise NumberInputError(
            f"« {original} » : en français, la virgule sépare les décimales et les milliers "
            f"s'écrivent avec un espace. {example}"
        )
    if commas == 1:
        whole, decimals = number.split(",")
        if not decimals.isdigit():
            raise NumberInputError(f"« {original} » n'est pas un nombre. {example}")
        if dots:
            if _digits_groups(whole, ".") is None:
                raise NumberInputError(
                    f"« {original} » n'est pas un nombre : écrivez les milliers avec un espace "
                    f"ou un point et les décimales après la virgule. {example}"
                )
            whole = whole.replace(".", "")
        if not whole:
            whole = "0"
        if not whole.isdigit():
            raise NumberInputError(f"« {original} » n'est pas un nombre. {example}")
        return float(f"{whole}.{decimals}"), None
    if dots == 0:
        if not number.isdigit():
            raise NumberInputError(f"« {original} » n'est pas un nombre. {example}")
        return float(number), None
    if dots > 1:
        if _digits_groups(number, ".") is None:
            raise NumberInputError(
                f"« {original} » n'est pas un nombre : les points ne peuvent séparer que des "
                f"groupes de trois chiffres. {example}"
            )
        return float(number.replace(".", "")), None
    whole, decimals = number.split(".")
    if not decimals.isdigit() or (whole and not whole.isdigit()):
        raise NumberInputError(f"« {original} » n'est pas un nombre. {example}")
    as_decimal = float(f"{whole or '0'}.{decimals}")
    if len(decimals) == 3 and whole and len(whole) <= 3 and whole.strip("0"):
        return as_decimal, float(whole + decimals)
    return as_decimal, None


def parse_number(text: str, *, unit: str = "", integer: bool = False) -> float | int:
    """The number in ``text`` (French conventions), in the question's ``unit``.

    Raises :class:`AmbiguousNumber` for « 14.200 », :class:`NumberInputError` (French
    message) for anything else that is not a number of this question.
    """
    try:
        return _parse_number(text, unit=unit, integer=integer)
    except AmbiguousNumber:
        raise
    except NumberInputError as exc:
        if not integer:
            raise
        message = str(exc).replace("n'est pas un nombre", "n'est pas un nombre entier")
        raise NumberInputError(message.replace("Exemple : 1 234,5", "Exemple : 1 234")) from None


def _parse_number(text: str, *, unit: str, integer: bool) -> float | int:
    original = text.strip()
    if not original:
        raise NumberInputError("Saisissez un nombre.")
    match = _number_part().match(original)
    if not match:
        raise NumberInputError(f"« {original} » n'est pas un nombre. Exemple : 1 234,5")
    number = match.group(0).strip(_SPACES)
    rest = original[match.end() :].strip()
    # A trailing separator belongs to nothing: « 12. » or « 12, ».
    if number[-1] in ".,":
        raise NumberInputError(f"« {original} » n'est pas un nombre. Exemple : 1 234,5")
    sign = 1.0
    if number[0] in _MINUS + "+":
        sign = -1.0 if number[0] in _MINUS else 1.0
        number = number[1:].lstrip(_SPACES)
    if rest and re.match(r"^[eE][+\-]?\d", rest):
        raise NumberInputError(
            f"« {original} » : écrivez le nombre avec tous ses chiffres, sans « e ». "
            "Exemple : 1 234,5"
        )
    factor = _unit_factor(rest, unit) if rest else 1.0
    value, other = _parse_plain(number, original)
    value, other = sign * value * factor, (sign * other * factor if other is not None else None)
    if other is not None and integer and not float(value).is_integer():
        value, other = other, None  # « 2.500 séances » can only be 2 500 sessions
    if other is not None:
        raise AmbiguousNumber(original, as_thousands=other, as_decimal=value, unit=unit)
    if not math.isfinite(value) or abs(value) > MAX_ABS:
        raise NumberInputError(f"« {original} » est un nombre bien trop grand.")
    if integer:
        if not float(value).is_integer():
            raise NumberInputError(f"Un nombre entier est attendu (« {original} »).")
        return int(value)
    value = round(value, 9) if factor != 1.0 else value
    return float(value)
