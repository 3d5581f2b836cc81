"""Reads of the benchmarks: populations of assessments, loaded in one query, scoped server-side.

A *population* is one row per assessment — one practice, one reference year — with the figures
of its **latest** result snapshot:

* ``panel``: assessments of practices whose participation in a campaign of that reference
  year was validated by the coordination (« validé »);
* ``autodiagnostics``: every completed assessment (self-diagnoses, not a representative
  sample).

Rows are read with ``values_list`` (no model instance) and turned into numpy arrays
(:class:`kineco2.benchmarks.aggregates.Population`). Coordinators' reads are restricted in the
query itself with :func:`kineco2.panel.roles.scope_practices`. Loaded populations and
tables are cached under a key that holds the data generation of
:mod:`kineco2.benchmarks.freshness` (one primary-key lookup), which every write changing them
bumps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, Max, OuterRef, QuerySet

from kineco2.benchmarks.aggregates import (
    POST_IDS,
    Factor,
    Margins,
    Overview,
    Population,
    margins,
    overview,
)
from kineco2.practices.models import Assessment, ResultSnapshot

if TYPE_CHECKING:
    from kineco2.panel.roles import Perimeter

__all__ = [
    "POPULATIONS",
    "available_years",
    "campaign_by_slug",
    "default_population",
    "load_population",
    "panel_available",
    "snapshots_for",
]

POPULATIONS: dict[str, str] = {
    "panel": "Panel KinéCO2",
    "autodiagnostics": "Autodiagnostics",
}
POPULATION_DESCRIPTIONS: dict[str, str] = {
    "panel": (
        "Cabinets tirés au sort pour une campagne du panel, dont le bilan de l'année de "
        "référence a été vérifié et validé par la coordination."
    ),
    "autodiagnostics": (
        "Tous les bilans terminés par les cabinets qui utilisent KinéCO2 : ce n'est pas un "
        "échantillon représentatif de la profession."
    ),
}
#: Entries are keyed by the data generation: the lifetime only bounds the memory they use.
CACHE_SECONDS = 6 * 3600


# -- panel (guarded: the app may not be installed) ----------------------------------------
def _panel_models():
    try:
        from kineco2.panel.models import Campaign, PanelParticipation, ParticipationStatus
    except ImportError:  # pragma: no cover - panel app absent
        return None
    return Campaign, PanelParticipation, ParticipationStatus


def panel_available() -> bool:
    return _panel_models() is not None


def campaign_by_slug(slug: str):
    """The campaign ``slug`` or ``None`` (panel absent, unknown slug)."""
    models = _panel_models()
    if models is None or not slug:
        return None
    return models[0].objects.filter(slug=slug).first()


def _validated(campaign_slug: str | None = None):
    """``Exists`` of a validated participation of the assessment's practice, same year."""
    models = _panel_models()
    if models is None:
        return None
    _, participation, status = models
    validated = participation.objects.filter(
        practice=OuterRef("practice"),
        status=status.VALIDE,
        campaign__reference_year=OuterRef("reference_year"),
    )
    if campaign_slug:
        validated = validated.filter(campaign__slug=campaign_slug)
    return Exists(validated)


# -- querysets ----------------------------------------------------------------------------
def _restrict(queryset, population, year, campaign_slug, perimeter, region="practice__region_code"):
    """Filter assessments or their figures to a population, a year and a perimeter.

    Both models have ``reference_year`` and ``practice``: the same filters apply; ``region``:
    the lookup of the practice's region (the figures hold a copy: no join).
    """
    if year is not None:
        queryset = queryset.filter(reference_year=year)
    if population == "panel":
        validated = _validated(campaign_slug)
        if validated is None:
            return queryset.none()
        queryset = queryset.filter(validated)
    elif population != "autodiagnostics":
        return queryset.none()
    if perimeter is not None:
        from kineco2.panel.roles import scope_practices

        queryset = scope_practices(queryset, perimeter, field=region)
    return queryset


def assessments_for(
    population: str,
    *,
    year: int | None = None,
    campaign_slug: str | None = None,
    perimeter: Perimeter | None = None,
) -> QuerySet[Assessment]:
    """Completed assessments of ``population`` (one per practice and reference year)."""
    queryset = Assessment.objects.filter(completed_at__isnull=False)
    return _restrict(queryset, population, year, campaign_slug, perimeter)


