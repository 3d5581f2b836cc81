"""Defaults used when the user answers « je ne sais pas ».

Defaults live in ``data/defaults/<version>.yaml``. Each default has a value, a unit, what it
scales with (``per``: the practice, a practitioner, a m², a session), an uncertainty, a quality
and a source. The patient-travel table by zone, the non-car modal split and the refrigerant
equipment hypotheses are kept in the same file.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kineco2.engine import datacache
from kineco2.engine.errors import FactorLookupError, ReferenceDataError

DEFAULTS_DIR = Path(__file__).parent / "data" / "defaults"
PER = {
    "none": "",
    "cabinet": "par cabinet",
    "kine": "par kiné",
    "kine_cabinet": "par kiné, hors part des visites à domicile",
    "m2": "par m²",
    "seance": "par séance",
    "seance_cabinet": "par séance au cabinet",
}
QUALITIES = ("publie", "secondaire", "proxy", "estimation")
_VERSION = re.compile(r"^\d{4}\.\d+$")
#: A reference to the team's internal research notes, e.g. « (domain-research §8.2) ». Two
#: released files (defaults 2025.1 and 2026.1) carry it in a source; those files are never
#: edited, and what users read must not send them to a document they cannot open. The quality
#: « estimation » already says where the figure comes from.
_INTERNAL_REFERENCE = re.compile(r"\s*\(\s*domain-research(?:\.md)?\s*(?:§\s*[\d.]+)?\s*\)")


def public_source(text: str) -> str:
    """``text`` as users read it: without references to internal working documents."""
    return _INTERNAL_REFERENCE.sub("", text).strip()


@dataclass(frozen=True, slots=True)
class Default:
    id: str
    value: Any
    unit: str
    per: str
    uncertainty_pct: float
    quality: str
    source: str
    #: Why the entry differs from the previous version (empty when unchanged).
    change: str = ""

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
    #: Territory id → its own defaults (already merged with its group's), from 2026.1 on.
    territory_overrides: dict[str, dict[str, Default]] = field(default_factory=dict)
    #: VAT: ``{"rates": {category: rate}, "fields": {"section.field": category}, "source": …}``.
    vat: dict[str, Any] = field(default_factory=dict)
    #: Waste stream (question name, or ``paper_roll``) → factor id, from 2026.1 on.
    waste_streams: dict[str, str] = field(default_factory=dict)
    #: Categorical default → ``{"shares": {option: probability}, "source": …}``.
    categorical_shares: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The territory these defaults were resolved for (``""``: national defaults).
    territory: str = ""

    def for_territory(self, territory: str) -> DefaultSet:
        """The defaults of ``territory``: its own entries replace the national ones.

        Built once per territory and kept (a set of defaults is immutable)."""
        cache = self.__dict__.setdefault("_by_territory", {})
        if territory not in cache:
            cache[territory] = self._resolve_territory(territory)
        return cache[territory]

    def _resolve_territory(self, territory: str) -> DefaultSet:
        overrides = self.territory_overrides.get(territory)
        if not overrides:
            return self
        # A categorical default replaced by the territory is no longer uncertain between the
        # national options (no gas heating drawn in La Réunion).
        categorical = {k: v for k, v in self.categorical_shares.items() if k not in overrides}
        return dataclasses.replace(
            self,
            defaults={**self.defaults, **overrides},
            categorical_shares=categorical,
            territory=territory,
        )

    def vat_rate(self, field_path: str) -> float:
        """VAT rate included in an amount « as paid » (0 when the version has no VAT rule)."""
        category = (self.vat.get("fields") or {}).get(field_path)
        if category is None:
            return 0.0
        return float(self.vat["rates"][category])

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
    """The defaults of the current methodology version (newest *published* in the registry)."""
    from kineco2.engine.versions import current_version

    return current_version().defaults


def parse_defaults(raw: dict[str, Any]) -> DefaultSet:
    """Validate the parsed YAML document and build a :class:`DefaultSet`."""
    problems: list[str] = []
    version = str(raw.get("version", ""))
    if not _VERSION.match(version):
        problems.append(f"version invalide « {version} »")
    defaults = _parse_entries(raw.get("defaults") or {}, problems, "")
    groups = raw.get("territory_groups") or {}
    by_territory: dict[str, dict[str, Default]] = {}
    raw_overrides = raw.get("territory_overrides") or {}
    for key, entries in raw_overrides.items():
        parsed = _parse_entries(entries or {}, problems, f"{key} : ")
        for default_id in parsed:
            if default_id not in defaults:
                problems.append(f"{key} : « {default_id} » ne remplace aucune valeur par défaut")
        for territory in groups.get(key, [key]):
            # A territory's own entries win over its group's (groups are applied first).
            own = key not in groups
            current = by_territory.setdefault(territory, {})
            for default_id, item in parsed.items():
                if own or default_id not in current:
                    current[default_id] = item
    zones = raw.get("patient_zones") or {}
    zone_table = zones.get("zones") or {}
    for zone_id, zone in zone_table.items():
        if "km_by_mode" in zone:
            modes = zone["km_by_mode"] or {}
            if not modes or any(not isinstance(v, int | float) or v < 0 for v in modes.values()):
                problems.append(f"zone {zone_id} : kilomètres par mode invalides")
            unknown = set(modes) - PATIENT_MODES
            if unknown:
                problems.append(f"zone {zone_id} : modes inconnus {sorted(unknown)}")
        elif not 0 <= zone.get("car_share", -1) <= 1 or zone.get("round_trip_km", -1) < 0:
            problems.append(f"zone {zone_id} : distance ou part voiture invalide")
    vat = raw.get("vat") or {}
    for path, category in (vat.get("fields") or {}).items():
        rate = (vat.get("rates") or {}).get(category)
        if not isinstance(rate, int | float) or not 0 <= rate < 1:
            problems.append(f"TVA : taux inconnu ou invalide pour {path} ({category})")
    categorical = raw.get("categorical_shares") or {}
    for name, spec in categorical.items():
        shares = (spec or {}).get("shares") or {}
        if not shares or abs(sum(shares.values()) - 1) > 1e-9 or min(shares.values()) <= 0:
            problems.append(f"parts de « {name} » : elles doivent être positives et sommer à 1")
        if not (spec or {}).get("source"):
            problems.append(f"parts de « {name} » : source manquante")
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
        territory_overrides=by_territory,
        vat=dict(vat),
        waste_streams=dict(raw.get("waste_streams") or {}),
        categorical_shares=dict(categorical),
    )


#: Patient travel modes of the zone table (see data/defaults/<version>.yaml, patient_zones).
PATIENT_MODES = frozenset(
    {
        "voiture_thermique",
        "voiture_electrique",
        "bus",
        "tram_metro",
        "train",
        "tgv",
        "deux_roues",
        "vae",
    }
)


def _parse_entries(entries: dict[str, Any], problems: list[str], where: str) -> dict[str, Default]:
    """Validate default entries (the main list or one territory's overrides)."""
    parsed: dict[str, Default] = {}
    for default_id, spec in entries.items():
        try:
            item = Default(
                id=default_id,
                value=spec["value"],
                unit=str(spec["unit"]),
                per=spec["per"],
                uncertainty_pct=float(spec["uncertainty_pct"]),
                quality=spec["quality"],
                source=public_source(str(spec["source"])),
                change=str(spec.get("change", "")).strip(),
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}{default_id} : entrée illisible ({exc!r})")
            continue
        if item.per not in PER:
            problems.append(f"{where}{default_id} : « per » inconnu {item.per!r}")
        if item.quality not in QUALITIES:
            problems.append(f"{where}{default_id} : qualité inconnue {item.quality!r}")
        if not 0 <= item.uncertainty_pct <= 200:
            problems.append(f"{where}{default_id} : incertitude hors de [0, 200] %")
        if not item.source:
            problems.append(f"{where}{default_id} : source manquante")
        if isinstance(item.value, int | float) and item.value < 0:
            problems.append(f"{where}{default_id} : valeur négative")
        parsed[default_id] = item
    return parsed


def load_defaults(version: str | None = None) -> DefaultSet:
    """Load and validate one version of the defaults (the latest by default)."""
    return _load_defaults(version or latest_version())


@cache
def _load_defaults(version: str) -> DefaultSet:
    if not _VERSION.match(version):
        raise ReferenceDataError(f"Version de valeurs par défaut invalide : « {version} ».")
    path = DEFAULTS_DIR / f"{version}.yaml"
    if not path.exists():
        raise ReferenceDataError(
            f"Version de valeurs par défaut inconnue : « {version} ». "
            f"Versions disponibles : {', '.join(available_versions())}."
        )
    return parse_defaults(datacache.load_yaml(path))
