"""Read the official FINESS open-data extract (etalab « finess » extraction of establishments).

Format (published by the Ministry on data.gouv.fr, « FINESS Extraction du Fichier des
établissements », files ``etalab-cs1100507-stock-AAAAMMJJ-HHMM.csv`` with the geolocation,
``etalab-cs1100502-…`` without): semicolon-separated, no header row; the first line is a
manifest ``finess;etalab;<n>;<YYYY-MM-DD>`` carrying the extraction date; then one section of
``structureet`` rows whose 32 positional fields are listed in :data:`COLUMNS` (a field may be
quoted, with ``""`` for a quote inside), then, in the geolocated file, one section of
``geolocalisation`` rows: ``geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj``
where the coordinates are **projected** (metres) in the system named at the end of
``sourcecoordet`` — Lambert-93 in mainland France and Corsica, UTM overseas (see
:func:`kineco2.engine.geo.projection_of`). Older files are Windows-1252, recent ones UTF-8:
each line is decoded as UTF-8 first, Windows-1252 otherwise.

FINESS does not write INSEE codes: it writes the département (``01``…``95``, ``2A``, ``2B``,
``9A``…``9F`` overseas) and a three-digit commune code, glued back here; Saint-Barthélemy and
Saint-Martin still appear under Guadeloupe (``9A``, communes ``123`` and ``127``).

Only the categories of coordinated practice are kept: 603 « Maison de santé (L.6223-3) »,
124 « Centre de Santé » and 604 « Communautés professionnelles territoriales de santé
(CPTS) » — matched on the code or, should the codes change, on the exact category label;
every other category (hospitals, pharmacies, « Centre de santé sexuelle »…) is skipped.
The file is read line by line: a 100 000-row extract is never held in memory, only the few
thousand establishments kept.
"""

from __future__ import annotations

import csv
import datetime
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kineco2.engine import geo, geography

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
GEOLOCATION_COLUMNS = (
    "geolocalisation",
    "nofinesset",
    "coordxet",
    "coordyet",
    "sourcecoordet",
    "datemaj",
)
CATEGORIES = {"603": "msp", "124": "centre_sante", "604": "cpts"}
#: Exact category labels (lower case), should the codes change.
LABELS = {
    "maison de santé (l.6223-3)": "msp",
    "centre de santé": "centre_sante",
    "communautés professionnelles territoriales de santé (cpts)": "cpts",
    "communautés professionnelles territoriales de santé": "cpts",
}
#: FINESS codes of the overseas départements → INSEE département codes.
OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}
#: Former Guadeloupe communes now collectivities, still filed under 9A by FINESS.
FORMER_GUADELOUPE = {"123": "97701", "127": "97801"}  # Saint-Barthélemy, Saint-Martin
#: A projected point farther than this from its commune's centre (beyond the commune's own
#: radius) is taken as a geocoding error: the commune's centre is used instead.
MAX_OFFSET_KM = 30.0


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
    latitude: float | None = None
    longitude: float | None = None
    #: "adresse" (the extract's geolocation), "commune" (the commune's centre) or "".
    located: str = ""


@dataclass
class Extract:
    """What :func:`parse` read: the date, the establishments kept, and counts."""

    extract_date: datetime.date | None
    establishments: list[Establishment] = field(default_factory=list)
    lines: int = 0
    structureet: int = 0
    skipped: int = 0  # structureet rows of other categories
    malformed: int = 0  # rows too short to read
    geolocated: int = 0  # kept establishments placed at their address
    rejected_points: int = 0  # projected points refused (unknown system, far from commune)

    def __iter__(self):  # (date, establishments), as earlier versions returned
        return iter((self.extract_date, self.establishments))


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _insee(departement: str, commune: str) -> str:
    commune = commune.strip()
    if len(commune) in (1, 2) and commune.isdigit():
        commune = commune.zfill(3)
    if departement == "9A" and commune in FORMER_GUADELOUPE:
        return FORMER_GUADELOUPE[commune]
    if departement in OVERSEAS and len(commune) == 3:
        return "97" + commune
    return f"{departement}{commune}" if len(departement) == 2 and len(commune) == 3 else ""


