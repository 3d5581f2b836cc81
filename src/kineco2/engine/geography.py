"""French communes: postal-code and INSEE-code lookup, territory, patient-zone guess.

The data files of ``data/geo/`` (``communes.csv.gz``, ``departements.csv``, ``epci.csv``)
are built by ``scripts/build_geo.py`` from Etalab's *découpage administratif* (npm
package ``@etalab/decoupage-administratif``: INSEE Code officiel géographique, La Poste
postal codes, DGCL intercommunalities); ``data/geo/PROVENANCE.md`` gives the version,
licence and rebuild command. They are read once, lazily, with the standard library only
(about 0.1 s); every lookup afterwards is a dictionary access (about 1 µs).

Two kinds of 5-character codes exist and overlap: about 3 400 strings are both a postal
code and the INSEE code of another commune (``69003`` is the postal code of Lyon 3e and
the INSEE code of Albigny-sur-Saône). :func:`lookup` and :func:`locate` read what a user
types, so a **postal code wins**; code that stores a commune should keep its
``code_insee`` and read it back with :func:`commune_by_insee`, which never reads a
postal code.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import heapq
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

from kineco2.engine.errors import EngineError, ReferenceDataError

__all__ = [
    "PATIENT_ZONES",
    "TERRITORIES",
    "Commune",
    "UnknownCommuneError",
    "all_communes",
    "commune_by_insee",
    "guess_patient_zone",
    "locate",
    "lookup",
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
        "Proche banlieue de Paris : Hauts-de-Seine, Seine-Saint-Denis ou Val-de-Marne"
    ),
    "couronne_idf": (
        "Reste de l'Île-de-France : grande banlieue, villes nouvelles et communes "
        "périurbaines autour de Paris"
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

The ids follow INSEE's zoning of communes around towns (the 2010 *zonage en aires
urbaines* and its 2020 successor, the *aires d'attraction des villes*): a *pôle* is a town
that concentrates jobs, its *couronne* the surrounding communes from which a large share
of the working residents commute to it (at least 40 % to the aire in 2010, 15 % to the
pôle in 2020); the size bands are those of the 2020 aires, counting the pôle and its
couronne; *très grand pôle* is an aire of 700 000 inhabitants or more other than Paris.
"""

_ERROR_HINT = "Indiquez un code postal (5 chiffres, ex. 69003) ou un code INSEE (ex. 2A004)."
_CODE_PATTERN = re.compile(r"\d{5}|2[AB]\d{3}")
_DATA_PACKAGE = "kineco2.engine"
_DATA_DIR = ("data", "geo")


class UnknownCommuneError(EngineError, ValueError):
    """No commune has this code. ``str(error)`` is a French message naming the code."""

    def __init__(self, code: str):
        self.code = code
        shown = str(code).strip()
        if shown:
            message = f"Commune inconnue : « {shown} ». {_ERROR_HINT}"
        else:
            message = f"Aucun code de commune indiqué. {_ERROR_HINT}"
        super().__init__(message)


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


class _Intercommunality(NamedTuple):
    code: str
    name: str
    kind: str
    population: int


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
    epcis: dict[str, _Intercommunality]
    largest_of_epci: dict[str, int]  # intercommunality code -> row of its largest commune

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
    raw = resources.files(_DATA_PACKAGE).joinpath(*_DATA_DIR, name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    if not rows or rows[0] != columns:
        raise ReferenceDataError(
            f"Fichier de données géographiques {name} illisible : en-tête inattendu."
        )
    return rows[1:]


@cache
def _index() -> _Index:
    departements = {
        code: _Departement(name, region_code, region_name)
        for code, name, region_code, region_name in _read_table(
            "departements.csv", ["code", "name", "region_code", "region_name"]
        )
    }
    epcis = {
        code: _Intercommunality(code, name, kind, int(population))
        for code, name, kind, population in _read_table(
            "epci.csv", ["code", "name", "type", "population"]
        )
    }
    rows = _read_table("communes.csv.gz", _COMMUNE_COLUMNS)
    populations = [int(row[_POPULATION]) if row[_POPULATION] else -1 for row in rows]
    by_insee: dict[str, int] = {}
    postal_lists: dict[str, list[int]] = {}
    largest_of_epci: dict[str, int] = {}
    for position, row in enumerate(rows):
        by_insee[row[_CODE]] = position
        for postal_code in row[_POSTAL].split():
            postal_lists.setdefault(postal_code, []).append(position)
        epci_code = row[_EPCI]
        if epci_code:
            largest = largest_of_epci.setdefault(epci_code, position)
            if populations[position] > populations[largest]:
                largest_of_epci[epci_code] = position
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
        epcis=epcis,
        largest_of_epci=largest_of_epci,
    )


def _normalize_code(code: str) -> str:
    return "".join(str(code).split()).upper()


def lookup(code: str) -> tuple[Commune, ...]:
    """Communes designated by a postal code or an INSEE code, most populated first.

    ``code`` may be a postal code (``"69003"``) or an INSEE code (``"69123"``,
    ``"2A004"``, a municipal arrondissement such as ``"75111"``, or the code of a former
    commune now merged into another); case and spaces are ignored. When a string is both
    a postal code and another commune's INSEE code, the postal code wins (see the module
    docstring). An INSEE code gives one commune; a postal code may give several.

    Raises :class:`UnknownCommuneError` if nothing matches.
    """
    normalized = _normalize_code(code)
    if _CODE_PATTERN.fullmatch(normalized):
        index = _index()
        positions = index.by_postal.get(normalized)
        if positions is None:
            position = index.by_insee.get(normalized)
            positions = None if position is None else (position,)
        if positions:
            return tuple(index.commune(position) for position in positions)
    raise UnknownCommuneError(code)


