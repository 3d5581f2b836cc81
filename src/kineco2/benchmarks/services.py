"""Writes of the benchmarks: recompute every stored result after a factor update.

:func:`recompute_snapshots` takes the latest snapshot of every assessment, rebuilds the
activity matrix from its stored lines (``data["posts"][i]["lines"]``: quantity and factor id
of each line), evaluates it under the new factors with :func:`kineco2.engine.batch.evaluate`
(one element-wise product and one matrix product per chunk) and stores a **new** snapshot
with the new factor version (``bulk_create``); older snapshots stay as history.

The activity quantities do not depend on emission factors, but they do depend on method
parameters (leak rates, amortisation periods): when the new version changes one of them,
:func:`~kineco2.engine.batch.evaluate` refuses and the assessments of that source version are
recomputed one by one from their answers with :func:`kineco2.engine.compute` (scalar path).

A recomputed snapshot has no Monte Carlo interval (``interval_*`` empty): the results page
draws it again when the practitioner opens it. It keeps the ``answers_hash`` of the snapshot it
was recomputed from: it describes the same answers.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connections, transaction
from django.db.models import Max

from kineco2.benchmarks import freshness, selectors
from kineco2.benchmarks.aggregates import size_class, zone_type
from kineco2.engine import InputError
from kineco2.engine.batch import ActivityMatrix, evaluate
from kineco2.engine.defaults import load_defaults
from kineco2.engine.errors import EngineError, ReferenceDataError
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.formatting import format_significant
from kineco2.engine.posts import POST_IDS
from kineco2.jobs.parallel import run_chunks
from kineco2.practices.models import Assessment, ResultSnapshot

__all__ = [
    "LAYOUT",
    "RecomputeReport",
    "posts_from_blob",
    "recompute_snapshots",
    "repriced_data",
    "sync_figures",
]

Z95 = 1.959963984540054
DEFAULT_CHUNK = 1000

#: The posts of a figures row, in order; ``LAYOUT`` names the order (a post added → new name).
LAYOUT = hashlib.sha256(",".join(POST_IDS).encode()).hexdigest()[:12]
_LAYOUTS = {LAYOUT: POST_IDS}


# -- figures of the état des lieux ----------------------------------------------------------
def posts_to_blob(posts: dict[str, float]) -> bytes:
    return np.array([float(posts.get(p) or 0.0) for p in POST_IDS], dtype="<f8").tobytes()


def posts_from_blob(blob: bytes, layout: str) -> list[float]:
    """The posts of a figures row in today's :data:`POST_IDS` order (0 for an unknown one)."""
    values = np.frombuffer(blob, dtype="<f8")
    order = _LAYOUTS.get(layout)
    if order is None or len(order) != values.size:
        return [0.0] * len(POST_IDS)
    by_post = dict(zip(order, values.tolist(), strict=True))
    return [by_post.get(p, 0.0) for p in POST_IDS]


def sync_figures(*, chunk_size: int = 5000) -> int:
    """Fold every snapshot newer than the newest already folded into the figures table.

    For each assessment the newest snapshot wins. Zone type and size class come from the
    snapshot (``patient_zone``, ``practitioners``), region and mode of practice from the
    practice (kept in step afterwards by :mod:`kineco2.benchmarks.freshness`); when the
    snapshot describes the same
    answers as the one already folded (same ``answers_hash``, e.g. after a recompute) they
    are taken from the existing row, so that the large JSON is not read. Returns the number
    of rows written.
    """
    from kineco2.benchmarks.models import AssessmentFigures

    last = AssessmentFigures.objects.aggregate(m=Max("snapshot_id"))["m"] or 0
    newest = ResultSnapshot.objects.aggregate(m=Max("pk"))["m"] or 0
    if newest <= last:
        return 0
    latest = dict(
        ResultSnapshot.objects.filter(pk__gt=last)
        .order_by()
        .values("assessment_id")
        .annotate(last=Max("pk"))
        .values_list("assessment_id", "last")
    )
    ids = sorted(latest.values())
    written = 0
    fields = (
        "pk",
        "assessment_id",
        "assessment__practice_id",
        "assessment__reference_year",
        "total_kgco2e",
        "per_session_kgco2e",
        "posts",
        "answers_hash",
        "assessment__practice__region_code",
        "assessment__practice__practice_mode",
    )
    for chunk in _chunks(ids, chunk_size):
        rows = list(ResultSnapshot.objects.filter(pk__in=list(chunk)).values_list(*fields))
        known = {
            assessment: (answers_hash, zone, size)
            for assessment, answers_hash, zone, size in AssessmentFigures.objects.filter(
                assessment_id__in=[r[1] for r in rows]
            ).values_list("assessment_id", "snapshot__answers_hash", "zone", "size")
        }
        unknown = [r[0] for r in rows if known.get(r[1], ("",))[0] != r[7]]
        described = {
            pk: (zone_type(zone), size_class(practitioners))
            for pk, zone, practitioners in ResultSnapshot.objects.filter(pk__in=unknown)
            .order_by()
            .values_list("pk", "data__patient_zone", "data__practitioners")
        }
        objects = []
        for pk, assessment, practice, year, total, per_session, posts, _, region, mode in rows:
            zone, size = described.get(pk) or known.get(assessment, ("", "", ""))[1:]
            if per_session is not None and not math.isfinite(per_session):
                per_session = None
            objects.append(
                AssessmentFigures(
                    assessment_id=assessment,
                    snapshot_id=pk,
                    practice_id=practice,
                    reference_year=year,
                    total_kg=total,
                    per_session_kg=per_session,
                    posts=posts_to_blob(posts or {}),
                    layout=LAYOUT,
                    zone=zone,
                    size=size,
                    region_code=region or "",
                    practice_mode=mode or "",
                )
            )
        AssessmentFigures.objects.bulk_create(
            objects,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["assessment"],
            update_fields=[
                "snapshot",
                "practice",
                "reference_year",
                "total_kg",
                "per_session_kg",
                "posts",
                "layout",
                "zone",
                "size",
                "region_code",
                "practice_mode",
            ],
        )
        written += len(objects)
    return written


