"""Quality's background work: SCAR emails, and beat's hourly SCAR run (escalation, effectiveness check)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def scar_notify_task(kind: str, scar_id: int, step_id: int | None = None) -> int:
    """Send one SCAR email to the partner's people (quality.scar_notifications.send)."""
    from quality.scar_notifications import send

    return send(kind, scar_id, step_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def scar_digest_task(tenant_id: int, email: str, reminder_ids: list[int]) -> int:
    """Send one person's digest of overdue SCAR steps (quality.scar_notifications.send_digest)."""
    from quality.scar_notifications import send_digest

    return send_digest(tenant_id, email, reminder_ids)


@shared_task(ignore_result=True, queue="batch")
def scars_hourly_task() -> None:
    """Beat's SCAR run (every ``PORTAL_SCAR_SECONDS``): escalate overdue steps, then close the SCARs
    whose effectiveness check passed. Both are idempotent, so a run twice in an hour does nothing more."""
    from quality.services.scar_effectiveness import scars_verify
    from quality.services.scar_escalation import scars_escalate

    scars_escalate()
    scars_verify()
