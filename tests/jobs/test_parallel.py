"""kineco2.jobs.parallel: chunks in forked workers, a failing chunk never hangs the run."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from kineco2.jobs.parallel import run_chunks

_STATE: dict[str, int] = {}


def _init(offset: int) -> None:
    _STATE["offset"] = offset


def _square(chunk: list[int]) -> tuple[int, list[int]]:
    return os.getpid(), [x * x + _STATE["offset"] for x in chunk]


def _fail_on_three(chunk: list[int]) -> list[int]:
    if 3 in chunk:
        raise RuntimeError("coupure simulée")
    time.sleep(0.05)
    return chunk


def _die_on_three(chunk: list[int]) -> list[int]:
    if 3 in chunk:
        os.kill(os.getpid(), signal.SIGKILL)  # a worker killed (out of memory, say)
    return chunk


def test_every_chunk_once_in_forked_workers_with_their_initializer():
    chunks = [[1, 2], [3], [4, 5, 6], [7]]
    results = list(run_chunks(_square, chunks, workers=2, initializer=_init, initargs=(10,)))
    assert sorted(v for _pid, values in results for v in values) == sorted(
        x * x + 10 for chunk in chunks for x in chunk
    )
    pids = {pid for pid, _values in results}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_a_failing_chunk_raises_and_the_chunks_not_started_are_cancelled():
    chunks = [[3]] + [[i] for i in range(10, 40)]
    seen = []
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="coupure simulée"):
        for result in run_chunks(
            _fail_on_three, chunks, workers=2, initializer=_init, initargs=(0,)
        ):
            seen.append(result)
    # the failure stops the run: most of the 30 other chunks (50 ms each) never run
    assert len(seen) < 30 and time.monotonic() - start < 30


def test_a_killed_worker_fails_the_run_instead_of_hanging_it():
    chunks = [[1], [2], [3], [4]]
    with pytest.raises(BrokenProcessPool):
        list(run_chunks(_die_on_three, chunks, workers=2, initializer=_init, initargs=(0,)))
