#!/usr/bin/env python3
"""Rebuild ``src/kineco2/engine/data/survey/commune_centres.csv.gz`` (standard library only).

Usage::

    python scripts/build_survey_geo.py /path/to/France/communes.csv

The argument is ``France/communes.csv`` of the public GitHub repository
``rcarlier/datas.fun`` (commit ``b9874080432e11b943e93aeae75ee372a024697b``; the file was
last changed in commit ``0839ae3532f5027b47ba3f0ebc88691757de871d``, 2 August 2024). Its
``lat``/``lng`` columns are the communes' coordinates as published in the *Base officielle
des codes postaux* (data.gouv.fr, 1 August 2024) and its ``superficie_km2`` column comes
from INSEE's *base du comparateur de territoires* (27 June 2024); see
``data/survey/PROVENANCE.md``.

One row is written for every commune of ``data/geo/communes.csv.gz`` (the project's
commune list), in the same order, with the columns ``code_insee``, ``lat``, ``lon``
(WGS 84 degrees, 4 decimals ≈ 10 m) and ``area_km2``:

* the row of the same INSEE code (type ``COM``) when there is one;
* Paris, Lyon and Marseille: the population-weighted mean of their municipal
  arrondissements' points (type ``ARM``) and the sum of their areas;
* otherwise the first of the commune's alias codes (former or delegated communes) that
  has a point;
* otherwise the row is written with empty coordinates (12 communes with the 2024 source:
  mergers of 2025–2026 whose former communes are not listed, and the COM
  Saint-Pierre-et-Miquelon, Saint-Barthélemy and Saint-Martin). The survey then asks the
  patient for a distance in km instead.

The output is byte-identical from one run to the next (gzip without timestamp).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "src/kineco2/engine/data/geo/communes.csv.gz"
OUT = ROOT / "src/kineco2/engine/data/survey/commune_centres.csv.gz"
CITIES_WITH_ARRONDISSEMENTS = {"75056", "69123", "13055"}


def main(source: str) -> None:
    points: dict[str, tuple[float, float, float | None]] = {}
    arrondissements: dict[str, list[tuple[float, float, float, float]]] = {}
    with open(source, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["lat"] or not row["lng"]:
                continue
            lat, lon = float(row["lat"]), float(row["lng"])
            area = float(row["superficie_km2"]) if row["superficie_km2"] else None
            if row["commune_type"] == "COM":
                points.setdefault(row["insee_com"], (lat, lon, area))
            elif row["commune_type"] == "ARM":
                weight = float(row["population_2021"] or 1)
                arrondissements.setdefault(row["insee_parente"], []).append(
                    (lat, lon, area or 0.0, weight)
                )
    for city, parts in arrondissements.items():
        if city in CITIES_WITH_ARRONDISSEMENTS:
            total = sum(p[3] for p in parts)
            lat = sum(p[0] * p[3] for p in parts) / total
            lon = sum(p[1] * p[3] for p in parts) / total
            points[city] = (lat, lon, sum(p[2] for p in parts))

    communes = csv.DictReader(io.StringIO(gzip.decompress(GEO.read_bytes()).decode("utf-8")))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code_insee", "lat", "lon", "area_km2"])
    missing = []
    for commune in communes:
        code = commune["code_insee"]
        point = points.get(code)
        if point is None:
            for alias in commune["alias_codes"].split():
                if alias in points:
                    point = points[alias]
                    break
        if point is None:
            missing.append(code)
            writer.writerow([code, "", "", ""])
            continue
        lat, lon, area = point
        writer.writerow([code, f"{lat:.4f}", f"{lon:.4f}", "" if area is None else f"{area:g}"])
    OUT.write_bytes(gzip.compress(out.getvalue().encode("utf-8"), mtime=0))
    print(f"{OUT}: {len(missing)} communes without a point: {' '.join(missing)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
