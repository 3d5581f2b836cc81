"""The real worker process (``manage.py db_worker``) against the test database.

Runs on SQLite (the test database is a file, see settings/test.py) and on PostgreSQL. The
worker is a separate process: what it sees is what a production worker would see.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from kineco2.jobs import mail as jobs_mail
from kineco2.jobs.models import EmailStatus, OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(email_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kineco2.settings.test",
        "DATABASE_URL": _database_url(),
        "KINECO2_TEST_EMAIL_DIR": str(email_dir),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kineco2.manage",
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def _sent_files(email_dir: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(email_dir.glob("*.log"))]


def test_worker_process_sends_and_a_restart_sends_nothing_twice(tmp_path):
    rows = [
        jobs_mail.queue_email(
            to=f"kine{i}@example.fr", subject=f"Nouvelles n° {i}", body_text="Bonjour", category="t"
        )
        for i in range(3)
    ]
    worker = _start_worker(tmp_path)
    try:
        ok = _wait_for(lambda: OutboundEmail.objects.filter(status=EmailStatus.SENT).count() == 3)
    finally:
        out = _stop(worker)
    assert ok, out
    assert worker.returncode == 0, out  # SIGTERM: graceful shutdown
    first_run = "".join(_sent_files(tmp_path))
    assert all(f"kine{i}@example.fr" in first_run for i in range(3))

    # Restart: a new worker, with the tasks enqueued again (as a recovery would) and a new one.
    for row in rows:
        jobs_mail.deliver_email.enqueue(row.pk)
    extra = jobs_mail.queue_email(to="nouveau@example.fr", subject="Suite", body_text="Bonjour")
    worker = _start_worker(tmp_path)
    try:
        ok = _wait_for(
            lambda: (
                OutboundEmail.objects.get(pk=extra.pk).status == EmailStatus.SENT
                and not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
            )
        )
    finally:
        out = _stop(worker)
    assert ok, out
    everything = "".join(_sent_files(tmp_path))
    for i in range(3):
        assert everything.count(f"To: kine{i}@example.fr") == 1
    assert everything.count("To: nouveau@example.fr") == 1
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}
