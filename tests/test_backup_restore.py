"""Backups and restore, tested for real on PostgreSQL: scripts/backup then scripts/restore into
a fresh database, and the restored data is the same (skipped on SQLite)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def test_backup_then_restore_gives_the_same_data(tmp_path, user, practice):
    if connection.vendor != "postgresql":
        pytest.skip("sauvegarde PostgreSQL (pg_dump) : test lancé avec DATABASE_URL=postgres://…")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump absent")
    from kineco2.outreach.models import Subscriber

    Subscriber.objects.create(
        email="sauvegarde@example.fr",
        first_name="Léa",
        last_name="Hoarau",
        postal_code="97400",
        region_code="04",
        region_name="La Réunion",
        consent_text="oui",
        consent_at=practice.created_at,
    )
    source = connection.settings_dict["NAME"]
    target = f"{source}_restauree"
    dump = subprocess.run(
        [str(ROOT / "scripts/backup"), _url(source), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(dump).stat().st_size > 0
    admin = _url("postgres")
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{target}"'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{target}"'], check=True)
    try:
        subprocess.run(
            [str(ROOT / "scripts/restore"), dump, _url(target)],
            capture_output=True,
            text=True,
            check=True,
        )

        def rows(db: str, sql: str) -> str:
            return subprocess.run(
                ["psql", _url(db), "-Atc", sql], capture_output=True, text=True, check=True
            ).stdout

        for sql in (
            "SELECT email, first_name FROM accounts_user ORDER BY id",
            "SELECT name, commune_code, region_code FROM practices_practice ORDER BY id",
            "SELECT email, region_code FROM outreach_subscriber ORDER BY id",
            "SELECT app, name FROM django_migrations ORDER BY app, name",
        ):
            assert rows(target, sql) == rows(source, sql), sql
        assert "sauvegarde@example.fr|04" in rows(
            target, "SELECT email, region_code FROM outreach_subscriber"
        )
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{target}"'], check=False)
