"""French communes: postal-code and INSEE-code lookup, territory, INSEE patient zone.

The data files of ``data/geo/`` (``communes.csv.gz``, ``departements.csv``, ``epci.csv``)
are built by ``scripts/build_geo.py`` from Etalab's *découpage administratif* (npm
package ``@etalab/decoupage-administratif``: INSEE Code officiel géographique, La Poste
postal codes, DGCL intercommunalities); ``communes_aav2020.csv.gz`` is INSEE's commune
table of the *zonage en aires d'attraction des villes 2020* (géographie 2025), which gives
the patient zone. ``data/geo/PROVENANCE.md`` gives versions, licences and rebuild
commands. Finding one commune or its zone reads ``communes_index.sqlite3``, an index derived
from the CSV files by ``scripts/build_geo_index.py`` (a few pages per lookup); the whole
tables are read once, lazily, with the standard library only (about 0.2 s each), only by
the callers that need every commune (:func:`all_communes`, search, zones by territory),
and lookups afterwards are dictionary accesses.

Two kinds of 5-character codes exist and overlap: about 2 950 strings are both a postal
code and the INSEE code of another current commune (``97411`` is the INSEE code of
Saint-Denis, La Réunion, and a postal code of Saint-Paul; ``69003`` the postal code of
Lyon 3e and the INSEE code of Albigny-sur-Saône). :func:`lookup` and :func:`locate` read
what a user types: such a string raises :class:`AmbiguousCommuneError`, which lists the
candidates, and a prefix (``"INSEE 97411"``, ``"CP 97411"``) removes the ambiguity;
:func:`designation` gives the text that designates a commune alone. Code that stores a
commune should keep its ``code_insee`` and read it back with :func:`commune_by_insee`,
which never reads a postal code.
"""

from __future__ import annotations

import bisect
import csv
import heapq
import io
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from kineco2.engine.errors import EngineError, ReferenceDataError

__all__ = [
    "PATIENT_ZONES",
    "TERRITORIES",
    "TERRITORY_IN",
    "AireAttraction",
    "AmbiguousCommuneError",
    "Commune",
    "CommuneError",
    "UnknownCommuneError",
    "aire_attraction",
    "all_communes",
    "commune_by_insee",
    "communes_named",
    "designation",
    "insee_patient_zone",
    "locate",
    "lookup",
    "patient_zone_problem",
    "patient_zones_for",
    "search_communes",
    "territory_of",
]

TERRITORIES: dict[str, str] = {
    "france_continentale": "France continentale",
    "corse": "Corse",
    "guadeloupe": "Guadeloupe",
    "martinique": "Martinique",
    "guyane": "Guyane",
    "la_reunion": "La Réunion",
    "mayotte": "Mayotte",
    "saint_pierre_et_miquelon": "Saint-Pierre-et-Miquelon",
    "saint_barthelemy": "Saint-Barthélemy",
    "saint_martin": "Saint-Martin",
}
"""Territory id → French label. Every commune belongs to exactly one territory."""

TERRITORY_IN: dict[str, str] = {
    "france_continentale": "en France continentale",
    "corse": "en Corse",
    "guadeloupe": "en Guadeloupe",
    "martinique": "en Martinique",
    "guyane": "en Guyane",
    "la_reunion": "à La Réunion",
    "mayotte": "à Mayotte",
    "saint_pierre_et_miquelon": "à Saint-Pierre-et-Miquelon",
    "saint_barthelemy": "à Saint-Barthélemy",
    "saint_martin": "à Saint-Martin",
}
"""Territory id → « en Corse », « à La Réunion »: the territory after a verb of place."""

_TERRITORY_OF_DEPARTEMENT: dict[str, str] = {
    "2A": "corse",
    "2B": "corse",
    "971": "guadeloupe",
    "972": "martinique",
    "973": "guyane",
    "974": "la_reunion",
    "975": "saint_pierre_et_miquelon",
    "976": "mayotte",
    "977": "saint_barthelemy",
    "978": "saint_martin",
}