def latest_snapshot_ids(assessments: QuerySet[Assessment] | None = None) -> QuerySet:
    """Subquery: the id of the latest snapshot of each assessment (of ``assessments``).

    The latest snapshot is the one with the highest id: ids grow with time (the same order
    as ``computed_at``), and a ``GROUP BY`` on the assessment index is far cheaper than a
    correlated subquery ordered by date.
    """
    snapshots = ResultSnapshot.objects.all()
    if assessments is not None:
        snapshots = snapshots.filter(assessment__in=assessments)
    return snapshots.order_by().values("assessment").annotate(last=Max("pk")).values("last")


def snapshots_for(assessments: QuerySet[Assessment]) -> QuerySet[ResultSnapshot]:
    """The latest snapshot of each of ``assessments`` (one query, no Python loop)."""
    return ResultSnapshot.objects.filter(pk__in=latest_snapshot_ids(assessments)).order_by()


# -- populations --------------------------------------------------------------------------
_COLUMNS = (
    "total_kg",
    "per_session_kg",
    "posts",
    "layout",
    "practice_id",
    "region_code",
    "practice_mode",
    "zone",
    "size",
)


def figures_for(
    population: str,
    *,
    year: int | None = None,
    campaign_slug: str | None = None,
    perimeter: Perimeter | None = None,
) -> QuerySet:
    """Flat figures of the latest snapshot of each assessment of ``population``."""
    from kineco2.benchmarks.models import AssessmentFigures

    return _restrict(
        AssessmentFigures.objects.all(), population, year, campaign_slug, perimeter, "region_code"
    )


def population_from_rows(rows: Sequence[tuple]) -> Population:
    """Arrays from rows of :data:`_COLUMNS` (what ``values_list`` returns)."""
    from kineco2.benchmarks.services import LAYOUT, posts_from_blob

    n = len(rows)
    if n == 0:
        return Population.empty()
    total, per_session, blobs, layouts, practice, region, mode, zone, size = zip(*rows, strict=True)
    if all(layout == LAYOUT for layout in layouts):
        matrix = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype="<f8").reshape(
            n, len(POST_IDS)
        )
    else:  # rows written before a post was added or removed
        matrix = np.array(
            [posts_from_blob(bytes(b), layout) for b, layout in zip(blobs, layouts, strict=True)]
        )
    return Population.from_columns(
        total_kg=np.fromiter(total, dtype=float, count=n),
        per_session_kg=np.array([np.nan if v is None else v for v in per_session], dtype=float),
        posts_kg=matrix,
        region=region,
        zone=zone,
        size=size,
        mode=mode,
        practice_id=np.fromiter(practice, dtype=np.int64, count=n),
    )


_SEPARATOR = "\x1f"  # ASCII unit separator: never in a region, mode, zone or size code
_FIELD = "\x1e"  # ASCII record separator (same): between the codes of one row


def _factors(rows: list[str], width: int) -> list[Factor] | None:
    """Each column of ``rows`` — texts of ``width`` codes joined by :data:`_FIELD` — as
    :meth:`Factor.of` of that column gives it (same labels, same index), from one
    factorisation of the rows' texts: their distinct combinations are few (a few hundred at
    most for 50 000 rows), so each column is factorised on those and read back through the
    rows' combination index by numpy. ``None`` if a code holds :data:`_FIELD` (the caller
    then reads row by row)."""
    whole = Factor.of(rows)
    parts = [label.split(_FIELD) for label in whole.labels]
    if any(len(fields) != width for fields in parts):
        return None
    out = []
    for k in range(width):
        column = [fields[k] for fields in parts]
        labels = sorted(set(column))
        rank = {label: i for i, label in enumerate(labels)}
        lookup = np.array([rank[value] for value in column], dtype=np.int32)
        out.append(Factor(labels, lookup[whole.index]))
    return out


