"""Background task: rebuild the published tables as soon as the data generation changes.

A change of the data (a result stored, a practice moving region, a participation validated…)
bumps the generation of :mod:`kineco2.benchmarks.freshness`, which makes every cached table
of the état des lieux stale; the next visitor then computes them (the *cold* path, measured
by ``bench/etat_des_lieux.py``). :func:`kineco2.benchmarks.freshness.bump` also enqueues
:func:`rebuild_published_tables` once the write is committed: the task worker computes the
default tables (each population, its newest year, nationally) under the new generation and
caches them, so that a visitor arriving after the rebuild reads them warm. A visitor arriving
before it ends computes them as before: nothing stale is ever served (the cache keys hold the
generation). ``KINECO2_REBUILD_PUBLISHED_TABLES``: on when the cache is Redis (shared by the
web and the worker processes), off in the test settings (the tests of this task turn it on).
"""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

__all__ = ["enqueue_rebuild", "rebuild_published_tables"]


def enabled() -> bool:
    return bool(getattr(settings, "KINECO2_REBUILD_PUBLISHED_TABLES", False))


@task()
def rebuild_published_tables(generation: str) -> int:
    """Compute and cache the national tables of each population for its newest year, under
    ``generation``; nothing if the data changed again since (that change enqueued its own
    rebuild). Returns the number of tables built or found in the cache."""
    from kineco2.benchmarks import freshness, selectors

    if freshness.current() != generation:
        return 0
    built = 0
    for population in selectors.POPULATIONS:
        if population == "panel" and not selectors.panel_available():
            continue
        years = selectors.available_years(population)
        if years:
            selectors.load_overview(population, year=years[0])
            built += 1
    return built


def enqueue_rebuild() -> None:
    """Enqueue :func:`rebuild_published_tables` for the current generation (after a commit:
    :func:`kineco2.benchmarks.freshness.bump` registers it with ``robust=True``, so that a
    failure to enqueue is logged and never fails the write; the next visitor then computes
    the tables, as without the task)."""
    if not enabled():
        return
    from kineco2.benchmarks import freshness

    rebuild_published_tables.enqueue(freshness.current())