PATIENT_ZONES: dict[str, str] = {
    "paris_intra_muros": "Paris intra-muros (les 20 arrondissements)",
    "paris_petite_couronne": (
        "Proche banlieue de Paris : commune de l'agglomération parisienne hors Paris "
        "(Hauts-de-Seine, Seine-Saint-Denis, Val-de-Marne et villes qui leur sont accolées)"
    ),
    "couronne_idf": (
        "Grande banlieue de Paris : communes périurbaines d'où beaucoup d'habitants vont "
        "travailler dans l'agglomération parisienne"
    ),
    "tres_grand_pole": (
        "Centre d'une très grande ville hors Paris (plus de 700 000 habitants avec sa "
        "périphérie : Lyon, Marseille, Lille, Toulouse, Bordeaux…) ou sa proche banlieue"
    ),
    "grand_pole": (
        "Centre d'une grande ville (200 000 à 700 000 habitants avec sa périphérie) "
        "ou sa proche banlieue"
    ),
    "pole_moyen": "Centre d'une ville moyenne (50 000 à 200 000 habitants avec sa périphérie)",
    "petit_pole": (
        "Petite ville ou bourg qui attire des actifs des environs "
        "(moins de 50 000 habitants avec sa périphérie)"
    ),
    "couronne_tres_grand_pole": (
        "Commune périurbaine autour d'une très grande ville hors Paris : beaucoup "
        "d'habitants vont y travailler"
    ),
    "couronne_grand_pole": (
        "Commune périurbaine autour d'une grande ville (200 000 à 700 000 habitants) : "
        "beaucoup d'habitants vont y travailler"
    ),
    "couronne_pole_moyen": (
        "Commune autour d'une ville moyenne (50 000 à 200 000 habitants) : beaucoup "
        "d'habitants vont y travailler"
    ),
    "couronne_petit_pole": (
        "Commune autour d'une petite ville ou d'un bourg : beaucoup d'habitants vont y travailler"
    ),
    "rural_hors_attraction": (
        "Commune rurale à l'écart des villes : peu d'habitants vont travailler dans une ville"
    ),
}
"""Patient-zone id → plain-French description shown to the physiotherapist.

The ids are those of the source table of patient travel (kinéCO2 report, « Tableau 15 »,
built on INSEE's 2010 *zonage en aires urbaines*); :func:`insee_patient_zone` derives
them from INSEE's 2020 successor, the *aires d'attraction des villes*: a *pôle* is a town
that concentrates jobs, its *couronne* the surrounding communes from which at least 15 %
of the working residents commute to it; the size bands are those of the 2020 aires,
counting the pôle and its couronne; *très grand pôle* is an aire of 700 000 inhabitants or
more other than Paris. See docs/decisions/0007-patient-zone-from-insee-aav2020.md.
"""

_ERROR_HINT = "Indiquez un code postal (5 chiffres, ex. 35000) ou un code INSEE (ex. 2A004)."
_CODE_PATTERN = re.compile(r"\d{5}|2[AB]\d{3}")
#: « INSEE 97411 », « code INSEE : 97411 », « CP 97460 », « code postal 97460 » (spaces removed).
_QUALIFIED_PATTERN = re.compile(r"(?:CODE)?(INSEE|POSTAL|CP):?(\d{5}|2[AB]\d{3})")
_LISTED_CANDIDATES = 8


def _spaced_letters(word: str) -> str:
    return "".join(f"[{char.upper()}{char.lower()}] *" for char in word)


_DIGIT = "[0-9] *"
#: The form of a commune code as the API's OpenAPI schema states it and every validator
#: enforces it (JSON Schema / ECMA, Python and Rust regex alike: no flags, no ``\d``): a
#: postal or INSEE code, optionally prefixed « INSEE », « CP », « code postal »,
#: « code INSEE : », any case, with spaces anywhere (« 35 000 »). Whether such a code names a
#: commune is checked against the data (unknown: « Commune inconnue »). ``(?!\n)$`` rather
#: than ``$``: Python's ``$`` also matches before a final line feed.
COMMUNE_PATTERN = (
    "^ *(?:(?:"
    + _spaced_letters("code")
    + ")?(?:"
    + _spaced_letters("insee")
    + "|"
    + _spaced_letters("postal")
    + "|"
    + _spaced_letters("cp")
    + "):? *)?"
    "(?:" + _DIGIT * 5 + "|2 *[ABab] *" + _DIGIT * 3 + r")(?!\n)$"
)
_COMMUNE_FORM = re.compile(COMMUNE_PATTERN)


def check_commune_form(code: str) -> None:
    """Raise :class:`UnknownCommuneError` (French message) if ``code`` is not of the form
    :data:`COMMUNE_PATTERN` states."""
    if not isinstance(code, str) or not _COMMUNE_FORM.fullmatch(code):
        raise UnknownCommuneError(code)


_DATA_PACKAGE = "kineco2.engine"
_DATA_DIR = ("data", "geo")


def _data_file(name: str):
    """A geography data file: a plain path where the package is a directory (the usual case,
    without importing ``importlib.resources``: ≈ 3 ms at every start of the CLI), else the
    package's resource (zip import)."""
    path = Path(__file__).parent.joinpath(*_DATA_DIR, name)
    if path.is_file():
        return path
    from importlib import resources

    return resources.files(_DATA_PACKAGE).joinpath(*_DATA_DIR, name)


class CommuneError(EngineError, ValueError):
    """A commune code that designates no commune or several: ``str(error)`` says it in French."""


class UnknownCommuneError(CommuneError):
    """No commune has this code. ``str(error)`` is a French message naming the code."""

    def __init__(self, code: str):
        self.code = code
        shown = str(code).strip()
        if shown:
            message = f"Commune inconnue : « {shown} ». {_ERROR_HINT}"
        else:
            message = f"Aucun code de commune indiqué. {_ERROR_HINT}"
        super().__init__(message)


def _of(name: str) -> str:
    """« de Lyon », « d'Albigny-sur-Saône »."""
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÊÎÔÂH" else f"de {name}"


