"""A failing connection check pauses the sync; refused credentials hold events; a portal bug is no orphan."""

from __future__ import annotations

import pytest

from integrations.handlers import HANDLERS, handler
from integrations.models import EventStatus, OutboxEvent, PullCursor, TenantSyncState
from integrations.services.connection import odoo_connection_check
from integrations.services.delivery import CHECK_WAIT, event_deliver
from integrations.services.outbox import outbox_emit
from integrations.tasks import pull_tenant_task
from portal.models import Tenant
from tests.factories import odoo_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(odoo_sim18):
    odoo_sim18.control("reset")
    return odoo_tenant(odoo_sim18, "paused")


@pytest.fixture
def topic():
    calls = []

    @handler("test.paused")
    def deliver(gw, event):
        calls.append(event.id)
        gw.search("res.partner", [], limit=1)
        return {"ok": True}

    yield calls
    HANDLERS.pop("test.paused", None)


def _event(tenant) -> OutboxEvent:
    return outbox_emit(tenant=tenant, topic="test.paused", aggregate=tenant, payload={})


def test_a_failing_check_pauses_pull_and_delivery_until_it_passes(tenant, topic, django_capture_on_commit_callbacks):
    tenant.odoo_login, tenant.odoo_password = "noemail", "noemail"  # blocking on 18 (no e-mail address)
    tenant.save()
    assert odoo_connection_check(tenant=tenant)["ok"] is False
    tenant.refresh_from_db()
    assert "has no email address" in tenant.odoo_sync_paused
    pull_tenant_task.run(tenant.pk)
    assert not PullCursor.objects.filter(tenant=tenant, last_success_at__isnull=False).exists()
    with django_capture_on_commit_callbacks(execute=False):
        event = _event(tenant)
    assert event_deliver(event_id=str(event.id)) == "skipped"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error_class) == (EventStatus.PENDING, 0, CHECK_WAIT)
    assert topic == []
    tenant.odoo_login, tenant.odoo_password = "integration", "integration"
    tenant.save()
    with django_capture_on_commit_callbacks(execute=False):
        assert odoo_connection_check(tenant=tenant)["ok"] is True
    event.refresh_from_db()
    assert event.last_error_class == "" and Tenant.objects.get(pk=tenant.pk).odoo_sync_paused == ""
    assert event_deliver(event_id=str(event.id)) == "done" and topic == [event.id]


def test_refused_credentials_hold_every_event_without_the_exception_queue(
    tenant, topic, django_capture_on_commit_callbacks
):
    tenant.odoo_password = "rotated-elsewhere"
    tenant.save()
    with django_capture_on_commit_callbacks(execute=False):
        first, second = _event(tenant), _event(tenant)
    assert event_deliver(event_id=str(first.id)) == "held"
    first.refresh_from_db()
    assert (first.status, first.attempts, first.last_error_class) == (EventStatus.PENDING, 0, CHECK_WAIT)
    tenant.refresh_from_db()
    assert tenant.odoo_check["error"]["kind"] == "credentials" and tenant.odoo_sync_paused
    assert event_deliver(event_id=str(second.id)) == "skipped"  # held at the claim: no call to Odoo
    assert OutboxEvent.objects.filter(tenant=tenant, status=EventStatus.DEAD).count() == 0
    assert TenantSyncState.objects.get(tenant=tenant).consecutive_failures == 0
    tenant.odoo_password = "integration"
    tenant.save()
    with django_capture_on_commit_callbacks(execute=False):
        odoo_connection_check(tenant=tenant)
    assert [event_deliver(event_id=str(e.id)) for e in (first, second)] == ["done", "done"]


def test_a_portal_error_is_retried_not_left_in_flight(tenant, django_capture_on_commit_callbacks):
    @handler("test.bug")
    def broken(gw, event):
        raise KeyError("payload field the handler expected")

    try:
        with django_capture_on_commit_callbacks(execute=False):
            event = outbox_emit(tenant=tenant, topic="test.bug", aggregate=tenant, payload={})
        assert event_deliver(event_id=str(event.id)) == "retry"
        event.refresh_from_db()
        assert event.status == EventStatus.PENDING and event.attempts == 1
        assert event.last_error_class == "transient:portal.KeyError"
        assert TenantSyncState.objects.get(tenant=tenant).consecutive_failures == 0  # not Odoo's fault
    finally:
        HANDLERS.pop("test.bug", None)
