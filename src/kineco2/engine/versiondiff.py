"""What changed between two methodology versions: every factor and every default.

:func:`diff_versions` compares two versions of the registry (or two factor/defaults sets):
every factor added, removed or changed (value, unit, uncertainty, quality, source, year,
label) and every default (the ``defaults`` entries, the patient-zone table, the non-car split
and the refrigerant hypotheses, flattened to dotted ids such as ``zones.centre.car_share``),
with old and new value, relative change and **reason**.

The reason is, in order: the ``<version>.changes.yaml`` written beside a factor file by
``kineco2 factors new-version`` (reason and export line), a ``change`` (2026.1 on) /
``reason`` / ``motif`` column of the factor file or key of the default, else the new source when it
changed. Pure Python, no Django.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kineco2.engine.defaults import DEFAULTS_DIR, DefaultSet
from kineco2.engine.factors import FACTORS_DIR, Factor, FactorSet
from kineco2.engine.versions import REGISTRY, methodology_sets

__all__ = ["Change", "VersionDiff", "diff_sets", "diff_versions"]

REASON_KEYS = ("change", "reason", "change_reason", "motif", "raison", "changement")
FACTOR_FIELDS = {
    "value": "valeur",
    "unit": "unité",
    "uncertainty_pct": "incertitude (%)",
    "quality": "qualité",
    "kind": "nature",
    "year": "année",
    "label": "libellé",
    "source": "source",
}
DEFAULT_FIELDS = {
    "value": "valeur",
    "unit": "unité",
    "per": "rapporté à",
    "uncertainty_pct": "incertitude (%)",
    "quality": "qualité",
    "source": "source",
}
KINDS = {"ajoute": "ajouté", "retire": "retiré", "modifie": "modifié"}


@dataclass(frozen=True)
class Change:
    """One factor or default that is added, removed or changed."""

    table: str  # "facteur" or "defaut"
    id: str
    kind: str  # ajoute | retire | modifie
    label: str
    old_value: Any
    new_value: Any
    unit: str
    fields: tuple[tuple[str, Any, Any], ...]  # (field, old, new) for a change
    reason: str
    source_line: int | None = None

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def relative_change(self) -> float | None:
        old, new = self.old_value, self.new_value
        if not _is_number(old) or not _is_number(new) or not old:
            return None
        return (float(new) - float(old)) / float(old)

    @property
    def value_changed(self) -> bool:
        return any(name == "value" for name, _, _ in self.fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "unit": self.unit,
            "relative_change": self.relative_change,
            "fields": [{"field": f, "old": o, "new": n} for f, o, n in self.fields],
            "reason": self.reason,
            "source_line": self.source_line,
        }


@dataclass(frozen=True)
class VersionDiff:
    old: str
    new: str
    factors: tuple[Change, ...]
    defaults: tuple[Change, ...]

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.factors + self.defaults

    def counts(self) -> dict[str, dict[str, int]]:
        out = {}
        for table, items in (("facteurs", self.factors), ("defauts", self.defaults)):
            out[table] = {k: sum(c.kind == k for c in items) for k in KINDS}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "counts": self.counts(),
            "factors": [c.to_dict() for c in self.factors],
            "defaults": [c.to_dict() for c in self.defaults],
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return a == b


# -- reasons --------------------------------------------------------------------------------
def _factor_notes(version: str, factors_dir: Path) -> dict[str, tuple[str, int | None]]:
    """factor id → (reason, export line), from the changes file and/or a reason column."""
    notes: dict[str, tuple[str, int | None]] = {}
    path = factors_dir / f"{version}.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            key = next((k for k in REASON_KEYS if k in (reader.fieldnames or ())), None)
            if key:
                for row in reader:
                    if (row.get(key) or "").strip():
                        notes[row["id"].strip()] = (row[key].strip(), None)
    changes = factors_dir / f"{version}.changes.yaml"
    if changes.exists():
        doc = yaml.safe_load(changes.read_text(encoding="utf-8")) or {}
        grouped: dict[str, list[dict]] = {}
        for item in doc.get("changes") or []:
            grouped.setdefault(str(item.get("factor")), []).append(item)
        for factor_id, items in grouped.items():
            reasons = list(dict.fromkeys(str(i.get("reason", "")).strip() for i in items))
            line = next((i.get("source_line") for i in items if i.get("source_line")), None)
            notes[factor_id] = (" ".join(r for r in reasons if r), line)
    return notes


def _default_notes(version: str, defaults_dir: Path) -> dict[str, str]:
    path = defaults_dir / f"{version}.yaml"
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    notes = {}
    for default_id, spec in (raw.get("defaults") or {}).items():
        if isinstance(spec, dict):
            reason = next((spec[k] for k in REASON_KEYS if spec.get(k)), None)
            if reason:
                notes[default_id] = str(reason).strip()
    for block in (
        "patient_zones",
        "non_car_split",
        "cooling_equipment",
        "vat",
        "waste_streams",
        "categorical_shares",
    ):
        spec = raw.get(block)
        if isinstance(spec, dict):
            reason = next((spec[k] for k in REASON_KEYS if spec.get(k)), None)
            if reason:
                notes[block] = str(reason).strip()
    return notes


# -- factors --------------------------------------------------------------------------------
def _factor_change(
    old: Factor | None, new: Factor | None, note: tuple[str, int | None] | None
) -> Change | None:
    factor = new or old
    assert factor is not None
    reason, line = note or ("", None)
    if old is None:
        assert new is not None
        return Change(
            "facteur",
            new.id,
            "ajoute",
            new.label,
            None,
            new.value,
            new.unit,
            (),
            reason or f"Nouveau facteur. Source : {new.source}",
            line,
        )
    if new is None:
        return Change(
            "facteur",
            old.id,
            "retire",
            old.label,
            old.value,
            None,
            old.unit,
            (),
            reason or "Facteur retiré de la nouvelle version.",
            line,
        )
    fields = tuple(
        (name, getattr(old, name), getattr(new, name))
        for name in FACTOR_FIELDS
        if not _same(getattr(old, name), getattr(new, name))
    )
    if not fields:
        return None
    if not reason:
        reason = (
            f"Nouvelle source : {new.source}"
            if old.source != new.source
            else "Pas de motif écrit dans la nouvelle version."
        )
    return Change(
        "facteur",
        factor.id,
        "modifie",
        new.label,
        old.value,
        new.value,
        new.unit,
        fields,
        reason,
        line,
    )


# -- defaults -------------------------------------------------------------------------------
def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list | tuple):
        out[prefix] = list(value)
    else:
        out[prefix] = value


def _default_items(defaults: DefaultSet) -> dict[str, dict[str, Any]]:
    """Every default as {field: value}, including the flattened tables."""
    items: dict[str, dict[str, Any]] = {}
    for default_id, item in defaults.defaults.items():
        items[default_id] = {
            "value": item.value,
            "unit": item.unit,
            "per": item.per,
            "uncertainty_pct": item.uncertainty_pct,
            "quality": item.quality,
            "source": item.source,
        }
    for territory, overrides in (getattr(defaults, "territory_overrides", None) or {}).items():
        for default_id, item in overrides.items():
            items[f"territoires.{territory}.{default_id}"] = {
                "value": item.value,
                "unit": item.unit,
                "per": item.per,
                "uncertainty_pct": item.uncertainty_pct,
                "quality": item.quality,
                "source": item.source,
                "_block": default_id,
            }
    vat = dict(getattr(defaults, "vat", None) or {})
    tables = {
        "zones": (defaults.patient_zones, defaults.patient_zones_source, "patient_zones"),
        "tva": ({k: v for k, v in vat.items() if k != "source"}, vat.get("source", ""), "vat"),
        "flux_dechets": (getattr(defaults, "waste_streams", None) or {}, "", "waste_streams"),
        "repartitions": (
            getattr(defaults, "categorical_shares", None) or {},
            "",
            "categorical_shares",
        ),
        "repartition_hors_voiture": (
            defaults.non_car_split,
            defaults.non_car_split_source,
            "non_car_split",
        ),
        "froid": (defaults.cooling_types, defaults.cooling_source, "cooling_equipment"),
    }
    for name, (table, source, block) in tables.items():
        flat: dict[str, Any] = {}
        _flatten(name, table, flat)
        for key, value in flat.items():
            items[key] = {"value": value, "unit": "", "source": source, "_block": block}
    return items


def _default_change(
    default_id: str, old: dict | None, new: dict | None, notes: dict[str, str]
) -> Change | None:
    spec = new or old
    assert spec is not None
    reason = notes.get(default_id) or notes.get(spec.get("_block", ""), "")
    if old is None:
        assert new is not None
        return Change(
            "defaut",
            default_id,
            "ajoute",
            default_id,
            None,
            new["value"],
            new.get("unit", ""),
            (),
            reason or f"Nouvelle valeur par défaut. Source : {new.get('source') or '–'}",
        )
    if new is None:
        return Change(
            "defaut",
            default_id,
            "retire",
            default_id,
            old["value"],
            None,
            old.get("unit", ""),
            (),
            reason or "Valeur par défaut retirée de la nouvelle version.",
        )
    fields = tuple(
        (name, old.get(name), new.get(name))
        for name in DEFAULT_FIELDS
        if name in old or name in new
        if not _same(old.get(name), new.get(name))
    )
    if not fields:
        return None
    if not reason:
        reason = (
            f"Nouvelle source : {new.get('source')}"
            if old.get("source") != new.get("source")
            else "Pas de motif écrit dans la nouvelle version."
        )
    return Change(
        "defaut",
        default_id,
        "modifie",
        default_id,
        old["value"],
        new["value"],
        new.get("unit", ""),
        fields,
        reason,
    )


def diff_sets(
    old_factors: FactorSet,
    new_factors: FactorSet,
    old_defaults: DefaultSet,
    new_defaults: DefaultSet,
    *,
    old_name: str | None = None,
    new_name: str | None = None,
    factors_dir: Path = FACTORS_DIR,
    defaults_dir: Path = DEFAULTS_DIR,
) -> VersionDiff:
    """The diff of two (factors, defaults) pairs."""
    notes = _factor_notes(new_factors.version, factors_dir)
    factor_ids = list(old_factors) + [i for i in new_factors if i not in old_factors]
    factor_changes = [
        _factor_change(old_factors.factors.get(fid), new_factors.factors.get(fid), notes.get(fid))
        for fid in factor_ids
    ]
    default_notes = (
        _default_notes(new_defaults.version, defaults_dir)
        if new_defaults.version != old_defaults.version
        else {}
    )
    old_items, new_items = _default_items(old_defaults), _default_items(new_defaults)
    default_ids = list(old_items) + [i for i in new_items if i not in old_items]
    default_changes = [
        _default_change(did, old_items.get(did), new_items.get(did), default_notes)
        for did in default_ids
    ]
    order = {"modifie": 0, "ajoute": 1, "retire": 2}
    return VersionDiff(
        old=old_name or old_factors.version,
        new=new_name or new_factors.version,
        factors=tuple(sorted((c for c in factor_changes if c), key=lambda c: order[c.kind])),
        defaults=tuple(sorted((c for c in default_changes if c), key=lambda c: order[c.kind])),
    )


def diff_versions(old: str, new: str, *, registry: Path = REGISTRY) -> VersionDiff:
    """The diff between two methodology versions of the registry."""
    old_factors, old_defaults = methodology_sets(old, registry)
    new_factors, new_defaults = methodology_sets(new, registry)
    return diff_sets(
        old_factors,
        new_factors,
        old_defaults,
        new_defaults,
        old_name=old,
        new_name=new,
        factors_dir=registry.parent / "factors",
        defaults_dir=registry.parent / "defaults",
    )