@dataclass
class RecomputeReport:
    factors_version: str
    total: int = 0
    batch: int = 0
    scalar: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    sync_seconds: float = 0.0

    @property
    def stored(self) -> int:
        return self.batch + self.scalar


# -- one snapshot's data under new factors ------------------------------------------------
def _detail(quantity: float, unit: str, value: float, factor_unit: str) -> str:
    return (
        f"{format_significant(quantity, 3)} {unit} × {format_significant(value, 3)} {factor_unit}"
    )


def _line_uncertainty(old_total_pct: float, old_factor_pct: float, new_factor_pct: float) -> float:
    """The line's combined uncertainty with the factor's part replaced (drivers unchanged)."""
    old_factor = (math.log1p(old_factor_pct / 100) / Z95) ** 2
    drivers = max(0.0, (math.log1p(old_total_pct / 100) / Z95) ** 2 - old_factor)
    new_factor = (math.log1p(new_factor_pct / 100) / Z95) ** 2
    return 100 * math.expm1(Z95 * math.sqrt(new_factor + drivers))


def _changed_ids(source: FactorSet | None, target: FactorSet) -> frozenset[str] | None:
    """Factor ids whose value, unit or uncertainty differ (``None``: compare every line)."""
    if source is None:
        return None
    return frozenset(
        factor_id
        for factor_id, factor in source.factors.items()
        if factor_id not in target
        or (target[factor_id].value, target[factor_id].unit, target[factor_id].uncertainty_pct)
        != (factor.value, factor.unit, factor.uncertainty_pct)
    )


def _repriced_line(line: dict[str, Any], factor) -> dict[str, Any]:
    if (
        factor.value == line["factor_value"]
        and factor.unit == line["factor_unit"]
        and factor.uncertainty_pct == line["factor_uncertainty_pct"]
    ):
        return line
    line = dict(line)
    old = _detail(line["quantity"], line["unit"], line["factor_value"], line["factor_unit"])
    detail = line.get("detail") or ""
    suffix = detail[len(old) :] if detail.startswith(old) else ""
    line["detail"] = _detail(line["quantity"], line["unit"], factor.value, factor.unit) + suffix
    line["uncertainty_pct"] = _line_uncertainty(
        line["uncertainty_pct"], line["factor_uncertainty_pct"], factor.uncertainty_pct
    )
    line["factor_value"] = factor.value
    line["factor_unit"] = factor.unit
    line["factor_uncertainty_pct"] = factor.uncertainty_pct
    line["kgco2e"] = line["quantity"] * factor.value
    return line


def repriced_data(
    data: dict[str, Any],
    factors: FactorSet,
    *,
    by_post: Sequence[float],
    total: float,
    per_session: float,
    per_practitioner: float,
    changed: frozenset[str] | None = None,
) -> dict[str, Any]:
    """``Result.to_dict()`` of a snapshot, with its lines repriced under ``factors``.

    Totals come from the batch evaluation (``by_post`` in :data:`POST_IDS` order). The
    Monte Carlo figures are dropped: they are drawn again when the result is displayed.
    ``changed``: the factor ids that differ from the snapshot's version (lines with another
    factor are kept as they are); ``None`` compares every line.
    """
    post_index = {post: i for i, post in enumerate(POST_IDS)}
    posts = []
    for post in data.get("posts", []):
        lines = post.get("lines", [])
        if changed is None or any(line["factor_id"] in changed for line in lines):
            lines = [_repriced_line(line, factors[line["factor_id"]]) for line in lines]
        kg = float(by_post[post_index[post["id"]]])
        share = kg / total if total else 0.0
        posts.append(post | {"lines": lines, "kgco2e": kg, "share": share, "interval_95": None})
    versions = dict(data.get("versions") or {})
    versions["factors"] = factors.version
    return data | {
        "total_kgco2e": total,
        "total_tco2e": total / 1000,
        "per_session_kgco2e": per_session,
        "per_practitioner_kgco2e": per_practitioner,
        "interval_95": None,
        "per_session_interval_95": None,
        "per_practitioner_interval_95": None,
        "median_kgco2e": None,
        "mean_kgco2e": None,
        "monte_carlo": None,
        "versions": versions,
        "posts": posts,
    }


