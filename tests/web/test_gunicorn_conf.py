"""gunicorn's configuration (src/kineco2/gunicorn_conf.py, decision 0012): the one used by
production, ``make run`` and the benchmarks."""

from __future__ import annotations

import gc
import importlib
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from kineco2.web import warmup

ROOT = Path(__file__).resolve().parents[2]


def _config(monkeypatch, **env):
    for key in ("WEB_CONCURRENCY", "KINECO2_RELOAD"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import kineco2.gunicorn_conf

    return importlib.reload(kineco2.gunicorn_conf)


def test_sync_workers_two_per_core_preloaded(monkeypatch):
    conf = _config(monkeypatch)
    cores = len(os.sched_getaffinity(0))
    assert (conf.workers, conf.worker_class, conf.threads) == (2 * cores, "sync", 1)
    assert conf.preload_app is True and conf.reload is False
    assert conf.wsgi_app == "kineco2.wsgi:application" and conf.timeout == 60


def test_web_concurrency_and_reload(monkeypatch):
    conf = _config(monkeypatch, WEB_CONCURRENCY="3", KINECO2_RELOAD="1")
    assert conf.workers == 3
    # make run: the code reloads, which a preloaded application cannot
    assert conf.reload is True and conf.preload_app is False
    _config(monkeypatch)


def test_the_root_file_is_the_same_configuration(monkeypatch):
    import runpy

    conf = _config(monkeypatch)
    root = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    for name in ("wsgi_app", "workers", "worker_class", "threads", "preload_app", "timeout"):
        assert root[name] == getattr(conf, name), name
    assert root["when_ready"] is conf.when_ready and root["pre_fork"] is conf.pre_fork
    assert root["post_worker_init"] is conf.post_worker_init


def test_the_master_closes_its_connections_and_freezes_before_forking(monkeypatch):
    from django.db import connections

    conf = _config(monkeypatch)
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True))
    closed = []
    warmed = []
    monkeypatch.setattr(warmup, "warm_shared", lambda: warmed.append("shared"))
    # a connection must never be shared by two processes: the master closes its own
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    try:
        conf.when_ready(server)
        assert closed == [True]
        assert gc.get_freeze_count() > 0  # the loaded application, out of the collector's walk
        assert warmed == ["shared"]  # what the workers then share, built before forking
    finally:
        gc.unfreeze()
    conf.pre_fork(server, None)
    assert closed == [True, True]
    # without preloading, the master has loaded nothing: nothing to close or freeze
    server.cfg.preload_app = False
    conf.when_ready(server)
    conf.pre_fork(server, None)
    assert closed == [True, True] and gc.get_freeze_count() == 0 and warmed == ["shared"]


def test_each_worker_warms_up_before_its_first_request(monkeypatch):
    conf = _config(monkeypatch)
    warmed = []
    monkeypatch.setattr(warmup, "warm_worker", lambda: warmed.append("worker"))
    conf.post_worker_init(SimpleNamespace())
    assert warmed == ["worker"]


def _serve(tmp_path, settings: str, **env) -> tuple[subprocess.Popen, str, Path]:
    log = tmp_path / f"gunicorn-{settings}.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    clean.pop("DATABASE_URL", None)
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            "KINECO2_VAR_DIR": str(tmp_path),
            "WEB_CONCURRENCY": "2",
            "PYTHONPATH": str(ROOT / "src"),
            **env,
        }
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-c", "python:kineco2.gunicorn_conf", "--bind", "127.0.0.1:0"]
    proc = subprocess.Popen(
        [*command, "--error-logfile", str(log)],
        cwd=tmp_path,
        env=clean,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", text)
        if found and text.count("Booting worker") >= 2:
            base = found.group(1)
            try:
                urllib.request.urlopen(base + "/", timeout=10).read()  # noqa: S310 (loopback)
                return proc, base, log
            except OSError:
                pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.terminate()
    pytest.fail("gunicorn did not start:\n" + (log.read_text() if log.exists() else ""))


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_gunicorn_serves_with_the_documented_configuration(tmp_path):
    proc, base, log = _serve(tmp_path, "kineco2.settings.bench")
    try:
        assert _status(base + "/") == 200
        assert _status(base + "/static/kineco2/kineco2.css") == 404  # the proxy serves them
        text = log.read_text()
        assert "Using worker: sync" in text and text.count("Booting worker") == 2
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_make_run_serves_static_files_and_reloads(tmp_path):
    proc, base, _ = _serve(tmp_path, "kineco2.settings.dev", KINECO2_RELOAD="1")
    try:
        assert _status(base + "/") == 200
        css = base + "/static/kineco2/kineco2.css"
        with urllib.request.urlopen(css, timeout=10) as page:  # noqa: S310 (loopback)
            assert page.status == 200 and b"{" in page.read()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
