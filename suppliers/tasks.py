"""Supplier-side background work: notifications."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_task(kind: str, object_id: int) -> int:
    from suppliers.services.notifications import send

    return send(kind, object_id)
