"""A real Celery worker on the real broker, against the test database and the simulated Odoo."""

from __future__ import annotations

import pytest

from integrations.worker_process import Worker, purge_queues

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
    proc = Worker(env=FAST).start()
    yield proc
    proc.stop()
    purge_queues()