def _matrix(datas: Sequence[dict[str, Any]], version: str) -> ActivityMatrix:
    """The activity matrix of stored results: one row each, one column per (post, factor)."""
    column_index: dict[tuple[str, str], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, data in enumerate(datas):
        for post in data.get("posts", []):
            post_id = post["id"]
            for line in post.get("lines", []):
                key = (post_id, line["factor_id"])
                col = column_index.get(key)
                if col is None:
                    col = column_index[key] = len(column_index)
                rows.append(row)
                cols.append(col)
                values.append(line["quantity"])
    quantities = np.zeros((len(datas), len(column_index)))
    np.add.at(quantities, (np.asarray(rows, np.intp), np.asarray(cols, np.intp)), values)
    return ActivityMatrix(
        columns=tuple(column_index),
        quantities=quantities,
        sessions=np.array([float(d.get("sessions") or 0.0) for d in datas]),
        practitioners=np.array([float(d.get("practitioners") or 1.0) for d in datas]),
        factors_version=version,
    )


# -- the batch ------------------------------------------------------------------------------
_FIELDS = (
    "pk",
    "assessment_id",
    "answers_hash",
    "factors_version",
    "defaults_version",
    "schema_version",
    "engine_version",
    "data",
)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _snapshot(row: dict[str, Any], data: dict[str, Any], **changes: Any) -> ResultSnapshot:
    per_session = data.get("per_session_kgco2e")
    if per_session is not None and not math.isfinite(per_session):
        per_session = None
    return ResultSnapshot(
        assessment_id=row["assessment_id"],
        answers_hash=row["answers_hash"],
        factors_version=changes.get("factors_version", data["versions"]["factors"]),
        defaults_version=changes.get("defaults_version", row["defaults_version"]),
        schema_version=changes.get("schema_version", row["schema_version"]),
        engine_version=changes.get("engine_version", row["engine_version"]),
        total_kgco2e=data["total_kgco2e"],
        per_session_kgco2e=per_session,
        interval_low_kgco2e=None,
        interval_high_kgco2e=None,
        posts={post["id"]: post["kgco2e"] for post in data["posts"]},
        data=data,
    )


def _batch(rows: list[dict[str, Any]], version: str, factors: FactorSet) -> list[ResultSnapshot]:
    """Raises :class:`ReferenceDataError` if a method parameter changed (scalar path needed)."""
    datas = [row["data"] for row in rows]
    result = evaluate(_matrix(datas, version), factors)
    changed = _changed_ids(load_factors(version), factors)
    out = []
    for i, (row, data) in enumerate(zip(rows, datas, strict=True)):
        new = repriced_data(
            data,
            factors,
            by_post=result.by_post[i],
            total=float(result.total[i]),
            per_session=float(result.per_session[i]),
            per_practitioner=float(result.per_practitioner[i]),
            changed=changed,
        )
        out.append(_snapshot(row, new))
    return out


def _scalar(
    rows: list[dict[str, Any]], factors: FactorSet, report: RecomputeReport
) -> list[ResultSnapshot]:
    from kineco2.engine import compute
    from kineco2.practices.answers import to_input
    from kineco2.structures.selectors import members_with_premises, shared_share_for

    answers = dict(
        Assessment.objects.filter(pk__in=[r["assessment_id"] for r in rows]).values_list(
            "pk", "answers"
        )
    )
    # A member of a structure keeps its share of that year's bilan des locaux (the building
    # computed with the same factors and defaults).
    members = members_with_premises(answers)
    out = []
    for row in rows:
        try:
            try:
                defaults = load_defaults(row["defaults_version"])
            except ReferenceDataError:
                defaults = load_defaults()
            shared = None
            if row["assessment_id"] in members:
                shared = shared_share_for(
                    Assessment.objects.get(pk=row["assessment_id"]),
                    factors=factors,
                    defaults=defaults,
                )
            result = compute(
                to_input(answers.get(row["assessment_id"]) or {}),
                factors=factors,
                defaults=defaults,
                shared=shared,
            )
        except (InputError, EngineError, KeyError) as exc:
            report.failed.append((row["assessment_id"], str(exc)))
            continue
        out.append(
            _snapshot(
                row,
                result.to_dict(),
                factors_version=result.factors_version,
                defaults_version=result.defaults_version,
                schema_version=result.schema_version,
                engine_version=result.engine_version,
            )
        )
    return out


def latest_snapshot_ids(*, exclude_version: str | None = None) -> list[int]:
    """Ids of the latest snapshot of every assessment that has one, in id order."""
    latest = ResultSnapshot.objects.filter(pk__in=selectors.latest_snapshot_ids()).order_by()
    if exclude_version is not None:
        latest = latest.exclude(factors_version=exclude_version)
    return sorted(latest.values_list("pk", flat=True))


def _process_chunk(
    chunk: Sequence[int], factors: FactorSet, scalar_versions: set[str]
) -> RecomputeReport:
    """Recompute and store one chunk of snapshots (one transaction). Returns its counts."""
    report = RecomputeReport(factors_version=factors.version)
    # A snapshot stored since the list was made (a practice validating meanwhile) wins.
    rows = list(ResultSnapshot.objects.filter(pk__in=list(chunk)).values(*_FIELDS))
    newest = dict(
        ResultSnapshot.objects.filter(assessment_id__in=[r["assessment_id"] for r in rows])
        .order_by()
        .values("assessment_id")
        .annotate(last=Max("pk"))
        .values_list("assessment_id", "last")
    )
    rows = [r for r in rows if newest.get(r["assessment_id"]) == r["pk"]]
    by_version: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_version.setdefault(row["factors_version"], []).append(row)
    created: list[ResultSnapshot] = []
    for version, group in by_version.items():
        if version not in scalar_versions:
            try:
                load_factors(version)
                snapshots = _batch(group, version, factors)
            except (ReferenceDataError, EngineError, KeyError):
                # Method parameters changed, or a factor disappeared: one by one.
                scalar_versions.add(version)
            else:
                created += snapshots
                report.batch += len(snapshots)
                continue
        snapshots = _scalar(group, factors, report)
        created += snapshots
        report.scalar += len(snapshots)
    with transaction.atomic():
        ResultSnapshot.objects.bulk_create(created, batch_size=500)
        if created:  # bulk_create sends no signal: the published statistics change
            freshness.bump()
    report.total = len(chunk)
    return report


_WORKER_FACTORS: FactorSet | None = None
_WORKER_SCALAR: set[str] = set()


def _worker_init(factors: FactorSet) -> None:
    global _WORKER_FACTORS
    _WORKER_FACTORS = factors


def _worker_chunk(chunk: Sequence[int]) -> RecomputeReport:
    assert _WORKER_FACTORS is not None
    return _process_chunk(chunk, _WORKER_FACTORS, _WORKER_SCALAR)


def default_workers() -> int:
    """Worker processes: up to 4 (CPU-bound JSON work); 1 on an in-memory SQLite database,
    which other processes cannot see (the test database)."""
    connection = connections["default"]
    name = str(connection.settings_dict.get("NAME") or "")
    test_name = str((connection.settings_dict.get("TEST") or {}).get("NAME") or "")
    if connection.vendor == "sqlite" and (
        connection.is_in_memory_db() or "memory" in name or "memory" in test_name
    ):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def recompute_snapshots(
    *,
    factors: FactorSet,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
    workers: int = 1,
) -> RecomputeReport:
    """New snapshots of every assessment's latest result under ``factors``.

    Snapshots already computed with ``factors.version`` are skipped unless ``force``.
    ``progress(done, total)`` is called after each chunk (and once at 0). ``workers`` > 1
    spreads the chunks over that many processes (each with its own database connection).
    """
    started = time.perf_counter()
    report = RecomputeReport(factors_version=factors.version)
    ids = latest_snapshot_ids(exclude_version=None if force else factors.version)
    report.total = len(ids)
    done = 0
    if progress:
        progress(0, report.total)

    def add(part: RecomputeReport) -> None:
        nonlocal done
        report.batch += part.batch
        report.scalar += part.scalar
        report.failed += part.failed
        done += part.total
        if progress:
            progress(done, report.total)

    chunks = list(_chunks(ids, chunk_size))
    if workers > 1 and len(chunks) > 1:
        for part in run_chunks(
            _worker_chunk, chunks, workers=workers, initializer=_worker_init, initargs=(factors,)
        ):
            add(part)
    else:
        scalar_versions: set[str] = set()
        for chunk in chunks:
            add(_process_chunk(chunk, factors, scalar_versions))
    report.seconds = time.perf_counter() - started
    started = time.perf_counter()
    sync_figures()  # the état des lieux reads the new results from now on
    report.sync_seconds = time.perf_counter() - started
    return report
