"""Settings shared by every environment. Environment variables override what differs.

* ``DATABASE_URL``: PostgreSQL in production (``postgres://user@host:5432/db``); SQLite
  (``var/db.sqlite3``) when unset.
* ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``, ``DJANGO_DEBUG``.
* ``EMAIL_URL``-style SMTP settings: ``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``,
  ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``; console backend when ``EMAIL_HOST`` is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent  # src/kineco2
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("KINECO2_VAR_DIR", PROJECT_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks_db",
    "kineco2.web",
    "kineco2.accounts",
    "kineco2.practices",
    "kineco2.ecosoins",
    "kineco2.panel",
    "kineco2.benchmarks",
    "kineco2.jobs",
    "kineco2.outreach",
    "kineco2.structures",
    "kineco2.survey",
    "kineco2.methodology",
]
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kineco2.web.middleware.SecurityHeadersMiddleware",
    "kineco2.web.db_middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kineco2.urls"
WSGI_APPLICATION = "kineco2.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kineco2.panel.context_processors.panel",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database must hold concurrent autosaves (never a 500 « database is
    # locked »): write-ahead log (readers never block the writer), a busy timeout, and write
    # transactions that take the lock when they begin (IMMEDIATE) so two of them never
    # deadlock upgrading a read lock. PostgreSQL remains the production database.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            ),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "kineco2",
    }
}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "kineco2.web.cache.RedisCache",  # clients reused (web/cache.py)
        "LOCATION": os.environ["REDIS_URL"],
    }
#: After each change of the published data, the task worker rebuilds the default tables of
#: the état des lieux (kineco2.benchmarks.tasks): only useful when its cache is the web's.
KINECO2_REBUILD_PUBLISHED_TABLES = bool(os.environ.get("REDIS_URL"))
#: … once the data has not changed for this long (no rebuild while results keep coming).
KINECO2_REBUILD_DELAY_SECONDS = float(os.environ.get("KINECO2_REBUILD_DELAY_SECONDS", "5"))

EMAIL_BACKEND = "kineco2.web.mail.ConsoleBackend"  # readable links (web/mail.py)
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "KinéCO2 <ne-pas-repondre@kineco2.fr>")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "practice_list"
LOGOUT_REDIRECT_URL = "home"

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

#: Monte Carlo draws of a results page (issue: 10 000, reproducible seed).
KINECO2_DRAWS = int(os.environ.get("KINECO2_DRAWS", "10000"))
KINECO2_SEED = 20250101

#: Minutes between two confirmation e-mails of one unconfirmed account (sign-up, then
#: « Renvoyer le lien » after a login with the right password): no mail bombing.
KINECO2_EMAIL_CONFIRM_RESEND_MINUTES = int(
    os.environ.get("KINECO2_EMAIL_CONFIRM_RESEND_MINUTES", "15")
)

#: Number of trusted reverse proxies in front of the app (for the login throttle's client IP).
KINECO2_NUM_PROXIES = int(os.environ.get("KINECO2_NUM_PROXIES", "0"))

#: Background jobs: Django's tasks framework, stored in the database, run by
#: ``python -m kineco2.manage db_worker`` (docs/decisions/0003-task-queue.md).
#: Queues: ``default`` (jobs, recomputations) and ``mail`` (outgoing e-mail, rate-limited).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail"],
    }
}
#: Outgoing e-mail through the queue (kineco2.jobs.mail): at most this many per minute,
#: this many attempts, first retry after this many seconds (then doubling, capped at 1 h).
KINECO2_MAIL_RATE_PER_MINUTE = float(os.environ.get("KINECO2_MAIL_RATE_PER_MINUTE", "300"))
KINECO2_MAIL_MAX_ATTEMPTS = int(os.environ.get("KINECO2_MAIL_MAX_ATTEMPTS", "5"))
KINECO2_MAIL_RETRY_BACKOFF_SECONDS = float(
    os.environ.get("KINECO2_MAIL_RETRY_BACKOFF_SECONDS", "60")
)

#: Public address of the site, for links in e-mails sent by the worker (no request there).
KINECO2_SITE_URL = os.environ.get("KINECO2_SITE_URL", "http://127.0.0.1:8000")
