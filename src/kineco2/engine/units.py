"""Units of emission factors, to compare a project factor with a Base Carbone element.

ADEME writes the same unit several ways (``kgCO2e/litre`` and ``kgCO2e/L``,
``kgCO2e/Kg``, ``kgCO2e/tonne de déchets``, ``kgCO2e/keuro``, ``kgCO2e/peq.km``). A unit is
parsed into (what is emitted, what it is per) with a scale, so that a value can be converted
from the export's unit to the project's (``1 833 kgCO2e/tonne`` = ``1,833 kgCO2e/kg``).

Conventions (written in ``docs/methodology.md``):

* an energy without PCI/PCS is PCI (the Base Carbone convention for fuels; electricity and
  heat have no PCI/PCS), so ``kgCO2e/kWh`` ≡ ``kgCO2e/kWh PCI`` but not ``kgCO2e/kWh PCS``;
* Base Carbone monetary ratios are per euro excluding VAT (``kgCO2e/keuro`` ≡ 1 000 ×
  ``kgCO2e/EUR HT``);
* ``peq.km`` (passenger-equivalent km) and ``voyageur.km`` are passenger-km;
* ``appareil``, ``unit``, ``pièce`` are units (``unité``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["ParsedUnit", "UnitMismatch", "conversion_factor", "parse_unit"]

#: emitted quantity → kg CO2e per one of it
_NUMERATORS = {
    "kgco2e": 1.0,
    "kgco2eq": 1.0,
    "kgeqco2": 1.0,
    "kgco2": 1.0,
    "gco2e": 0.001,
    "gco2eq": 0.001,
    "tco2e": 1000.0,
    "tco2eq": 1000.0,
}

#: denominator (folded) → (dimension, how many base units it is)
_DENOMINATORS: dict[str, tuple[str, float]] = {
    "kwh": ("kWh PCI", 1.0),
    "kwh pci": ("kWh PCI", 1.0),
    "kwhpci": ("kWh PCI", 1.0),
    "kwh pcs": ("kWh PCS", 1.0),
    "kwhpcs": ("kWh PCS", 1.0),
    "mwh": ("kWh PCI", 1000.0),
    "mwh pci": ("kWh PCI", 1000.0),
    "mwh pcs": ("kWh PCS", 1000.0),
    "gj": ("kWh PCI", 1000 / 3.6),
    "gj pci": ("kWh PCI", 1000 / 3.6),
    "l": ("L", 1.0),
    "litre": ("L", 1.0),
    "litres": ("L", 1.0),
    "m3": ("m3", 1.0),
    "kg": ("kg", 1.0),
    "g": ("kg", 0.001),
    "t": ("kg", 1000.0),
    "tonne": ("kg", 1000.0),
    "tonnes": ("kg", 1000.0),
    "tonne de dechets": ("kg", 1000.0),
    "t de dechets": ("kg", 1000.0),
    "kg de dechets": ("kg", 1.0),
    "km": ("km", 1.0),
    "vehicule.km": ("km", 1.0),
    "vehicule km": ("km", 1.0),
    "passager.km": ("passager.km", 1.0),
    "passager km": ("passager.km", 1.0),
    "peq.km": ("passager.km", 1.0),
    "peq km": ("passager.km", 1.0),
    "p.km": ("passager.km", 1.0),
    "voyageur.km": ("passager.km", 1.0),
    "t.km": ("t.km", 1.0),
    "tonne.km": ("t.km", 1.0),
    "eur": ("EUR HT", 1.0),
    "eur ht": ("EUR HT", 1.0),
    "euro": ("EUR HT", 1.0),
    "euro ht": ("EUR HT", 1.0),
    "€": ("EUR HT", 1.0),
    "€ ht": ("EUR HT", 1.0),
    "keuro": ("EUR HT", 1000.0),
    "keuro ht": ("EUR HT", 1000.0),
    "k€": ("EUR HT", 1000.0),
    "k€ ht": ("EUR HT", 1000.0),
    "unite": ("unité", 1.0),
    "unit": ("unité", 1.0),
    "appareil": ("unité", 1.0),
    "piece": ("unité", 1.0),
    "m2": ("m2", 1.0),
    "m²": ("m2", 1.0),
    "ramette": ("ramette", 1.0),
    "cycle": ("cycle", 1.0),
    "email": ("email", 1.0),
    "h": ("h", 1.0),
    "heure": ("h", 1.0),
    "go.an": ("Go.an", 1.0),
}


class UnitMismatch(ValueError):
    """The two units measure different things (no conversion)."""


@dataclass(frozen=True, slots=True)
class ParsedUnit:
    text: str
    numerator_scale: float  # kg CO2e per unit of the numerator
    dimension: str  # canonical denominator (``kWh PCI``, ``kg``, ``EUR HT``…)
    denominator_scale: float  # base units of ``dimension`` per unit of the denominator


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("²", "2").replace("³", "3"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


def parse_unit(text: str) -> ParsedUnit | None:
    """The parsed unit, or ``None`` when it is not an emission-factor unit we know."""
    folded = _fold(text)
    if "/" not in folded:
        return None
    numerator, denominator = (part.strip() for part in folded.split("/", 1))
    numerator = numerator.replace(" ", "")
    denominator = re.sub(r"\s*\.\s*", ".", denominator)
    if numerator not in _NUMERATORS or denominator not in _DENOMINATORS:
        return None
    dimension, scale = _DENOMINATORS[denominator]
    return ParsedUnit(text, _NUMERATORS[numerator], dimension, scale)


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Multiply a value in ``from_unit`` by this to express it in ``to_unit``.

    Raises :class:`UnitMismatch` (French message) when the units measure different things
    or one of them is unknown.
    """
    source, target = parse_unit(from_unit), parse_unit(to_unit)
    if source is None or target is None:
        unknown = from_unit if source is None else to_unit
        raise UnitMismatch(f"unité « {unknown} » non reconnue")
    if source.dimension != target.dimension:
        raise UnitMismatch(
            f"« {from_unit} » (par {source.dimension}) et « {to_unit} » "
            f"(par {target.dimension}) ne mesurent pas la même chose"
        )
    return (source.numerator_scale / target.numerator_scale) * (
        target.denominator_scale / source.denominator_scale
    )
