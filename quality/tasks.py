"""Quality's background work: SCAR emails, beat's hourly SCAR run (escalation, effectiveness check), and the
supplier scorecards (the nightly run, a partner's run on demand, the emails of a change of standing)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


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


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def standing_notify_task(change_id: int) -> int:
    """Send the emails of one standing change (quality.scorecards.notifications.send)."""
    from quality.scorecards.notifications import send

    return send(change_id)


@shared_task(ignore_result=True, queue="batch")
def scorecards_nightly_task() -> None:
    """Beat's nightly scorecard run (``PORTAL_SCORECARD_HOUR``:30 UTC): one run per active tenant, each its
    own task, so a large tenant has the whole time limit for itself and a failing one stops no other."""
    from portal.models import Tenant

    for tenant_id in Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True):
        scorecards_tenant_task.delay(tenant_id)


# Another run of the tenant going on (nightly and on demand at once, or a rescore): the run read and wrote
# nothing (quality.scorecards.engine.run_lock), so the task comes back once that run has had time to finish.
BUSY_COUNTDOWN = 60
BUSY_RETRIES = 60


# A full run of a large tenant (500 partners x 24 months) takes minutes: more than the default limits.
@shared_task(bind=True, ignore_result=True, queue="batch", acks_late=True, soft_time_limit=3300, time_limit=3600)
def scorecards_tenant_task(self, tenant_id: int) -> None:
    """Recompute one tenant's scorecards where their inputs changed (quality.scorecards.engine)."""
    _compute(self, tenant_id, None)


@shared_task(bind=True, ignore_result=True, queue="batch", acks_late=True)
def scorecard_partner_task(self, tenant_id: int, partner_id: int) -> None:
    """Recompute one partner's scorecard where its inputs changed (queued by scorecard_recompute_on_commit)."""
    _compute(self, tenant_id, [partner_id])


def _when_free(task, run) -> object:
    """``run()``, or the task retried ``BUSY_COUNTDOWN`` seconds later while another run holds the lock."""
    from quality.scorecards.engine import ScorecardRunBusy

    try:
        return run()
    except ScorecardRunBusy as exc:
        raise task.retry(exc=exc, countdown=BUSY_COUNTDOWN, max_retries=BUSY_RETRIES) from exc


def _compute(task, tenant_id: int, partner_ids: list[int] | None) -> None:
    from portal.models import Tenant
    from quality.scorecards.engine import scorecards_compute

    tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if tenant is None:
        return
    summary = _when_free(task, lambda: scorecards_compute(tenant=tenant, partner_ids=partner_ids))
    logger.info(
        "scorecards of %s%s: %d periods written, %d unchanged, %d deleted; %d partners scored, %d standing changes",
        tenant.slug,
        "" if partner_ids is None else f" (partners {partner_ids})",
        summary.periods_written,
        summary.periods_unchanged,
        summary.periods_deleted,
        summary.partners_scored,
        summary.standing_changes,
    )


@shared_task(bind=True, ignore_result=True, queue="batch", acks_late=True, soft_time_limit=3300, time_limit=3600)
def scorecards_rescore_task(self, tenant_id: int, recompute: bool = False) -> None:
    """Rescore one tenant's partners after its scorecard rules or standings changed (queued by
    quality.scorecards.rules_service); ``recompute``: an on-time window, tolerance or acknowledgement target
    changed the inputs themselves, so the periods are computed again first (engine.scorecards_compute)."""
    from portal.models import Tenant
    from quality.scorecards.engine import scorecards_compute, scorecards_rescore

    tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if tenant is None:
        return
    if recompute:
        _when_free(self, lambda: scorecards_compute(tenant=tenant))
    _when_free(self, lambda: scorecards_rescore(tenant=tenant))
