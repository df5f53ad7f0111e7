"""Housekeeping tasks of the portal itself."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "portal:worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    """Record that beat scheduled and a worker ran something, for the admin dashboard."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)
