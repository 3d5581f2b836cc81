"""The server keeps freed memory for the next request (kineco2/web/memory.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kineco2.web.memory import keep_freed_memory

#: Four arrays of 3,5 MB alive at once, then freed (a cold page's Monte Carlo), five times
#: after a first time: the page faults of those five, printed by a fresh process.
WORK = """
import resource, numpy as np
def work():
    arrays = [np.ones((44, 10_000)) for _ in range(4)]
    return sum(float(a[0, 0]) for a in arrays)
work()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    work()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(first_line: str, tmp_path) -> int:
    env = {**os.environ, "KINECO2_VAR_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", first_line + "\n" + WORK],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not keep_freed_memory(), reason="no glibc mallopt here")
def test_the_server_reuses_freed_arrays_without_page_faults(tmp_path):
    # without it, glibc gives the 14 MB back after each round and faults them in again
    assert _faults("import numpy", tmp_path) > 5 * 2_000
    # kineco2.wsgi (what gunicorn loads) sets the thresholds before serving
    assert _faults("import kineco2.wsgi", tmp_path) < 5 * 100
    assert _faults("from kineco2.web.memory import *; keep_freed_memory()", tmp_path) < 5 * 100
