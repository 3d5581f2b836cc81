import os

# One BLAS thread per server thread: the Monte Carlo's matrix products are small, and on a
# server already running one request per core OpenBLAS's extra threads only spin (they
# doubled the CPU time of a cold results page). Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from django.core.wsgi import get_wsgi_application

from kineco2.web.memory import keep_freed_memory

# Freed memory kept for the next request instead of faulted in again (kineco2/web/memory.py).
keep_freed_memory()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kineco2.settings.dev")
application = get_wsgi_application()


def _production_check() -> None:
    from django.conf import settings

    if getattr(settings, "KINECO2_PRODUCTION", False):
        from kineco2.web.production import verify

        verify()  # a missing piece: gunicorn does not start (docs/deployment.md)


_production_check()
