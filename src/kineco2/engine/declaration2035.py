"""« Remplir avec ma déclaration 2035 »: the lines of a kiné's 2035 → the questions in euros.

Every liberal kiné files a 2035 (BNC) each year; its lines hold most of the purchase and
service amounts the questionnaire asks. The mapping is data
(``data/declaration2035/<version>.yaml``): each line has its French label, keywords that
recognise it in an accounting software's CSV export, the questions it fills and why. Since
methodology 2026.1 every amount in euros is asked as paid (VAT included), as the 2035 shows
it, so an amount goes straight into its question.

:func:`fill` adds the amounts of the lines into the questions and says what went where;
:func:`read_csv` reads an export (« libellé ; montant » per row, French numbers). Pure Python.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kineco2.engine import yamlfile
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.numbers import NumberInputError, parse_number

DATA_DIR = Path(__file__).parent / "data" / "declaration2035"
_VERSION = re.compile(r"^\d{4}\.\d+$")
MAX_CSV_BYTES = 500_000


@dataclass(frozen=True)
class Line2035:
    id: str
    label: str
    keywords: tuple[str, ...]
    targets: tuple[str, ...]  # "section.question"
    why: str
    also: dict[str, float] = field(default_factory=dict)  # other answers set with this line


@dataclass(frozen=True)
class Mapping2035:
    version: str
    lines: dict[str, Line2035]

    def targets(self) -> list[str]:
        seen: dict[str, None] = {}
        for line in self.lines.values():
            for target in line.targets:
                seen.setdefault(target)
        return list(seen)


def versions() -> list[str]:
    return sorted(
        (p.stem for p in DATA_DIR.glob("*.yaml") if _VERSION.match(p.stem)),
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text).lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@cache
def load_mapping(version: str | None = None) -> Mapping2035:
    """The mapping of ``version`` (latest by default), checked against the input schema."""
    from kineco2.engine.schema import SECTIONS

    version = version or versions()[-1]
    path = DATA_DIR / f"{version}.yaml"
    if not path.exists():
        raise ReferenceDataError(f"Correspondance 2035 introuvable : version {version}.")
    data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    if str(data.get("version")) != version:
        raise ReferenceDataError(f"{path.name} : la version déclarée n'est pas {version}.")
    lines = {}
    for key, row in (data.get("lines") or {}).items():
        targets = tuple(row.get("targets") or ())
        also = {str(k): float(v) for k, v in (row.get("also") or {}).items()}
        for target in (*targets, *also):
            section, _, name = target.partition(".")
            model = SECTIONS.get(section)
            info = model.model_fields.get(name) if model else None
            unit = (info.json_schema_extra or {}).get("unit", "") if info else ""
            if info is None or "€" not in str(unit):
                raise ReferenceDataError(
                    f"{path.name}, {key} : « {target} » n'est pas une question en euros."
                )
        if not str(row.get("label", "")).strip() or not str(row.get("why", "")).strip():
            raise ReferenceDataError(f"{path.name}, {key} : libellé ou justification manquant.")
        lines[key] = Line2035(
            id=key,
            label=str(row["label"]).strip(),
            keywords=tuple(_plain(k) for k in row.get("keywords") or ()),
            targets=targets,
            why=str(row["why"]).strip(),
            also=also,
        )
    return Mapping2035(version=version, lines=lines)


def match_line(label: str, mapping: Mapping2035 | None = None) -> str | None:
    """The line id whose keywords best match an export's label, or ``None``.

    A keyword matches when all its words are in the label; the longest matching keyword
    wins (« entretien et réparations » over « entretien »).
    """
    mapping = mapping or load_mapping()
    words = set(_plain(label).split())
    text = f" {_plain(label)} "
    best, best_len = None, 0
    for line in mapping.lines.values():
        for keyword in line.keywords:
            if (f" {keyword} " in text or set(keyword.split()) <= words) and len(
                keyword
            ) > best_len:
                best, best_len = line.id, len(keyword)
    return best


@dataclass(frozen=True)
class Contribution:
    line: Line2035
    amount: float


@dataclass
class Filling:
    """What the 2035 amounts give: one total per question, with the lines behind it."""

    answers: dict[str, float]  # "section.question" -> € (as paid)
    sources: dict[str, list[Contribution]]  # question -> lines that add into it
    implied: dict[str, tuple[float, Line2035]]  # other answers set (« gels » = 0), with why
    unused: list[Contribution]  # lines with an amount that fill nothing (with their reason)


def fill(amounts: dict[str, float], mapping: Mapping2035 | None = None) -> Filling:
    """Add the amounts of the 2035 lines (``{line id: €}``) into the questions."""
    mapping = mapping or load_mapping()
    answers: dict[str, float] = {}
    sources: dict[str, list[Contribution]] = {}
    implied: dict[str, tuple[float, Line2035]] = {}
    unused: list[Contribution] = []
    for line_id, amount in amounts.items():
        line = mapping.lines.get(line_id)
        if line is None or amount is None:
            continue
        if not line.targets:
            unused.append(Contribution(line, float(amount)))
            continue
        share = float(amount) / len(line.targets)
        for target in line.targets:
            answers[target] = round(answers.get(target, 0.0) + share, 2)
            sources.setdefault(target, []).append(Contribution(line, float(amount)))
        for target, value in line.also.items():
            if target not in amounts:
                implied[target] = (value, line)
    for target in list(implied):
        if target in answers:
            del implied[target]  # an amount given for it wins
    return Filling(answers=answers, sources=sources, implied=implied, unused=unused)


@dataclass(frozen=True)
class CsvRow:
    label: str
    amount_text: str
    line_id: str | None
    amount: float | None
    problem: str = ""


def read_csv(data: bytes, mapping: Mapping2035 | None = None) -> tuple[dict[str, float], list]:
    """(amounts by line id, rows as read) of an export « libellé ; montant ».

    The delimiter is « ; », « , » or a tab; the amount is the last cell that reads as a
    number (French conventions; « 1.234,56 » and « 1 234,56 € » are understood). Rows that
    match no line, or whose amount is unreadable, are returned with their problem (French).
    Raises ``ValueError`` (French) for a file that is not a readable CSV.
    """
    mapping = mapping or load_mapping()
    if len(data) > MAX_CSV_BYTES:
        raise ValueError("Le fichier est trop gros pour un export de 2035 (500 Ko au plus).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # exports from older software
    sample = text[:4096]
    delimiter = max(";\t,", key=sample.count) if sample.strip() else ";"
    rows: list[CsvRow] = []
    amounts: dict[str, float] = {}
    for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
        cells = [c.strip() for c in cells if c.strip()]
        if len(cells) < 2:
            continue
        label = " ".join(c for c in cells[:-1] if not re.fullmatch(r"[A-Z]{1,2}\d*", c))
        amount_text = cells[-1]
        try:
            amount = float(parse_number(amount_text, unit="€"))
        except NumberInputError as exc:
            if not rows and not any(ch.isdigit() for ch in amount_text):
                continue  # a header row (« Libellé ; Montant »)
            rows.append(CsvRow(label, amount_text, None, None, str(exc)))
            continue
        line_id = match_line(label, mapping)
        if line_id is None:
            rows.append(
                CsvRow(label, amount_text, None, amount, "ligne non reconnue : non utilisée")
            )
            continue
        amounts[line_id] = round(amounts.get(line_id, 0.0) + amount, 2)
        rows.append(CsvRow(label, amount_text, line_id, amount))
    if not rows:
        raise ValueError(
            "Aucune ligne lue : le fichier doit avoir une ligne par poste de la 2035, avec son "
            "libellé puis son montant (séparés par « ; »)."
        )
    return amounts, rows
