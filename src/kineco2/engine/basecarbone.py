"""Reader of ADEME's Base Carbone® / Base Empreinte® exports in their official CSV format.

The official export is a ``;``-separated file encoded in Windows-1252 (Latin-1 with ``€``,
``œ``, ``’``…), with decimal commas and scientific notation (``5,92E-3``). Each emission
factor is one ``Elément`` row, followed by its ``Poste`` rows (its decomposition by emission
post: upstream, combustion, manufacturing…). Quoted fields may contain ``;``, doubled quotes
and line breaks. The key columns::

    Type Ligne ; Identifiant de l'élément ; Statut de l'élément ; Nom base français ;
    Nom attribut français ; Unité français ; Localisation géographique ;
    Période de validité ; Incertitude ; Total poste non décomposé ; Source ;
    Date de modification ; Type poste ; Nom poste français

:func:`iter_elements` streams the file (one element in memory at a time, so the full export
of tens of thousands of rows is read in constant memory); :func:`read_elements` indexes it by
id. Malformed input raises :class:`BaseCarboneFormatError` with the physical line number
(1 = the header) and a French message. Pure Python, no Django.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from kineco2.engine.errors import EngineError

__all__ = [
    "BaseCarboneFormatError",
    "Element",
    "ElementPost",
    "iter_elements",
    "parse_number",
    "read_elements",
]

#: Fields larger than this are refused (an unclosed quote swallowing the rest of the file).
MAX_FIELD = 1_000_000


class BaseCarboneFormatError(EngineError):
    """The export is not a readable Base Carbone CSV export. ``line``: physical line (1-based)."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.message = message
        where = f"ligne {line} : " if line else ""
        super().__init__(f"Export Base Carbone illisible, {where}{message}")


@dataclass(frozen=True, slots=True)
class ElementPost:
    """One ``Poste`` row: part of an element's value (kg CO2e per unit of the element)."""

    type: str  # « Type poste »: Amont, Combustion, Fabrication…
    name: str  # « Nom poste français »
    value: float | None
    line: int


@dataclass(frozen=True, slots=True)
class Element:
    """One emission factor of the export (its ``Elément`` row and its ``Poste`` rows)."""

    id: str
    name: str  # Nom base français
    attribute: str  # Nom attribut français
    border: str  # Nom frontière français
    unit: str  # Unité français
    value: float | None  # Total poste non décomposé
    uncertainty_pct: float | None  # Incertitude (half-width of the 95 % interval, %)
    status: str  # Statut de l'élément: « Valide générique », « Archivé »…
    location: str
    validity: str
    source: str
    modified: date | None  # Date de modification
    line: int  # physical line of the Elément row
    posts: tuple[ElementPost, ...] = field(default=())

    @property
    def archived(self) -> bool:
        return _fold(self.status).startswith("archiv")

    @property
    def label(self) -> str:
        """« Nom base français – Nom attribut français » (the attribute when there is one)."""
        parts = [p for p in (self.name, self.attribute, self.border) if p]
        return " – ".join(parts)


# -- columns -------------------------------------------------------------------------------
#: attribute → header of the official export (matched ignoring case, accents and quotes).
COLUMNS = {
    "kind": "Type Ligne",
    "id": "Identifiant de l'élément",
    "status": "Statut de l'élément",
    "name": "Nom base français",
    "attribute": "Nom attribut français",
    "unit": "Unité français",
    "uncertainty": "Incertitude",
    "value": "Total poste non décomposé",
    "modified": "Date de modification",
}
OPTIONAL_COLUMNS = {
    "border": "Nom frontière français",
    "location": "Localisation géographique",
    "validity": "Période de validité",
    "source": "Source",
    "post_type": "Type poste",
    "post_name": "Nom poste français",
}