class AmbiguousCommuneError(CommuneError):
    """A code is both a commune's INSEE code and the postal code of other communes.

    ``97411`` is the INSEE code of Saint-Denis (La Réunion) and a postal code of
    Saint-Paul: KinéCO2 never picks one silently. ``by_insee`` is the commune of the INSEE
    code, ``by_postal`` the communes of the postal code (most populated first),
    ``candidates`` both, and ``str(error)`` a French message listing them with, for each,
    a code that designates it alone (see :func:`designation`).
    """

    def __init__(self, code: str, by_insee: Commune, by_postal: tuple[Commune, ...]):
        self.code = _normalize_code(code)
        self.by_insee = by_insee
        self.by_postal = by_postal
        self.candidates = (by_insee, *by_postal)
        shown = self.candidates[:_LISTED_CANDIDATES]
        listed = " ; ".join(f"{c.label} : « {designation(c)} »" for c in shown)
        more = len(self.candidates) - len(shown)
        if more:
            listed += (
                f" ; et {more} autre{'s' if more > 1 else ''} commune{'s' if more > 1 else ''}"
            )
        postal_names = (
            _of(by_postal[0].label) if len(by_postal) == 1 else f"de {len(by_postal)} communes"
        )
        super().__init__(
            f"Le code « {self.code} » est ambigu : c'est le code INSEE {_of(by_insee.label)} "
            f"et le code postal {postal_names}. Précisez la commune en indiquant le code "
            f"qui la désigne seule — {listed}."
        )


@dataclass(frozen=True, slots=True)
class Commune:
    """A current French commune (COG), with its postal codes and administrative parents.

    ``departement`` is the département code (``"69"``, ``"2A"``, ``"974"``); for the COM
    Saint-Pierre-et-Miquelon, Saint-Barthélemy and Saint-Martin it is their own code
    (``"975"``, ``"977"``, ``"978"``), as is ``region_code``. ``population`` is the
    municipal population (population municipale), ``None`` if unknown.
    """

    code_insee: str
    name: str
    postal_codes: tuple[str, ...]
    departement: str
    departement_name: str
    region_code: str
    region_name: str
    territory: str
    population: int | None

    @property
    def label(self) -> str:
        """Name with its département, for a list of choices: ``"Saint-Denis (974)"``."""
        return f"{self.name} ({self.departement})"


class _Departement(NamedTuple):
    name: str
    region_code: str
    region_name: str


# Columns of communes.csv.gz, in order (see scripts/build_geo.py).
_COMMUNE_COLUMNS = [
    "code_insee",
    "name",
    "postal_codes",
    "departement",
    "population",
    "alias_codes",
    "epci_code",
]
_CODE, _NAME, _POSTAL, _DEPARTEMENT, _POPULATION, _ALIASES, _EPCI = range(7)


class _Index(NamedTuple):
    """The loaded tables. Communes are rows (lists of strings), turned into
    :class:`Commune` objects only when asked for: building 35 000 frozen dataclasses
    would take most of the loading time."""

    rows: list[list[str]]  # sorted by INSEE code
    populations: list[int]  # parallel to rows; -1 if unknown
    materialized: list[Commune | None]  # parallel to rows, filled on demand
    by_insee: dict[str, int]  # current and alias INSEE code -> row position
    by_postal: dict[str, tuple[int, ...]]  # postal code -> rows, most populated first
    departements: dict[str, _Departement]

    def insee_position(self, code: str) -> int | None:
        return self.by_insee.get(code)

    def postal_positions(self, code: str) -> tuple[int, ...] | None:
        return self.by_postal.get(code)

    def code_at(self, position: int) -> str:
        return self.rows[position][_CODE]

    def epci_at(self, position: int) -> str:
        return self.rows[position][_EPCI]

    def commune(self, position: int) -> Commune:
        commune = self.materialized[position]
        if commune is None:
            row = self.rows[position]
            departement = self.departements[row[_DEPARTEMENT]]
            population = self.populations[position]
            commune = Commune(
                code_insee=row[_CODE],
                name=row[_NAME],
                postal_codes=tuple(row[_POSTAL].split()),
                departement=row[_DEPARTEMENT],
                departement_name=departement.name,
                region_code=departement.region_code,
                region_name=departement.region_name,
                territory=_territory(row[_DEPARTEMENT]),
                population=None if population < 0 else population,
            )
            self.materialized[position] = commune
        return commune


def _territory(departement: str) -> str:
    return _TERRITORY_OF_DEPARTEMENT.get(departement, "france_continentale")


def _read_table(name: str, columns: list[str]) -> list[list[str]]:
    """Rows of a data file (``.gz`` files are decompressed), header checked and dropped."""
    raw = _data_file(name).read_bytes()
    if name.endswith(".gz"):
        import gzip  # only for the whole tables, read by few callers

        raw = gzip.decompress(raw)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    if not rows or rows[0] != columns:
        raise ReferenceDataError(
            f"Fichier de données géographiques {name} illisible : en-tête inattendu."
        )
    return rows[1:]


