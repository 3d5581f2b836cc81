"""Run the database worker's loop in this process (tests, one-off commands).

Production and ``make run`` start the real worker: ``python -m kineco2.manage db_worker``.
This helper runs the very same ``Worker.run`` / ``Worker.run_task`` path, in batch mode (every
task ready now, then return), without installing signal handlers.
"""

from __future__ import annotations

import contextlib
from unittest import mock

from django.db import connection
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands import db_worker


def run_pending(
    *, queue: str = "*", max_tasks: int | None = None, backend: str = DEFAULT_TASK_BACKEND_ALIAS
) -> int:
    """Run every task that is ready now (or at most ``max_tasks``); return how many ran."""
    worker = db_worker.Worker(
        queue_names=queue.split(","),
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="in-process",
        excluded_queue_names=[],
    )
    # Inside a transaction (a test wrapped in one), the worker's periodic connection recycling
    # would close the connection under the caller's feet: keep it while the batch runs.
    keep = (
        mock.patch.object(db_worker, "close_old_connections", lambda: None)
        if connection.in_atomic_block
        else contextlib.nullcontext()
    )
    with keep:
        worker.run()
    return worker._run_tasks
