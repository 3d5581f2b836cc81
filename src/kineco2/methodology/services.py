"""Recompute every stored assessment under a methodology version, beside its stored result.

:func:`run_job` is the background job behind the maintainer's page « effet d'une version sur
le panel » (and the command ``recompute_version``). It takes the latest stored result of
every assessment and writes its figures under the version in :class:`VersionFigures`,
chunk by chunk, on the batch path of ``recompute_snapshots``:

* **vectorised** when the stored result was produced with the same defaults as the target
  version and no method parameter changed: the activity quantities of the stored lines ×
  the new factor values (:func:`kineco2.engine.batch.evaluate`);
* **one by one** otherwise (new defaults, new factors in the posts, changed leak rates…):
  :func:`kineco2.engine.compute.post_totals` on the assessment's answers with the version's
  factors and defaults (today's answers: an assessment edited after its result was stored is
  recomputed as it is now): the figures per post of :func:`kineco2.engine.compute`, bit for
  bit, without building the result (no lines, no uncertainty drivers: the rows store no
  interval), chunks spread over worker processes.

Each chunk is one transaction (its figures and the job's counters together), and the unique
(version, assessment) constraint plus the « already done » filter make a job resumable after
an interruption without writing anything twice: :func:`run_job` on the same job carries on
where it stopped. A figure whose stored result changed since (a practice validated again) is
dropped and recomputed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from kineco2.benchmarks.services import LAYOUT, _matrix, default_workers, posts_to_blob
from kineco2.engine import InputError
from kineco2.engine.batch import evaluate
from kineco2.engine.defaults import DefaultSet
from kineco2.engine.errors import EngineError, ReferenceDataError
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.posts import POST_IDS
from kineco2.engine.versions import entry, methodology_sets
from kineco2.jobs.parallel import run_chunks
from kineco2.methodology.models import JobStatus, RecomputeJob, VersionFigures
from kineco2.practices.models import Assessment, ResultSnapshot

__all__ = ["DEFAULT_CHUNK", "latest_snapshots", "run_job", "start_job"]

DEFAULT_CHUNK = 1000
ACTIVE = (JobStatus.EN_ATTENTE, JobStatus.EN_COURS)


def start_job(version: str, *, user=None) -> RecomputeJob:
    """The job recomputing the panel under ``version``: the unfinished one, or a new one.

    Raises :class:`ReferenceDataError` (French) for a version not in the registry.
    """
    from kineco2.methodology.selectors import registry_path

    entry(version, registry_path())
    job = RecomputeJob.objects.filter(version=version, status__in=ACTIVE).first()
    if job is None:
        job = RecomputeJob.objects.create(version=version, created_by=user)
    return job


def latest_snapshots() -> dict[int, int]:
    """assessment id → id of its latest stored result."""
    return dict(
        ResultSnapshot.objects.order_by()
        .values("assessment_id")
        .annotate(last=Max("pk"))
        .values_list("assessment_id", "last")
    )


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_FIELDS = (
    "pk",
    "assessment_id",
    "factors_version",
    "defaults_version",
    "total_kgco2e",
    "posts",
)


class Figure(NamedTuple):
    """One :class:`VersionFigures` row, its fields in the order of the INSERT (:func:`_insert`)."""

    version: str
    assessment_id: int
    snapshot_id: int
    old_version: str
    old_total_kg: float
    old_posts: bytes
    total_kg: float
    posts: bytes
    layout: str
    scalar: bool


def _figure(
    row: dict[str, Any], version: str, by_post: dict[str, float], scalar: bool, same: bool = False
) -> Figure:
    return Figure(
        version=version,
        assessment_id=row["assessment_id"],
        snapshot_id=row["pk"],
        old_version=row["factors_version"],
        old_total_kg=row["total_kgco2e"],
        old_posts=posts_to_blob(row["posts"] or {}),
        total_kg=row["total_kgco2e"] if same else math.fsum(by_post.values()),
        posts=posts_to_blob(by_post),
        layout=LAYOUT,
        scalar=scalar,
    )


def _insert(figures: Sequence[Figure]) -> None:
    """Store ``figures``, skipping those already stored: what ``bulk_create(...,
    ignore_conflicts=True)`` does (``INSERT … ON CONFLICT DO NOTHING``, SQLite ≥ 3.24 and
    PostgreSQL), without a model instance per row to build and prepare (≈ 3× less CPU)."""
    if not figures:
        return
    meta = VersionFigures._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in Figure._fields)
    values = ", ".join(["%s"] * len(Figure._fields))
    # names from the model's metadata, values as parameters
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, figures)


def _vectorised(
    rows: list[dict[str, Any]], source: str, factors: FactorSet, version: str
) -> list[Figure]:
    """Raises ReferenceDataError/KeyError when the stored lines cannot be repriced."""
    pks = [row["pk"] for row in rows]
    lines = dict(
        ResultSnapshot.objects.filter(pk__in=pks).values_list("pk", "data__posts").order_by()
    )
    datas = [{"posts": lines.get(row["pk"]) or []} for row in rows]
    result = evaluate(_matrix(datas, source), factors)
    out = []
    for i, row in enumerate(rows):
        by_post = dict(zip(POST_IDS, result.by_post[i].tolist(), strict=True))
        out.append(_figure(row, version, by_post, scalar=False))
    return out


def _one_by_one(
    rows: list[dict[str, Any]], factors: FactorSet, defaults: DefaultSet, version: str
) -> tuple[list[Figure], int]:
    from kineco2.engine.compute import post_totals
    from kineco2.practices.answers import to_input
    from kineco2.structures.selectors import shared_shares

    answers = dict(
        Assessment.objects.filter(pk__in=[r["assessment_id"] for r in rows]).values_list(
            "pk", "answers"
        )
    )
    # A member of a structure keeps its share of that year's bilan des locaux, the building
    # computed under the same version.
    shares = shared_shares(answers, factors=factors, defaults=defaults)
    out, failed = [], 0
    for row in rows:
        try:
            # figures only: the stored rows hold totals per post, no intervals (no Monte
            # Carlo); post_totals gives compute()'s figures bit for bit without building the
            # result's lines and their uncertainty drivers
            by_post = post_totals(
                to_input(answers.get(row["assessment_id"]) or {}),
                factors=factors,
                defaults=defaults,
                shared=shares.get(row["assessment_id"]),
            )
        except (InputError, EngineError, KeyError, ValueError):
            failed += 1
            continue
        out.append(_figure(row, version, by_post, scalar=True))
    return out, failed


def process_chunk(
    job_id: int,
    snapshot_ids: Sequence[int],
    version: str,
    factors: FactorSet,
    defaults: DefaultSet,
) -> tuple[int, int, int]:
    """Recompute and store one chunk (one transaction). Returns (batch, scalar, failed)."""
    rows = list(ResultSnapshot.objects.filter(pk__in=list(snapshot_ids)).values(*_FIELDS))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["factors_version"], row["defaults_version"]), []).append(row)
    created: list[Figure] = []
    batch = scalar = failed = 0
    for (source, source_defaults), group in groups.items():
        if source == factors.version and source_defaults == defaults.version:
            # the same method: the stored figures, exactly (nothing to recompute)
            for row in group:
                created.append(
                    _figure(row, version, dict(row["posts"] or {}), scalar=False, same=True)
                )
            batch += len(group)
            continue
        if source_defaults == defaults.version:
            try:
                load_factors(source)
                figures = _vectorised(group, source, factors, version)
            except (ReferenceDataError, EngineError, KeyError):
                pass  # a method parameter or a factor changed: one by one
            else:
                created += figures
                batch += len(figures)
                continue
        figures, lost = _one_by_one(group, factors, defaults, version)
        created += figures
        scalar += len(figures)
        failed += lost
    with transaction.atomic():
        _insert(created)
        # done = the figures stored (exact even if two runs of the job overlap)
        RecomputeJob.objects.filter(pk=job_id).update(
            done=VersionFigures.objects.filter(version=version).count(),
            failed=F("failed") + failed,
            batch=F("batch") + batch,
            scalar=F("scalar") + scalar,
        )
    return batch, scalar, failed


_WORKER: dict[str, Any] = {}


def _worker_init(job_id: int, version: str, factors: FactorSet, defaults: DefaultSet) -> None:
    _WORKER.update(job_id=job_id, version=version, factors=factors, defaults=defaults)


def _worker_chunk(chunk: Sequence[int]) -> tuple[int, int, int]:
    return process_chunk(
        _WORKER["job_id"], chunk, _WORKER["version"], _WORKER["factors"], _WORKER["defaults"]
    )


def run_job(
    job: RecomputeJob,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RecomputeJob:
    """Run (or resume) ``job`` to the end. Returns the job as stored at the end."""
    from kineco2.methodology.selectors import registry_path

    started = time.perf_counter()
    try:
        factors, defaults = methodology_sets(job.version, registry_path())
    except ReferenceDataError as exc:
        RecomputeJob.objects.filter(pk=job.pk).update(
            status=JobStatus.ECHEC, message=str(exc), finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    latest = latest_snapshots()
    existing = dict(
        VersionFigures.objects.filter(version=job.version).values_list(
            "assessment_id", "snapshot_id"
        )
    )
    stale = [a for a, s in existing.items() if latest.get(a) != s]
    if stale:
        for chunk in _chunks(stale, 5000):
            VersionFigures.objects.filter(version=job.version, assessment_id__in=chunk).delete()
    todo = sorted(s for a, s in latest.items() if existing.get(a) != s)
    done = len(latest) - len(todo)
    RecomputeJob.objects.filter(pk=job.pk).update(
        status=JobStatus.EN_COURS,
        total=len(latest),
        done=done,
        failed=0,
        started_at=job.started_at or timezone.now(),
        finished_at=None,
        message="",
    )
    if progress:
        progress(done, len(latest))
    workers = default_workers() if workers is None else max(1, workers)
    chunks = list(_chunks(todo, max(1, chunk_size)))

    def report() -> None:
        if progress:
            current = RecomputeJob.objects.filter(pk=job.pk).values_list("done", "failed").get()
            progress(current[0] + current[1], len(latest))

    try:
        if workers > 1 and len(chunks) > 1:
            init = (job.pk, job.version, factors, defaults)
            for _ in run_chunks(
                _worker_chunk, chunks, workers=workers, initializer=_worker_init, initargs=init
            ):
                report()
        else:
            for chunk in chunks:
                process_chunk(job.pk, chunk, job.version, factors, defaults)
                report()
    except Exception as exc:  # the job records it; the caller sees it too
        RecomputeJob.objects.filter(pk=job.pk).update(
            status=JobStatus.ECHEC,
            # chunks committed side by side (PostgreSQL, read committed) may each have counted
            # without the other: the count of the rows is the truth
            done=VersionFigures.objects.filter(version=job.version).count(),
            message=f"Recalcul interrompu : {exc}",
            seconds=F("seconds") + (time.perf_counter() - started),
        )
        raise
    RecomputeJob.objects.filter(pk=job.pk).update(
        status=JobStatus.TERMINE,
        done=VersionFigures.objects.filter(version=job.version).count(),
        finished_at=timezone.now(),
        seconds=F("seconds") + (time.perf_counter() - started),
    )
    job.refresh_from_db()
    return job
