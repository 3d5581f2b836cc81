"""Chunks of a long recompute run side by side in forked worker processes.

Used by the batch recompute of stored results (``kineco2.benchmarks.services``) and by the
recompute under a methodology version (``kineco2.methodology.services``). The workers are
forked, so they start with what the parent loaded (the factors, the engine) and open their own
database connections (the parent closes its own before forking).

Built on :class:`concurrent.futures.ProcessPoolExecutor`, not ``multiprocessing.Pool``: when a
chunk fails, the chunks not started are cancelled and the ones running are let finish (each
commits its own rows, a resumed job skips them); no worker is killed. ``Pool`` killed its
workers on the way out of its ``with`` block (``terminate``), and a worker killed while it held
the task queue's lock left ``terminate`` waiting for that lock forever — the test suite hung
there under load. A worker that dies (out of memory, killed) raises
:class:`~concurrent.futures.process.BrokenProcessPool` here instead of hanging the job.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from django.db import connections


def run_chunks[Chunk, Result](
    function: Callable[[Chunk], Result],
    chunks: Sequence[Chunk],
    *,
    workers: int,
    initializer: Callable[..., None],
    initargs: Iterable[Any] = (),
) -> Iterator[Result]:
    """``function(chunk)`` for every chunk in ``min(workers, len(chunks))`` forked processes
    (each first runs ``initializer(*initargs)``); the results as the chunks complete.

    The first exception of a chunk is raised here once the running chunks have finished and
    the others are cancelled.
    """
    connections.close_all()  # a connection must never be shared by two processes
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=context,
        initializer=initializer,
        initargs=tuple(initargs),
    ) as pool:
        pending = {pool.submit(function, chunk) for chunk in chunks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()
