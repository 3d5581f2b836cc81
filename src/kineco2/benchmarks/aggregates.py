"""Anonymised distributions of footprints under statistical disclosure control (pure, numpy).

Everything here works on plain arrays: :class:`Population` holds one row per assessment (one
practice, one reference year, its latest snapshot) and :func:`overview` turns it into
distribution tables — national, by region (each overseas territory on its own row, then
« Outre-mer (ensemble) »), by zone type, by size and by mode of practice, and the zone type ×
size table used by the comparison with comparable practices — for the annual footprint
(t CO2e/an) and the footprint of a session (kg CO2e/séance), in total and by post.

**What may be published is decided by** :mod:`kineco2.benchmarks.disclosure` (rules in
``docs/decisions/0008-statistical-disclosure-control.md``): no group of fewer than 11
practices is described, not even by its count; counts are rounded to 5; quantiles need 15
practices (P10 and P90: 30), are means of 5 ordered values around their rank, perturbed by a
secret factor within ±3 % and rounded to 3 significant figures; hidden groups cannot be
recovered from margins nor from wider filters (secondary suppression, see :func:`overview`).
Every figure that leaves this module (page, CSV, PDF, JSON, comparison) is a :class:`Cell`
made here; a hidden cell is a :class:`Suppressed`, which carries no figure.
"""

from __future__ import annotations

import csv
import functools
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kineco2.benchmarks import disclosure
from kineco2.engine.posts import POSTS

__all__ = [
    "DIMENSIONS",
    "MIN_FIGURES",
    "MIN_PRACTICES",
    "MODES",
    "OVERSEAS",
    "SIZES",
    "SUPPRESSED",
    "SUPPRESSED_LABEL",
    "ZONE_TYPES",
    "Breakdown",
    "Cell",
    "Factor",
    "Margins",
    "Metric",
    "Overview",
    "Population",
    "Row",
    "describe",
    "margins",
    "metrics",
    "overview",
    "regions",
    "size_class",
    "zone_type",
]

#: The smallest number of practices a published group may have (even its count).
MIN_PRACTICES = disclosure.MIN_COUNT
#: The smallest number of practices for the median and the quartiles of a group.
MIN_FIGURES = disclosure.MIN_PRACTICES_FOR["median"]
SUPPRESSED_LABEL = disclosure.SUPPRESSED_LABEL
#: Percentiles published for every cell (fractions).
PERCENTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Code of the « Outre-mer (ensemble) » row of the region table.
OVERSEAS = "outre-mer"
OVERSEAS_LABEL = "Outre-mer (ensemble)"