@cache
def _departements() -> dict[str, _Departement]:
    return {
        code: _Departement(name, region_code, region_name)
        for code, name, region_code, region_name in _read_table(
            "departements.csv", ["code", "name", "region_code", "region_name"]
        )
    }


@cache
def _index() -> _Index:
    """The whole commune table in memory (all_communes, search, zones by territory)."""
    departements = _departements()
    rows = _read_table("communes.csv.gz", _COMMUNE_COLUMNS)
    populations = [int(row[_POPULATION]) if row[_POPULATION] else -1 for row in rows]
    by_insee: dict[str, int] = {}
    postal_lists: dict[str, list[int]] = {}
    for position, row in enumerate(rows):
        by_insee[row[_CODE]] = position
        for postal_code in row[_POSTAL].split():
            postal_lists.setdefault(postal_code, []).append(position)
    for position, row in enumerate(rows):
        if row[_ALIASES]:
            for alias in row[_ALIASES].split():
                by_insee.setdefault(alias, position)  # a current code wins over an alias

    def order(position: int) -> tuple[int, str, str]:
        return (-populations[position], rows[position][_NAME], rows[position][_CODE])

    by_postal = {
        postal_code: tuple(positions)
        if len(positions) == 1
        else tuple(sorted(positions, key=order))
        for postal_code, positions in postal_lists.items()
    }
    return _Index(
        rows=rows,
        populations=populations,
        materialized=[None] * len(rows),
        by_insee=by_insee,
        by_postal=by_postal,
        departements=departements,
    )


# --- compact index: one commune without reading the whole tables -------------------------

#: SQLite file derived from ``communes.csv.gz`` and ``communes_aav2020.csv.gz`` by
#: ``scripts/build_geo_index.py`` (checked up to date by ``tests/engine/test_geo_index.py``).
INDEX_FILE = "communes_index.sqlite3"


def write_index(connection) -> None:
    """Write the compact index of the CSV files into an empty SQLite database."""
    index, table = _index(), _aav_table()
    connection.executescript(
        """
        CREATE TABLE commune (position INTEGER PRIMARY KEY, code_insee TEXT NOT NULL,
            name TEXT NOT NULL, postal_codes TEXT NOT NULL, departement TEXT NOT NULL,
            population INTEGER NOT NULL, epci TEXT NOT NULL);
        CREATE TABLE insee (code TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE postal (code TEXT PRIMARY KEY, positions TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE aav (code TEXT PRIMARY KEY, aav TEXT NOT NULL, name TEXT NOT NULL,
            size_class INTEGER NOT NULL, category INTEGER NOT NULL) WITHOUT ROWID;
        """
    )
    connection.executemany(
        "INSERT INTO commune VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                position,
                row[_CODE],
                row[_NAME],
                row[_POSTAL],
                row[_DEPARTEMENT],
                index.populations[position],
                row[_EPCI],
            )
            for position, row in enumerate(index.rows)
        ),
    )
    connection.executemany("INSERT INTO insee VALUES (?, ?)", sorted(index.by_insee.items()))
    connection.executemany(
        "INSERT INTO postal VALUES (?, ?)",
        sorted(
            (code, " ".join(map(str, positions))) for code, positions in index.by_postal.items()
        ),
    )
    connection.executemany(
        "INSERT INTO aav VALUES (?, ?, ?, ?, ?)",
        sorted((code, *aire) for code, aire in table.items()),
    )
    connection.commit()


def index_contents(connection) -> dict[str, list[tuple]]:
    """Every table of an index database, sorted (to compare two indexes)."""
    return {
        name: connection.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()  # noqa: S608
        for name in ("commune", "insee", "postal", "aav")
    }


class _CompactIndex:
    """The :class:`_Index` interface over the SQLite index: a lookup reads a few pages."""

    def __init__(self, path: str):
        self._path = path
        self._connection = None
        self._pid = -1
        self._lock = threading.Lock()
        self._communes: dict[int, Commune] = {}

    def _one(self, sql: str, value: object) -> tuple | None:
        with self._lock:
            if self._pid != os.getpid():
                # one connection per process: a SQLite connection must not cross a fork
                # (gunicorn --preload forks workers after loading the application)
                import sqlite3

                self._connection = sqlite3.connect(
                    f"file:{self._path}?mode=ro&immutable=1", uri=True, check_same_thread=False
                )
                self._pid = os.getpid()
            return self._connection.execute(sql, (value,)).fetchone()

    def insee_position(self, code: str) -> int | None:
        found = self._one("SELECT position FROM insee WHERE code = ?", code)
        return None if found is None else found[0]

    def postal_positions(self, code: str) -> tuple[int, ...] | None:
        found = self._one("SELECT positions FROM postal WHERE code = ?", code)
        return None if found is None else tuple(int(p) for p in found[0].split())

    def _row(self, position: int) -> tuple:
        found = self._one("SELECT * FROM commune WHERE position = ?", position)
        if found is None:  # pragma: no cover - positions come from the index itself
            raise ReferenceDataError("Index des communes incohérent.")
        return found

    def code_at(self, position: int) -> str:
        return self._row(position)[1]

    def epci_at(self, position: int) -> str:
        return self._row(position)[6]

    def commune(self, position: int) -> Commune:
        commune = self._communes.get(position)
        if commune is None:
            _, code, name, postal, dep, population, _epci = self._row(position)
            departement = _departements()[dep]
            commune = Commune(
                code_insee=code,
                name=name,
                postal_codes=tuple(postal.split()),
                departement=dep,
                departement_name=departement.name,
                region_code=departement.region_code,
                region_name=departement.region_name,
                territory=_territory(dep),
                population=None if population < 0 else population,
            )
            self._communes[position] = commune
        return commune

    def aire(self, code_insee: str) -> AireAttraction | None:
        found = self._one(
            "SELECT aav, name, size_class, category FROM aav WHERE code = ?", code_insee
        )
        return None if found is None else AireAttraction(*found)


