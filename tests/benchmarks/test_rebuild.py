"""The background rebuild of the published tables after a change of the data
(kineco2.benchmarks.tasks): enqueued once the write is committed, run by the task worker once
the data has stopped changing, never serving anything stale."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kineco2.benchmarks import selectors, tasks
from kineco2.jobs.worker import run_pending

from .conftest import add_result, make_practice

pytestmark = pytest.mark.django_db

CSV = "/etat-des-lieux/etat-des-lieux.csv?population=autodiagnostics"


def _rebuilds():
    return DBTaskResult.objects.filter(task_path__endswith="rebuild_published_tables")


@pytest.fixture
def rebuild_on(settings, monkeypatch):
    settings.KINECO2_REBUILD_PUBLISHED_TABLES = True
    settings.KINECO2_REBUILD_DELAY_SECONDS = 0
    monkeypatch.setitem(tasks._LAST_ENQUEUED, "at", -float("inf"))


def test_a_committed_change_enqueues_a_rebuild_and_visitors_then_read_warm_tables(
    client, small_cells, rebuild_on, django_capture_on_commit_callbacks, monkeypatch
):
    assert client.get(CSV).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        add_result(make_practice("35000"), 123_456.0, per_session=3.0)
    (queued,) = _rebuilds()
    assert run_pending() == 1
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value == 1  # the self-diagnoses (no validated panel here)
    # The tables of the new generation are cached: the request computes nothing…
    selectors._LOCAL_OVERVIEWS.clear()

    def no_computation(*args, **kwargs):
        raise AssertionError("tables computed by the request")

    with monkeypatch.context() as patch:
        patch.setattr(selectors, "overview", no_computation)
        warm = client.get(CSV)
        assert warm.status_code == 200
    # … and they are the tables a request computes itself for this generation.
    cache.clear()
    selectors._LOCAL_OVERVIEWS.clear()
    cold = client.get(CSV)
    assert warm.content == cold.content


def test_the_rebuild_waits_until_the_data_stops_changing(
    small_cells, rebuild_on, settings, monkeypatch
):
    settings.KINECO2_REBUILD_DELAY_SECONDS = 60
    add_result(make_practice("35000"), 50_000.0, per_session=3.0)  # changed just now
    monkeypatch.setattr(selectors, "load_overview", lambda *a, **k: pytest.fail("rebuilt"))
    assert tasks.rebuild_published_tables.call() == 0
    (later,) = _rebuilds()  # put off until a minute after the change
    assert later.status == TaskResultStatus.READY
    assert later.run_after > timezone.now() + datetime.timedelta(seconds=50)
    assert run_pending() == 0  # not before


def test_one_enqueue_per_half_delay_in_a_process(
    small_cells, rebuild_on, settings, django_capture_on_commit_callbacks
):
    settings.KINECO2_REBUILD_DELAY_SECONDS = 60
    for total in (11_000.0, 12_000.0, 13_000.0):
        with django_capture_on_commit_callbacks(execute=True):
            add_result(make_practice("35000"), total, per_session=3.0)
    (queued,) = _rebuilds()
    assert queued.run_after > timezone.now() + datetime.timedelta(seconds=50)


def test_a_rolled_back_change_enqueues_nothing(
    small_cells, rebuild_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            add_result(make_practice("35000"), 12_345.0, per_session=2.0)
            raise RuntimeError
    assert callbacks == []
    assert not _rebuilds().exists()


def test_off_enqueues_nothing(small_cells, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_result(make_practice("35000"), 12_345.0, per_session=2.0)
    assert not _rebuilds().exists()