# -- the small-cell rule -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Cell:
    """The published distribution of one indicator over about ``n`` practices.

    ``n`` is the published (rounded) count; the quantiles are protected
    (:func:`kineco2.benchmarks.disclosure.quantiles`); P10 and P90 are ``None`` below
    30 practices.
    """

    n: int
    p10: float | None
    p25: float
    median: float
    p75: float
    p90: float | None
    suppressed = False

    def __post_init__(self) -> None:
        if self.n < MIN_FIGURES:
            raise ValueError(f"Une case publiée décrit au moins {MIN_FIGURES} cabinets.")

    def __reduce__(self):  # pickled in the cache by the thousand: no per-field state dict
        return (Cell, (self.n, self.p10, self.p25, self.median, self.p75, self.p90))

    @property
    def has_deciles(self) -> bool:
        return self.p10 is not None and self.p90 is not None

    @property
    def quartiles(self) -> dict[str, float | int | None]:
        """For :func:`kineco2.report.charts.comparison_svg` (P10/P90 only when published)."""
        out: dict[str, float | int | None] = {
            "p10": self.p10,
            "p25": self.p25,
            "median": self.median,
            "p75": self.p75,
            "p90": self.p90,
            "n": self.n,
        }
        return {key: value for key, value in out.items() if value is not None}

    @property
    def published_quantiles(self) -> dict[float, float | None]:
        return {0.1: self.p10, 0.25: self.p25, 0.5: self.median, 0.75: self.p75, 0.9: self.p90}


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A cell without figures: hidden (no figure, not even the count) or, with ``n``, a group
    whose rounded count is published but too small for quantiles."""

    label: str = SUPPRESSED_LABEL
    n: int | None = None
    suppressed = True

    def __reduce__(self):
        return (Suppressed, (self.label, self.n))


SUPPRESSED = Suppressed()


def count_only(n_published: int) -> Suppressed:
    return Suppressed(
        label=f"environ {n_published} cabinets : trop peu pour publier des chiffres",
        n=n_published,
    )


def describe(values: Iterable[float], *, key: bytes) -> Cell | Suppressed:
    """The protected distribution of ``values`` (NaN and infinities ignored).

    Primary suppression only: a caller publishing several groups must also apply the
    secondary suppression of :mod:`kineco2.benchmarks.disclosure`.
    """
    array = [float(v) for v in values]
    array = [v for v in array if math.isfinite(v)]
    n = len(array)
    published_n = disclosure.published_count(n)
    if published_n is None:
        return SUPPRESSED
    if not disclosure.allowed(n, "median"):
        return count_only(published_n)
    q = disclosure.quantiles(array, PERCENTILES, key=key)
    return Cell(n=published_n, p10=q[0.1], p25=q[0.25], median=q[0.5], p75=q[0.75], p90=q[0.9])


# -- classifications ---------------------------------------------------------------------
#: Zone types: the engine's twelve patient zones grouped in five (see docs/benchmarks-panel.md).
ZONE_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "paris": (
        "Paris et petite couronne",
        frozenset({"paris_intra_muros", "paris_petite_couronne"}),
    ),
    "grande_ville": (
        "Centre d'une grande ville (aire de 200 000 habitants ou plus)",
        frozenset({"tres_grand_pole", "grand_pole"}),
    ),
    "ville_moyenne_petite": (
        "Centre d'une ville moyenne ou d'une petite ville",
        frozenset({"pole_moyen", "petit_pole"}),
    ),
    "periurbain": (
        "Périurbain (couronne d'une ville, reste de l'Île-de-France)",
        frozenset(
            {
                "couronne_idf",
                "couronne_tres_grand_pole",
                "couronne_grand_pole",
                "couronne_pole_moyen",
                "couronne_petit_pole",
            }
        ),
    ),
    "rural": ("Rural, à l'écart des villes", frozenset({"rural_hors_attraction"})),
}
_ZONE_OF_PATIENT_ZONE = {z: key for key, (_, zones) in ZONE_TYPES.items() for z in zones}

SIZES: dict[str, str] = {
    "1": "Un kiné (exercice seul)",
    "2-3": "2 ou 3 kinés",
    "4+": "4 kinés ou plus",
}
MODES: dict[str, str] = {
    "seul": "Cabinet individuel",
    "groupe": "Cabinet de groupe",
    "msp": "Maison de santé pluriprofessionnelle (MSP)",
    "centre_sante": "Centre de santé",
}


def zone_type(patient_zone: str | None) -> str:
    """The zone type of an engine patient zone (``""`` if unknown)."""
    return _ZONE_OF_PATIENT_ZONE.get(patient_zone or "", "")


def size_class(practitioners: int | float | None) -> str:
    """``"1"``, ``"2-3"`` or ``"4+"`` (``""`` if unknown)."""
    if practitioners is None or not practitioners >= 1:
        return ""
    return "1" if practitioners < 2 else ("2-3" if practitioners < 4 else "4+")


OVERSEAS_REGIONS = frozenset({"01", "02", "03", "04", "06", "975", "977", "978"})
_DEPARTEMENTS_CSV = (
    Path(__file__).resolve().parent.parent / "engine" / "data" / "geo" / "departements.csv"
)


def _sort_key(text: str) -> str:
    """French alphabetical order: « Île-de-France » between « Hauts-de-France » and « Normandie »."""
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    ).casefold()


@functools.cache
def regions() -> dict[str, str]:
    """INSEE region code → French name, mainland first (by name), then overseas.

    Read from the engine's département table: the 13 mainland regions (Corse included), the
    5 overseas regions and the 3 overseas collectivities of the data (Saint-Pierre-et-
    Miquelon, Saint-Barthélemy, Saint-Martin), each on its own row.
    """
    with _DEPARTEMENTS_CSV.open(encoding="utf-8", newline="") as handle:
        names = {row["region_code"]: row["region_name"] for row in csv.DictReader(handle)}
    mainland = sorted(
        (c for c in names if c not in OVERSEAS_REGIONS), key=lambda c: _sort_key(names[c])
    )
    overseas = sorted((c for c in names if c in OVERSEAS_REGIONS), key=lambda c: (len(c), c))
    return {code: names[code] for code in (*mainland, *overseas)}


DIMENSIONS: dict[str, str] = {
    "national": "Ensemble",
    "region": "Par région",
    "zone": "Par type de zone",
    "size": "Par taille du cabinet",
    "mode": "Par mode d'exercice",
}


def _labels(dimension: str) -> dict[str, str]:
    if dimension == "national":
        return {"all": "Tous les cabinets"}
    if dimension == "region":
        return regions()
    if dimension == "zone":
        return {key: label for key, (label, _) in ZONE_TYPES.items()}
    if dimension == "size":
        return SIZES
    if dimension == "mode":
        return MODES
    raise KeyError(dimension)


# -- metrics -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Metric:
    """One indicator: the footprint (``post`` ``None``) or one post, per year or per session."""

    id: str
    label: str
    unit: str
    post: str | None
    per_session: bool


POST_IDS: tuple[str, ...] = tuple(post.ID for post in POSTS)
POST_LABELS: dict[str, str] = {post.ID: post.LABEL for post in POSTS}
ANNUAL_UNIT = "t CO2e/an"
SESSION_UNIT = "kg CO2e/séance"


@functools.cache
def metrics() -> tuple[Metric, ...]:
    """Annual metrics first (total, then posts), then the per-session ones in the same order."""
    annual = [Metric("total_t", "Empreinte annuelle", ANNUAL_UNIT, None, False)]
    annual += [Metric(f"t:{p}", POST_LABELS[p], ANNUAL_UNIT, p, False) for p in POST_IDS]
    session = [Metric("seance_kg", "Empreinte d'une séance", SESSION_UNIT, None, True)]
    session += [Metric(f"seance:{p}", POST_LABELS[p], SESSION_UNIT, p, True) for p in POST_IDS]
    return (*annual, *session)


# -- population --------------------------------------------------------------------------
@dataclass(frozen=True)
class Population:
    """One row per assessment: figures and the classification of its practice.

    ``posts_kg`` has one column per post, in :data:`POST_IDS` order. ``per_session_kg`` is
    NaN when the number of sessions is unknown or zero.
    """

    total_kg: np.ndarray
    per_session_kg: np.ndarray
    posts_kg: np.ndarray
    region: np.ndarray
    zone: np.ndarray
    size: np.ndarray
    mode: np.ndarray
    practice_id: np.ndarray
    #: The group codes already factorised by the reader (:class:`Factor`), by dimension:
    #: spares :func:`overview` a sort of the strings. Derived data, not compared.
    factors: Mapping[str, Factor] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return int(self.total_kg.shape[0])

    @classmethod
    def empty(cls) -> Population:
        return cls.from_columns(
            total_kg=[], per_session_kg=[], posts_kg=np.zeros((0, len(POST_IDS))),
            region=[], zone=[], size=[], mode=[], practice_id=[],
        )  # fmt: skip

    @classmethod
    def from_columns(
        cls,
        *,
        total_kg: Sequence[float] | np.ndarray,
        per_session_kg: Sequence[float | None] | np.ndarray,
        posts_kg: Sequence[Sequence[float]] | np.ndarray,
        region: Sequence[str] | Factor,
        zone: Sequence[str] | Factor,
        size: Sequence[str] | Factor,
        mode: Sequence[str] | Factor,
        practice_id: Sequence[int] | None = None,
    ) -> Population:
        total = np.asarray(total_kg, dtype=float)
        n = total.shape[0]
        if isinstance(per_session_kg, np.ndarray) and per_session_kg.dtype.kind == "f":
            per_session = per_session_kg.astype(float, copy=False).reshape(n)
        else:
            per_session = np.array(
                [np.nan if v is None else v for v in per_session_kg], dtype=float
            ).reshape(n)
        posts = np.asarray(posts_kg, dtype=float).reshape(n, len(POST_IDS))
        return cls(
            total_kg=total,
            per_session_kg=per_session,
            posts_kg=posts,
            region=_codes(region, n),
            zone=_codes(zone, n),
            size=_codes(size, n),
            mode=_codes(mode, n),
            practice_id=np.asarray(
                practice_id if practice_id is not None else np.arange(n), dtype=np.int64
            ).reshape(n),
            factors={
                dimension: column
                for dimension, column in (
                    ("region", region),
                    ("zone", zone),
                    ("size", size),
                    ("mode", mode),
                )
                if isinstance(column, Factor) and column.index.shape == (n,)
            },
        )

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Population:
        """From dicts: ``total_kg``, ``per_session_kg``, ``posts`` (post id → kg), ``region``,
        ``patient_zone`` (or ``zone``: a zone type), ``practitioners`` (or ``size``), ``mode``,
        ``practice_id``."""
        rows = list(records)
        return cls.from_columns(
            total_kg=[r["total_kg"] for r in rows],
            per_session_kg=[r.get("per_session_kg") for r in rows],
            posts_kg=np.array(
                [[float((r.get("posts") or {}).get(p) or 0.0) for p in POST_IDS] for r in rows]
            ).reshape(len(rows), len(POST_IDS)),
            region=[r.get("region", "") for r in rows],
            zone=[r.get("zone") or zone_type(r.get("patient_zone")) for r in rows],
            size=[r.get("size") or size_class(r.get("practitioners")) for r in rows],
            mode=[r.get("mode", "") for r in rows],
            practice_id=[r.get("practice_id", i) for i, r in enumerate(rows)],
        )

    def subset(self, mask: np.ndarray) -> Population:
        return Population(
            total_kg=self.total_kg[mask],
            per_session_kg=self.per_session_kg[mask],
            posts_kg=self.posts_kg[mask],
            region=self.region[mask],
            zone=self.zone[mask],
            size=self.size[mask],
            mode=self.mode[mask],
            practice_id=self.practice_id[mask],
        )

    def column(self, dimension: str) -> np.ndarray:
        if dimension == "national":
            return np.full(len(self), "all")
        return {"region": self.region, "zone": self.zone, "size": self.size, "mode": self.mode}[
            dimension
        ]

    def matrices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(annual t CO2e, per-session kg CO2e, rows with a per-session value).

        Columns follow :func:`metrics`: total then posts.
        """
        annual = np.column_stack([self.total_kg, self.posts_kg]) / 1000.0
        with np.errstate(divide="ignore", invalid="ignore"):
            sessions = self.total_kg / self.per_session_kg
            ok = np.isfinite(self.per_session_kg) & np.isfinite(sessions) & (sessions > 0)
            per_session = np.column_stack([self.per_session_kg, self.posts_kg / sessions[:, None]])
        return annual, per_session, ok