def _population_postgresql(queryset, *, posts: bool = True) -> Population | None:
    """The population in **one row**: PostgreSQL packs each column of every figures row
    (``string_agg`` of the binary float8 / int8 and of the codes), numpy unpacks them.

    Building 50 000 Python tuples with ``values_list`` and then arrays from them was most of
    the read; here no Python object is made per row. The aggregates of one query see the rows
    in the same order, so the columns stay aligned (the order itself does not matter: every
    figure published is a count or an order statistic). ``None`` when the posts of some rows
    were packed in an older layout or a code holds a separator (the caller then reads row by
    row).

    ``posts=False``: the posts and the practices are not read (the posts are zeros, the
    practice ids ``0 … n - 1``) — what :func:`~kineco2.benchmarks.aggregates.margins` needs
    (the groups and the rows with a per-session figure), for half the server's time.
    """
    from kineco2.benchmarks.services import LAYOUT

    # Region and mode are the figures' own copies (no join to the practices).
    inner = queryset.values_list(*_COLUMNS)
    sql, params = inner.query.sql_with_params()
    separator = _SEPARATOR
    # ``sql`` is Django's compiled query (its values are in ``params``): no user text in it.
    columns = "total, per_session, posts, layout, practice, region, mode, zone, size"
    packed = (
        "coalesce(bool_and(s.layout = %s), true), string_agg(s.posts, ''::bytea), "
        "string_agg(int8send(s.practice::int8), ''::bytea), "
        if posts
        else ""
    )
    query = (
        f"SELECT count(*), {packed}"  # noqa: S608
        "string_agg(float8send(s.total), ''::bytea), "
        "string_agg(float8send(coalesce(s.per_session, 'NaN'::float8)), ''::bytea), "
        # The four codes of a row joined (one text per row to split and factorise: their
        # combinations are few, see _factors).
        "string_agg(s.region || %s || s.mode || %s || s.zone || %s || s.size, %s) "
        f"FROM ({sql}) AS s({columns})"
    )
    import psycopg

    connection.ensure_connection()
    # A psycopg cursor of its own (Django's binds on the client side, which returns text
    # only): binary results, the packed bytea arrive as they are (not as hexadecimal text
    # the server writes and the client decodes, twice the size).
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            query,
            ((LAYOUT,) if posts else ()) + (_FIELD,) * 3 + (separator,) + tuple(params),
            binary=True,
        )
        row = cursor.fetchone()
    n = row[0]
    if not n:
        return Population.empty()
    if posts:
        _, same_layout, blob, practice, total, per_session, codes = row
        if not same_layout:
            return None
        posts_kg = np.frombuffer(bytes(blob), dtype="<f8").reshape(n, len(POST_IDS))
        practice_id = np.frombuffer(bytes(practice), dtype=">i8").astype(np.int64)
    else:
        _, total, per_session, codes = row
        posts_kg = np.broadcast_to(np.zeros(1), (n, len(POST_IDS)))
        practice_id = None

    def floats(blob) -> np.ndarray:
        return np.frombuffer(bytes(blob), dtype=">f8").astype(float)

    rows = codes.split(separator)
    factors = _factors(rows, 4) if len(rows) == n else None
    if factors is None:  # a separator inside a code: not packed this way
        return None
    region, mode, zone, size = factors
    return Population.from_columns(
        total_kg=floats(total),
        per_session_kg=floats(per_session),
        posts_kg=posts_kg,
        region=region,
        zone=zone,
        size=size,
        mode=mode,
        practice_id=practice_id,
    )


def _stamp() -> str:
    """The data generation of the published statistics (:mod:`kineco2.benchmarks.freshness`).

    One primary-key lookup: every write that may change a population (a result stored or
    deleted, a practice's region or mode, a validated participation…) bumps it.
    """
    from kineco2.benchmarks import freshness

    return freshness.current()


#: The data generation under which this process last folded the new snapshots in (see _sync).
_SYNCED = {"stamp": ""}


def _sync(stamp: str) -> None:
    """:func:`services.sync_figures` once per data generation in this process.

    Every snapshot stored bumps the generation in its own transaction
    (:mod:`kineco2.benchmarks.freshness`), so under the generation ``stamp`` read *before* a
    sync there is nothing newer to fold in: a cold request (tables, nested tables, years,
    populations) then looks for new snapshots once instead of four or five times. Not
    remembered for the generation ``"0"`` (no bump yet) nor inside a transaction (a rollback
    would undo the folding).
    """
    from kineco2.benchmarks.services import sync_figures

    if stamp != "0" and _SYNCED["stamp"] == stamp:
        return
    sync_figures()
    if stamp != "0" and not connection.in_atomic_block:
        _SYNCED["stamp"] = stamp