@cache
def _compact_index() -> _CompactIndex | None:
    """The SQLite index, or ``None`` if the package data is not a plain file (zip import)."""
    resource = _data_file(INDEX_FILE)
    if not isinstance(resource, Path) or not resource.is_file():
        return None
    return _CompactIndex(str(resource))


def _finder() -> _Index | _CompactIndex:
    """The loaded whole table if some caller needed it already, else the compact index."""
    if _index.cache_info().currsize:
        return _index()
    return _compact_index() or _index()


def _normalize_code(code: str) -> str:
    return "".join(str(code).split()).upper()


def lookup(code: str) -> tuple[Commune, ...]:
    """Communes designated by a postal code or an INSEE code, most populated first.

    ``code`` may be a postal code (``"35000"``) or an INSEE code (``"69123"``, ``"2A004"``,
    a municipal arrondissement such as ``"75111"``, or the code of a former commune now
    merged into another); case and spaces are ignored. An INSEE code gives one commune; a
    postal code may give several. A prefix says how to read the code: ``"INSEE 97411"``
    (or ``"code INSEE : 97411"``) reads an INSEE code only, ``"CP 97460"`` (or ``"code
    postal 97460"``) a postal code only.

    Without a prefix, a string that is both the INSEE code of a current commune and the
    postal code of other communes (``97411``: Saint-Denis and Saint-Paul; ``69003``:
    Albigny-sur-Saône and Lyon) raises :class:`AmbiguousCommuneError`, listing the
    candidates. A former commune's code (an alias) that is also a postal code is read as
    the postal code, which is the live one (``75011`` is the postal code of Paris 11e and,
    before 1968, the INSEE code of Bonneuil-sur-Marne).

    Raises :class:`UnknownCommuneError` if nothing matches.
    """
    resolved = _resolve(code)
    if isinstance(resolved, _Ambiguous):
        raise AmbiguousCommuneError(code, resolved.by_insee, resolved.by_postal)
    return resolved


class _Ambiguous(NamedTuple):
    by_insee: Commune
    by_postal: tuple[Commune, ...]


def _resolve(code: str) -> tuple[Commune, ...] | _Ambiguous:
    """:func:`lookup` without raising the ambiguity (returned, not raised)."""
    normalized = _normalize_code(code)
    index = _finder()
    qualified = _QUALIFIED_PATTERN.fullmatch(normalized)
    if qualified:
        kind, number = qualified.groups()
        if kind == "INSEE":
            position = index.insee_position(number)
            positions: tuple[int, ...] | None = None if position is None else (position,)
        else:
            positions = index.postal_positions(number)
        if positions:
            return tuple(index.commune(position) for position in positions)
        raise UnknownCommuneError(code)
    if _CODE_PATTERN.fullmatch(normalized):
        positions = index.postal_positions(normalized)
        position = index.insee_position(normalized)
        if positions is None:
            positions = None if position is None else (position,)
        elif (
            position is not None
            and position not in positions
            and index.code_at(position) == normalized
        ):
            return _Ambiguous(
                index.commune(position),
                tuple(index.commune(p) for p in positions),
            )
        if positions:
            return tuple(index.commune(position) for position in positions)
    raise UnknownCommuneError(code)


def locate(code: str) -> Commune:
    """The commune for an INSEE code, or the most populated one for a postal code.

    Same input rules as :func:`lookup`; raises :class:`UnknownCommuneError` or
    :class:`AmbiguousCommuneError`.
    """
    return lookup(code)[0]


def designation(commune: Commune, preferred: str | None = None) -> str:
    """The shortest text :func:`locate` reads as ``commune`` and nothing else.

    ``preferred`` (say, the postal code the user gave) if it designates the commune, else
    a postal code of the commune if it designates it (alone, or as the most populated
    commune of that postal code) without ambiguity, else its INSEE code if that is not
    ambiguous, else ``"INSEE <code>"`` (``designation(Saint-Denis (974)) == "97400"``,
    ``designation(Albigny-sur-Saône) == "INSEE 69003"``).
    """
    tried = (preferred,) if preferred else ()
    for code in (*tried, *commune.postal_codes, commune.code_insee):
        try:
            found = _resolve(code)
        except UnknownCommuneError:  # pragma: no cover - data guarantee
            continue
        if not isinstance(found, _Ambiguous) and found[0] == commune:
            return code
    return f"INSEE {commune.code_insee}"


