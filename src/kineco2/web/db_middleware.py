"""While the database is unreachable: a French « service momentanément indisponible » (503).

:class:`DatabaseUnavailableMiddleware` turns an ``OperationalError`` or ``InterfaceError`` raised
by a view (or by an inner middleware) into a 503 page with ``Retry-After``, rendered without
touching the database (no session, no user, no context processor). Nothing is written by the
failed request: its transaction (``ATOMIC_REQUESTS`` or the service's own) is rolled back, and
Django reconnects by itself on the next request once the database is back.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("kineco2.database")

RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def unavailable_response(request=None) -> HttpResponse:
    wants_json = request is not None and (
        request.path.startswith("/api/")
        or "application/json" in request.headers.get("Accept", "")
        or request.path.endswith("/api/distributions")
    )
    if wants_json:
        response = HttpResponse(
            '{"erreur": "Service momentanément indisponible : réessayez dans quelques instants. '
            'Vos données déjà enregistrées ne sont pas perdues."}',
            status=503,
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(
            render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except DATABASE_ERRORS:  # raised outside a view (propagated exceptions)
            logger.warning("Base de données injoignable", exc_info=True)
            return unavailable_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("Base de données injoignable : %s", exception)
            return unavailable_response(request)
        return None
