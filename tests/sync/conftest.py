"""A real Celery worker on the real broker, against the test database and the simulated Odoo."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ("realtime", "batch", "default")
# Short waits so outages and crashes resolve within a test; the worker gets the same values.
FAST = {
    "PORTAL_OUTBOX_BACKOFF_BASE_SECONDS": "0.05",
    "PORTAL_OUTBOX_BACKOFF_CAP_SECONDS": "0.5",
    "PORTAL_BREAKER_THRESHOLD": "5",
    "PORTAL_BREAKER_OPEN_SECONDS": "0.5",
    "PORTAL_OUTBOX_LEASE_SECONDS": "4",
    "PORTAL_OUTBOX_MAX_ATTEMPTS": "1000",
    "PORTAL_OUTBOX_REQUEUE_SECONDS": "2",
}


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def purge_queues() -> None:
    with celery_app.connection_for_write() as conn:
        for queue in QUEUES:
            with contextlib.suppress(Exception):  # a queue never declared has nothing to purge
                conn.default_channel.queue_purge(queue)


class Worker:
    def __init__(self, concurrency: int = 2) -> None:
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.log = ROOT / "test-artifacts" / "celery-worker.log"

    def start(self) -> Worker:
        self.log.parent.mkdir(exist_ok=True)
        offset = self.log.stat().st_size if self.log.exists() else 0
        env = {**os.environ, **FAST, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            ",".join(QUEUES),
            "--concurrency",
            str(self.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
            "-n",
            f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]
        with self.log.open("a") as handle:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early; see {self.log}")
            with self.log.open() as handle:
                handle.seek(offset)
                if " ready." in handle.read():
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready in 60 s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its pool), as a crashed host would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def fast_settings(settings):
    settings.PORTAL_OUTBOX_BACKOFF_BASE_SECONDS = float(FAST["PORTAL_OUTBOX_BACKOFF_BASE_SECONDS"])
    settings.PORTAL_OUTBOX_BACKOFF_CAP_SECONDS = float(FAST["PORTAL_OUTBOX_BACKOFF_CAP_SECONDS"])
    settings.PORTAL_BREAKER_THRESHOLD = int(FAST["PORTAL_BREAKER_THRESHOLD"])
    settings.PORTAL_BREAKER_OPEN_SECONDS = float(FAST["PORTAL_BREAKER_OPEN_SECONDS"])
    settings.PORTAL_OUTBOX_LEASE_SECONDS = int(FAST["PORTAL_OUTBOX_LEASE_SECONDS"])
    settings.PORTAL_OUTBOX_MAX_ATTEMPTS = int(FAST["PORTAL_OUTBOX_MAX_ATTEMPTS"])
    settings.PORTAL_OUTBOX_REQUEUE_SECONDS = float(FAST["PORTAL_OUTBOX_REQUEUE_SECONDS"])
    return settings


@pytest.fixture
def worker(transactional_db, fast_settings):
    purge_queues()
    proc = Worker().start()
    yield proc
    proc.stop()
    purge_queues()
