"""Sync monitor, exception queue, event page, /metrics and the outbox command."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrations.models import EventStatus, OutboxEvent
from integrations.services.delivery import event_deliver
from portal.models import AuditEntry, Role
from suppliers.services.po_messages import po_message_post
from tests.conftest import login
from tests.factories import TenantFactory, member
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_event(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        event = po_message_post(membership=synced.supplier, po_id=synced.po.pk, body="to a PO Odoo lost").outbox_event
    OutboxEvent.objects.filter(pk=event.pk).update(payload={**event.payload, "po_odoo_id": 987654})
    assert event_deliver(event_id=str(event.id)) == "dead"
    event.refresh_from_db()
    return event


def test_monitor_and_queue_show_what_failed(synced, dead_event, client):
    login(client, synced.admin)
    monitor = client.get(reverse("sync_monitor", args=[synced.tenant.slug])).content.decode()
    assert "po.message_posted" in monitor and "purchase.order" in monitor and "Reachable" in monitor
    queue = client.get(reverse("sync_exceptions", args=[synced.tenant.slug])).content.decode()
    assert "permanent:odoo.exceptions.MissingError" in queue and synced.po.name not in queue
    assert reverse("po_detail", args=[synced.tenant.slug, synced.po.pk]) in queue


def test_fix_and_replay_from_the_event_page(
    synced, dead_event, client, celery_eager, django_capture_on_commit_callbacks
):
    login(client, synced.admin)
    url = reverse("sync_event", args=[synced.tenant.slug, dead_event.pk])
    bad = client.post(url, {"payload": "{not json"})
    assert bad.status_code == 400 and "Not valid JSON" in bad.content.decode()
    fixed = json.dumps({**dead_event.payload, "po_odoo_id": synced.po.odoo_id})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"payload": fixed}).status_code == 302
    dead_event.refresh_from_db()
    assert dead_event.status == EventStatus.DONE
    entry = AuditEntry.objects.get(action="outbox.replayed", object_id=str(dead_event.pk))
    assert entry.changes["payload"][1]["po_odoo_id"] == synced.po.odoo_id and entry.actor == synced.admin.user


def test_bulk_cancel_needs_a_reason(synced, dead_event, client):
    login(client, synced.admin)
    url = reverse("sync_exceptions", args=[synced.tenant.slug])
    client.post(url, {"event": [dead_event.pk], "action": "cancel", "reason": ""})
    assert OutboxEvent.objects.get(pk=dead_event.pk).status == EventStatus.DEAD
    client.post(url, {"event": [dead_event.pk], "action": "cancel", "reason": "PO was deleted on purpose"})
    assert OutboxEvent.objects.get(pk=dead_event.pk).status == EventStatus.CANCELLED


def test_sync_pages_are_for_this_tenants_admins_only(synced, dead_event):
    other = TenantFactory(slug="other-sync")
    outsider = member(other, Role.TENANT_ADMIN)
    buyer = member(synced.tenant, Role.BUYER)
    slug = synced.tenant.slug
    for url, markers in [
        (reverse("sync_monitor", args=[slug]), ["po.message_posted"]),
        (reverse("sync_exceptions", args=[slug]), ["MissingError"]),
        (reverse("sync_event", args=[slug, dead_event.pk]), [str(dead_event.pk)]),
    ]:
        assert_scoped(
            ScopeCase(url, synced.admin, [synced.supplier, buyer, outsider], markers, swap_tenant="events" in url)
        )
    assert_scoped(
        ScopeCase(
            reverse("sync_exceptions", args=[slug]),
            synced.admin,
            [synced.supplier, outsider],
            [],
            method="post",
            data={"event": [dead_event.pk], "action": "replay"},
            owner_status=None,
            swap_tenant=False,
        )
    )
    assert OutboxEvent.objects.get(pk=dead_event.pk).status == EventStatus.DEAD


def test_metrics_in_prometheus_format(synced, dead_event, client, settings):
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    labels = f'lane="realtime",status="dead",tenant="{synced.tenant.slug}",topic="po.message_posted"'
    assert f"portal_outbox_events{{{labels}}} 1.0" in body
    assert "portal_pull_last_success_age_seconds" in body and "portal_odoo_breaker_open" in body
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    settings.PORTAL_METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 401
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


def test_outbox_command_lists_and_replays(synced, dead_event, capsys, celery_eager):
    call_command("outbox", "list", "--tenant", synced.tenant.slug)
    assert str(dead_event.pk) in capsys.readouterr().out
    OutboxEvent.objects.filter(pk=dead_event.pk).update(payload={**dead_event.payload, "po_odoo_id": synced.po.odoo_id})
    call_command("outbox", "replay", "--tenant", synced.tenant.slug, "--all-dead")
    assert "replay: 1 event(s)" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="outbox.replayed", source="system").exists()


def test_tampered_or_misplaced_input_gets_a_clear_answer(synced, dead_event, client):
    login(client, synced.admin)
    queue = reverse("sync_exceptions", args=[synced.tenant.slug])
    response = client.post(queue, {"event": ["not-a-uuid"], "action": "replay"}, follow=True)
    assert response.status_code == 200 and "Tick the events" in response.content.decode()
    OutboxEvent.objects.filter(pk=dead_event.pk).update(status=EventStatus.DONE)
    page = client.post(reverse("sync_event", args=[synced.tenant.slug, dead_event.pk]), {"payload": "{}"})
    assert page.status_code == 400 and "Only a failed event can be sent again." in page.content.decode()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not an event id"):
        call_command("outbox", "replay", "--tenant", synced.tenant.slug, "--ids", "garbage")


def _dead(tenant, aggregate_type: str, aggregate_id) -> OutboxEvent:
    from django.utils import timezone

    return OutboxEvent.objects.create(
        id=uuid.uuid4(),
        tenant=tenant,
        topic="t.failed",
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        sequence=1,
        payload={},
        status=EventStatus.DEAD,
        next_attempt_at=timezone.now(),
    )


def test_records_link_to_their_own_pages_in_one_query_per_kind(world, client):
    """The queue asks each record for its page (get_absolute_url), so a new app's records link without a
    change in integrations; one query per kind of record, however many events."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AsnFactory, PurchaseOrderFactory

    login(client, world.a_admin)
    url = reverse("sync_exceptions", args=[world.a.slug])
    po, asn = PurchaseOrderFactory(partner=world.p1), AsnFactory(partner=world.p1)
    foreign = PurchaseOrderFactory(partner=world.q1)  # another tenant's: an edited event must not link to it
    for aggregate_type, aggregate_id in [
        ("suppliers.purchaseorder", po.pk),
        ("suppliers.asn", asn.pk),
        ("suppliers.purchaseorder", foreign.pk),
        ("suppliers.asn", "not-a-number"),
        ("portal.partner", world.p1.pk),  # no page of its own
        ("quality.noncomformancereport", 7),  # a model that does not exist (yet)
    ]:
        _dead(world.a, aggregate_type, aggregate_id)
    client.get(url)  # the session's first request costs its own queries
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert f'href="{po.get_absolute_url()}"' in page and f'href="{asn.get_absolute_url()}"' in page
    assert po.get_absolute_url() == reverse("po_detail", args=[world.a.slug, po.pk])
    assert asn.get_absolute_url() == reverse("asn_detail", args=[world.a.slug, asn.pk])
    assert reverse("po_detail", args=[world.a.slug, foreign.pk]) not in page
    assert reverse("po_detail", args=[world.b.slug, foreign.pk]) not in page
    for _ in range(5):
        _dead(world.a, "suppliers.purchaseorder", PurchaseOrderFactory(partner=world.p1).pk)
        _dead(world.a, "suppliers.asn", AsnFactory(partner=world.p1).pk)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    event = OutboxEvent.objects.get(aggregate_type="suppliers.asn", aggregate_id=str(asn.pk))
    detail = client.get(reverse("sync_event", args=[world.a.slug, event.pk])).content.decode()
    assert f'href="{asn.get_absolute_url()}"' in detail
