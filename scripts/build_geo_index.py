#!/usr/bin/env python3
"""Build ``src/kineco2/engine/data/geo/communes_index.sqlite3`` from the CSV files.

The gzip CSV files of ``data/geo/`` (``communes.csv.gz``, ``communes_aav2020.csv.gz``) stay
the sourced data (see ``data/geo/PROVENANCE.md``). This script derives from them a small
SQLite index, so that finding one commune (``kineco2 compute``) reads a few pages of a file
instead of decompressing and parsing 35 000 rows. ``tests/engine/test_geo_index.py``
checks that the shipped index is what this script builds from the shipped CSV files.

Usage: ``python scripts/build_geo_index.py`` (rewrites the file in place).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kineco2.engine import geography  # noqa: E402

TARGET = ROOT / "src" / "kineco2" / "engine" / "data" / "geo" / geography.INDEX_FILE


def main() -> None:
    tmp = TARGET.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    connection = sqlite3.connect(tmp)
    geography.write_index(connection)
    connection.execute("VACUUM")
    connection.close()
    tmp.replace(TARGET)
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size} octets")


if __name__ == "__main__":
    main()
