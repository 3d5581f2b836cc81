"""The production start-up check refuses a server with a missing piece."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kineco2.web import production

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 64

COMPLETE = {
    "SECRET_KEY": GOOD_SECRET,
    "DEBUG": False,
    "ALLOWED_HOSTS": ["kineco2.fr"],
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    },
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "KINECO2_SITE_URL": "https://kineco2.fr",
}


@pytest.fixture(autouse=True)
def postgresql_engine(monkeypatch):
    """The settings say PostgreSQL (without touching the test database's own settings)."""
    monkeypatch.setattr(production, "database_engine", lambda: "django.db.backends.postgresql")


def _static_with(settings, **overrides):
    for key, value in {**COMPLETE, **overrides}.items():
        setattr(settings, key, value)
    return production.static_problems()


def test_a_complete_configuration_has_no_static_problem(settings):
    assert _static_with(settings) == []


def test_sqlite_is_refused(settings, monkeypatch):
    monkeypatch.setattr(production, "database_engine", lambda: "django.db.backends.sqlite3")
    found = _static_with(settings)
    assert len(found) == 1 and "PostgreSQL est requis" in found[0]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"SECRET_KEY": production.DEV_SECRET}, "DJANGO_SECRET_KEY"),
        ({"SECRET_KEY": "court"}, "DJANGO_SECRET_KEY"),
        ({"DEBUG": True}, "DJANGO_DEBUG"),
        ({"ALLOWED_HOSTS": ["*"]}, "DJANGO_ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ["127.0.0.1", "localhost"]}, "DJANGO_ALLOWED_HOSTS"),
        (
            {"CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}},
            "REDIS_URL",
        ),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "EMAIL_HOST"),
        ({"KINECO2_SITE_URL": "http://127.0.0.1:8000"}, "KINECO2_SITE_URL"),
        (
            {"TASKS": {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}},
            "TASKS",
        ),
    ],
)
def test_each_missing_piece_is_named(settings, override, expected):
    found = _static_with(settings, **override)
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.django_db
def test_unreachable_redis_is_refused(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    from django.core.cache import caches

    caches._settings = None  # rebuilt from the new setting
    try:
        assert any("Redis injoignable" in p for p in production.connection_problems())
    finally:
        caches._settings = None


def test_gunicorn_does_not_start_with_a_missing_piece(tmp_path):
    """The real entry point: gunicorn loads kineco2.wsgi with the production settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS_URL", "EMAIL_HOST", "DATABASE_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kineco2.settings.prod",
            "DJANGO_SECRET_KEY": GOOD_SECRET,
            "DJANGO_ALLOWED_HOSTS": "kineco2.fr",
            "KINECO2_VAR_DIR": str(tmp_path),
        }
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.run(
        [
            str(gunicorn),
            "-c",
            "python:kineco2.gunicorn_conf",  # as documented: preloaded (docs/deployment.md)
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    log = proc.stdout + proc.stderr
    assert "KinéCO2 refuse de démarrer en production" in log
    for piece in ("PostgreSQL est requis", "REDIS_URL", "EMAIL_HOST", "KINECO2_SITE_URL"):
        assert piece in log


def test_check_production_command_exits_non_zero(settings, capsys):
    from django.core.management import call_command

    settings.KINECO2_SITE_URL = "http://127.0.0.1:8000"
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_production", "--sans-connexion")
    assert exit_info.value.code == 1
    assert "KINECO2_SITE_URL" in capsys.readouterr().err


def test_verify_raises_with_every_problem(settings):
    settings.KINECO2_SITE_URL = "http://localhost"
    with pytest.raises(ImproperlyConfigured) as error:
        production.verify(connect=False)
    assert "KINECO2_SITE_URL" in str(error.value)
