"""Celery tasks of the integration: thin, they take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from portal.context import bound


@shared_task(ignore_result=True, queue="batch")
def odoo_connection_check_task(tenant_id: int) -> None:
    """Check a tenant's Odoo connection and store the result on the tenant."""
    from integrations.services.connection import odoo_connection_check
    from portal.models import Tenant

    with bound(source="sync"):
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is not None:
            odoo_connection_check(tenant=tenant)


@shared_task(ignore_result=True, queue="batch")
def odoo_connection_check_all_task() -> None:
    """Re-check every tenant's Odoo now and then, so the dashboards say when it breaks."""
    from portal.models import Tenant

    for tenant_id in Tenant.objects.filter(is_active=True).exclude(odoo_url="").values_list("pk", flat=True):
        odoo_connection_check_task.delay(tenant_id)


@shared_task(ignore_result=True, queue="batch")
def pull_tenant_task(tenant_id: int, full: bool = False) -> None:
    """Pull one tenant's changes from Odoo (one pull at a time per tenant)."""
    from django.core.cache import cache

    from integrations.services.pull import tenant_pull
    from portal.models import Tenant

    lock = f"pull-lock:{tenant_id}"
    if not cache.add(lock, 1, timeout=600):
        return
    try:
        tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
        # A failing connection check pauses the sync: a pull against the wrong series or without rights would
        # fail halfway (the next passing check resumes it).
        if tenant is not None and tenant.odoo_configured and not tenant.odoo_sync_paused:
            tenant_pull(tenant=tenant, full=full)
    finally:
        cache.delete(lock)


@shared_task(bind=True, ignore_result=True, queue="batch", max_retries=30)
def demo_warehouse_task(self, tenant_id: int) -> None:
    """The demo's dock receives the rest of a PO in the simulated Odoo, then a pull brings the receipt in
    (integrations.demo_warehouse); waits for the tenant's first pull, retrying every 10 seconds."""
    from integrations.demo_warehouse import NotPulledYet, demo_delivery_receive
    from portal.models import Tenant

    tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if tenant is None or not tenant.odoo_configured:
        return
    try:
        with bound(source="sync"):
            received = demo_delivery_receive(tenant=tenant)
    except NotPulledYet as exc:
        raise self.retry(countdown=10) from exc
    if received is not None:
        pull_tenant_task.apply_async((tenant_id,), countdown=3)


@shared_task(bind=True, ignore_result=True, queue="batch", max_retries=30)
def demo_scorecards_task(self, tenant_id: int) -> None:
    """The demo's year of scorecard history and its scores (quality.demo_scorecards), once the first pull
    brought the demo's products; retries every 10 seconds until then, or while another scorecard run of
    the tenant holds its lock."""
    from portal.models import Tenant
    from quality.demo_scorecards import demo_scorecards_seed
    from quality.scorecards.engine import ScorecardRunBusy

    tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if tenant is None or not tenant.odoo_configured:
        return
    try:
        with bound(source="system"):
            ready = demo_scorecards_seed(tenant=tenant)
    except ScorecardRunBusy:  # another run of the tenant's scorecards holds its lock: the history is in
        ready = None
    if ready is None:
        raise self.retry(countdown=10)


@shared_task(ignore_result=True, queue="batch")
def pull_all_tenants_task(full: bool = False) -> None:
    """Beat's entry point: one pull task per tenant with an Odoo (``full`` nightly)."""
    from portal.models import Tenant

    for tenant_id in Tenant.objects.filter(is_active=True).exclude(odoo_url="").values_list("pk", flat=True):
        pull_tenant_task.delay(tenant_id, full=full)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver_event_task(event_id: str) -> None:
    """Deliver one outbox event (queue = its lane); kept for messages sent before the tenant drains."""
    from integrations.services.delivery import event_deliver

    event_deliver(event_id=event_id)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver_tenant_task(tenant_id: int, lane: str, swept: str = "") -> None:
    """Deliver a tenant's due events of one lane in batches (queue = the lane) for up to
    ``PORTAL_OUTBOX_DRAIN_SECONDS``, then hand over to a new message if more is due (``swept``: sent by
    the sweeper with the "queued" mark it gave, ISO 8601, for what lost its message)."""
    from datetime import datetime

    from integrations.services.delivery import tenant_drain_loop

    tenant_drain_loop(tenant_id=tenant_id, lane=lane, swept=datetime.fromisoformat(swept) if swept else None)


@shared_task(ignore_result=True, queue="realtime")
def outbox_sweep_task() -> None:
    """Enqueue due and orphaned outbox events (beat, every few seconds)."""
    from integrations.services.delivery import outbox_sweep

    outbox_sweep()


@shared_task(ignore_result=True, queue="batch")
def reconcile_tenant_task(tenant_id: int, full: bool = False) -> None:
    """Compare one tenant's delivered events with Odoo (batch lane)."""
    from integrations.services.reconcile import tenant_reconcile
    from portal.models import Tenant

    tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if tenant is not None and tenant.odoo_configured and not tenant.odoo_sync_paused:
        tenant_reconcile(tenant=tenant, full=full)


@shared_task(ignore_result=True, queue="batch")
def reconcile_all_tenants_task(full: bool = False) -> None:
    """Beat's entry point for reconciliation."""
    from portal.models import Tenant

    for tenant_id in Tenant.objects.filter(is_active=True).exclude(odoo_url="").values_list("pk", flat=True):
        reconcile_tenant_task.delay(tenant_id, full=full)


@shared_task(ignore_result=True, queue="realtime")
def handoff_run_task(reaction_ids: list[int]) -> None:
    """Run these hand-off reactions where due (after a retry from the monitor)."""
    from integrations.services.handoffs import reactions_run

    reactions_run(reaction_ids=reaction_ids)


@shared_task(ignore_result=True, queue="realtime")
def handoff_sweep_task() -> None:
    """Run hand-off reactions that are due again or whose worker died (beat, every minute)."""
    from integrations.services.handoffs import handoff_sweep

    handoff_sweep()


@shared_task(ignore_result=True, queue="batch")
def retention_purge_task(tenant_id: int) -> None:
    """Remove one tenant's delivered outbox events past the window and its expired Idempotency-Key answers."""
    from integrations.services.retention import retention_purge
    from portal.models import Tenant

    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is not None:
        retention_purge(tenant=tenant)


@shared_task(ignore_result=True, queue="batch")
def retention_purge_all_task() -> None:
    """Beat's entry point for retention: one task per tenant, active or not (their rows age all the same)."""
    from portal.models import Tenant

    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        retention_purge_task.delay(tenant_id)


@shared_task(ignore_result=True, queue="batch")
def holds_check_tenant_task(tenant_id: int) -> None:
    """Look for one tenant's held stock in Odoo's usable locations (one check at a time per tenant)."""
    from django.core.cache import cache

    from integrations.services.holds import holds_check
    from portal.models import Tenant

    lock = f"holds-check-lock:{tenant_id}"
    if not cache.add(lock, 1, timeout=600):
        return
    try:
        tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
        if tenant is not None and tenant.odoo_configured and not tenant.odoo_sync_paused:
            holds_check(tenant=tenant)
    finally:
        cache.delete(lock)


@shared_task(ignore_result=True, queue="batch")
def holds_check_all_task() -> None:
    """Beat's entry point for the hold check (every ``PORTAL_HOLD_CHECK_SECONDS``)."""
    from portal.models import Tenant

    for tenant_id in Tenant.objects.filter(is_active=True).exclude(odoo_url="").values_list("pk", flat=True):
        holds_check_tenant_task.delay(tenant_id)
