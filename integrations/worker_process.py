"""Start a Celery worker as its own process (sync tests, benchmarks) against this process's database."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
QUEUES = ("realtime", "batch", "default")


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
    def __init__(
        self,
        concurrency: int = 2,
        env: dict[str, str] | None = None,
        log: Path | None = None,
        prefetch: int | None = None,
    ) -> None:
        self.concurrency = concurrency
        self.prefetch = prefetch  # --prefetch-multiplier; None keeps the settings' (benchmarks measure others)
        self.env = env or {}
        self.process: subprocess.Popen | None = None
        self.log = log or ROOT / "test-artifacts" / "celery-worker.log"

    def start(self) -> Worker:
        self.log.parent.mkdir(exist_ok=True)
        offset = self.log.stat().st_size if self.log.exists() else 0
        env = {**os.environ, **self.env, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
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
        if self.prefetch is not None:
            command += ["--prefetch-multiplier", str(self.prefetch)]
        with self.log.open("a") as handle:
            self.process = subprocess.Popen(  # noqa: S603 - our own celery command, fixed arguments
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