def commune_by_insee(code_insee: str) -> Commune:
    """The commune with this INSEE code (current, arrondissement or former code).

    Unlike :func:`locate`, never reads the code as a postal code: use it to read back a
    stored ``Commune.code_insee``. Raises :class:`UnknownCommuneError`.
    """
    index = _finder()
    position = index.insee_position(_normalize_code(code_insee))
    if position is None:
        raise UnknownCommuneError(code_insee)
    return index.commune(position)


def intercommunality_of(code_insee: str) -> str | None:
    """SIREN of the commune's intercommunality (EPCI à fiscalité propre), ``None`` if none."""
    index = _finder()
    position = index.insee_position(_normalize_code(code_insee))
    if position is None:
        raise UnknownCommuneError(code_insee)
    return index.epci_at(position) or None


def territory_of(code: str) -> str:
    """Territory id (a key of :data:`TERRITORIES`) of the commune :func:`locate` finds."""
    return locate(code).territory


def all_communes() -> tuple[Commune, ...]:
    """Every commune of the data files, sorted by INSEE code."""
    index = _index()
    return tuple(index.commune(position) for position in range(len(index.rows)))


# --- patient zone: INSEE's zoning in aires d'attraction des villes (AAV 2020) -------------

#: ``TAAV2017`` (size class of the aire) → (zone of its pôle, zone of its couronne).
#: Class 5 is the aire de Paris, whose pôle is split by :func:`insee_patient_zone`.
_ZONES_BY_SIZE_CLASS: dict[int, tuple[str, str]] = {
    1: ("petit_pole", "couronne_petit_pole"),
    2: ("pole_moyen", "couronne_pole_moyen"),
    3: ("grand_pole", "couronne_grand_pole"),
    4: ("tres_grand_pole", "couronne_tres_grand_pole"),
    5: ("paris_petite_couronne", "couronne_idf"),
}
_POLE_CATEGORIES = frozenset({11, 12})  # commune-centre, other commune of the main pôle
_SECONDARY_POLE = 13  # commune of a secondary pôle of the aire
_COURONNE = 20
_OUTSIDE = 30  # commune hors attraction des villes
#: A secondary pôle is a town of its own: it takes its aire's size class, at most « grand ».
_SECONDARY_POLE_MAX_CLASS = 3
#: Communes of the COM (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin), which
#: INSEE's zoning does not cover: a town of this many inhabitants or more is a petit pôle
#: (≈ 1 500 jobs, the 2010 threshold of a petit pôle), a smaller one is rural.
_COM_TOWN_POPULATION = 5_000
_COM_TERRITORIES = frozenset({"saint_pierre_et_miquelon", "saint_barthelemy", "saint_martin"})
_PARIS_ZONES = ("paris_intra_muros", "paris_petite_couronne", "couronne_idf")
_AAV_COLUMNS = ["code_insee", "aav2020", "taav2017", "cateaav2020", "libgeo", "libaav2020"]


class AireAttraction(NamedTuple):
    """A commune's place in INSEE's *zonage en aires d'attraction des villes 2020*.

    ``code`` is the aire's code (``"000"`` outside any aire), ``name`` its name,
    ``size_class`` its ``TAAV2017`` (0 hors attraction, 1 under 50 000 inhabitants,
    2 50 000–199 999, 3 200 000–699 999, 4 700 000 or more except Paris, 5 aire de Paris)
    and ``category`` the commune's ``CATEAAV2020`` (11 commune-centre, 12 other commune of
    the pôle, 13 commune of a secondary pôle, 20 couronne, 30 hors attraction des villes).
    """

    code: str
    name: str
    size_class: int
    category: int


@cache
def _aav_table() -> dict[str, AireAttraction]:
    """INSEE's commune table (``communes_aav2020.csv.gz``), by commune code (read once)."""
    table: dict[str, AireAttraction] = {}
    for code, aav, size, category, _name, aav_name in _read_table(
        "communes_aav2020.csv.gz", _AAV_COLUMNS
    ):
        table[code] = AireAttraction(aav, aav_name, int(size), int(category))
    return table


def aire_attraction(commune: Commune) -> AireAttraction | None:
    """The commune's aire d'attraction (INSEE, AAV 2020), ``None`` outside INSEE's zoning.

    INSEE's table covers metropolitan France, Corse and the five DROM, in the commune
    geography of 1 January 2025; Paris, Lyon and Marseille are single rows (75056, 69123,
    13055): a :class:`Commune` is always the whole commune (an arrondissement code such as
    ``75111`` is read as Paris by :func:`lookup`), so its ``code_insee`` is the key. The
    three COM (975, 977, 978) are outside INSEE's zoning: ``None``.
    """
    if not _aav_table.cache_info().currsize:
        compact = _compact_index()
        if compact is not None:
            return compact.aire(commune.code_insee)
    return _aav_table().get(commune.code_insee)


