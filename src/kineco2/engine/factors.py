"""Emission factors: loading, validation and exact lookup.

Factors live in ``data/factors/<version>.csv``, one file per version, one row per factor:
``id, kind, label_fr, value, unit, uncertainty_pct, uncertainty_basis, quality, source, year``.

* ``kind`` is ``facteur`` (an emission factor, kgCO2e per unit of activity) or ``parametre``
  (a convention used to build an activity quantity: leak rate, amortisation period).
* ``uncertainty_pct`` is the half-width of the 95 % interval relative to the value (the
  Base Carbone convention). Where no value was published, ``uncertainty_basis`` says which
  rule of ``docs/methodology.md`` filled it in: 30 % for physical factors from ADEME studies
  (``regle_physique``), 80 % for monetary ratios (``regle_monetaire``), 100 % for estimates
  and proxies (``regle_estimation``).
* ``quality``: ``publie`` (read in Base Carbone / Base Empreinte), ``secondaire`` (read in a
  tool that cites a Base Carbone element), ``proxy`` or ``estimation`` (not a published factor:
  the product says so wherever it shows one).

A file is validated as a whole when loaded: unique ids, known units, uncertainty in range,
a source for every row. A lookup that matches zero or several rows is an error.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kineco2.engine.errors import FactorLookupError, ReferenceDataError

DATA_DIR = Path(__file__).parent / "data"
FACTORS_DIR = DATA_DIR / "factors"

#: Every unit a factor may carry. A new unit is a methodology decision: add it here on purpose.
KNOWN_UNITS = frozenset(
    {
        "kgCO2e/kWh",
        "kgCO2e/kWh PCS",
        "kgCO2e/kWh PCI",
        "kgCO2e/L",
        "kgCO2e/kg",
        "kgCO2e/km",
        "kgCO2e/passager.km",
        "kgCO2e/EUR HT",
        "kgCO2e/unité",
        "kgCO2e/ramette",
        "kgCO2e/cycle",
        "kgCO2e/m3",
        "kgCO2e/email",
        "kgCO2e/h",
        "kgCO2e/Go.an",
        "kgCO2e/m2",
        "%/an",
        "% de la charge",
        "ans",
    }
)
KINDS = frozenset({"facteur", "parametre"})
QUALITIES = {
    "publie": "Facteur publié (Base Carbone / Base Empreinte)",
    "secondaire": "Facteur Base Carbone lu dans une source secondaire",
    "proxy": "Approximation (proxy) : pas de facteur publié pour cet objet",
    "estimation": "Estimation de l'équipe KinéCO2 : pas un facteur publié",
}
UNCERTAINTY_BASES = {
    "publiee": "incertitude publiée avec le facteur",
    "estimation": "incertitude estimée avec la valeur",
    "regle_physique": "règle : 30 % pour un facteur physique issu d'une étude ADEME",
    "regle_monetaire": "règle : 80 % pour un ratio monétaire",
    "regle_estimation": "règle : 100 % pour une estimation ou un proxy",
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: The form of a factors version (the API's schema states it): « 2025.1 ».
FACTORS_VERSION_PATTERN = r"^[0-9]{4}\.[0-9]+(?!\n)$"  # (?!\n): no "2025.1\n" in Python
_VERSION = re.compile(FACTORS_VERSION_PATTERN)


@dataclass(frozen=True, slots=True)
class Factor:
    id: str
    kind: str
    label: str
    value: float
    unit: str
    uncertainty_pct: float
    uncertainty_basis: str
    quality: str
    source: str
    year: int
    #: Identifier of the ADEME Base Carbone / Base Empreinte element the value comes from
    #: (empty when none): the key ``kineco2 factors check`` compares against an export.
    base_carbone_id: str = ""
    #: Why the row differs from the previous version (empty when unchanged). Versions from
    #: 2026.1 on carry these two columns; 2025.1 does not.
    change: str = ""

    @property
    def is_estimate(self) -> bool:
        """True when the value is not a published factor (estimate or proxy)."""
        return self.quality in ("proxy", "estimation")


@dataclass(frozen=True)
class FactorSet(Mapping[str, Factor]):
    """An immutable, validated set of factors of one version."""

    version: str
    factors: Mapping[str, Factor]

    def __getitem__(self, factor_id: str) -> Factor:
        try:
            return self.factors[factor_id]
        except KeyError:
            raise FactorLookupError(
                f"Facteur inconnu « {factor_id} » dans la version {self.version} des facteurs."
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.factors)

    def __len__(self) -> int:
        return len(self.factors)

    def value(self, factor_id: str) -> float:
        return self[factor_id].value

    def lookup(self, **criteria: object) -> Factor:
        """The single factor whose attributes equal ``criteria``; zero or several is an error."""
        matches = [
            f
            for f in self.factors.values()
            if all(getattr(f, key) == wanted for key, wanted in criteria.items())
        ]
        if len(matches) != 1:
            found = ", ".join(f.id for f in matches) or "aucun"
            raise FactorLookupError(
                f"La recherche {criteria} doit désigner exactement un facteur "
                f"(version {self.version}) ; trouvé : {found}."
            )
        return matches[0]


def available_versions() -> list[str]:
    """Factor versions shipped, oldest first."""
    versions = [p.stem for p in FACTORS_DIR.glob("*.csv") if _VERSION.match(p.stem)]
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


def latest_version() -> str:
    """The factors of the current methodology version (newest *published* in the registry)."""
    from kineco2.engine.versions import current_version

    return current_version().factors


def parse_factor_rows(rows: list[dict[str, str]], version: str) -> FactorSet:
    """Validate raw CSV rows and build a :class:`FactorSet`. Raises :class:`ReferenceDataError`."""
    problems: list[str] = []
    factors: dict[str, Factor] = {}
    for line_no, row in enumerate(rows, start=2):
        where = f"ligne {line_no} ({row.get('id', '?')})"
        try:
            factor = Factor(
                id=row["id"].strip(),
                kind=row["kind"].strip(),
                label=row["label_fr"].strip(),
                value=float(row["value"]),
                unit=row["unit"].strip(),
                uncertainty_pct=float(row["uncertainty_pct"]),
                uncertainty_basis=row["uncertainty_basis"].strip(),
                quality=row["quality"].strip(),
                source=row["source"].strip(),
                year=int(row["year"]),
                base_carbone_id=(row.get("base_carbone_id") or "").strip(),
                change=(row.get("change") or "").strip(),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            problems.append(f"{where} : ligne illisible ({exc!r})")
            continue
        if not _ID.match(factor.id):
            problems.append(f"{where} : identifiant invalide")
        if factor.id in factors:
            problems.append(f"{where} : identifiant en double")
        if factor.kind not in KINDS:
            problems.append(f"{where} : nature inconnue « {factor.kind} »")
        if factor.unit not in KNOWN_UNITS:
            problems.append(f"{where} : unité inconnue « {factor.unit} »")
        if not 0 <= factor.uncertainty_pct <= 200:
            problems.append(f"{where} : incertitude hors de [0, 200] %")
        if factor.uncertainty_basis not in UNCERTAINTY_BASES:
            problems.append(f"{where} : origine d'incertitude inconnue")
        if factor.quality not in QUALITIES:
            problems.append(f"{where} : qualité inconnue « {factor.quality} »")
        if factor.value < 0:
            problems.append(f"{where} : valeur négative")
        if not factor.source:
            problems.append(f"{where} : source manquante")
        if not factor.label:
            problems.append(f"{where} : libellé manquant")
        if factor.base_carbone_id and not factor.base_carbone_id.isdigit():
            problems.append(f"{where} : identifiant Base Carbone invalide")
        if not 1990 <= factor.year <= 2100:
            problems.append(f"{where} : année hors plage")
        factors[factor.id] = factor
    if problems:
        raise ReferenceDataError(
            f"Facteurs version {version} invalides :\n" + "\n".join(f"- {p}" for p in problems)
        )
    return FactorSet(version=version, factors=factors)


def load_factors(version: str | None = None) -> FactorSet:
    """Load and validate one version of the factors (the latest by default)."""
    return _load_factors(version or latest_version())


@cache
def _load_factors(version: str) -> FactorSet:
    if not _VERSION.match(version):
        raise ReferenceDataError(f"Version de facteurs invalide : « {version} ».")
    path = FACTORS_DIR / f"{version}.csv"
    if not path.exists():
        raise ReferenceDataError(
            f"Version de facteurs inconnue : « {version} ». "
            f"Versions disponibles : {', '.join(available_versions())}."
        )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return parse_factor_rows(rows, version)