def locate(code: str) -> Commune:
    """The commune for an INSEE code, or the most populated one for a postal code.

    Same input rules as :func:`lookup`; raises :class:`UnknownCommuneError`.
    """
    return lookup(code)[0]


def commune_by_insee(code_insee: str) -> Commune:
    """The commune with this INSEE code (current, arrondissement or former code).

    Unlike :func:`locate`, never reads the code as a postal code: use it to read back a
    stored ``Commune.code_insee``. Raises :class:`UnknownCommuneError`.
    """
    index = _index()
    position = index.by_insee.get(_normalize_code(code_insee))
    if position is None:
        raise UnknownCommuneError(code_insee)
    return index.commune(position)


def intercommunality_of(code_insee: str) -> str | None:
    """SIREN of the commune's intercommunality (EPCI à fiscalité propre), ``None`` if none."""
    index = _index()
    position = index.by_insee.get(_normalize_code(code_insee))
    if position is None:
        raise UnknownCommuneError(code_insee)
    return index.rows[position][_EPCI] or None


def territory_of(code: str) -> str:
    """Territory id (a key of :data:`TERRITORIES`) of the commune :func:`locate` finds."""
    return locate(code).territory


def all_communes() -> tuple[Commune, ...]:
    """Every commune of the data files, sorted by INSEE code."""
    index = _index()
    return tuple(index.commune(position) for position in range(len(index.rows)))


# --- patient zone -------------------------------------------------------------------------

_PETITE_COURONNE = frozenset({"92", "93", "94"})
_GRANDE_COURONNE = frozenset({"77", "78", "91", "95"})
_AREA_VERY_LARGE = 450_000  # intercommunality population ≈ aire of 700 000 or more
_AREA_LARGE = 150_000  # ≈ aire of 200 000 to 700 000
_AREA_MEDIUM = 50_000  # ≈ aire of 50 000 to 200 000
_POLE_POPULATION = 5_000  # a commune this large is counted as a town (pôle)
_SMALL_POLE_POPULATION = 3_000  # the largest commune of its intercommunality, if this large

_ZONES_BY_SIZE: tuple[tuple[int, str, str], ...] = (
    (_AREA_VERY_LARGE, "tres_grand_pole", "couronne_tres_grand_pole"),
    (_AREA_LARGE, "grand_pole", "couronne_grand_pole"),
    (_AREA_MEDIUM, "pole_moyen", "couronne_pole_moyen"),
    (0, "petit_pole", "couronne_petit_pole"),
)


def guess_patient_zone(commune: Commune) -> str:
    """Guess the commune's patient zone (a key of :data:`PATIENT_ZONES`).

    This is a **heuristic guess that the user confirms**, not INSEE's zoning: no
    open-data copy of the *aires d'attraction des villes* (2020) or of the *zonage en
    aires urbaines* (2010) is distributed by a package registry this project can install
    from (see ``data/geo/PROVENANCE.md``). The guess uses what the *découpage
    administratif* carries: département, commune population, and the commune's
    intercommunality (EPCI à fiscalité propre), whose population stands in for the size
    of the town's area of attraction because métropoles, communautés urbaines and
    communautés d'agglomération are drawn around towns and their suburbs.

    1. Île-de-France by département: Paris (75) → ``paris_intra_muros``; 92, 93, 94 →
       ``paris_petite_couronne``; 77, 78, 91, 95 → ``couronne_idf``.
    2. Size band from ``max(intercommunality population, commune population)``:
       ≥ 450 000 → *très grand* (with the 2026 data: the métropoles of Lyon,
       Aix-Marseille, Lille, Bordeaux, Toulouse, Nantes, Nice, Montpellier, Strasbourg,
       Rouen and Rennes), ≥ 150 000 → *grand*, ≥ 50 000 → *moyen*, else *petit*. An
       intercommunality is smaller than the area of attraction around it (which spills
       over its border), hence thresholds below INSEE's 700 000 / 200 000 / 50 000.
    3. The commune is the town (*pôle*) if it has 5 000 inhabitants or more, or if it is
       the largest commune of its intercommunality with 3 000 or more; otherwise it is in
       the *couronne* of that band. In a small intercommunality without such a town, or
       with none at all (some islands), a non-town commune is ``rural_hors_attraction``.

    Known limits: suburbs lying in another intercommunality than their city are seen as
    small towns or their couronne; communes of the Paris area outside Île-de-France are
    not recognised as such; small communes of large intercommunalities that reach deep
    into the countryside are guessed to be in the couronne.
    """
    departement = commune.departement
    if departement == "75":
        return "paris_intra_muros"
    if departement in _PETITE_COURONNE:
        return "paris_petite_couronne"
    if departement in _GRANDE_COURONNE:
        return "couronne_idf"

    index = _index()
    population = commune.population or 0
    position = index.by_insee.get(commune.code_insee)
    epci_code = index.rows[position][_EPCI] if position is not None else ""
    if not epci_code:  # outside any intercommunality (some islands), or not from our data
        is_largest = True
        has_town = population >= _SMALL_POLE_POPULATION
        area = population
    else:
        largest = index.largest_of_epci[epci_code]
        is_largest = largest == position
        has_town = index.populations[largest] >= _SMALL_POLE_POPULATION
        area = max(index.epcis[epci_code].population, population)
    is_pole = population >= _POLE_POPULATION or (
        is_largest and population >= _SMALL_POLE_POPULATION
    )
    for threshold, pole, couronne in _ZONES_BY_SIZE:
        if area >= threshold:
            if is_pole:
                return pole
            if threshold == 0 and not has_town:
                return "rural_hors_attraction"
            return couronne
    raise AssertionError("unreachable: the last size band has threshold 0")


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