def insee_patient_zone(commune: Commune) -> str:
    """The commune's patient zone (a key of :data:`PATIENT_ZONES`) from INSEE's zoning.

    The zone is read from ``TAAV2017`` (size class of the aire) × ``CATEAAV2020``
    (category of the commune), see docs/decisions/0007-patient-zone-from-insee-aav2020.md:

    * pôle (11, 12) of an aire of class 1, 2, 3, 4 → ``petit_pole``, ``pole_moyen``,
      ``grand_pole``, ``tres_grand_pole``; of the aire de Paris (5) → ``paris_intra_muros``
      for Paris (département 75), ``paris_petite_couronne`` for the rest of its pôle;
    * secondary pôle (13) → the pôle zone of its aire's class, at most ``grand_pole``
      (Aix-en-Provence, Meaux or Melun are towns of their own, not the centre of Marseille
      or Paris);
    * couronne (20) of an aire of class 1 … 5 → ``couronne_petit_pole``,
      ``couronne_pole_moyen``, ``couronne_grand_pole``, ``couronne_tres_grand_pole``,
      ``couronne_idf``;
    * hors attraction des villes (30) → ``rural_hors_attraction``;
    * communes of the COM, outside INSEE's zoning: ``petit_pole`` for a town of 5 000
      inhabitants or more (Saint-Pierre, Saint-Barthélemy, Saint-Martin), else
      ``rural_hors_attraction`` (Miquelon-Langlade).

    Raises :class:`ReferenceDataError` for a commune of metropolitan France or a DROM that
    INSEE's table does not hold (a commune created after 1 January 2025 until the table is
    updated).
    """
    zone = _zone_of(
        aire_attraction(commune), commune.departement, commune.territory, commune.population
    )
    if zone is None:
        raise ReferenceDataError(
            f"La commune {commune.label} (code INSEE {commune.code_insee}) n'est pas dans le "
            "zonage INSEE en aires d'attraction des villes livré avec KinéCO2 : choisissez la "
            "zone de votre cabinet."
        )
    return zone


def _zone_of(
    aire: AireAttraction | None, departement: str, territory: str, population: int | None
) -> str | None:
    """The rule of :func:`insee_patient_zone`; ``None`` for a commune missing from INSEE's
    table outside the COM."""
    if aire is None:
        if territory in _COM_TERRITORIES:
            return (
                "petit_pole"
                if (population or 0) >= _COM_TOWN_POPULATION
                else "rural_hors_attraction"
            )
        return None
    if aire.category == _OUTSIDE or aire.size_class == 0:
        return "rural_hors_attraction"
    pole, couronne = _ZONES_BY_SIZE_CLASS[aire.size_class]
    if aire.category == _COURONNE:
        return couronne
    if aire.category == _SECONDARY_POLE:
        return _ZONES_BY_SIZE_CLASS[min(aire.size_class, _SECONDARY_POLE_MAX_CLASS)][0]
    if aire.category in _POLE_CATEGORIES:
        if aire.size_class == 5 and departement == "75":
            return "paris_intra_muros"
        return pole
    raise ReferenceDataError(f"Catégorie {aire.category} inattendue dans le zonage INSEE.")


@cache
def _zones_by_territory() -> dict[str, tuple[str, ...]]:
    """Territory → the patient zones offered there (see :func:`patient_zones_for`)."""
    found: dict[str, set[str]] = {territory: set() for territory in TERRITORIES}
    index, table = _index(), _aav_table()
    for position, row in enumerate(index.rows):
        territory = _territory(row[_DEPARTEMENT])
        zone = _zone_of(
            table.get(row[_CODE]), row[_DEPARTEMENT], territory, index.populations[position]
        )
        if zone is not None:
            found[territory].add(zone)
    size_of = {zone: size for size, zones in _ZONES_BY_SIZE_CLASS.items() for zone in zones}
    size_of["paris_intra_muros"] = 5
    allowed: dict[str, tuple[str, ...]] = {}
    for territory, zones in found.items():
        # Classes 1-4 are completed downwards; the Paris zones only where they occur.
        largest = min(4, max((size_of[zone] for zone in zones if zone in size_of), default=1))
        offered = set(zones) | {"rural_hors_attraction"}
        for size in range(1, largest + 1):
            offered.update(_ZONES_BY_SIZE_CLASS[size])
        allowed[territory] = tuple(zone for zone in PATIENT_ZONES if zone in offered)
    return allowed


def patient_zones_for(territory: str) -> tuple[str, ...]:
    """The patient zones a practice of ``territory`` may choose, in :data:`PATIENT_ZONES` order.

    The zones INSEE's zoning gives to the territory's communes, completed by a rule
    (INSEE's zoning is coarse and the user knows the practice): every pôle and couronne
    zone of a size class up to the largest found there, and ``rural_hors_attraction``.
    The three Paris zones are offered only where the aire de Paris is (France
    continentale): a practice of La Réunion is never offered them. Unknown territory:
    every zone.
    """
    return _zones_by_territory().get(territory, tuple(PATIENT_ZONES))


