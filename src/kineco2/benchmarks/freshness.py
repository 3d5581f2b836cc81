"""Data generations: a constant-cost freshness check for cached panel statistics.

Published statistics (the état des lieux, its CSV/PDF/JSON, « votre cabinet parmi les
cabinets comparables ») are cached. They used to be keyed by ``COUNT``/``MAX`` over four
tables on every request (≈ 42 ms at 50 000 assessments on PostgreSQL). Instead, one row per
*scope* of :class:`DataGeneration` holds a counter that every write changing those statistics
increments **in the same transaction** as the write (:func:`bump`); readers key their caches by
:func:`current` — one primary-key lookup, whatever the size of the data.

The row also holds a random token, renewed at every bump: a database restored from a backup
(or a test rolled back) may bring an older counter back, but never an older token, so a cache
entry of another history is never served.

What bumps the scope :data:`PANEL` (signals connected in :func:`connect`, and explicit calls
where the ORM sends no signal):

* a result snapshot stored or deleted (``assessment_complete``, admin, cascades; the batch
  ``recompute_snapshots`` calls :func:`bump` itself, ``bulk_create`` sends no signal);
* an assessment deleted, or its year or practice changed (its figures change group);
* a practice deleted, or its region or mode of practice changed (the tables' groups: the
  other fields — name, address, number of physiotherapists — are not read by the statistics:
  the size class comes from the result); the same signal copies the new region and mode into
  the practice's figures rows (:class:`~kineco2.benchmarks.models.AssessmentFigures`);
* a panel participation created, deleted or changed when it is or was « validé », or moved
  to another practice or campaign (the panel population);
* a campaign deleted, or its year or slug changed.

Writes that change nothing published — an answer saved, a step seen, a practice renamed, a
participation's notes or reminders — do not bump. A ``QuerySet.update()`` or ``bulk_create``
on those models sends no signal: the code that does one must call :func:`bump` (see
``tests/benchmarks/test_freshness.py``, which lists the write paths).
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from kineco2.benchmarks.models import DataGeneration

__all__ = ["PANEL", "DataGeneration", "bump", "connect", "current"]

#: The scope of every published panel statistic (état des lieux, comparison).
PANEL = "panel"


def current(scope: str = PANEL) -> str:
    """The scope's generation, for a cache key (``"0"`` before the first write)."""
    row = DataGeneration.objects.filter(pk=scope).values_list("value", "token").first()
    return "0" if row is None else f"{row[0]}-{row[1]}"


def bump(scope: str = PANEL) -> None:
    """Increment the scope's generation in the current transaction (or on its own), and once
    committed enqueue the rebuild of the published tables (:mod:`kineco2.benchmarks.tasks`)."""
    changes = {"value": F("value") + 1, "token": secrets.token_hex(8), "changed_at": timezone.now()}
    using = router.db_for_write(DataGeneration)
    rows = DataGeneration.objects.using(using).filter(pk=scope)
    with transaction.atomic(using=using):
        if not rows.update(**changes):
            try:
                with transaction.atomic(using=using):
                    DataGeneration.objects.using(using).create(
                        scope=scope, value=1, token=changes["token"]
                    )
            except IntegrityError:  # created meanwhile by another transaction
                rows.update(**changes)
    if scope == PANEL:
        # Once committed, the task worker rebuilds the default published tables under the new
        # generation (kineco2.benchmarks.tasks). Rolled back: nothing is enqueued.
        transaction.on_commit(_rebuild_after_commit, using=using, robust=True)


def _rebuild_after_commit() -> None:
    from kineco2.benchmarks.tasks import enqueue_rebuild

    enqueue_rebuild()


# -- signals ---------------------------------------------------------------------------------
#: Model label → fields whose change moves a row between published groups.
_RELEVANT = {
    "practices.Practice": ("region_code", "practice_mode"),
    "practices.Assessment": ("reference_year", "practice_id"),
    "panel.Campaign": ("reference_year", "slug"),
    "panel.PanelParticipation": ("status", "practice_id", "campaign_id"),
}
_VALIDATED = "valide"


def _label(sender) -> str:
    return f"{sender._meta.app_label}.{sender.__name__}"


def _remember(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save: note whether a relevant field is about to change (one query, by key)."""
    fields = _RELEVANT[_label(sender)]
    instance._kineco2_bump = False
    if raw:
        instance._kineco2_bump = True
        return
    if instance.pk is None or instance._state.adding:
        return  # creation: decided in post_save
    if update_fields is not None and not {f.removesuffix("_id") for f in fields} & {
        f.removesuffix("_id") for f in update_fields
    }:
        return
    old = sender._base_manager.filter(pk=instance.pk).values_list(*fields).first()
    if old is None:
        return
    new = tuple(getattr(instance, f) for f in fields)
    changed = old != new
    if changed and _label(sender) == "panel.PanelParticipation":
        # Only validated participations make the panel population.
        status = fields.index("status")
        changed = _VALIDATED in (old[status], new[status])
    instance._kineco2_bump = changed


def _saved(sender, instance, created=False, **kwargs) -> None:
    label = _label(sender)
    if created:
        # A new practice, assessment or campaign has no result yet: nothing published changes.
        if label == "panel.PanelParticipation" and instance.status == _VALIDATED:
            bump()
        return
    if getattr(instance, "_kineco2_bump", False):
        instance._kineco2_bump = False
        if label == "practices.Practice":
            _copy_practice(instance)
        bump()


def _copy_practice(practice) -> None:
    """The practice's region and mode of practice into its figures rows (their copies, read
    without a join by :mod:`kineco2.benchmarks.selectors`), in the transaction of its save."""
    from kineco2.benchmarks.models import AssessmentFigures

    AssessmentFigures.objects.filter(practice_id=practice.pk).update(
        region_code=practice.region_code or "", practice_mode=practice.practice_mode or ""
    )


def _always(sender, instance, **kwargs) -> None:
    bump()


def _participation_deleted(sender, instance, **kwargs) -> None:
    if instance.status == _VALIDATED:
        bump()


def connect() -> None:
    """Connect the signals (``BenchmarksConfig.ready``)."""
    from django.apps import apps

    from kineco2.practices.models import Assessment, Practice, ResultSnapshot

    post_save.connect(_always, sender=ResultSnapshot, dispatch_uid="freshness-snapshot-save")
    post_delete.connect(_always, sender=ResultSnapshot, dispatch_uid="freshness-snapshot-del")
    post_delete.connect(_always, sender=Assessment, dispatch_uid="freshness-assessment-del")
    post_delete.connect(_always, sender=Practice, dispatch_uid="freshness-practice-del")
    models_ = [Practice, Assessment]
    if apps.is_installed("kineco2.panel"):
        from kineco2.panel.models import Campaign, PanelParticipation

        models_ += [Campaign, PanelParticipation]
        post_delete.connect(_always, sender=Campaign, dispatch_uid="freshness-campaign-del")
        post_delete.connect(
            _participation_deleted, sender=PanelParticipation, dispatch_uid="freshness-part-del"
        )
    for model in models_:
        uid = f"freshness-{_label(model)}"
        pre_save.connect(_remember, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_saved, sender=model, dispatch_uid=uid + "-post")