@dataclass(frozen=True)
class Factor:
    """A column of group codes factorised: its distinct values sorted (as ``np.unique``) and,
    for each row, the index of its value (``np.unique(column, return_inverse=True)``)."""

    labels: list[str]
    index: np.ndarray

    @classmethod
    def of(cls, values: Sequence[str]) -> Factor:
        """From strings, with a dictionary (few distinct values: no sort of every string)."""
        labels = sorted(dict.fromkeys(values))
        rank = {label: i for i, label in enumerate(labels)}
        index = np.fromiter(map(rank.__getitem__, values), dtype=np.int32, count=len(values))
        return cls(labels, index)

    def values(self) -> np.ndarray:
        return np.asarray(self.labels, dtype=str)[self.index]


def _codes(values: Sequence[str] | Factor, n: int) -> np.ndarray:
    """Group codes as a fixed-width unicode array (sorted in C, not object by object)."""
    if isinstance(values, Factor):
        return values.values().reshape(n) if values.labels else np.zeros(n, dtype="<U1")
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        return values.reshape(n)
    array = np.asarray(["" if v is None else str(v) for v in values], dtype=str)
    return array.reshape(n) if array.size else np.zeros(n, dtype="<U1")


# -- tables ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One group (a region, a zone type…) and its cells, by metric id."""

    code: str
    label: str
    cells: dict[str, Cell | Suppressed]

    @property
    def n(self) -> int | None:
        """Published (rounded) number of practices of the group, ``None`` when hidden."""
        return self.cells["total_t"].n if "total_t" in self.cells else None


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    rows: tuple[Row, ...]

    def row(self, code: str) -> Row | None:
        return next((row for row in self.rows if row.code == code), None)


