"""gunicorn's configuration: the one serving KinéCO2 everywhere (docs/decisions/0012).

Production (docs/deployment.md), ``make run`` (``scripts/serve``) and the benchmarks
(``bench/cold.py``, ``bench/load.py``, ``bench/etat_des_lieux.py``) all start gunicorn with

    gunicorn -c python:kineco2.gunicorn_conf [--bind 0.0.0.0:8000]

Options given on the command line (or in ``GUNICORN_CMD_ARGS``) override these.

* **Sync workers, one request at a time each, two per core** (``WEB_CONCURRENCY`` overrides
  the number). A results page is CPU-bound (the engine, the Monte Carlo, the page): the
  threads of one worker would queue for its GIL, a long request (a PDF) holding up the
  others. On PostgreSQL they served more cold pages per second than 2 workers × 4 threads
  (decision 0012, with the figures). Two workers per core keep the cores busy while a worker
  waits for the database or Redis.
  Sync workers do not keep connections alive: behind the reverse proxy (which buffers slow
  clients) that costs nothing.
* **Preloaded**: the application is imported once in the master, then the workers are
  forked. A missing production piece stops gunicorn at once (``kineco2.wsgi``), and the
  modules the master loaded (Django, the URL conf and every view's modules: the engine,
  numpy), the URL resolvers' reverse tables and the compiled templates are shared by the
  workers (``kineco2.web.warmup``); each worker builds its Typst compilers before its first
  request. Before forking, the master closes its database connections (a connection must never be shared by
  two processes) and freezes its objects out of the garbage collector's reach
  (``gc.freeze``): the collector no longer walks the ≈ 150 000 objects of the loaded
  application in every worker, and copy-on-write pages stay shared.
"""

from __future__ import annotations

import gc
import os

wsgi_app = "kineco2.wsgi:application"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores())
worker_class = "sync"
threads = 1
timeout = 60

#: ``make run`` sets KINECO2_RELOAD=1: the workers restart when a source file changes
#: (development only; a preloaded application cannot be reloaded).
reload = os.environ.get("KINECO2_RELOAD") == "1"
preload_app = not reload


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def when_ready(server) -> None:
    """In the master, once the application is loaded, before the first worker is forked."""
    if not server.cfg.preload_app:
        return
    from kineco2.web.warmup import warm_shared

    # The project's modules (engine, numpy), the URL resolvers' reverse tables and the compiled
    # templates: built once here, shared by the workers (kineco2/web/warmup.py).
    warm_shared()
    _close_connections()
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    """In each worker, its application loaded, before its first request: its Typst compilers
    (native objects, never built in the master: kineco2/web/warmup.py)."""
    from kineco2.web.warmup import warm_worker

    warm_worker()


def pre_fork(server, worker) -> None:
    """In the master, before each fork (also when a worker is replaced)."""
    if server.cfg.preload_app:
        _close_connections()
