"""Background task: rebuild the published tables once the data has stopped changing.

A change of the data (a result stored, a practice moving region, a participation validated…)
bumps the generation of :mod:`kineco2.benchmarks.freshness`, which makes every cached table
of the état des lieux stale; the next visitor then computes them (the *cold* path, measured
by ``bench/etat_des_lieux.py``). :func:`kineco2.benchmarks.freshness.bump` also calls
:func:`enqueue_rebuild` once the write is committed: the task worker computes the default
tables (each population, its newest year, nationally) under the current generation and caches
them, so that a visitor arriving after the rebuild reads them warm. A visitor arriving before
it ends computes them as before: nothing stale is ever served (the cache keys hold the
generation).

The rebuild waits for ``KINECO2_REBUILD_DELAY_SECONDS`` (5 s) without any change: while
results are being stored continuously (a busy afternoon, a batch recompute) the worker does
not rebuild tables that the next change makes stale at once, and each web process enqueues at
most one task per half delay (one ``INSERT`` on a committed change, none on most). A task finding a
change younger than the delay puts itself off until the delay has passed.

``KINECO2_REBUILD_PUBLISHED_TABLES``: on when the cache is Redis (shared by the web and the
worker processes), off in the test settings (the tests of this task turn it on).
"""

from __future__ import annotations

import datetime
import threading
import time

from django.conf import settings
from django.tasks import task
from django.utils import timezone

__all__ = ["enqueue_rebuild", "rebuild_published_tables"]

_LAST_ENQUEUED = {"at": -float("inf")}
_LOCK = threading.Lock()


def enabled() -> bool:
    return bool(getattr(settings, "KINECO2_REBUILD_PUBLISHED_TABLES", False))


def delay() -> float:
    return float(getattr(settings, "KINECO2_REBUILD_DELAY_SECONDS", 5.0))


@task()
def rebuild_published_tables() -> int:
    """Compute and cache the national tables of each population for its newest year, under
    the current generation, if the data has not changed for :func:`delay` seconds (else the
    task is put off until then). Returns the number of tables built or found in the cache."""
    from kineco2.benchmarks import freshness, selectors
    from kineco2.benchmarks.models import DataGeneration

    changed = (
        DataGeneration.objects.filter(pk=freshness.PANEL)
        .values_list("changed_at", flat=True)
        .first()
    )
    quiet = datetime.timedelta(seconds=delay())
    if changed is not None and timezone.now() - changed < quiet:
        rebuild_published_tables.using(run_after=changed + quiet).enqueue()
        return 0
    built = 0
    # The self-diagnoses first: the panel's tables are checked against their counts and
    # hidden groups (selectors.load_margins), then taken from their overview just built.
    for population in sorted(selectors.POPULATIONS, key=lambda name: name == "panel"):
        if population == "panel" and not selectors.panel_available():
            continue
        years = selectors.available_years(population)
        if years:
            selectors.load_overview(population, year=years[0])
            built += 1
    return built


def enqueue_rebuild() -> None:
    """Enqueue :func:`rebuild_published_tables` to run after :func:`delay`, unless this process
    enqueued one less than half the delay ago: that one runs at least half the delay after
    this change was committed, sees it and puts itself off. Registered by :func:`kineco2.benchmarks.freshness.bump` with
    ``on_commit(robust=True)``: a failure to enqueue is logged and never fails the write; the
    next visitor then computes the tables, as without the task."""
    if not enabled():
        return
    wait = delay()
    with _LOCK:
        now = time.monotonic()
        if now - _LAST_ENQUEUED["at"] < wait / 2:
            return
        _LAST_ENQUEUED["at"] = now
    run_after = timezone.now() + datetime.timedelta(seconds=wait)
    rebuild_published_tables.using(run_after=run_after).enqueue()
