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