def load_population(
    population: str,
    *,
    year: int | None = None,
    campaign_slug: str | None = None,
    perimeter: Perimeter | None = None,
    use_cache: bool = True,
    stamp: str | None = None,
    posts: bool = True,
) -> Population:
    """The population's rows as arrays, read in one query (scoped to ``perimeter`` if given).

    Without ``year``: every reference year (one row per assessment). Snapshots stored since
    the last read are folded into the figures first (:func:`services.sync_figures`).
    ``stamp``: the data generation, when the caller has just read it. ``posts=False`` (not
    cached): on PostgreSQL, the posts and practices are not read (zeros, ``0 … n - 1``): for
    :func:`~kineco2.benchmarks.aggregates.margins` only.
    """
    key = None
    stamp = _stamp() if stamp is None else stamp
    if use_cache and posts:
        key = _key("population", population, year, campaign_slug, perimeter, stamp=stamp)
        cached = cache.get(key)
        if cached is not None:
            return cached
    _sync(stamp)
    queryset = figures_for(population, year=year, campaign_slug=campaign_slug, perimeter=perimeter)
    result = (
        _population_postgresql(queryset, posts=posts) if connection.vendor == "postgresql" else None
    )
    if result is None:
        result = population_from_rows(list(queryset.values_list(*_COLUMNS)))
    if key is not None:
        cache.set(key, result, CACHE_SECONDS)
    return result


def _key(kind: str, population, year, campaign_slug, perimeter, *extra, stamp=None) -> str:
    scope = (
        "tout"
        if perimeter is None or perimeter.national
        else ",".join(sorted(perimeter.regions)) or "-"
    )
    stamp = _stamp() if stamp is None else stamp
    text = f"{population}|{year}|{campaign_slug}|{scope}|{extra}|{stamp}"
    return f"benchmarks:{kind}:" + hashlib.sha256(text.encode()).hexdigest()


def disclosure_salt() -> bytes:
    """The secret of the perturbation of published quantiles (from ``SECRET_KEY``)."""
    from django.conf import settings

    return hashlib.sha256(f"kineco2-disclosure|{settings.SECRET_KEY}".encode()).digest()


def _overview_key(population, year, perimeter, regions_shown, stamp) -> str:
    return _key(
        "overview", population, year, None, perimeter, tuple(regions_shown or ()), stamp=stamp
    )


def _outers(population: str, year, perimeter, regions_shown) -> list[Overview | Margins]:
    """The wider filters the same viewer can read, for the secondary suppression: the panel's
    tables are checked against the self-diagnoses' (the panel is part of them), a
    perimeter's against the national ones. Only their counts and hidden groups are read
    (:func:`load_margins`)."""
    outers: list[Overview | Margins] = []
    if perimeter is not None:
        outers.append(load_margins(population, year=year))
    if population == "panel":
        outers.append(
            load_margins(
                "autodiagnostics", year=year, perimeter=perimeter, regions_shown=regions_shown
            )
        )
    return outers


def load_overview(
    population: str,
    *,
    year: int | None = None,
    perimeter: Perimeter | None = None,
    regions_shown: Sequence[str] | None = None,
) -> Overview:
    """:func:`~kineco2.benchmarks.aggregates.overview` of a population, cached while the data
    do not change (the tables of the pages, CSV, PDF and JSON, and the comparison).

    The secondary suppression sees the wider filters the same viewer can read
    (:func:`_outers`).
    """
    if perimeter is not None and perimeter.national:
        perimeter, regions_shown = None, None
    stamp = _stamp()
    key = _overview_key(population, year, perimeter, regions_shown, stamp)
    # A generation other than "0" names one history of the data (its token is random at
    # every bump): the tables read under it can be kept in this process too, which spares
    # unpickling them (≈ 2 ms, on every results page whose answers just changed).
    local = stamp != "0"
    if local and (cached := _LOCAL_OVERVIEWS.get(key)) is not None:
        return cached
    cached = cache.get(key)
    if cached is not None:
        if local:
            _remember_overview(key, cached)
        return cached
    _sync(stamp)
    outers = _outers(population, year, perimeter, regions_shown)
    if perimeter is not None and regions_shown is None:
        regions_shown = sorted(perimeter.regions)
    result = overview(
        # Not cached on its own: it changes with the same data generation as the tables.
        load_population(population, year=year, perimeter=perimeter, use_cache=False, stamp=stamp),
        regions_shown=regions_shown,
        outers=outers,
        salt=disclosure_salt(),
    )
    cache.set(key, result, CACHE_SECONDS)
    if local:
        _remember_overview(key, result)
    return result


