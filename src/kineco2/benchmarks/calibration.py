"""Panel medians become the express questionnaire's defaults, in a new defaults version.

For each numeric express question that has a default in the defaults file, the *answered*
values (never the defaulted ones) of the validated assessments are turned into the default's
unit — per practitioner, per m², as is — and their median replaces the default value in a
**new** file ``<version>.yaml``, a copy of the latest one in which only those entries change:

* ``value``: the protected median (:func:`kineco2.benchmarks.disclosure.protected_median`: mean
  of the 5 ordered values around the middle, secret factor within ±3 %, 3 significant figures
  — never one practice's answer);
* ``quality: publie`` and ``source: "Panel KinéCO2 <campagne>, médiane de N cabinets,
  <date>"``;
* a comment above the entry keeps the previous value, quality and source;
* ``uncertainty_pct`` is kept (the previous, deliberately wide, one).

A median from fewer than :data:`~kineco2.benchmarks.aggregates.MIN_FIGURES` (15) practices is
refused (the entry keeps its previous value); the number of practices in the source is rounded
to 5 (``docs/decisions/0008-statistical-disclosure-control.md``). An existing version is never overwritten.
Categorical questions (heating energy, vehicle…) are not calibrated: their default is a
choice, not a median.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kineco2.benchmarks import disclosure
from kineco2.engine.defaults import DEFAULTS_DIR, available_versions, parse_defaults
from kineco2.engine.errors import EngineError

__all__ = [
    "CALIBRATIONS",
    "CalibrationError",
    "Change",
    "build_defaults_text",
    "french_date",
    "medians",
    "write_defaults",
]

#: Gas bills are in kWh PCS; the heating default (× a PCI factor) is in kWh PCI.
GAS_PCS_PER_PCI = 1.111
ELECTRIC_HEATING = ("electricite", "pompe_a_chaleur")
FUEL_HEATING = ("gaz", "fioul", "propane", "bois_buches", "granules", "reseau_chaleur")
MAINLAND = ("france_continentale", "corse")
_VERSION = re.compile(r"^\d{4}\.\d+$")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip


class CalibrationError(Exception):
    """A French message for the command line."""


def french_date(day: datetime.date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


# -- observations: one practice's answer in the default's unit ------------------------------
def _number(answers: Mapping[str, Any], section: str, name: str) -> float | None:
    value = (answers.get(section) or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def _practitioners(answers: Mapping[str, Any]) -> float | None:
    value = _number(answers, "profile", "practitioners")
    return value if value and value >= 1 else None


def _per_practitioner(section: str, name: str) -> Callable[[Mapping[str, Any]], float | None]:
    def observe(answers: Mapping[str, Any]) -> float | None:
        value, count = _number(answers, section, name), _practitioners(answers)
        return value / count if value is not None and count else None

    return observe


def _as_is(section: str, name: str) -> Callable[[Mapping[str, Any]], float | None]:
    return lambda answers: _number(answers, section, name)


def _bill_share(answers: Mapping[str, Any]) -> float:
    share = _number(answers, "energie", "bill_share_percent")
    return share / 100 if share else 1.0


def _heating(answers: Mapping[str, Any]) -> str | None:
    return (answers.get("energie") or {}).get("heating_energy")


def _electricity_per_m2(answers: Mapping[str, Any]) -> float | None:
    """Specific electricity: bills of practices whose answered heating is not electric."""
    kwh, surface = (
        _number(answers, "energie", "electricity_kwh"),
        _number(answers, "profile", "surface_m2"),
    )
    heating = _heating(answers)
    if kwh is None or not surface or heating is None or heating in ELECTRIC_HEATING:
        return None
    return kwh * _bill_share(answers) / surface


def _heating_per_m2(answers: Mapping[str, Any]) -> float | None:
    """Fuel heating bills per m², in kWh PCI (gas bills are in kWh PCS)."""
    kwh, surface = (
        _number(answers, "energie", "heating_kwh"),
        _number(answers, "profile", "surface_m2"),
    )
    heating = _heating(answers)
    if kwh is None or not surface or heating not in FUEL_HEATING:
        return None
    if heating == "gaz":
        kwh /= GAS_PCS_PER_PCI
    return kwh * _bill_share(answers) / surface


def _territory(answers: Mapping[str, Any]) -> str | None:
    from kineco2.engine import geography

    commune = (answers.get("profile") or {}).get("commune")
    try:
        return geography.locate(str(commune)).territory if commune else None
    except (EngineError, ValueError):
        return None


def _ac_units_mainland(answers: Mapping[str, Any]) -> float | None:
    units = _number(answers, "froid", "ac_units")
    return units if units is not None and _territory(answers) in MAINLAND else None


@dataclass(frozen=True)
class Calibration:
    default_id: str
    question: str  # the express question, ``section.name``
    how: str  # French: how an answer becomes an observation
    observe: Callable[[Mapping[str, Any]], float | None]


def is_express(question: str) -> bool:
    """Whether the express questionnaire asks ``section.name`` (from the engine's schema)."""
    from kineco2.engine.schema import SECTIONS, Profile

    section, _, name = question.partition(".")
    model = Profile if section == "profile" else SECTIONS.get(section)
    info = model.model_fields.get(name) if model is not None else None
    extra = (info.json_schema_extra or {}) if info is not None else {}
    return bool(isinstance(extra, dict) and extra.get("express"))


#: How an answer becomes an observation, for the numeric questions with a default; those the
#: express questionnaire asks today are calibrated (tests check none is missing).
CALIBRATIONS: tuple[Calibration, ...] = (
    Calibration(
        "sessions_per_practitioner",
        "profile.sessions_per_year",
        "séances de l'année ÷ nombre de kinés",
        _per_practitioner("profile", "sessions_per_year"),
    ),
    Calibration(
        "home_visit_percent",
        "profile.home_visit_percent",
        "part des séances à domicile",
        _as_is("profile", "home_visit_percent"),
    ),
    Calibration(
        "surface_per_practitioner",
        "profile.surface_m2",
        "surface ÷ nombre de kinés",
        _per_practitioner("profile", "surface_m2"),
    ),
    Calibration(
        "electricity_kwh_per_m2",
        "energie.electricity_kwh",
        "kWh d'électricité × part du cabinet ÷ surface, chauffage déclaré non électrique",
        _electricity_per_m2,
    ),
    Calibration(
        "heating_kwh_per_m2",
        "energie.heating_kwh",
        "kWh de chauffage (gaz ramené en PCI) × part du cabinet ÷ surface, combustible déclaré",
        _heating_per_m2,
    ),
    Calibration(
        "ac_units_mainland",
        "froid.ac_units",
        "appareils de climatisation, cabinets de métropole et de Corse",
        _ac_units_mainland,
    ),
    Calibration(
        "home_visit_round_trip_km",
        "visites_domicile.round_trip_km_per_visit",
        "km aller-retour par visite",
        _as_is("visites_domicile", "round_trip_km_per_visit"),
    ),
    Calibration(
        "commute_round_trip_km_per_day",
        "trajets_domicile_travail.round_trip_km_per_day",
        "km aller-retour par jour",
        _as_is("trajets_domicile_travail", "round_trip_km_per_day"),
    ),
    Calibration(
        "electric_tables",
        "materiel.electric_tables",
        "tables ÷ nombre de kinés",
        _per_practitioner("materiel", "electric_tables"),
    ),
    Calibration(
        "laptops",
        "materiel.laptops",
        "ordinateurs portables ÷ nombre de kinés",
        _per_practitioner("materiel", "laptops"),
    ),
    Calibration(
        "medical_supplies_eur",
        "consommables.medical_supplies_eur",
        "€ de fournitures médicales ÷ nombre de kinés",
        _per_practitioner("consommables", "medical_supplies_eur"),
    ),
    Calibration(
        "insurance_bank_accounting_eur",
        "services.insurance_bank_accounting_eur",
        "€ d'assurance, banque et comptabilité ÷ nombre de kinés",
        _per_practitioner("services", "insurance_bank_accounting_eur"),
    ),
)


@dataclass(frozen=True)
class Change:
    """The outcome for one default: a new value, or a refusal (``value`` is ``None``)."""

    default_id: str
    question: str
    n: int
    previous: Any
    value: float | int | None

    @property
    def accepted(self) -> bool:
        return self.value is not None


def _rounded(value: float, previous: Any) -> float | int:
    if value == 0:
        return 0
    digits = 3 - 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if float(rounded).is_integer() and (isinstance(previous, int) or abs(rounded) >= 100):
        return int(rounded)
    return float(rounded)


def _member(answers: Mapping[str, Any]) -> str:
    text = json.dumps(answers, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def medians(
    answer_sets: Iterable[Mapping[str, Any]], previous: Mapping[str, Any], *, salt: bytes = b""
) -> list[Change]:
    """The protected median of each calibration over ``answer_sets`` (one per practice).

    ``previous``: default id → current value (a default absent from it is skipped).
    ``salt``: the secret of the perturbation (:func:`kineco2.benchmarks.disclosure.cell_key`).
    ``Change.n`` is the published count (rounded to 5), or the true count when refused.
    """
    sets = list(answer_sets)
    out = []
    for calibration in CALIBRATIONS:
        if calibration.default_id not in previous or not is_express(calibration.question):
            continue
        observed = [(a, calibration.observe(a)) for a in sets]
        observed = [(a, v) for a, v in observed if v is not None]
        values = [v for _, v in observed]
        old = previous[calibration.default_id]
        key = disclosure.cell_key(
            [_member(a) for a, _ in observed], "calibration", calibration.default_id, salt=salt
        )
        median = disclosure.protected_median(values, key=key)
        value = _rounded(median, old) if median is not None else None
        n = disclosure.published_count(len(values)) if value is not None else len(values)
        out.append(Change(calibration.default_id, calibration.question, n, old, value))
    return out


# -- the new file -------------------------------------------------------------------------------
def _yaml_scalar(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _entry_span(lines: list[str], default_id: str) -> tuple[int, int]:
    """Lines [start, end) of ``default_id``'s entry under ``defaults:`` (2-space indent)."""
    try:
        top = lines.index("defaults:")
    except ValueError:
        raise CalibrationError("Fichier de valeurs par défaut sans section « defaults ».") from None
    key = re.compile(rf"^  {re.escape(default_id)}:\s*$")
    start = None
    for i in range(top + 1, len(lines)):
        if re.match(r"^[^\s#]", lines[i]):  # the next top-level key: end of « defaults »
            break
        if key.match(lines[i]):
            start = i
            break
    if start is None:
        raise CalibrationError(f"Entrée « {default_id} » introuvable dans le fichier source.")
    end = start + 1
    while end < len(lines) and not re.match(r"^ {0,2}\S", lines[end]):
        end += 1
    return start, end


def build_defaults_text(
    source_text: str,
    *,
    source_version: str,
    version: str,
    changes: Iterable[Change],
    provenance: str,
    day: datetime.date,
) -> str:
    """The new file: ``source_text`` with the version and the accepted changes replaced.

    ``provenance`` names the population (« Panel KinéCO2 Campagne 2026 »); each replaced
    entry's source reads « <provenance>, médiane de N cabinets, <date> ».
    """
    lines = source_text.splitlines()
    accepted = [c for c in changes if c.accepted]
    for change in accepted:
        start, end = _entry_span(lines, change.default_id)
        block = lines[start:end]
        fields = {}
        for i, line in enumerate(block):
            found = re.match(r"^    (value|quality|source):\s*(.*)$", line)
            if found:
                fields[found.group(1)] = (i, found.group(2))
        if "value" not in fields:
            raise CalibrationError(f"Entrée « {change.default_id} » sans « value ».")
        old = {key: text for key, (_, text) in fields.items()}
        source = f"{provenance}, médiane d'environ {change.n} cabinets, {french_date(day)}"
        new_block = list(block)
        new_block[fields["value"][0]] = f"    value: {_yaml_scalar(change.value)}"
        if "quality" in fields:
            new_block[fields["quality"][0]] = "    quality: publie"
        if "source" in fields:
            new_block[fields["source"][0]] = f"    source: {_yaml_scalar(source)}"
        comment = (
            f"    # Version {source_version} : value {old['value']}, "
            f"quality {old.get('quality', '?')}, source {old.get('source', '?')}"
        )
        new_block.insert(1, comment)
        lines[start:end] = new_block
    text = "\n".join(lines) + "\n"
    text = re.sub(r"^version:\s*.*$", f'version: "{version}"', text, count=1, flags=re.MULTILINE)
    header = (
        f"# KinéCO2 defaults, version {version} : copie de la version {source_version} dont "
        f"{len(accepted)} valeur(s) sont recalibrées sur des médianes observées\n"
        f"# ({provenance}, {french_date(day)}). Chaque valeur remplacée garde sa valeur "
        "précédente en commentaire.\n"
    )
    text = re.sub(rf"^# KinéCO2 defaults, version {re.escape(source_version)}\.\n", "", text)
    return header + text


def check_version(version: str, *, source_version: str, output_dir: Path) -> Path:
    """The path of the new file; refuses a malformed, older or existing version."""
    if not _VERSION.match(version):
        raise CalibrationError(
            f"Version invalide « {version} » : attendu AAAA.N, par exemple 2026.1."
        )
    key = tuple(int(x) for x in version.split("."))
    if key <= tuple(int(x) for x in source_version.split(".")):
        raise CalibrationError(
            f"La version {version} doit être postérieure à la version source {source_version}."
        )
    target = Path(output_dir) / f"{version}.yaml"
    if target.exists() or (DEFAULTS_DIR / f"{version}.yaml").exists():
        raise CalibrationError(
            f"La version {version} existe déjà : une version publiée n'est jamais réécrite. "
            "Choisissez un nouveau numéro."
        )
    return target


def source_defaults(version: str | None = None) -> tuple[str, str]:
    """(version, text) of the defaults file to copy (the latest by default)."""
    version = version or available_versions()[-1]
    path = DEFAULTS_DIR / f"{version}.yaml"
    if not path.exists():
        raise CalibrationError(f"Version source inconnue : « {version} ».")
    return version, path.read_text(encoding="utf-8")


def validate_text(text: str, version: str, changes: Iterable[Change]) -> None:
    """The new text parses (:func:`parse_defaults`) and holds the intended values."""
    try:
        parsed = parse_defaults(yaml.safe_load(text))
    except (EngineError, yaml.YAMLError) as exc:
        raise CalibrationError(f"Le fichier produit est invalide : {exc}") from exc
    if parsed.version != version:
        raise CalibrationError("Le fichier produit ne porte pas la bonne version.")
    for change in changes:
        if change.accepted and parsed[change.default_id].value != change.value:
            raise CalibrationError(f"« {change.default_id} » n'a pas été remplacé.")


def diff(old_text: str, new_text: str, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )


def write_defaults(target: Path, text: str) -> None:
    """Create ``target`` (never overwrite: exclusive creation)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise CalibrationError(
            f"La version {target.stem} existe déjà : une version publiée n'est jamais réécrite."
        ) from None
