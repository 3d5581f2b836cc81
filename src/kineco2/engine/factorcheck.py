"""Check the project's factors against an ADEME Base Carbone export; propose a new version.

For every factor that names a Base Carbone element (an explicit ``base_carbone_id`` column
when the factor file has one, else the id written at the head of its ``source``: « ADEME Base
Carbone id 42513 … »), :func:`check_factors` reports one status:

* ``identique``: same value (after unit conversion);
* ``valeur_differente``: old → new value and relative change;
* ``archive``: the element is archived in the export;
* ``absent``: the element is not in the export;
* ``unite_incompatible``: the units measure different things;

plus, independently, whether the uncertainty differs. Ids merely *cited* in a source (« Base
Carbone id 27002 = 156 » beside an ADEME-Arcep value) are not the factor's source and are not
checked.

:func:`propose_version` turns a report into a new factor file (a copy of the checked version
with the drifted values, units and uncertainties updated, quality ``publie``) and the list of
its changes, each with its reason and the export line it comes from. It writes nothing:
:func:`write_proposal` does, refusing to overwrite an existing version. Pure Python.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kineco2.engine.basecarbone import Element, read_elements
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.factors import FACTORS_DIR, Factor, FactorSet, parse_factor_rows
from kineco2.engine.formatting import format_percent, format_significant
from kineco2.engine.units import UnitMismatch, conversion_factor, parse_unit

__all__ = [
    "STATUSES",
    "CheckReport",
    "FactorCheck",
    "Proposal",
    "check_factors",
    "element_ids",
    "propose_version",
    "write_proposal",
]

STATUSES = {
    "identique": "même valeur",
    "valeur_differente": "valeur différente",
    "archive": "élément archivé",
    "absent": "absent de l'export",
    "unite_incompatible": "unité incompatible",
}
#: Relative difference below which two values are the same (rounding of the conversion).
SAME = 1e-9
#: Uncertainties differing by less than this (percentage points) are the same.
SAME_UNCERTAINTY = 0.5

_PRIMARY = re.compile(
    r"\bBase\s+(?:Carbone|Empreinte)\S*\s+(?:id|identifiant|élément)\s*:?\s*(\d{3,6})\b",
    re.IGNORECASE,
)
_CITED = re.compile(r"\b(?:id|identifiant|élément|éléments)\s*:?\s*(\d{3,6})\b", re.IGNORECASE)


def element_ids(factor: Factor, explicit: str | None = None) -> tuple[str | None, tuple[str, ...]]:
    """(the Base Carbone id the factor's value comes from, other ids its source cites).

    ``explicit``: the ``base_carbone_id`` column of the factor file, when it has one (it wins).
    Otherwise the id must be in the first clause of the source (before « ; »), after « Base
    Carbone » or « Base Empreinte ».
    """
    source = factor.source or ""
    first = source.split(";", 1)[0]
    primary = (explicit or "").strip() or None
    if primary is None:
        match = _PRIMARY.search(first)
        primary = match.group(1) if match else None
    cited = tuple(dict.fromkeys(m for m in _CITED.findall(source) if m != primary))
    return primary, cited


@dataclass(frozen=True)
class FactorCheck:
    factor: Factor
    element_id: str
    status: str
    element: Element | None = None
    export_value: float | None = None  # in the project's unit
    relative_change: float | None = None
    uncertainty_differs: bool = False
    notes: tuple[str, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    def to_dict(self) -> dict[str, Any]:
        element = self.element
        return {
            "factor_id": self.factor.id,
            "label": self.factor.label,
            "base_carbone_id": self.element_id,
            "status": self.status,
            "status_label": self.status_label,
            "project": {
                "value": self.factor.value,
                "unit": self.factor.unit,
                "uncertainty_pct": self.factor.uncertainty_pct,
            },
            "export": None
            if element is None
            else {
                "line": element.line,
                "label": element.label,
                "value": element.value,
                "unit": element.unit,
                "value_in_project_unit": self.export_value,
                "uncertainty_pct": element.uncertainty_pct,
                "status": element.status,
                "modified": element.modified.isoformat() if element.modified else None,
            },
            "relative_change": self.relative_change,
            "uncertainty_differs": self.uncertainty_differs,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CheckReport:
    factors_version: str
    export_name: str
    export_sha256: str
    checks: tuple[FactorCheck, ...]
    without_id: tuple[str, ...]  # factor ids naming no Base Carbone element

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for check in self.checks:
            counts[check.status] += 1
        counts["incertitude_differente"] = sum(c.uncertainty_differs for c in self.checks)
        return counts

    @property
    def drifted(self) -> list[FactorCheck]:
        return [c for c in self.checks if c.status != "identique" or c.uncertainty_differs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "factors_version": self.factors_version,
            "export": {"name": self.export_name, "sha256": self.export_sha256},
            "counts": self.counts(),
            "checks": [c.to_dict() for c in self.checks],
            "without_base_carbone_id": list(self.without_id),
        }


def _sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_one(factor: Factor, element_id: str, element: Element | None) -> FactorCheck:
    if element is None:
        return FactorCheck(factor, element_id, "absent")
    notes: list[str] = []
    export_value = None
    relative = None
    status = "identique"
    try:
        scale = conversion_factor(element.unit, factor.unit)
    except UnitMismatch as exc:
        status = "unite_incompatible"
        notes.append(str(exc))
    else:
        source_unit, target_unit = parse_unit(element.unit), parse_unit(factor.unit)
        if scale != 1.0 or (source_unit and target_unit and element.unit != factor.unit):
            notes.append(f"unité de l'export « {element.unit} » convertie en « {factor.unit} »")
        if element.value is None:
            status = "absent"
            notes.append("l'élément n'a pas de valeur (« Total poste non décomposé » vide)")
        else:
            export_value = float(f"{element.value * scale:.12g}")
            if factor.value:
                relative = (export_value - factor.value) / factor.value
                same = abs(relative) <= SAME
            else:
                same = abs(export_value) <= SAME
                relative = None if not same else 0.0
            if not same:
                status = "valeur_differente"
    if element.archived:
        status = "archive"
        notes.append(f"statut dans l'export : « {element.status} »")
    differs = False
    if element.uncertainty_pct is None:
        if factor.uncertainty_basis == "publiee":
            differs = True
            notes.append("incertitude dite publiée dans le projet, absente de l'export")
        else:
            notes.append("incertitude non publiée dans l'export")
    elif abs(element.uncertainty_pct - factor.uncertainty_pct) > SAME_UNCERTAINTY:
        differs = True
    return FactorCheck(
        factor,
        element_id,
        status,
        element=element,
        export_value=export_value,
        relative_change=relative,
        uncertainty_differs=differs,
        notes=tuple(notes),
    )


def explicit_ids(version: str, factors_dir: Path = FACTORS_DIR) -> dict[str, str]:
    """The ``base_carbone_id`` column of a factor file, when it has one (else empty)."""
    path = factors_dir / f"{version}.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if "base_carbone_id" not in (reader.fieldnames or ()):
            return {}
        return {
            row["id"].strip(): (row.get("base_carbone_id") or "").strip()
            for row in reader
            if (row.get("base_carbone_id") or "").strip()
        }


def check_factors(
    factors: FactorSet,
    export: str | Path,
    *,
    explicit: Mapping[str, str] | None = None,
) -> CheckReport:
    """Compare every factor naming a Base Carbone element with the element in ``export``."""
    explicit = dict(explicit if explicit is not None else explicit_ids(factors.version))
    wanted: dict[str, str] = {}
    without: list[str] = []
    for factor in factors.values():
        primary, _ = element_ids(factor, explicit.get(factor.id))
        if primary is None:
            without.append(factor.id)
        else:
            wanted[factor.id] = primary
    elements = read_elements(export, ids=set(wanted.values()))
    checks = tuple(
        _check_one(factors[factor_id], element_id, elements.get(element_id))
        for factor_id, element_id in wanted.items()
    )
    return CheckReport(
        factors_version=factors.version,
        export_name=Path(export).name,
        export_sha256=_sha256(export),
        checks=checks,
        without_id=tuple(without),
    )


# -- proposal of a new version ------------------------------------------------------------
@dataclass
class Proposal:
    version: str
    base_version: str
    fieldnames: list[str]
    rows: list[dict[str, str]]
    changes: list[dict[str, Any]] = field(default_factory=list)
    to_review: list[dict[str, Any]] = field(default_factory=list)

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()

    def changes_document(self, report: CheckReport) -> dict[str, Any]:
        return {
            "version": self.version,
            "base": self.base_version,
            "status": "brouillon",
            "export": {"name": report.export_name, "sha256": report.export_sha256},
            "changes": self.changes,
            "to_review": self.to_review,
        }


def _number_text(value: float) -> str:
    text = f"{value:.6g}"
    return text if "e" not in text else repr(value)


def _element_ref(check: FactorCheck, export_name: str) -> str:
    element = check.element
    assert element is not None
    when = f", modifié le {element.modified.strftime('%d/%m/%Y')}" if element.modified else ""
    return f"élément {element.id} « {element.label} », {export_name} ligne {element.line}{when}"


def propose_version(
    report: CheckReport,
    new_version: str,
    *,
    factors_dir: Path = FACTORS_DIR,
) -> Proposal:
    """The checked version with what drifted updated from the export, every change explained."""
    base_path = factors_dir / f"{report.factors_version}.csv"
    with base_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = [dict(row) for row in reader]
    by_id = {row["id"]: row for row in rows}
    # the ``change`` column explains a version's own changes: the base's reasons do not carry
    # over (a row changed here gets the reasons below)
    if "change" in fieldnames:
        for row in rows:
            row["change"] = ""
    proposal = Proposal(new_version, report.factors_version, fieldnames, rows)
    for check in report.checks:
        row = by_id[check.factor.id]
        factor = check.factor
        if check.status in ("absent", "archive", "unite_incompatible"):
            reason = {
                "absent": f"l'élément {check.element_id} n'est pas dans l'export",
                "archive": f"l'élément {check.element_id} est archivé dans l'export",
                "unite_incompatible": "unité incompatible : " + "; ".join(check.notes),
            }[check.status]
            proposal.to_review.append(
                {
                    "factor": factor.id,
                    "base_carbone_id": check.element_id,
                    "status": check.status,
                    "reason": reason + " : valeur inchangée, à revoir.",
                    "source_line": check.element.line if check.element else None,
                }
            )
            continue
        element = check.element
        assert element is not None
        ref = _element_ref(check, report.export_name)
        touched = False
        if check.status == "valeur_differente" and check.export_value is not None:
            proposal.changes.append(
                {
                    "factor": factor.id,
                    "field": "value",
                    "old": factor.value,
                    "new": check.export_value,
                    "unit": factor.unit,
                    "relative_change": check.relative_change,
                    "reason": f"Valeur de l'ADEME Base Carbone ({ref}).",
                    "source_line": element.line,
                }
            )
            row["value"] = _number_text(check.export_value)
            touched = True
        if check.uncertainty_differs and element.uncertainty_pct is not None:
            proposal.changes.append(
                {
                    "factor": factor.id,
                    "field": "uncertainty_pct",
                    "old": factor.uncertainty_pct,
                    "new": element.uncertainty_pct,
                    "reason": f"Incertitude publiée avec l'élément ({ref}).",
                    "source_line": element.line,
                }
            )
            row["uncertainty_pct"] = _number_text(element.uncertainty_pct)
            row["uncertainty_basis"] = "publiee"
            touched = True
        if factor.quality == "secondaire":  # a proxy stays a proxy: the object differs
            proposal.changes.append(
                {
                    "factor": factor.id,
                    "field": "quality",
                    "old": factor.quality,
                    "new": "publie",
                    "reason": "Lue dans l'export officiel de l'ADEME (source primaire) et non "
                    "plus dans une source secondaire.",
                    "source_line": element.line,
                }
            )
            row["quality"] = "publie"
            touched = True
        if touched:
            if "change" in fieldnames:
                row["change"] = " ".join(
                    dict.fromkeys(c["reason"] for c in proposal.changes if c["factor"] == factor.id)
                )
            previous = f"{report.factors_version} : {format_significant(factor.value, 3)}"
            row["source"] = (
                f"ADEME Base Carbone id {element.id} ({element.label}, export officiel"
                + (
                    f" modifié le {element.modified.strftime('%d/%m/%Y')}"
                    if element.modified
                    else ""
                )
                + f") ; valeur {previous} ({factor.source})"
            )
    # the proposal must load: same validation as a released file
    parse_factor_rows(proposal.rows, new_version)
    return proposal


def write_proposal(
    proposal: Proposal,
    report: CheckReport,
    *,
    factors_dir: Path = FACTORS_DIR,
) -> list[Path]:
    """Write ``<version>.csv``, ``<version>.changes.yaml`` and ``<version>.unused.yaml``.

    Refuses (French :class:`ReferenceDataError`) when the version already exists: a version,
    released or draft, is never overwritten.
    """
    target = factors_dir / f"{proposal.version}.csv"
    if target.exists():
        raise ReferenceDataError(
            f"La version {proposal.version} existe déjà ({target.name}) : "
            "une version n'est jamais réécrite, choisissez un nouveau numéro."
        )
    written = [target]
    target.write_text(proposal.csv_text(), encoding="utf-8")
    changes = factors_dir / f"{proposal.version}.changes.yaml"
    changes.write_text(
        yaml.safe_dump(
            proposal.changes_document(report), allow_unicode=True, sort_keys=False, width=100
        ),
        encoding="utf-8",
    )
    written.append(changes)
    unused = factors_dir / f"{proposal.base_version}.unused.yaml"
    if unused.exists():
        copy = factors_dir / f"{proposal.version}.unused.yaml"
        copy.write_text(unused.read_text(encoding="utf-8"), encoding="utf-8")
        written.append(copy)
    return written


def render_check(report: CheckReport) -> str:
    """The French table of ``kineco2 factors check``."""
    sp = " "

    def num(value: float | None) -> str:
        if value is None:
            return "–"
        text = format_significant(value, 4, thousands=sp)
        return text.rstrip("0").rstrip(",") if "," in text else text

    rows = [("Facteur", "Élément", "Statut", "Projet", "Export", "Écart", "Incertitude")]
    for check in report.checks:
        unit = check.factor.unit
        export = "–"
        if check.element is not None:
            if check.export_value is not None:
                export = num(check.export_value)
            elif check.element.value is not None:
                export = f"{num(check.element.value)} {check.element.unit}"
        change = ""
        if check.relative_change is not None and check.status != "identique":
            change = format_percent(check.relative_change, 1).replace("\u00a0", " ")
            if check.relative_change > 0:
                change = "+" + change
        unc = f"{num(check.factor.uncertainty_pct)} %"
        if check.element is not None and check.element.uncertainty_pct is not None:
            unc += f" → {num(check.element.uncertainty_pct)} %" if check.uncertainty_differs else ""
        elif check.element is not None:
            unc += " (non publiée)"
        rows.append(
            (
                check.factor.id,
                check.element_id,
                check.status_label,
                f"{num(check.factor.value)} {unit}",
                export,
                change,
                unc + (" ≠" if check.uncertainty_differs else ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        f"Facteurs {report.factors_version} comparés à l'export {report.export_name}",
        "",
    ]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    counts = report.counts()
    lines += [
        "",
        f"{len(report.checks)} facteur(s) désignant un élément de la Base Carbone : "
        + ", ".join(f"{counts[k]} {STATUSES[k]}" for k in STATUSES)
        + f" ; incertitude différente : {counts['incertitude_differente']}.",
        f"{len(report.without_id)} facteur(s) sans identifiant Base Carbone (non vérifiables).",
    ]
    notes = [(c.factor.id, n) for c in report.checks for n in c.notes]
    if notes:
        lines += ["", "Remarques :"]
        lines += [f"  - {fid} : {note}" for fid, note in notes]
    return "\n".join(lines)


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