#: Families of metrics: the annual ones describe every row, the per-session ones the rows
#: with a number of sessions. Each family has its own counts and suppression.
FAMILIES = ("annual", "session")
#: Internal table of the comparison with comparable practices: zone type × size.
ZONE_SIZE = "zone_size"

Key = tuple[str, str, str]  # (family, dimension, group code)


@dataclass(frozen=True)
class Overview:
    """Published tables, and (never published) the true counts and the hidden groups, which
    wider or narrower filters need for the secondary suppression."""

    breakdowns: dict[str, Breakdown]
    metrics: tuple[Metric, ...] = field(default_factory=metrics)
    cross: Breakdown | None = None
    counts: Mapping[Key, int] = field(default_factory=dict, repr=False)
    hidden: frozenset[Key] = field(default_factory=frozenset, repr=False)

    @property
    def national(self) -> Row:
        return self.breakdowns["national"].rows[0]

    @property
    def n(self) -> int | None:
        return self.national.n


@dataclass(frozen=True)
class Margins:
    """The true counts and the hidden groups of an :class:`Overview`, without its tables: all
    that the secondary suppression of a narrower filter reads of a wider one (``outers`` of
    :func:`overview`). Made by :func:`margins` without sorting any indicator."""

    counts: Mapping[Key, int] = field(default_factory=dict, repr=False)
    hidden: frozenset[Key] = field(default_factory=frozenset, repr=False)


def _group_codes(population: Population) -> dict[str, tuple[list[str], np.ndarray]]:
    """Each dimension's group codes and every row's code as a small integer (once per
    population: strings are sorted once, groups are then split by integer sorts)."""
    out: dict[str, tuple[list[str], np.ndarray]] = {}
    for dimension in ("region", "zone", "size", "mode"):
        factor = population.factors.get(dimension)
        if factor is not None:
            out[dimension] = (list(factor.labels), factor.index.astype(np.int32, copy=False))
            continue
        labels, inverse = np.unique(population.column(dimension), return_inverse=True)
        out[dimension] = (labels.tolist(), inverse.reshape(-1).astype(np.int32))
    zones, zone_inverse = out["zone"]
    sizes, size_inverse = out["size"]
    cross = [f"{z}|{s}" if z and s else "" for z in zones for s in sizes]
    out[ZONE_SIZE] = (cross, zone_inverse * len(sizes) + size_inverse)
    return out


