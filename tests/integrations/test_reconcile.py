"""Reconciliation: a delivered message that vanished from Odoo is found, sent again, and closed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import EventStatus, SyncDrift
from integrations.odoo import OdooGateway
from integrations.services.reconcile import tenant_reconcile
from suppliers.services.po_messages import po_message_post
from tests.conftest import login
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db


def test_vanished_message_is_drift_then_resent(synced, client, celery_eager, django_capture_on_commit_callbacks):
    # Two commits, each delivered before the next: two chatter messages (delivered together, they would share
    # one, and deleting it would take both notes).
    with django_capture_on_commit_callbacks(execute=True):
        kept = po_message_post(membership=synced.supplier, po_id=synced.po.pk, body="stays").outbox_event
    with django_capture_on_commit_callbacks(execute=True):
        gone = po_message_post(membership=synced.supplier, po_id=synced.po.pk, body="deleted in Odoo").outbox_event
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert kept.odoo_result["id"] != gone.odoo_result["id"]
    assert tenant_reconcile(tenant=synced.tenant) == 0
    admin = OdooGateway(synced.sim.config(transport="jsonrpc", login="admin", password="admin"))
    admin.unlink("mail.message", [gone.odoo_result["id"]])
    assert tenant_reconcile(tenant=synced.tenant) == 0  # incremental: already checked
    assert tenant_reconcile(tenant=synced.tenant, full=True) == 1
    assert tenant_reconcile(tenant=synced.tenant, full=True) == 0  # filed once
    drift = SyncDrift.objects.get(event=gone)
    assert "no longer in the chatter" in drift.message and not SyncDrift.objects.filter(event=kept).exists()
    login(client, synced.admin)
    page = client.get(reverse("sync_exceptions", args=[synced.tenant.slug])).content.decode()
    assert "no longer in the chatter" in page
    assert_scoped(
        ScopeCase(
            reverse("sync_drift", args=[synced.tenant.slug, drift.pk]),
            synced.admin,
            [synced.supplier],
            [],
            method="post",
            data={"action": "resend"},
            owner_status=None,
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sync_drift", args=[synced.tenant.slug, drift.pk]), {"action": "resend"})
    gone.refresh_from_db()
    drift.refresh_from_db()
    assert gone.status == EventStatus.DONE and drift.resolved_at is not None and drift.resolution == "delivered again"
    assert admin.search("mail.message", [["id", "=", gone.odoo_result["id"]]]) == [gone.odoo_result["id"]]