def _kind(code: str, label: str) -> str | None:
    if code in CATEGORIES:
        return CATEGORIES[code]
    return LABELS.get(" ".join(label.strip().lower().split()))


def read_lines(path: Path) -> Iterator[str]:
    """The file's lines, one at a time: UTF-8, or Windows-1252 for a line that is not."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle):
            if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield raw.decode("cp1252", errors="replace")


def read_text(path: Path) -> str:
    return "".join(read_lines(path))


def _establishment(row: dict[str, str], kind: str) -> Establishment:
    departement = row["departement"].strip().upper()
    insee = _insee(departement, row["commune"])
    commune_name = ""
    dep = OVERSEAS.get(departement, departement)
    if insee:
        try:
            commune = geography.commune_by_insee(insee)
            insee, commune_name, dep = commune.code_insee, commune.name, commune.departement
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
    point = geo.commune_point(insee) if insee else None
    return Establishment(
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
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        located="commune" if point else "",
    )


def _float(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _located(item: Establishment, fields: list[str]) -> Establishment | None:
    """``item`` placed at the geolocation row's point, or None if the point is not usable."""
    x, y = _float(fields[2]), _float(fields[3])
    if x is None or y is None:
        return None
    point = geo.projected_to_wgs84(x, y, fields[4] if len(fields) > 4 else "")
    if point is None:
        return None
    centre = geo.commune_point(item.commune_code) if item.commune_code else None
    if centre is not None:
        radius = math.sqrt(centre[2] / math.pi) if centre[2] else 0.0
        if geo.great_circle_km(point, centre[:2]) > MAX_OFFSET_KM + radius:
            return None
    elif item.commune_code:
        return None  # a commune we cannot place: nothing to check the point against
    return Establishment(
        **{
            **item.__dict__,
            "latitude": round(point[0], 6),
            "longitude": round(point[1], 6),
            "located": "adresse",
        }
    )


def parse(source: str | Iterable[str]) -> Extract:
    """Read an extract (its text, or its lines as :func:`read_lines` gives them)."""
    lines = iter(source.splitlines(keepends=True) if isinstance(source, str) else source)
    first = next(lines, "").lstrip("\ufeff")
    if not first.lower().startswith("finess;etalab"):
        raise FinessFormatError(
            "Ce fichier n'est pas un extrait FINESS : la première ligne devrait commencer par "
            "« finess;etalab » (fichier « FINESS Extraction du Fichier des établissements »)."
        )
    manifest = first.strip().split(";")
    extract = Extract(extract_date=_date(manifest[3]) if len(manifest) > 3 else None)
    kept: dict[str, int] = {}
    extract.lines = 1
    for fields in csv.reader(lines, delimiter=";"):
        extract.lines += 1
        if not fields:
            continue
        section = fields[0]
        if section == "structureet":
            extract.structureet += 1
            if len(fields) < 20:
                extract.malformed += 1
                continue
            fields += [""] * (len(COLUMNS) - len(fields))
            row = dict(zip(COLUMNS, fields, strict=False))
            kind = _kind(row["categetab"].strip(), row["libcategetab"])
            if kind is None:
                extract.skipped += 1
                continue
            item = _establishment(row, kind)
            if item.finess in kept:  # a repeated number: the last row wins
                extract.establishments[kept[item.finess]] = item
            else:
                kept[item.finess] = len(extract.establishments)
                extract.establishments.append(item)
        elif section == "geolocalisation" and len(fields) >= 4:
            position = kept.get(fields[1].strip())
            if position is None:
                continue
            located = _located(extract.establishments[position], fields)
            if located is None:
                extract.rejected_points += 1
            else:
                extract.geolocated += extract.establishments[position].located != "adresse"
                extract.establishments[position] = located
    return extract