def _split(labels: list[str], codes: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Rows of each non-empty code (in ``rows`` order)."""
    inside = codes[rows]
    if len(labels) <= 256:  # numpy's stable sort of 8-bit integers is a radix sort
        inside = inside.astype(np.uint8)
    order = np.argsort(inside, kind="stable")
    counts = np.bincount(inside, minlength=len(labels))
    ends = np.cumsum(counts)
    return {
        label: rows[order[end - count : end]]
        for label, count, end in zip(labels, counts.tolist(), ends.tolist(), strict=True)
        if label and count
    }


def _groups(
    population: Population, rows: np.ndarray, codes: dict[str, tuple[list[str], np.ndarray]]
) -> dict[str, dict[str, np.ndarray]]:
    """Row indices of every group of every dimension (within ``rows``)."""
    out: dict[str, dict[str, np.ndarray]] = {"national": {"all": rows}}
    for dimension in ("region", "zone", "size", "mode", ZONE_SIZE):
        out[dimension] = _split(*codes[dimension], rows)
    overseas = [idx for code, idx in out["region"].items() if code in OVERSEAS_REGIONS]
    out["region"][OVERSEAS] = (
        np.sort(np.concatenate(overseas)) if overseas else np.zeros(0, dtype=np.intp)
    )
    return out


#: Ids below this are written and ranked as text with integers (:func:`_decimal_text`).
_DIGITS_LIMIT = 10**17


def _decimal_text(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For non-negative ids below :data:`_DIGITS_LIMIT`: (the stable order of their decimal
    texts, the texts joined each followed by a zero byte, each text's length + 1) — what
    ``np.argsort(ids.astype(str), kind="stable")`` and a join of the strings give, without
    making strings.

    Text order is the order of the digits left-aligned (the id times a power of ten, so that
    every id has 17 digits), a shorter text first when one is a prefix of the other.
    """
    powers = 10 ** np.arange(1, 18, dtype=np.int64)
    digits = 1 + np.searchsorted(powers, ids, side="right")
    aligned = ids * 10 ** (17 - digits)
    order = np.argsort(aligned * 18 + digits, kind="stable")
    width = int(digits.max())
    place = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    chars = np.zeros((ids.shape[0], width + 1), dtype=np.uint8)
    chars[:, :width] = (ids[:, None] // place[None, :]) % 10 + ord("0")
    keep = np.ones(chars.shape, dtype=bool)
    keep[:, :width] = np.arange(width)[None, :] >= (width - digits)[:, None]
    return order, chars[keep], digits.astype(np.intp) + 1


class _Members:
    """The group keys of :func:`kineco2.benchmarks.disclosure.cell_key`, built with numpy.

    ``cell_key`` sorts the members' ids as text and hashes them, each followed by a zero
    byte. Here the ids are ranked as text once per population and written once into one
    buffer; a group's members are put in that order by sorting integer ranks and their bytes
    are gathered by numpy (the same key, a hundred times faster at 50 000 practices).
    """

    def __init__(self, practice_id: np.ndarray, salt: bytes) -> None:
        ids = np.asarray(practice_id, dtype=np.int64)
        n = ids.shape[0]
        if n and 0 <= ids.min() and ids.max() < _DIGITS_LIMIT:
            self.order, self.buffer, lengths = _decimal_text(ids)
        else:  # negative or huge ids: numpy's strings
            text = ids.astype(str)
            self.order = np.argsort(text, kind="stable")
            joined = "\x00".join(text.tolist()) + "\x00" if n else ""
            self.buffer = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
            lengths = np.char.str_len(text).astype(np.intp) + 1 if n else np.zeros(0, np.intp)
        self.rank = np.empty(n, dtype=np.intp)
        self.rank[self.order] = np.arange(n, dtype=np.intp)
        self.lengths = lengths
        self.offsets = np.cumsum(self.lengths) - self.lengths
        self.salt = salt

    def key(self, rows: np.ndarray) -> bytes:
        return self.key_ordered(self.order[np.sort(self.rank[rows])])

    def key_ordered(self, members: np.ndarray) -> bytes:
        """The key of the group of rows ``members``, already in the order of their ids as text."""
        lengths = self.lengths[members]
        shift = self.offsets[members] - (np.cumsum(lengths) - lengths)
        positions = np.repeat(shift, lengths) + np.arange(int(lengths.sum()), dtype=np.intp)
        return disclosure.cell_key_joined(self.buffer[positions].tobytes(), salt=self.salt)


#: Families of at least this many rows are sorted in two threads (:class:`_Sorted`).
_THREADED_FROM = 5_000


class _Sorted:
    """Every indicator sorted once, each dimension's groups split from that order.

    The reference path sorts the values of each group (and every dimension splits the whole
    population again: seven sorts of every indicator). Here each indicator of a family is
    argsorted once; for a dimension, the group codes read in that order are sorted again by a
    stable sort of small integers (a radix sort in numpy, linear), which lists each group's
    rows by increasing value: group g's ordered values are at positions ``start_g …`` of that
    permutation, and only the windows of :func:`kineco2.benchmarks.disclosure.window_plan` are
    gathered — at once, for every group that may show quantiles, so that neither the
    permutations by group nor the indicators' orders are kept (each is 8 bytes per indicator
    and row: fresh memory, page faults, for every overview). The members, in the order of their ids as text (the group key), come the same way
    from one sort of their text ranks. The ordered values are those of a sort of the group when
    every value is finite and no zero is negative (equal values are then equal floats);
    otherwise that family keeps the reference path (:meth:`ready`).
    """

    def __init__(
        self,
        prepared: tuple[np.ndarray, np.ndarray, np.ndarray],
        groups: dict[str, dict[str, dict[str, np.ndarray]]],
        codes: dict[str, tuple[list[str], np.ndarray]],
        members: _Members,
    ) -> None:
        annual, per_session, _ = prepared
        self.codes = dict(codes)
        self.groups = groups
        self.index = {
            dimension: {label: i for i, label in enumerate(labels) if label}
            for dimension, (labels, _) in self.codes.items()
        }
        self.families: dict[str, dict[str, Any]] = {}
        for family, matrix in (("annual", annual), ("session", per_session)):
            rows = groups[family]["national"]["all"]
            n = int(rows.shape[0])
            everything = n == matrix.shape[1]  # rows are sorted: then rows == arange(n)
            values = matrix if everything else np.ascontiguousarray(matrix[:, rows])
            if not np.isfinite(values).all() or (np.signbit(values) & (values == 0)).any():
                continue
            if everything:
                text = members.order
            else:  # the family's rows in text order, as positions among ``rows``
                inside = np.zeros(matrix.shape[1], dtype=bool)
                inside[rows] = True
                local = np.cumsum(inside) - 1
                text = local[members.order[inside[members.order]]]
            self.families[family] = {"rows": rows, "values": values, "text": text, "splits": {}}
        work = list(self.families.values())
        if len(work) > 1 and min(d["rows"].shape[0] for d in work) >= _THREADED_FROM:
            # numpy sorts without the GIL: the two families on two cores (same CPU time,
            # about half the wall-clock time when a core is free).
            with ThreadPoolExecutor(max_workers=len(work)) as pool:
                list(pool.map(self._sort_family, work))
        else:
            for data in work:
                self._sort_family(data)

    def _sort_family(self, data: dict[str, Any]) -> None:
        order = np.argsort(data["values"], axis=1)
        for dimension in self.codes:
            data["splits"][dimension] = self._split_dimension(data, dimension, order)
        # The whole family (« national »): its windows gathered now too; the permutations
        # are not kept (8 bytes per indicator and row each, fresh memory for every overview).
        n = int(data["rows"].shape[0])
        data["national"] = (
            self._gather(data["values"], order, None, [(0, n)]) if self._shown(n) else {}
        )

    @staticmethod
    def _shown(n: int) -> bool:
        return n >= disclosure.MIN_COUNT and disclosure.allowed(n, "median")

    @staticmethod
    def _gather(
        values: np.ndarray,
        order: np.ndarray,
        by_value: np.ndarray | None,
        groups: list[tuple[int, int]],
    ) -> dict[int, np.ndarray]:
        """For each group ``(start, count)`` of the permutation ``order`` (re-ordered by
        ``by_value`` when given): its values at the windows of
        :func:`kineco2.benchmarks.disclosure.window_plan` ``(count)``, indicators × windows ×
        WINDOW, keyed by ``start``."""
        columns: list[int] = []
        spans: list[tuple[int, int, int, int]] = []
        for start, count in groups:
            plan = disclosure.window_plan(count, PERCENTILES)
            spans.append((start, count, len(columns), len(plan)))
            columns += [start + s + k for _, s in plan for k in range(disclosure.WINDOW)]
        if not columns:
            return {}
        positions = np.array(columns, dtype=np.intp)
        if by_value is not None:
            positions = by_value[:, positions]
            picked = np.take_along_axis(order, positions, axis=1)
        else:
            picked = order[:, positions]
        gathered = np.take_along_axis(values, picked, axis=1)
        rows = gathered.shape[0]
        return {
            start: gathered[:, first : first + size * disclosure.WINDOW].reshape(
                rows, size, disclosure.WINDOW
            )
            for start, _, first, size in spans
        }

    def _split_dimension(self, data: dict[str, Any], dimension: str, order: np.ndarray) -> tuple:
        """(members by group then id text, starts, counts, windows of the groups that may
        show quantiles keyed by start): the permutation by group then value is read at the
        windows' positions only and dropped."""
        labels, inverse = self.codes[dimension]
        local = inverse[data["rows"]].astype(np.uint8 if len(labels) <= 256 else np.int64)
        counts = np.bincount(local, minlength=len(labels))
        by_text = np.argsort(local[data["text"]], kind="stable")
        starts = (np.cumsum(counts) - counts).tolist()
        counts = counts.tolist()
        shown = [
            (start, count)
            for label, start, count in zip(labels, starts, counts, strict=True)
            if label and self._shown(count)
        ]
        by_value = np.argsort(local[order], axis=1, kind="stable") if shown else None
        windows = self._gather(data["values"], order, by_value, shown)
        return by_text, starts, counts, windows

    def ready(self, family: str) -> bool:
        return family in self.families

    def _split(self, family: str, dimension: str, code: str) -> tuple[Any, int, int]:
        """(the dimension's split of :meth:`_split_dimension`, start, count)."""
        data = self.families[family]
        if dimension == "national":
            return None, 0, int(data["rows"].shape[0])
        split = data["splits"][dimension]
        i = self.index[dimension][code]
        return split, split[1][i], split[2][i]

    @staticmethod
    def _alone(dimension: str, code: str) -> bool:
        """« Outre-mer (ensemble) »: a few percent of the rows, sorted on their own (a sort of
        the group, cheaper than one more split of every indicator of the population)."""
        return dimension == "region" and code == OVERSEAS

    def members(self, family: str, dimension: str, code: str, members: _Members) -> np.ndarray:
        """The group's rows in the order of their ids as text."""
        data = self.families[family]
        if self._alone(dimension, code):
            rows = self.groups[family][dimension][code]
            return members.order[np.sort(members.rank[rows])]
        split, start, count = self._split(family, dimension, code)
        text = data["text"] if split is None else data["text"][split[0][start : start + count]]
        return data["rows"][text]

    def windows(self, family: str, dimension: str, code: str, n: int) -> np.ndarray:
        """Indicators × windows × WINDOW: the ordered values of the group at the windows of
        :func:`kineco2.benchmarks.disclosure.window_plan` (n values)."""
        data = self.families[family]
        plan = disclosure.window_plan(n, PERCENTILES)
        offsets = [s + k for _, s in plan for k in range(disclosure.WINDOW)]
        if self._alone(dimension, code):
            rows = self.groups[family][dimension][code]
            if rows.shape[0] != n:
                raise AssertionError("_Sorted: group sizes differ from the reference split")
            # Positions of the group's rows among the family's (both sorted ascending).
            inside = np.searchsorted(data["rows"], rows)
            ordered = np.sort(data["values"][:, inside], axis=1)
            values = ordered[:, offsets]
            return values.reshape(values.shape[0], len(plan), disclosure.WINDOW)
        split, start, count = self._split(family, dimension, code)
        if count != n:
            raise AssertionError("_Sorted: group sizes differ from the reference split")
        gathered = data["national"] if split is None else split[3]
        return gathered[start]


def _suppress(
    counts: dict[Key, int],
    *,
    outers: Sequence[Overview | Margins],
    perimeter: bool,
) -> set[Key]:
    """Primary and secondary suppression over every table of one overview (to a fixed point).

    Rule 4 (margins) in each table — the region table at two levels (mainland regions and
    « outre-mer (ensemble) », then the overseas territories within it), the zone × size table
    along both margins; rule 5 (overlapping filters) against each of ``outers``; a family's
    hidden per-session cell when its annual cell is hidden.
    """
    hidden: set[Key] = set()
    tables: dict[tuple[str, str], dict[str, int]] = {}
    for (family, dimension, code), n in counts.items():
        tables.setdefault((family, dimension), {})[code] = n

    def hide(family: str, dimension: str, codes: Iterable[str]) -> None:
        hidden.update((family, dimension, code) for code in codes)

    def shown(family: str, dimension: str, code: str) -> bool:
        return (family, dimension, code) not in hidden and (family, dimension, code) in counts

    while True:
        before = len(hidden)
        for family in FAMILIES:
            total = counts.get((family, "national", "all"), 0)
            if total < disclosure.MIN_COUNT:
                hide(family, "national", ["all"])
            published = shown(family, "national", "all")
            for dimension in ("zone", "size", "mode"):
                groups = tables.get((family, dimension), {})
                already = {c for (f, d, c) in hidden if f == family and d == dimension}
                hide(family, dimension, disclosure.protect_partition(
                    total, groups, hidden=already, total_published=published))  # fmt: skip
            regions = tables.get((family, "region"), {})
            already = {c for (f, d, c) in hidden if f == family and d == "region"}
            top = {c: n for c, n in regions.items() if c not in OVERSEAS_REGIONS}
            hide(family, "region", disclosure.protect_partition(
                total, top, hidden=already & set(top), total_published=published))  # fmt: skip
            overseas = {c: n for c, n in regions.items() if c in OVERSEAS_REGIONS}
            if not shown(family, "region", OVERSEAS):
                hide(family, "region", overseas)
            else:
                hide(family, "region", disclosure.protect_partition(
                    regions.get(OVERSEAS, 0), overseas, hidden=already & set(overseas)))  # fmt: skip
            if perimeter:
                # A region hidden here but published in a wider table: the perimeter's total
                # minus the published regions would give it back — hide the total instead.
                for outer in outers:
                    for code in regions:
                        key = (family, "region", code)
                        if key in hidden and key in outer.counts and key not in outer.hidden:
                            hide(family, "national", ["all"])
            cross = tables.get((family, ZONE_SIZE), {})
            for margin, position in (("size", 1), ("zone", 0)):
                by_margin: dict[str, dict[str, int]] = {}
                for code, n in cross.items():
                    by_margin.setdefault(code.split("|")[position], {})[code] = n
                for value, groups in by_margin.items():
                    already = {c for (f, d, c) in hidden if f == family and d == ZONE_SIZE}
                    hide(family, ZONE_SIZE, disclosure.protect_partition(
                        counts.get((family, margin, value), 0), groups,
                        hidden=already & set(groups),
                        total_published=shown(family, margin, value)))  # fmt: skip
        for outer in outers:
            for key, n in counts.items():
                if key in hidden or key in outer.hidden or key not in outer.counts:
                    continue
                if 0 < outer.counts[key] - n < disclosure.MIN_COUNT:
                    hidden.add(key)
        for family, dimension, code in list(hidden):
            if family == "annual":
                hidden.add(("session", dimension, code))
        if len(hidden) == before:
            return hidden


def _cells(
    population: Population,
    prepared: tuple[np.ndarray, np.ndarray, np.ndarray],
    groups: dict[str, dict[str, dict[str, np.ndarray]]],
    dimension: str,
    code: str,
    hidden: set[Key],
    members: _Members,
    fast: _Sorted | None = None,
) -> dict[str, Cell | Suppressed]:
    """The cells of one group (every metric). With ``fast``, each group's ordered values and
    members come from indicators sorted once (:class:`_Sorted`); without, from a sort of the
    group (the reference path, kept for non-finite values and for the tests)."""
    ids = [m.id for m in metrics()]
    half = len(ids) // 2
    annual, per_session, _ = prepared
    out: dict[str, Cell | Suppressed] = {}
    empty = np.zeros(0, dtype=np.intp)
    for family, matrix, columns in (
        ("annual", annual, ids[:half]),
        ("session", per_session, ids[half:]),
    ):
        rows = groups[family][dimension].get(code, empty)
        n = int(rows.shape[0])
        if (family, dimension, code) in hidden or n < disclosure.MIN_COUNT:
            out |= dict.fromkeys(columns, SUPPRESSED)
            continue
        published_n = disclosure.published_count(n)
        if not disclosure.allowed(n, "median"):
            out |= dict.fromkeys(columns, count_only(published_n))
            continue
        if fast is not None and fast.ready(family):
            group_key = members.key_ordered(fast.members(family, dimension, code, members))
            keys = [disclosure.derive(group_key, metric_id) for metric_id in columns]
            published = disclosure.quantiles_of_windows(
                fast.windows(family, dimension, code, n), n, PERCENTILES, keys=keys
            )
        else:
            group_key = members.key(rows)
            keys = [disclosure.derive(group_key, metric_id) for metric_id in columns]
            published = disclosure.quantiles_many(matrix[:, rows], PERCENTILES, keys=keys)
        for metric_id, q in zip(columns, published, strict=True):
            out[metric_id] = Cell(
                n=published_n,
                p10=q[0.1],
                p25=q[0.25],
                median=q[0.5],
                p75=q[0.75],
                p90=q[0.9],
            )
    return out


def _prepare(population: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`Population.matrices` transposed (one row per metric), written in place: the
    same divisions, element by element, without the intermediate copies."""
    n = len(population)
    posts = population.posts_kg.T
    annual = np.empty((1 + posts.shape[0], n))
    np.divide(population.total_kg, 1000.0, out=annual[0])
    np.divide(posts, 1000.0, out=annual[1:])
    per_session = np.empty_like(annual)
    with np.errstate(divide="ignore", invalid="ignore"):
        sessions = population.total_kg / population.per_session_kg
        ok = np.isfinite(population.per_session_kg) & np.isfinite(sessions) & (sessions > 0)
        per_session[0] = population.per_session_kg
        np.divide(posts, sessions[None, :], out=per_session[1:])
    return annual, per_session, ok


def _with_sessions(population: Population) -> np.ndarray:
    """The rows with a per-session figure: the ``ok`` of :func:`_prepare` (same operations),
    without the matrices."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sessions = population.total_kg / population.per_session_kg
        return np.isfinite(population.per_session_kg) & np.isfinite(sessions) & (sessions > 0)


def _counts(
    codes: dict[str, tuple[list[str], np.ndarray]], rows_of: Mapping[str, np.ndarray]
) -> dict[Key, int]:
    """The counts of every group, in the order of :func:`overview`'s (from :func:`_groups`),
    by counting codes (no split of the rows)."""
    counts: dict[Key, int] = {}
    for family, rows in rows_of.items():
        counts[(family, "national", "all")] = int(rows.shape[0])
        for dimension in ("region", "zone", "size", "mode", ZONE_SIZE):
            labels, inverse = codes[dimension]
            numbers = np.bincount(inverse[rows], minlength=len(labels)).tolist()
            for label, number in zip(labels, numbers, strict=True):
                if label and number:
                    counts[(family, dimension, label)] = number
            if dimension == "region":
                counts[(family, "region", OVERSEAS)] = sum(
                    number
                    for label, number in zip(labels, numbers, strict=True)
                    if label in OVERSEAS_REGIONS
                )
    return counts


def margins(
    population: Population,
    *,
    regions_shown: Sequence[str] | None = None,
    outers: Sequence[Overview | Margins] = (),
) -> Margins:
    """The counts and hidden groups of :func:`overview` with the same arguments — the same
    values, without the quantiles (no indicator sorted, no group key): what a wider filter
    must give a narrower one (the self-diagnoses to the panel, the national tables to a
    perimeter) when only the narrower one is shown."""
    everything = np.arange(len(population), dtype=np.intp)
    codes = _group_codes(population)
    counts = _counts(
        codes, {"annual": everything, "session": everything[_with_sessions(population)]}
    )
    hidden = _suppress(counts, outers=outers, perimeter=regions_shown is not None)
    return Margins(counts=counts, hidden=frozenset(hidden))


def _labels_with_overseas(dimension: str) -> dict[str, str]:
    labels = _labels(dimension)
    if dimension == "region":
        labels = {**labels, OVERSEAS: OVERSEAS_LABEL}
    return labels


def overview(
    population: Population,
    *,
    regions_shown: Sequence[str] | None = None,
    outers: Sequence[Overview | Margins] = (),
    salt: bytes = b"",
    sort_once: bool = True,
) -> Overview:
    """Protected tables of every dimension (and the zone type × size table).

    ``regions_shown`` limits the region rows (a coordinator's perimeter: the population is
    then already restricted to it). ``outers``: overviews of wider filters the same viewer
    can read — the national tables for a perimeter, the self-diagnoses for the panel — so that
    no group is published here that differs from the same group there by 1 to 10 practices
    (their :class:`Margins` are enough: only the counts and hidden groups are read).
    ``salt``: the secret of the perturbation (:func:`kineco2.benchmarks.disclosure.cell_key`).
    ``sort_once=False`` takes the reference path (a sort per group, see :class:`_Sorted`):
    the same tables, slower; for the tests.
    """
    prepared = _prepare(population)
    _, _, ok = prepared
    everything = np.arange(len(population), dtype=np.intp)
    codes = _group_codes(population)
    groups = {
        "annual": _groups(population, everything, codes),
        "session": _groups(population, everything[ok], codes),
    }
    counts: dict[Key, int] = {
        (family, dimension, code): int(rows.shape[0])
        for family, tables in groups.items()
        for dimension, table in tables.items()
        for code, rows in table.items()
    }
    hidden = _suppress(counts, outers=outers, perimeter=regions_shown is not None)
    members = _Members(population.practice_id, salt)
    fast = _Sorted(prepared, groups, codes, members) if sort_once else None
    breakdowns = {}
    for dimension in DIMENSIONS:
        labels = _labels_with_overseas(dimension)
        if dimension == "region":
            wanted = list(regions_shown) if regions_shown is not None else list(labels)
        else:
            wanted = list(labels)
        rows = tuple(
            Row(code=code, label=labels.get(code, code),
                cells=_cells(population, prepared, groups, dimension, code, hidden, members, fast))
            for code in wanted
        )  # fmt: skip
        breakdowns[dimension] = Breakdown(dimension, DIMENSIONS[dimension], rows)
    cross = Breakdown(
        ZONE_SIZE,
        "Par type de zone et taille",
        tuple(
            Row(code=code, label=code,
                cells=_cells(population, prepared, groups, ZONE_SIZE, code, hidden, members, fast))
            for code in sorted(groups["annual"][ZONE_SIZE])
        ),
    )  # fmt: skip
    return Overview(breakdowns=breakdowns, cross=cross, counts=counts, hidden=frozenset(hidden))


def breakdown(
    population: Population, dimension: str, *, codes: Sequence[str] | None = None
) -> Breakdown:
    """Every group of ``dimension`` (all of its codes, or ``codes``), protected."""
    table = overview(population).breakdowns[dimension]
    if codes is None:
        return table
    return Breakdown(table.dimension, table.label, tuple(r for r in table.rows if r.code in codes))


# -- flat records (CSV, JSON) ------------------------------------------------------------
#: Columns of the open-data CSV and keys of the JSON records (docs/benchmarks-panel.md).
RECORD_FIELDS = (
    "population",
    "annee",
    "dimension",
    "groupe",
    "libelle_groupe",
    "indicateur",
    "poste",
    "libelle_indicateur",
    "unite",
    "n_cabinets",
    "p10",
    "p25",
    "mediane",
    "p75",
    "p90",
    "statut",
)
PUBLISHED = "publié"


def records(result: Overview, *, population: str, year: int | None) -> list[dict[str, Any]]:
    """One flat record per (group, metric); a suppressed cell has no figure at all."""
    out = []
    for dimension, table in result.breakdowns.items():
        for row in table.rows:
            for metric in result.metrics:
                value = row.cells[metric.id]
                record: dict[str, Any] = {
                    "population": population,
                    "annee": year,
                    "dimension": dimension,
                    "groupe": row.code,
                    "libelle_groupe": row.label,
                    "indicateur": "seance" if metric.per_session else "annuel",
                    "poste": metric.post or "total",
                    "libelle_indicateur": metric.label,
                    "unite": metric.unit,
                }
                if isinstance(value, Cell):
                    record |= {
                        "n_cabinets": value.n,
                        "p10": value.p10,
                        "p25": value.p25,
                        "mediane": value.median,
                        "p75": value.p75,
                        "p90": value.p90,
                        "statut": PUBLISHED,
                    }
                else:
                    record |= dict.fromkeys(("n_cabinets", "p10", "p25", "mediane", "p75", "p90"))
                    record["n_cabinets"] = value.n
                    record["statut"] = value.label
                out.append(record)
    return out
