"""Concurrent autosaves never fail on the embedded SQLite (WAL, busy timeout, IMMEDIATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kineco2.practices import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_sqlite_runs_in_wal_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL : rien à régler")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_twenty_concurrent_autosaves_all_succeed(practice):
    assessment = services.assessment_create(practice=practice, reference_year=2025)
    errors: list[BaseException] = []
    outcomes = []
    lock = threading.Lock()

    def save(i: int) -> None:
        try:
            for j in range(3):
                outcome = services.assessment_save_answer(
                    assessment_id=assessment.pk,
                    section="energie",
                    name="electricity_kwh",
                    raw=str(5000 + 10 * i + j),
                )
                with lock:
                    outcomes.append(outcome.ok)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert outcomes == [True] * 60
    assessment.refresh_from_db()
    assert assessment.revision == 60
