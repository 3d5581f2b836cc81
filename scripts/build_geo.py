#!/usr/bin/env python3
"""Rebuild the commune tables of ``src/kineco2/engine/data/geo/`` from Etalab's npm package.

Usage (standard library only)::

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0 \\
        && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python scripts/build_geo.py /tmp/package

The argument is the unpacked package directory (the one holding ``package.json`` and
``data/``). Three UTF-8 CSV files are written; together they give, for every current
commune of metropolitan France, Corsica, the five DROM (971, 972, 973, 974, 976) and the
COM Saint-Pierre-et-Miquelon (975), Saint-Barthélemy (977) and Saint-Martin (978), its
INSEE code, name, postal codes, département and region (codes and names), population and
intercommunality. The TAAF, Wallis-et-Futuna, French Polynesia, New Caledonia and
Clipperton are left out. Names of départements, regions and intercommunalities live in
the two small tables rather than on each commune's row: the big file stays small and
fast to parse.

``communes.csv.gz`` (gzip), one row per commune, sorted by INSEE code:

``code_insee``    INSEE code (COG), e.g. ``2A004``.
``name``          official name, e.g. ``Ajaccio``.
``postal_codes``  La Poste postal codes, space-separated (Paris, Lyon and Marseille
                  include those of their municipal arrondissements).
``departement``   département code (``01``…``95``, ``2A``, ``2B``, ``971``…``978``), a key
                  of ``departements.csv``.
``population``    municipal population (population municipale) as carried by the
                  package; empty if unknown.
``alias_codes``   other INSEE codes that designate this commune, space-separated:
                  municipal arrondissements (751xx, 6938x, 132xx), delegated or
                  associated former communes (communes déléguées / associées) and the
                  commune's former codes. A code that is a current commune's, or that
                  points to two communes, is left out.
``epci_code``     SIREN of the commune's intercommunality with its own tax base (EPCI à
                  fiscalité propre), a key of ``epci.csv``; empty if none.

``departements.csv``: ``code``, ``name``, ``region_code``, ``region_name`` (the COM use
their own code as region code).

``epci.csv``: ``code``, ``name``, ``type`` (``METRO``, ``MET69``, ``CU``, ``CA`` or ``CC``),
``population`` (municipal population).

Rows are sorted and the gzip header carries no timestamp, so rebuilding from the same
package gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE_NAME = "@etalab/decoupage-administratif"
KEPT_OVERSEAS = {"971", "972", "973", "974", "975", "976", "977", "978"}
COMMUNE_COLUMNS = [
    "code_insee",
    "name",
    "postal_codes",
    "departement",
    "population",
    "alias_codes",
    "epci_code",
]
DEPARTEMENT_COLUMNS = ["code", "name", "region_code", "region_name"]
EPCI_COLUMNS = ["code", "name", "type", "population"]
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "src/kineco2/engine/data/geo"

Row = dict[str, str]


def _load(package_dir: Path, name: str) -> list[dict]:
    with (package_dir / "data" / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def _is_kept(departement: str) -> bool:
    """Metropolitan départements (2 characters, incl. 2A/2B) and the kept overseas ones."""
    return len(departement) == 2 or departement in KEPT_OVERSEAS


def build_tables(package_dir: Path) -> tuple[list[Row], list[Row], list[Row]]:
    """Return the (communes, départements, EPCI) rows, each sorted by code."""
    communes = _load(package_dir, "communes.json")
    departements = {d["code"]: d for d in _load(package_dir, "departements.json")}
    regions = {r["code"]: r for r in _load(package_dir, "regions.json")}
    epcis = _load(package_dir, "epci.json")

    current = {
        c["code"]: c
        for c in communes
        if c["type"] == "commune-actuelle" and _is_kept(c["departement"])
    }

    # Postal codes, with the municipal arrondissements' folded into their commune.
    postal = {code: set(c.get("codesPostaux", [])) for code, c in current.items()}
    # Other INSEE codes that designate a current commune.
    alias_targets: dict[str, set[str]] = defaultdict(set)
    for c in communes:
        kind = c["type"]
        if kind == "arrondissement-municipal" and c["commune"] in current:
            alias_targets[c["code"]].add(c["commune"])
            postal[c["commune"]].update(c.get("codesPostaux", []))
        elif kind in ("commune-deleguee", "commune-associee") and c["chefLieu"] in current:
            alias_targets[c["code"]].add(c["chefLieu"])
        elif kind == "commune-actuelle" and c["code"] in current:
            for former in c.get("anciensCodes", []):
                alias_targets[former].add(c["code"])
    aliases: dict[str, list[str]] = defaultdict(list)
    for alias, targets in sorted(alias_targets.items()):
        if alias in current or len(targets) != 1:
            continue  # a current code wins; an ambiguous former code is dropped
        aliases[targets.pop()].append(alias)

    epci_of: dict[str, dict] = {}
    for epci in epcis:
        for member in epci["membres"]:
            if member["code"] in epci_of:
                raise SystemExit(f"commune {member['code']} is in two EPCI")
            epci_of[member["code"]] = epci

    commune_rows: list[Row] = []
    used_departements: set[str] = set()
    used_epcis: dict[str, dict] = {}
    for code in sorted(current):
        c = current[code]
        epci = epci_of.get(code)
        population = c.get("population")
        commune_rows.append(
            {
                "code_insee": code,
                "name": c["nom"],
                "postal_codes": " ".join(sorted(postal[code])),
                "departement": c["departement"],
                "population": "" if population is None else str(int(population)),
                "alias_codes": " ".join(aliases.get(code, [])),
                "epci_code": epci["code"] if epci else "",
            }
        )
        used_departements.add(c["departement"])
        if epci:
            used_epcis[epci["code"]] = epci

    departement_rows = []
    for code in sorted(used_departements):
        departement = departements[code]
        region = regions[departement["region"]]
        departement_rows.append(
            {
                "code": code,
                "name": departement["nom"],
                "region_code": region["code"],
                "region_name": region["nom"],
            }
        )
    epci_rows = [
        {
            "code": code,
            "name": epci["nom"],
            "type": epci["type"],
            "population": str(int(epci["populationMunicipale"])),
        }
        for code, epci in sorted(used_epcis.items())
    ]
    return commune_rows, departement_rows, epci_rows


def _csv_text(rows: list[Row], columns: list[str]) -> str:
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def write_tables(tables: tuple[list[Row], list[Row], list[Row]], output: Path) -> list[Path]:
    """Write the three tables into the ``output`` directory; return the written paths."""
    commune_rows, departement_rows, epci_rows = tables
    output.mkdir(parents=True, exist_ok=True)
    communes_path = output / "communes.csv.gz"
    with (
        communes_path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(_csv_text(commune_rows, COMMUNE_COLUMNS).encode("utf-8"))
    departements_path = output / "departements.csv"
    departements_path.write_text(
        _csv_text(departement_rows, DEPARTEMENT_COLUMNS), encoding="utf-8", newline=""
    )
    epci_path = output / "epci.csv"
    epci_path.write_text(_csv_text(epci_rows, EPCI_COLUMNS), encoding="utf-8", newline="")
    return [communes_path, departements_path, epci_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="unpacked npm package directory")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output directory")
    args = parser.parse_args(argv)

    manifest = json.loads((args.package_dir / "package.json").read_text(encoding="utf-8"))
    if manifest.get("name") != PACKAGE_NAME:
        parser.error(f"{args.package_dir} is not the {PACKAGE_NAME} package")
    tables = build_tables(args.package_dir)
    paths = write_tables(tables, args.output)
    communes, departements, epcis = tables
    print(
        f"{PACKAGE_NAME}@{manifest['version']}: {len(communes)} communes, "
        f"{len(departements)} départements, {len(epcis)} EPCI",
        file=sys.stderr,
    )
    for path in paths:
        print(f"  {path} ({path.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
