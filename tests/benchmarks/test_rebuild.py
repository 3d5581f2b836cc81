"""The background rebuild of the published tables after a change of the data
(kineco2.benchmarks.tasks): enqueued once the write is committed, run by the task worker,
never serving anything stale."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kineco2.benchmarks import freshness, selectors, tasks
from kineco2.jobs.worker import run_pending

from .conftest import add_result, make_practice

pytestmark = pytest.mark.django_db

PATH = "/etat-des-lieux/?population=autodiagnostics"
CSV = "/etat-des-lieux/etat-des-lieux.csv?population=autodiagnostics"


def _rebuilds():
    return DBTaskResult.objects.filter(task_path__endswith="rebuild_published_tables")


@pytest.fixture
def rebuild_on(settings):
    settings.KINECO2_REBUILD_PUBLISHED_TABLES = True


def test_a_committed_change_enqueues_a_rebuild_and_visitors_then_read_warm_tables(
    client, small_cells, rebuild_on, django_capture_on_commit_callbacks, monkeypatch
):
    assert client.get(PATH).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        add_result(make_practice("35000"), 123_456.0, per_session=3.0)
    (queued,) = _rebuilds()
    assert queued.args_kwargs["args"] == [freshness.current()]
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


def test_tables_of_an_older_generation_are_not_rebuilt(small_cells, rebuild_on, monkeypatch):
    stale = freshness.current()
    add_result(make_practice("35000"), 50_000.0, per_session=3.0)  # bumps again
    monkeypatch.setattr(selectors, "load_overview", lambda *a, **k: pytest.fail("rebuilt"))
    assert tasks.rebuild_published_tables.call(stale) == 0


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