def patient_zone_problem(zone: str, commune: Commune) -> str | None:
    """The French message refusing ``zone`` for a practice in ``commune``, or ``None``."""
    allowed = patient_zones_for(commune.territory)
    if zone in allowed:
        return None
    where = TERRITORY_IN.get(commune.territory, commune.territory)
    listed = " ; ".join(f"« {PATIENT_ZONES[z]} »" for z in allowed)
    return (
        f"La zone « {PATIENT_ZONES.get(zone, zone)} » n'existe pas {where}, où se "
        f"trouve la commune {commune.label}. Zones possibles : {listed}. Sans réponse, "
        "KinéCO2 prend la zone du zonage INSEE de votre commune."
    )


# --- autocomplete -------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATIONS = ((" st ", " saint "), (" ste ", " sainte "))
_CODE_QUERY = re.compile(r"\d[\d ]*|2[ab]\d*")


def _normalize_text(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: ``"Saint-Étienne"`` →
    ``"saint etienne"``, ``"L'Haÿ-les-Roses"`` → ``"l hay les roses"``, ``"St-Denis"`` →
    ``"saint denis"``."""
    folded = text.casefold().replace("œ", "oe").replace("æ", "ae")
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    words = " " + _NON_ALNUM.sub(" ", folded).strip() + " "
    for short, full in _ABBREVIATIONS:
        words = words.replace(short, full)
    return words.strip()


class _Blob(NamedTuple):
    """One line per commune (in row order), searched with a regular expression: a single
    C-level scan of the text is faster to build and to query than a sorted key list."""

    text: str  # "\n" + line of commune 0 + "\n" + line of commune 1 + ... + "\n"
    line_starts: list[int]  # offset of each line's first character

    @classmethod
    def of(cls, lines: list[str]) -> _Blob:
        line_starts = []
        offset = 1
        for line in lines:
            line_starts.append(offset)
            offset += len(line) + 1
        return cls("\n" + "\n".join(lines) + "\n", line_starts)

    def matches(self, query: str, *, tokens: bool = False) -> dict[int, int]:
        """Row position -> best rank: 0 whole line, 1 line start, 2 word start; with
        ``tokens`` (space-separated codes), 0 a whole code, 1 a code's start."""
        found: dict[int, int] = {}
        for match in re.finditer(r"[\n ]" + re.escape(query), self.text):
            start = match.start() + 1
            position = bisect.bisect_right(self.line_starts, start) - 1
            if tokens:
                rank = 0 if self.text[match.end()] in " \n" else 1
            elif start != self.line_starts[position]:
                rank = 2
            elif self.text[match.end()] == "\n":
                rank = 0
            else:
                rank = 1
            if rank < found.get(position, 3):
                found[position] = rank
        return found


@cache
def _search_blobs() -> tuple[_Blob, _Blob]:
    """(names, codes) blobs; codes lines are "insee postal postal…", lower-cased."""
    rows = _index().rows
    names = _Blob.of([_normalize_text(row[_NAME]) for row in rows])
    codes = _Blob.of([f"{row[_CODE]} {row[_POSTAL]}".lower() for row in rows])
    return names, codes


def communes_named(text: str) -> list[Commune]:
    """Communes whose whole name is ``text`` (case, accents, hyphens ignored), most
    populated first: ``communes_named("saint denis")`` gives the eight Saint-Denis."""
    query = _normalize_text(text)
    if not query:
        return []
    names, _ = _search_blobs()
    index = _index()
    found = [position for position, rank in names.matches(query).items() if rank == 0]
    found.sort(key=lambda position: (-index.populations[position], index.rows[position][_CODE]))
    return [index.commune(position) for position in found]


def search_communes(text: str, limit: int = 10) -> list[Commune]:
    """Communes whose name or code starts with ``text``, for an autocomplete.

    Case, accents, hyphens and apostrophes are ignored (``"saint etienne"`` finds
    Saint-Étienne) and ``St``/``Ste`` stand for Saint/Sainte. A name matches if it, or
    one of its later words, starts with the text (``"rochelle"`` finds La Rochelle). A
    text made of digits (or starting with ``2A``/``2B``) is matched against INSEE and
    postal codes. Results: exact matches first, then names (or codes) starting with the
    text, then the others; within each group the most populated first. At most
    ``limit`` communes.
    """
    query = _normalize_text(text)
    if limit <= 0 or not query:
        return []
    names, codes = _search_blobs()
    if _CODE_QUERY.fullmatch(query):
        found = codes.matches(query.replace(" ", ""), tokens=True)
    else:
        found = names.matches(query)
    index = _index()
    chosen = heapq.nsmallest(
        limit,
        found.items(),
        key=lambda item: (item[1], -index.populations[item[0]], index.rows[item[0]][_NAME]),
    )
    return [index.commune(position) for position, _ in chosen]
