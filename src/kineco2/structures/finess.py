"""Read the official FINESS open-data extract (etalab « finess » extraction of establishments).

Format (published by the Ministry on data.gouv.fr, « FINESS Extraction du Fichier des
établissements »): semicolon-separated, no header row; the first line is a manifest
``finess;etalab;<n>;<YYYY-MM-DD>`` carrying the extraction date; each establishment is a row
starting with ``structureet`` whose 32 positional fields are listed in :data:`COLUMNS`; the
geolocated variant adds ``geolocalisation`` rows, ignored here. Older files are Windows-1252,
recent ones UTF-8: both are read.

Only the categories of coordinated practice are kept: 603 « Maison de santé (L.6223-3) »,
124 « Centre de santé » and 604 « Communautés professionnelles territoriales de santé » —
matched on the code or, should the codes change, on the category label.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kineco2.engine import geography

COLUMNS = (
    "structureet",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "datemaj",
    "numuai",
)
CATEGORIES = {"603": "msp", "124": "centre_sante", "604": "cpts"}
LABEL_PREFIXES = {
    "maison de santé (l.6223-3)": "msp",
    "centre de santé": "centre_sante",
    "communautés professionnelles territoriales de santé": "cpts",
}
#: FINESS codes of the overseas départements → first digits of their INSEE codes.
OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}


class FinessFormatError(ValueError):
    """The file is not a FINESS extract (French message)."""


@dataclass(frozen=True)
class Establishment:
    finess: str
    name: str
    category_code: str
    kind: str
    address: str
    postal_code: str
    commune_code: str
    commune_name: str
    departement: str
    phone: str
    opened_on: datetime.date | None


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _insee(departement: str, commune: str) -> str:
    commune = commune.strip()
    if departement in OVERSEAS and len(commune) == 3:
        return "97" + commune
    return f"{departement}{commune}" if len(departement) == 2 and len(commune) == 3 else ""


def _kind(code: str, label: str) -> str | None:
    if code in CATEGORIES:
        return CATEGORIES[code]
    label = label.strip().lower()
    for prefix, kind in LABEL_PREFIXES.items():
        if label.startswith(prefix):
            return kind
    return None


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def parse(text: str) -> tuple[datetime.date | None, Iterator[Establishment]]:
    """(extraction date, establishments of the kept categories)."""
    lines = text.splitlines()
    if not lines or not lines[0].lower().startswith("finess;etalab"):
        raise FinessFormatError(
            "Ce fichier n'est pas un extrait FINESS : la première ligne devrait commencer par "
            "« finess;etalab » (fichier « FINESS Extraction du Fichier des établissements »)."
        )
    manifest = lines[0].split(";")
    extract_date = _date(manifest[3]) if len(manifest) > 3 else None

    def rows() -> Iterator[Establishment]:
        for number, line in enumerate(lines[1:], start=2):
            if not line.startswith("structureet;"):
                continue
            fields = line.split(";")
            if len(fields) < 20:
                raise FinessFormatError(
                    f"Ligne {number} : {len(fields)} champs au lieu de {len(COLUMNS)}."
                )
            fields += [""] * (len(COLUMNS) - len(fields))
            row = dict(zip(COLUMNS, fields, strict=False))
            kind = _kind(row["categetab"].strip(), row["libcategetab"])
            if kind is None:
                continue
            departement = row["departement"].strip().upper()
            insee = _insee(departement, row["commune"])
            commune_name = ""
            dep = OVERSEAS.get(departement, departement)
            if insee:
                try:
                    commune = geography.commune_by_insee(insee)
                    commune_name, dep = commune.name, commune.departement
                except geography.UnknownCommuneError:
                    insee = ""
            routing = row["ligneacheminement"].strip()
            postal = routing[:5] if routing[:5].isdigit() else ""
            if not commune_name:
                commune_name = routing[6:].strip().title() if postal else routing.title()
            street = " ".join(
                part.strip()
                for part in (row["numvoie"], row["typvoie"], row["voie"], row["lieuditbp"])
                if part.strip()
            )
            yield Establishment(
                finess=row["nofinesset"].strip(),
                name=(row["rslongue"].strip() or row["rs"].strip())[:200],
                category_code=row["categetab"].strip(),
                kind=kind,
                address=f"{street}, {routing}".strip(", ")[:300],
                postal_code=postal,
                commune_code=insee,
                commune_name=commune_name[:200],
                departement=dep[:3],
                phone=row["telephone"].strip()[:20],
                opened_on=_date(row["dateouv"]),
            )

    return extract_date, rows()
