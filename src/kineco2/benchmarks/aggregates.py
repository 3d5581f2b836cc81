"""Anonymised distributions of footprints, with the small-cell rule (pure, numpy only).

Everything here works on plain arrays: :class:`Population` holds one row per assessment (one
practice, one reference year, its latest snapshot) and :func:`overview` turns it into
distribution tables — national, by region (each overseas territory on its own row), by zone
type, by size and by mode of practice — for the annual footprint (t CO2e/an) and the
footprint of a session (kg CO2e/séance), in total and by post.

**The small-cell rule** (issue 5): no cell describing fewer than :data:`MIN_PRACTICES`
practices is ever shown. It is enforced in one place, :func:`cell`: every figure that leaves
this module (page, CSV, PDF, JSON, comparison with comparable practices) is a :class:`Cell`
made by :func:`cell`, and a :class:`Cell` cannot even be built on fewer than 5 practices.
Below 5, :func:`cell` returns :data:`SUPPRESSED`, which carries no figure at all — not even
the number of practices — only the marker « moins de 5 cabinets ».

Percentiles are numpy's default (« linear » interpolation, type 7 of Hyndman & Fan), the
percentile rank of :func:`percentile_rank` counts ties for half.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kineco2.engine.posts import POSTS

__all__ = [
    "DIMENSIONS",
    "MIN_PRACTICES",
    "MODES",
    "SIZES",
    "SUPPRESSED",
    "SUPPRESSED_LABEL",
    "ZONE_TYPES",
    "Breakdown",
    "Cell",
    "Metric",
    "Overview",
    "Population",
    "Row",
    "cell",
    "describe",
    "metrics",
    "overview",
    "percentile_rank",
    "regions",
    "size_class",
    "zone_type",
]

#: The smallest number of practices a published figure may describe.
MIN_PRACTICES = 5
SUPPRESSED_LABEL = f"moins de {MIN_PRACTICES} cabinets"
#: Percentiles published for every cell.
PERCENTILES = (10.0, 25.0, 50.0, 75.0, 90.0)


# -- the small-cell rule -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Cell:
    """The distribution of one indicator over ``n`` ≥ 5 practices."""

    n: int
    p10: float
    p25: float
    median: float
    p75: float
    p90: float
    suppressed = False

    def __post_init__(self) -> None:
        if self.n < MIN_PRACTICES:  # never reached through cell(); a guard against misuse
            raise ValueError(f"Une case décrit au moins {MIN_PRACTICES} cabinets (n = {self.n}).")

    @property
    def quartiles(self) -> dict[str, float]:
        """For :func:`kineco2.report.charts.comparison_svg`."""
        return {
            "p10": self.p10,
            "p25": self.p25,
            "median": self.median,
            "p75": self.p75,
            "p90": self.p90,
            "n": self.n,
        }


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A cell hidden by the small-cell rule: no figure, not even the count."""

    label: str = SUPPRESSED_LABEL
    suppressed = True


SUPPRESSED = Suppressed()


def cell(n: int, quantiles: Sequence[float]) -> Cell | Suppressed:
    """THE small-cell rule: a :class:`Cell` from ``n`` practices, or :data:`SUPPRESSED`.

    ``quantiles`` are P10, P25, median, P75 and P90 (see :data:`PERCENTILES`). Every
    published figure goes through here.
    """
    if n < MIN_PRACTICES:
        return SUPPRESSED
    p10, p25, median, p75, p90 = (float(q) for q in quantiles)
    return Cell(n=int(n), p10=p10, p25=p25, median=median, p75=p75, p90=p90)


def describe(values: Iterable[float]) -> Cell | Suppressed:
    """The distribution of ``values`` (NaN and infinities ignored), or :data:`SUPPRESSED`."""
    array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, float)
    array = array[np.isfinite(array)]
    if array.size < MIN_PRACTICES:
        return cell(int(array.size), ())
    return cell(int(array.size), np.percentile(array, PERCENTILES))


def percentile_rank(values: Iterable[float], value: float) -> float | None:
    """Share (0–100) of ``values`` below ``value``, ties counted for half.

    ``None`` on fewer than :data:`MIN_PRACTICES` finite values (the small-cell rule).
    """
    array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, float)
    array = array[np.isfinite(array)]
    if array.size < MIN_PRACTICES or not np.isfinite(value):
        return None
    below = np.count_nonzero(array < value)
    ties = np.count_nonzero(array == value)
    return float(100.0 * (below + 0.5 * ties) / array.size)


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
        region: Sequence[str],
        zone: Sequence[str],
        size: Sequence[str],
        mode: Sequence[str],
        practice_id: Sequence[int] | None = None,
    ) -> Population:
        total = np.asarray(total_kg, dtype=float)
        n = total.shape[0]
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