def load_margins(
    population: str,
    *,
    year: int | None = None,
    perimeter: Perimeter | None = None,
    regions_shown: Sequence[str] | None = None,
) -> Overview | Margins:
    """The counts and hidden groups of :func:`load_overview` with the same arguments: its
    overview when this process or the cache holds it, else
    :func:`~kineco2.benchmarks.aggregates.margins` (the same counts and hidden groups without
    sorting any indicator: the panel's page needs those of the self-diagnoses, not their
    quantiles), cached under the same data generation."""
    if perimeter is not None and perimeter.national:
        perimeter, regions_shown = None, None
    stamp = _stamp()
    key = _overview_key(population, year, perimeter, regions_shown, stamp)
    light = _key(
        "margins", population, year, None, perimeter, tuple(regions_shown or ()), stamp=stamp
    )
    local = stamp != "0"
    if local:
        for name in (key, light):
            if (cached := _LOCAL_OVERVIEWS.get(name)) is not None:
                return cached
    found = cache.get_many([key, light])
    for name in (key, light):
        if (cached := found.get(name)) is not None:
            if local:
                _remember_overview(name, cached)
            return cached
    _sync(stamp)
    outers = _outers(population, year, perimeter, regions_shown)
    if perimeter is not None and regions_shown is None:
        regions_shown = sorted(perimeter.regions)
    result = margins(
        load_population(
            population, year=year, perimeter=perimeter, use_cache=False, stamp=stamp, posts=False
        ),
        regions_shown=regions_shown,
        outers=outers,
    )
    cache.set(light, result, CACHE_SECONDS)
    if local:
        _remember_overview(light, result)
    return result


#: Overviews (and margins) of this process by cache key (see :func:`load_overview`), most
#: recent last.
_LOCAL_OVERVIEWS: dict[str, Overview | Margins] = {}
_LOCAL_OVERVIEWS_MAX = 16


def _remember_overview(key: str, value: Overview | Margins) -> None:
    _LOCAL_OVERVIEWS.pop(key, None)
    _LOCAL_OVERVIEWS[key] = value
    while len(_LOCAL_OVERVIEWS) > _LOCAL_OVERVIEWS_MAX:
        try:
            del _LOCAL_OVERVIEWS[next(iter(_LOCAL_OVERVIEWS))]
        except (KeyError, StopIteration, RuntimeError):  # another thread trimmed it
            break


def available_years(population: str, *, perimeter: Perimeter | None = None) -> list[int]:
    """Reference years with at least one result in ``population``, latest first."""
    stamp = _stamp()
    key = _key("years", population, None, None, perimeter, stamp=stamp)
    cached = cache.get(key)
    if cached is not None:
        return cached
    _sync(stamp)
    years = list(
        figures_for(population, perimeter=perimeter)
        .order_by("-reference_year")
        .values_list("reference_year", flat=True)
        .distinct()
    )
    cache.set(key, years, CACHE_SECONDS)
    return years


def default_population() -> str:
    """« panel » as soon as one participation is validated, else « autodiagnostics »."""
    models = _panel_models()
    if models is None:
        return "autodiagnostics"
    key = "benchmarks:default-population:" + _stamp()
    cached = cache.get(key)
    if cached is None:
        _, participation, status = models
        cached = (
            "panel"
            if participation.objects.filter(status=status.VALIDE).exists()
            else "autodiagnostics"
        )
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def campaigns() -> list:
    """Campaigns (newest first) for the command line; empty without the panel app."""
    models = _panel_models()
    if models is None:
        return []
    return list(models[0].objects.order_by("-reference_year", "name"))
