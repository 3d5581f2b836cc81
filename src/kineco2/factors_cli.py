"""``kineco2 factors check | new-version | diff``: the methodology maintainers' commands.

* ``check EXPORT.csv``: the project's factors against an ADEME Base Carbone export;
* ``new-version 2026.2 --from EXPORT.csv``: a draft factor file with the drifted values
  updated, every change with its reason and export line (``<v>.changes.yaml``), registered
  as ``brouillon``; never touches an existing version;
* ``diff A B``: every factor and default added, removed or changed between two versions.

Thin layer over :mod:`kineco2.engine.factorcheck` and :mod:`kineco2.engine.versiondiff`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.formatting import format_percent, format_significant
from kineco2.engine.versions import REGISTRY, current_version, entry, methodology_sets

_VERSION = re.compile(r"^\d{4}\.\d+$")


def _registry(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) / "versions.yaml" if args.data_dir else REGISTRY


def _plain(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "–" if value is None else str(value)
    if isinstance(value, int | float):
        text = format_significant(float(value), 4, thousands=" ")
        if "," in text:
            text = text.rstrip("0").rstrip(",")
        return text
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _percent(value: float | None) -> str:
    if value is None:
        return ""
    text = format_percent(value, 1).replace("\u00a0", " ")
    return "+" + text if value > 0 else text


def cmd_check(args: argparse.Namespace) -> int:
    from kineco2.engine.factorcheck import check_factors, explicit_ids, render_check

    registry = _registry(args)
    version = args.version or current_version(registry).version
    factors, _ = methodology_sets(version, registry)
    report = check_factors(
        factors, args.export, explicit=explicit_ids(factors.version, registry.parent / "factors")
    )
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_check(report))
    return 0


def cmd_new_version(args: argparse.Namespace) -> int:
    from kineco2.engine.factorcheck import (
        check_factors,
        explicit_ids,
        propose_version,
        write_proposal,
    )
    from kineco2.engine.versions import load_registry, register_draft, version_key

    registry = _registry(args)
    new = args.new_version
    if not _VERSION.match(new):
        raise ReferenceDataError(f"Numéro de version invalide « {new} » (forme attendue : 2026.2).")
    known = load_registry(registry)
    if new in known:
        raise ReferenceDataError(
            f"La version {new} existe déjà ({known[new].status_label}) : "
            "une version n'est jamais réécrite, choisissez un nouveau numéro."
        )
    base = entry(args.base, registry) if args.base else current_version(registry)
    if version_key(new) <= version_key(base.version):
        raise ReferenceDataError(
            f"La nouvelle version {new} doit suivre la version de départ {base.version}."
        )
    factors, _ = methodology_sets(base.version, registry)
    factors_dir = registry.parent / "factors"
    report = check_factors(
        factors, args.export, explicit=explicit_ids(factors.version, factors_dir)
    )
    proposal = propose_version(report, new, factors_dir=factors_dir)
    written = write_proposal(proposal, report, factors_dir=factors_dir)
    register_draft(
        new,
        defaults=base.defaults,
        summary=(
            f"Proposition générée depuis l'export {report.export_name} à partir de "
            f"{base.version} : à relire avant publication."
        ),
        path=registry,
    )
    print(f"Version {new} proposée (brouillon) à partir de {base.version} :")
    for path in written:
        print(f"  - {path}")
    print(f"  - {registry} (statut « brouillon »)")
    print("")
    if proposal.changes:
        print(f"{len(proposal.changes)} changement(s) :")
        for change in proposal.changes:
            print(
                f"  - {change['factor']} ({change['field']}) : {_plain(change['old'])} → "
                f"{_plain(change['new'])} {_percent(change.get('relative_change'))}".rstrip()
            )
            print(f"      {change['reason']}")
    else:
        print("Aucune valeur à mettre à jour : les facteurs vérifiés sont identiques à l'export.")
    if proposal.to_review:
        print(f"\n{len(proposal.to_review)} facteur(s) à revoir à la main :")
        for item in proposal.to_review:
            print(f"  - {item['factor']} : {item['reason']}")
    print(f"\nComparer : kineco2 factors diff {base.version} {new}")
    return 0


def render_diff(diff) -> str:
    from kineco2.engine.versiondiff import DEFAULT_FIELDS, FACTOR_FIELDS

    lines = [f"Ce qui a changé entre les versions {diff.old} et {diff.new}", ""]
    for title, items in (
        ("Facteurs d'émission", diff.factors),
        ("Valeurs par défaut", diff.defaults),
    ):
        counts = {k: sum(c.kind == k for c in items) for k in ("modifie", "ajoute", "retire")}
        lines.append(
            f"{title} : {counts['modifie']} modifié(s), {counts['ajoute']} ajouté(s), "
            f"{counts['retire']} retiré(s)"
        )
        for change in items:
            head = f"  [{change.kind_label}] {change.id}"
            if change.kind == "modifie":
                value = ""
                if change.value_changed:
                    value = (
                        f" : {_plain(change.old_value)} → {_plain(change.new_value)} "
                        f"{change.unit} {_percent(change.relative_change)}"
                    ).rstrip()
                names = FACTOR_FIELDS | DEFAULT_FIELDS
                others = [names.get(f, f) for f, _, _ in change.fields if f != "value"]
                lines.append(head + value + (f" (aussi : {', '.join(others)})" if others else ""))
            elif change.kind == "ajoute":
                lines.append(f"{head} : {_plain(change.new_value)} {change.unit}".rstrip())
            else:
                lines.append(f"{head} (était {_plain(change.old_value)} {change.unit})".rstrip())
            reason = change.reason + (
                f" (ligne {change.source_line} de l'export)" if change.source_line else ""
            )
            lines.append(f"      Motif : {reason}")
        lines.append("")
    return "\n".join(lines).rstrip()


def cmd_diff(args: argparse.Namespace) -> int:
    from kineco2.engine.versiondiff import diff_versions

    diff = diff_versions(args.old, args.new, registry=_registry(args))
    if args.format == "json":
        print(json.dumps(diff.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(render_diff(diff))
    return 0


def add_factors_subcommands(p_factors: argparse.ArgumentParser) -> None:
    sub = p_factors.add_subparsers(dest="factors_command", metavar="{check,new-version,diff}")
    data_dir = {
        "help": "dossier des données de méthode (registre versions.yaml, factors/, defaults/) ; "
        "par défaut, celui du logiciel"
    }
    p_check = sub.add_parser(
        "check", help="compare les facteurs à un export de la Base Carbone (CSV officiel ADEME)"
    )
    p_check.add_argument("export", help="export CSV de la Base Carbone / Base Empreinte")
    p_check.add_argument("--version", dest="version", default=None, help="version vérifiée")
    p_check.add_argument("--format", choices=("table", "json"), default="table")
    p_check.add_argument("--data-dir", default=None, **data_dir)
    p_check.set_defaults(func=cmd_check)

    p_new = sub.add_parser(
        "new-version",
        help="propose une nouvelle version (brouillon) avec les valeurs mises à jour",
    )
    p_new.add_argument("new_version", help="numéro de la nouvelle version, par exemple 2026.2")
    p_new.add_argument("--from", dest="export", required=True, help="export CSV de l'ADEME")
    p_new.add_argument("--base", default=None, help="version de départ (par défaut : la publiée)")
    p_new.add_argument("--data-dir", default=None, **data_dir)
    p_new.set_defaults(func=cmd_new_version)

    p_diff = sub.add_parser("diff", help="ce qui a changé entre deux versions de la méthode")
    p_diff.add_argument("old", help="version de départ, par exemple 2025.1")
    p_diff.add_argument("new", help="version d'arrivée, par exemple 2026.1")
    p_diff.add_argument("--format", choices=("table", "json"), default="table")
    p_diff.add_argument("--data-dir", default=None, **data_dir)
    p_diff.set_defaults(func=cmd_diff)


if __name__ == "__main__":  # pragma: no cover
    from kineco2.cli import main

    sys.exit(main(["factors", *sys.argv[1:]]))
