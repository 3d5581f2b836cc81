"""Defaults used when the user answers « je ne sais pas ».

Defaults live in ``data/defaults/<version>.yaml``. Each default has a value, a unit, what it
scales with (``per``: the practice, a practitioner, a m², a session), an uncertainty, a quality
and a source. The patient-travel table by zone, the non-car modal split and the refrigerant
equipment hypotheses are kept in the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kineco2.engine.errors import FactorLookupError, ReferenceDataError

DEFAULTS_DIR = Path(__file__).parent / "data" / "defaults"
PER = {
    "none": "",
    "cabinet": "par cabinet",
    "kine": "par kiné",
    "m2": "par m²",
    "seance": "par séance",
    "seance_cabinet": "par séance au cabinet",
}
QUALITIES = ("publie", "secondaire", "proxy", "estimation")
_VERSION = re.compile(r"^\d{4}\.\d+$")


@dataclass(frozen=True, slots=True)
class Default:
    id: str
    value: Any
    unit: str
    per: str
    uncertainty_pct: float
    quality: str
    source: str

    @property
    def is_estimate(self) -> bool:
        return self.quality in ("proxy", "estimation")


@dataclass(frozen=True)
class DefaultSet:
    version: str
    factors_version: str
    defaults: dict[str, Default]
    patient_zones: dict[str, dict[str, Any]]
    patient_zones_source: str
    patient_zone_km_uncertainty_pct: float
    non_car_split: dict[str, float]
    non_car_split_source: str
    cooling_types: dict[str, dict[str, Any]]
    cooling_source: str

    def __getitem__(self, default_id: str) -> Default:
        try:
            return self.defaults[default_id]
        except KeyError:
            raise FactorLookupError(
                f"Valeur par défaut inconnue « {default_id} » (version {self.version})."
            ) from None


def available_versions() -> list[str]:
    versions = [p.stem for p in DEFAULTS_DIR.glob("*.yaml") if _VERSION.match(p.stem)]
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


def latest_version() -> str:
    return available_versions()[-1]


def parse_defaults(raw: dict[str, Any]) -> DefaultSet:
    """Validate the parsed YAML document and build a :class:`DefaultSet`."""
    problems: list[str] = []
    version = str(raw.get("version", ""))
    if not _VERSION.match(version):
        problems.append(f"version invalide « {version} »")
    defaults: dict[str, Default] = {}
    for default_id, spec in (raw.get("defaults") or {}).items():
        try:
            item = Default(
                id=default_id,
                value=spec["value"],
                unit=str(spec["unit"]),
                per=spec["per"],
                uncertainty_pct=float(spec["uncertainty_pct"]),
                quality=spec["quality"],
                source=str(spec["source"]).strip(),
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{default_id} : entrée illisible ({exc!r})")
            continue
        if item.per not in PER:
            problems.append(f"{default_id} : « per » inconnu {item.per!r}")
        if item.quality not in QUALITIES:
            problems.append(f"{default_id} : qualité inconnue {item.quality!r}")
        if not 0 <= item.uncertainty_pct <= 200:
            problems.append(f"{default_id} : incertitude hors de [0, 200] %")
        if not item.source:
            problems.append(f"{default_id} : source manquante")
        if isinstance(item.value, int | float) and item.value < 0:
            problems.append(f"{default_id} : valeur négative")
        defaults[default_id] = item
    zones = raw.get("patient_zones") or {}
    zone_table = zones.get("zones") or {}
    for zone_id, zone in zone_table.items():
        if not 0 <= zone.get("car_share", -1) <= 1 or zone.get("round_trip_km", -1) < 0:
            problems.append(f"zone {zone_id} : distance ou part voiture invalide")
    split = (raw.get("non_car_split") or {}).get("shares") or {}
    if split and abs(sum(split.values()) - 1) > 1e-9:
        problems.append(f"répartition hors voiture : la somme vaut {sum(split.values())}, pas 1")
    cooling = raw.get("cooling_equipment") or {}
    if problems:
        raise ReferenceDataError(
            f"Valeurs par défaut version {version} invalides :\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    return DefaultSet(
        version=version,
        factors_version=str(raw.get("factors_version", "")),
        defaults=defaults,
        patient_zones=zone_table,
        patient_zones_source=str(zones.get("source", "")),
        patient_zone_km_uncertainty_pct=float(zones.get("km_uncertainty_pct", 50)),
        non_car_split=dict(split),
        non_car_split_source=str((raw.get("non_car_split") or {}).get("source", "")),
        cooling_types=dict(cooling.get("types") or {}),
        cooling_source=str(cooling.get("source", "")),
    )


@cache
def load_defaults(version: str | None = None) -> DefaultSet:
    version = version or latest_version()
    if not _VERSION.match(version):
        raise ReferenceDataError(f"Version de valeurs par défaut invalide : « {version} ».")
    path = DEFAULTS_DIR / f"{version}.yaml"
    if not path.exists():
        raise ReferenceDataError(
            f"Version de valeurs par défaut inconnue : « {version} ». "
            f"Versions disponibles : {', '.join(available_versions())}."
        )
    with path.open(encoding="utf-8") as handle:
        return parse_defaults(yaml.safe_load(handle))
