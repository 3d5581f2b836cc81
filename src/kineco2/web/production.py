"""The production start-up check: refuse to serve with a missing piece.

A national deployment (docs/deployment.md) needs every piece below; a server started without
one of them would fail later, for some users only (a login throttle that is not shared, e-mails
that never leave, links to ``127.0.0.1`` in e-mails…). So ``kineco2.wsgi`` calls :func:`verify`
when ``KINECO2_PRODUCTION`` is true (``kineco2.settings.prod``) and gunicorn does not start;
``python -m kineco2.manage check_production`` runs the same checks (worker units, cron, CI).

Messages are in French: the operator reads them in the service's log.
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_SECRET = "dev-only-insecure-key-change-me"  # noqa: S105 - the development default, refused


def database_engine() -> str:
    return settings.DATABASES["default"]["ENGINE"]


def static_problems() -> list[str]:
    """Problems visible in the settings alone (no connection)."""
    problems = []
    try:
        secret = settings.SECRET_KEY or ""
    except ImproperlyConfigured:  # Django refuses an empty key
        secret = ""
    if not secret or secret == DEV_SECRET or len(secret) < 50:
        problems.append(
            "DJANGO_SECRET_KEY : clé absente, de développement ou trop courte (50 caractères "
            "au moins, identique sur tous les serveurs d'application)."
        )
    if settings.DEBUG:
        problems.append("DJANGO_DEBUG doit valoir 0 en production.")
    hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("127.0.0.1", "localhost", "*")]
    if not hosts or "*" in settings.ALLOWED_HOSTS:
        problems.append(
            "DJANGO_ALLOWED_HOSTS : indiquez le ou les noms du site (ex. kineco2.fr), sans « * »."
        )
    if "postgresql" not in database_engine():
        problems.append(
            "DATABASE_URL : PostgreSQL est requis (postgres://utilisateur@hôte:5432/base) ; "
            "SQLite ne se partage pas entre serveurs."
        )
    cache = settings.CACHES["default"]["BACKEND"]
    if "redis" not in cache.lower():
        problems.append(
            "REDIS_URL : le cache Redis partagé est requis (limitation des connexions, pages "
            "de résultats) dès qu'il y a plus d'un serveur d'application."
        )
    if "smtp" not in settings.EMAIL_BACKEND:
        problems.append(
            "EMAIL_HOST : aucun serveur SMTP, les e-mails (confirmations, lettre, rappels) ne "
            "partiraient pas."
        )
    site = urlparse(getattr(settings, "KINECO2_SITE_URL", ""))
    if site.scheme != "https" or not site.netloc or site.hostname in ("127.0.0.1", "localhost"):
        problems.append(
            "KINECO2_SITE_URL : adresse publique en https du site (ex. https://kineco2.fr), "
            "utilisée dans les liens des e-mails envoyés par le worker."
        )
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if not backend.endswith("DatabaseBackend"):
        problems.append(
            "TASKS : la file des tâches doit être django_tasks_db.DatabaseBackend (les e-mails "
            "et les recalculs passent par le worker)."
        )
    return problems


def connection_problems() -> list[str]:
    """Problems found by connecting: database (and its migrations), Redis."""
    problems = []
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection.ensure_connection()
    except Exception as exc:
        problems.append(f"Base de données injoignable : {type(exc).__name__}: {exc}".strip())
    else:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            problems.append(
                f"{len(pending)} migration(s) non appliquée(s) : lancez "
                "« python -m kineco2.manage migrate » avant de démarrer les serveurs."
            )
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        from django.core.cache import cache

        try:
            cache.set("kineco2:production-check", "ok", 10)
            if cache.get("kineco2:production-check") != "ok":
                raise RuntimeError("lecture impossible")
        except Exception as exc:
            problems.append(f"Redis injoignable ({settings.CACHES['default']['LOCATION']}) : {exc}")
    return problems


def problems(*, connect: bool = True) -> list[str]:
    found = static_problems()
    if connect:
        found += connection_problems()
    return found


def verify(*, connect: bool = True) -> None:
    """Raise :class:`ImproperlyConfigured` listing every missing piece (nothing if complete)."""
    found = problems(connect=connect)
    if found:
        raise ImproperlyConfigured(
            "KinéCO2 refuse de démarrer en production, il manque :\n- " + "\n- ".join(found)
        )