def _codes(values: Sequence[str], n: int) -> np.ndarray:
    """Group codes as a fixed-width unicode array (sorted in C, not object by object)."""
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
        """Practices of the group, or ``None`` when the group is suppressed."""
        total = self.cells.get("total_t")
        return total.n if isinstance(total, Cell) else None


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Overview:
    breakdowns: dict[str, Breakdown]
    metrics: tuple[Metric, ...] = field(default_factory=metrics)

    @property
    def national(self) -> Row:
        return self.breakdowns["national"].rows[0]

    @property
    def n(self) -> int | None:
        return self.national.n


_FRACTIONS = np.asarray(PERCENTILES) / 100.0


def _quantiles(block: np.ndarray) -> np.ndarray:
    """``np.percentile(block, PERCENTILES, axis=1)`` (« linear »), about twice as fast.

    ``block`` (metrics × values, a fresh copy) is partitioned in place at the lower index of
    each percentile only; the next order statistic, needed to interpolate, is the minimum of
    the following segment. Same interpolation formula as numpy's ``_lerp``.
    """
    n = block.shape[1]
    virtual = (n - 1) * _FRACTIONS
    low = np.floor(virtual).astype(np.intp)
    weight = virtual - low
    kth = np.unique(low)
    block.partition(kth, axis=1)
    below = block[:, low]
    above = np.empty_like(below)
    for i, (k, w) in enumerate(zip(low, weight, strict=True)):
        if w == 0.0 or k + 1 >= n:
            above[:, i] = below[:, i]
            continue
        following = kth[kth > k]
        stop = int(following[0]) + 1 if following.size else n
        above[:, i] = block[:, k + 1 : stop].min(axis=1)
    diff = above - below
    result = np.where(weight >= 0.5, above - diff * (1 - weight), below + diff * weight)
    return result.T


def _group_cells(
    annual: np.ndarray, per_session: np.ndarray, ok: np.ndarray, rows: np.ndarray
) -> dict[str, Cell | Suppressed]:
    """Cells of every metric over the rows ``rows`` (indices).

    ``annual`` and ``per_session`` are metrics × practices (C order: a group's values of one
    metric are contiguous once gathered, which makes the partition behind the percentiles
    cache-friendly).
    """
    ids = [m.id for m in metrics()]
    half = len(ids) // 2
    cells: dict[str, Cell | Suppressed] = {}
    for matrix, columns, selected in (
        (annual, ids[:half], rows),
        (per_session, ids[half:], rows[ok[rows]]),
    ):
        n = int(selected.shape[0])
        quantiles = _quantiles(matrix[:, selected]) if n >= MIN_PRACTICES else None
        for j, metric_id in enumerate(columns):
            cells[metric_id] = cell(n, quantiles[:, j] if quantiles is not None else ())
    return cells


def _breakdown(
    population: Population,
    prepared: tuple[np.ndarray, np.ndarray, np.ndarray],
    dimension: str,
    codes: Sequence[str] | None,
) -> Breakdown:
    labels = _labels(dimension)
    wanted = list(codes) if codes is not None else list(labels)
    annual, per_session, ok = prepared
    column = population.column(dimension)
    # Group the rows once: sort by group code, then slice.
    order = np.argsort(column, kind="stable")
    present, starts, counts = np.unique(column[order], return_index=True, return_counts=True)
    slices = {
        str(code): order[start : start + count]
        for code, start, count in zip(present, starts, counts, strict=True)
    }
    empty = np.zeros(0, dtype=np.intp)
    rows = tuple(
        Row(
            code=code,
            label=labels.get(code, code),
            cells=_group_cells(annual, per_session, ok, slices.get(code, empty)),
        )
        for code in wanted
    )
    return Breakdown(dimension=dimension, label=DIMENSIONS[dimension], rows=rows)


def _prepare(population: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    annual, per_session, ok = population.matrices()
    return np.ascontiguousarray(annual.T), np.ascontiguousarray(per_session.T), ok


def breakdown(
    population: Population, dimension: str, *, codes: Sequence[str] | None = None
) -> Breakdown:
    """Every group of ``dimension`` (all of its codes, or ``codes``), suppressed or not."""
    return _breakdown(population, _prepare(population), dimension, codes)


def overview(population: Population, *, regions_shown: Sequence[str] | None = None) -> Overview:
    """Tables of every dimension. ``regions_shown`` limits the region rows (a perimeter)."""
    prepared = _prepare(population)
    return Overview(
        breakdowns={
            dimension: _breakdown(
                population, prepared, dimension, regions_shown if dimension == "region" else None
            )
            for dimension in DIMENSIONS
        }
    )


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
                    record["statut"] = value.label
                out.append(record)
    return out