def _fold(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces: to compare headers."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\ufeff", ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


def _header_index(header: list[str]) -> dict[str, int]:
    folded = {}
    for index, name in enumerate(header):
        folded.setdefault(_fold(name), index)
    if len(header) == 1 and (";" not in header[0]) and ("," in header[0] or "\t" in header[0]):
        raise BaseCarboneFormatError(
            1, "le séparateur de colonnes doit être le point-virgule « ; » (format ADEME)."
        )
    missing = [title for title in COLUMNS.values() if _fold(title) not in folded]
    if missing:
        raise BaseCarboneFormatError(
            1,
            "ce n'est pas un export Base Carbone : colonne(s) manquante(s) "
            + ", ".join(f"« {m} »" for m in missing)
            + ".",
        )
    index = {key: folded[_fold(title)] for key, title in COLUMNS.items()}
    for key, title in OPTIONAL_COLUMNS.items():
        if _fold(title) in folded:
            index[key] = folded[_fold(title)]
    return index


# -- values --------------------------------------------------------------------------------
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_number(text: str) -> float | None:
    """``"5,92E-3"`` → 0.00592; ``"1 833"`` → 1833.0; ``""`` → ``None``; else ``ValueError``."""
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not cleaned:
        return None
    if not _NUMBER.match(cleaned):
        raise ValueError(text)
    return float(cleaned.replace(",", "."))


def _number(text: str, column: str, line: int) -> float | None:
    try:
        return parse_number(text)
    except ValueError:
        raise BaseCarboneFormatError(
            line,
            f"valeur « {text.strip()} » illisible dans la colonne « {column} » "
            "(nombre attendu, virgule décimale, par exemple 5,92E-3).",
        ) from None


def _date(text: str, line: int) -> date | None:
    text = text.strip()
    if not text:
        return None
    match = _DATE.match(text)
    try:
        if not match:
            raise ValueError
        day, month, year = (int(x) for x in match.groups())
        return date(year, month, day)
    except ValueError:
        raise BaseCarboneFormatError(
            line, f"date de modification « {text} » illisible (format attendu JJ/MM/AAAA)."
        ) from None


# -- decoding ------------------------------------------------------------------------------
def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # The five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D): Latin-1.
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("kineco2-latin1", _latin1_fallback)


def _sniff_encoding(head: bytes) -> str:
    """``utf-8-sig`` for a UTF-8 file (BOM or valid non-ASCII UTF-8), else ``cp1252``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "cp1252"
    return "utf-8" if any(b > 127 for b in head) else "cp1252"


def _open_text(source: str | Path | IO[bytes] | IO[str]) -> tuple[IO[str], bool]:
    """A text stream over ``source`` (path, binary or text stream). Returns (stream, owned)."""
    if isinstance(source, str | Path):
        try:
            binary: IO[bytes] = open(source, "rb")
        except FileNotFoundError:
            raise BaseCarboneFormatError(None, f"fichier introuvable « {source} ».") from None
        except OSError as exc:
            raise BaseCarboneFormatError(None, f"fichier « {source} » illisible ({exc}).") from None
        owned = True
    elif isinstance(source, io.TextIOBase):
        return source, False
    else:
        binary, owned = source, False  # type: ignore[assignment]
    buffered = binary if hasattr(binary, "peek") else io.BufferedReader(binary)  # type: ignore[arg-type]
    encoding = _sniff_encoding(buffered.peek(65536)[:65536])  # type: ignore[union-attr]
    errors = "kineco2-latin1" if encoding == "cp1252" else "strict"
    text = io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline="")  # type: ignore[arg-type]
    if owned:
        return text, True
    return text, False


# -- rows ----------------------------------------------------------------------------------
def _rows(stream: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(physical line where the record starts, fields), with French errors."""
    reader = csv.reader(stream, delimiter=";", quotechar='"', doublequote=True, strict=True)
    previous_end = 0
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise BaseCarboneFormatError(
                    previous_end + 1,
                    "caractères illisibles (encodage attendu : Latin-1/Windows-1252).",
                ) from None
            except csv.Error as exc:
                text = str(exc)
                if "field larger" in text or "unexpected end of data" in text or "EOF" in text:
                    message = (
                        "guillemet ouvrant sans guillemet fermant : le champ commencé à cette "
                        "ligne ne se termine pas."
                    )
                else:
                    message = (
                        "guillemets mal placés (un champ entre guillemets doit être suivi "
                        "de « ; » ou d'une fin de ligne ; un guillemet dans le texte s'écrit « \"\" »)."
                    )
                raise BaseCarboneFormatError(previous_end + 1, message) from None
            start = previous_end + 1
            previous_end = reader.line_num
            yield start, row
    finally:
        csv.field_size_limit(old_limit)


def _kind(text: str) -> str:
    folded = _fold(text)
    if folded in ("element", "elément"):
        return "element"
    if folded == "poste":
        return "poste"
    return folded


def iter_elements(source: str | Path | IO[bytes] | IO[str]) -> Iterator[Element]:
    """Stream the elements of an export, in file order, each with its ``Poste`` rows.

    ``source``: a path, a binary stream (the encoding is detected: Windows-1252 as ADEME
    publishes it, or UTF-8) or a text stream. Blank lines are skipped. Raises
    :class:`BaseCarboneFormatError` (French, with the line number) on malformed input.
    """
    stream, owned = _open_text(source)
    try:
        yield from _elements(_rows(stream))
    finally:
        if owned:
            stream.close()


def _elements(rows: Iterable[tuple[int, list[str]]]) -> Iterator[Element]:
    rows = iter(rows)
    _, header = next(rows, (1, []))
    if not header or not any(h.strip() for h in header):
        raise BaseCarboneFormatError(1, "le fichier est vide (ligne d'en-tête attendue).")
    col = _header_index(header)
    width = len(header)
    seen: dict[str, int] = {}
    current: dict | None = None
    posts: list[ElementPost] = []

    def finish() -> Element:
        assert current is not None
        return Element(**current, posts=tuple(posts))

    for line, row in rows:
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            extra = row[width:]
            if len(row) > width and not any(cell.strip() for cell in extra):
                row = row[:width]
            else:
                raise BaseCarboneFormatError(
                    line,
                    f"{len(row)} colonne(s) au lieu de {width} (un « ; » en trop ou manquant, "
                    "ou un champ contenant « ; » sans guillemets ?).",
                )

        def get(key: str, row: list[str] = row) -> str:
            index = col.get(key)
            return row[index].strip() if index is not None else ""

        kind = _kind(get("kind"))
        element_id = get("id")
        if not element_id:
            raise BaseCarboneFormatError(line, "identifiant de l'élément manquant.")
        if kind == "element":
            if current is not None:
                yield finish()
            if element_id in seen:
                raise BaseCarboneFormatError(
                    line,
                    f"l'élément {element_id} apparaît deux fois (déjà ligne {seen[element_id]}).",
                )
            seen[element_id] = line
            current = {
                "id": element_id,
                "name": get("name"),
                "attribute": get("attribute"),
                "border": get("border"),
                "unit": get("unit"),
                "value": _number(get("value"), COLUMNS["value"], line),
                "uncertainty_pct": _number(get("uncertainty"), COLUMNS["uncertainty"], line),
                "status": get("status"),
                "location": get("location"),
                "validity": get("validity"),
                "source": get("source"),
                "modified": _date(get("modified"), line),
                "line": line,
            }
            posts = []
        elif kind == "poste":
            if current is None or current["id"] != element_id:
                expected = f" (élément en cours : {current['id']})" if current else ""
                raise BaseCarboneFormatError(
                    line,
                    f"ligne « Poste » de l'élément {element_id} sans sa ligne « Elément » "
                    f"juste avant{expected}.",
                )
            posts.append(
                ElementPost(
                    type=get("post_type"),
                    name=get("post_name"),
                    value=_number(get("value"), COLUMNS["value"], line),
                    line=line,
                )
            )
        else:
            raise BaseCarboneFormatError(
                line,
                f"type de ligne « {get('kind')} » inconnu (attendu : « Elément » ou « Poste »).",
            )
    if current is not None:
        yield finish()


def read_elements(
    source: str | Path | IO[bytes] | IO[str], *, ids: Iterable[str] | None = None
) -> dict[str, Element]:
    """The elements of an export by id (only ``ids`` if given: the rest is streamed past)."""
    wanted = None if ids is None else {str(i) for i in ids}
    return {
        element.id: element
        for element in iter_elements(source)
        if wanted is None or element.id in wanted
    }
