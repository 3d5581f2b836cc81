"""The server's memory allocator keeps freed memory instead of handing it back at once.

A cold results page allocates a few arrays of ≈ 3,5 MB (the Monte Carlo's 10 000 draws of ≈ 40
lines and drivers) and frees them. glibc's malloc gives freed memory at the top of its heap
back to the system once more than its trim threshold is free, which it sets to twice the
largest block it has ever freed by ``mmap``: those arrays were then handed back after every
page and faulted in again, page by page, at the next one — 3 513 page faults per results page
and ≈ 4 ms of CPU on the development machine (``docs/benchmarks.md``, « Cold results page:
server configuration and CPU (session 5) »). Fixed thresholds keep up to
:data:`TRIM_THRESHOLD` of freed memory in each process for the next request (memory is not
what the servers lack) and serve blocks up to :data:`MMAP_THRESHOLD` from the heap.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: Blocks above this size are mapped on their own (and unmapped when freed).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory at the top of the heap beyond this is given back to the system.
TRIM_THRESHOLD = 128 * 1024 * 1024

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Set the thresholds above in this process (inherited by processes it forks).

    Returns False where the C library has no ``mallopt`` (not glibc): nothing changes.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
