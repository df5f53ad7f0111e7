"""Delivery with a real Celery worker and broker: outage, crashes, lost messages. Nothing lost, nothing twice."""

from __future__ import annotations

import re
import time
from collections import defaultdict

import pytest

from integrations.models import EventStatus, OutboxEvent
from integrations.odoo import OdooGateway
from integrations.services.delivery import outbox_sweep
from integrations.services.pull import tenant_pull
from portal.models import Partner, Role
from suppliers.models import PurchaseOrder
from suppliers.services.po_messages import po_message_post
from tests.factories import member, odoo_tenant

from .conftest import purge_queues

pytestmark = pytest.mark.worker
MARKER = re.compile(r"portal-event-([0-9a-f-]{36})")


@pytest.fixture
def shop(odoo_sim, transactional_db):
    """A tenant synced with the simulated Odoo, with twenty fresh confirmed POs of one supplier."""
    odoo_sim.control("set", latency_ms=0, error_rate=0, down=False)
    admin = OdooGateway(odoo_sim.config(transport="jsonrpc", login="admin", password="admin"))
    ids = admin.create("purchase.order", [{"partner_id": 11, "partner_ref": f"WRK-{i}"} for i in range(20)])
    admin.call("purchase.order", "button_confirm", ids)
    tenant = odoo_tenant(odoo_sim, f"wrk{ids[0]}")
    tenant_pull(tenant=tenant, overlap_seconds=0)
    supplier = member(tenant, Role.SUPPLIER_USER, Partner.objects.get(tenant=tenant, odoo_id=11))
    orders = list(PurchaseOrder.objects.filter(tenant=tenant, odoo_id__in=ids))
    assert len(orders) == 20
    return type("Shop", (), {"tenant": tenant, "supplier": supplier, "orders": orders, "admin": admin, "sim": odoo_sim})


def produce(shop, count: int) -> list[OutboxEvent]:
    events = []
    for i in range(count):
        po = shop.orders[i % len(shop.orders)]
        events.append(po_message_post(membership=shop.supplier, po_id=po.pk, body=f"message {i}").outbox_event)
    return events


def wait_all_done(events: list[OutboxEvent], *, timeout: float = 240, sweep: bool = True) -> None:
    ids = [e.pk for e in events]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if OutboxEvent.objects.filter(pk__in=ids).exclude(status=EventStatus.DONE).count() == 0:
            return
        if sweep:
            outbox_sweep()
        time.sleep(0.5)
    states = list(
        OutboxEvent.objects.filter(pk__in=ids).exclude(status=EventStatus.DONE).values_list("status", "last_error")[:5]
    )
    raise AssertionError(f"not all delivered in {timeout} s: {states}")


def odoo_messages(shop) -> dict[str, list[tuple[int, int]]]:
    """Event id -> [(res_id, message id)] for every marker the simulated Odoo holds on these POs."""
    rows = shop.admin.search_read(
        "mail.message",
        [
            ["model", "=", "purchase.order"],
            ["res_id", "in", [po.odoo_id for po in shop.orders]],
            ["body", "ilike", "portal-event-"],
        ],
        ["body", "res_id"],
    )
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        for event_id in MARKER.findall(row["body"]):  # a batch's notes on one PO share one message
            found[event_id].append((row["res_id"], row["id"]))
    return found


def assert_exactly_once_in_order(shop, events: list[OutboxEvent]) -> None:
    found = odoo_messages(shop)
    twice = {k: v for k, v in found.items() if len(v) > 1}
    assert not twice, f"delivered twice: {list(twice.items())[:3]}"
    assert sorted(found) == sorted(str(e.pk) for e in events)
    by_po: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for event in OutboxEvent.objects.filter(pk__in=[e.pk for e in events]):
        by_po[event.aggregate_id].append((event.sequence, found[str(event.pk)][0][1]))
    for pairs in by_po.values():
        message_ids = [message for _, message in sorted(pairs)]
        assert message_ids == sorted(message_ids), "an aggregate's events reached Odoo out of order"


def test_outage_of_odoo_while_500_events_are_produced(shop, worker):
    shop.sim.control("set", down=True)
    started = time.monotonic()
    events = produce(shop, 500)
    print(f"produced 500 in {time.monotonic() - started:.1f} s")
    time.sleep(3)
    assert OutboxEvent.objects.filter(pk__in=[e.pk for e in events], status=EventStatus.DONE).count() == 0
    shop.sim.control("set", down=False)
    started = time.monotonic()
    wait_all_done(events)
    print(f"delivered 500 after the outage in {time.monotonic() - started:.1f} s")
    assert_exactly_once_in_order(shop, events)


def test_worker_killed_mid_delivery_several_times(shop, worker):
    shop.sim.control("set", latency_ms=15)
    events = produce(shop, 240)
    for _ in range(3):
        time.sleep(1.0)
        worker.kill()
        worker.start()
    shop.sim.control("set", latency_ms=0)
    wait_all_done(events)
    assert_exactly_once_in_order(shop, events)


def test_lost_broker_message_is_delivered_by_the_sweeper(shop, worker):
    worker.stop()
    [event] = produce(shop, 1)
    purge_queues()  # the broker lost the message
    worker.start()
    time.sleep(2)
    event.refresh_from_db()
    assert event.status == EventStatus.PENDING
    wait_all_done([event])
    assert_exactly_once_in_order(shop, [event])


def test_redelivered_done_event_creates_nothing(shop, worker):
    from integrations.services.outbox import enqueue

    events = produce(shop, 3)
    wait_all_done(events, sweep=False)
    before = odoo_messages(shop)
    for event in events:
        enqueue(event)  # a duplicate broker message
    OutboxEvent.objects.filter(pk=events[0].pk).update(status=EventStatus.PENDING)  # and a crash before "done"
    enqueue(events[0])
    wait_all_done(events)
    assert odoo_messages(shop) == before


def test_permanent_error_goes_to_the_queue_at_once_and_replays_after_the_fix(shop, worker):
    from integrations.services.exceptions import outbox_replay
    from portal.models import Role
    from tests.factories import member

    doomed = shop.orders[0]
    shop.admin.call("purchase.order", "button_cancel", [doomed.odoo_id])
    shop.admin.unlink("purchase.order", [doomed.odoo_id])  # deleted in Odoo behind the portal's back
    [event] = produce(shop, 1)
    deadline = time.monotonic() + 60
    while OutboxEvent.objects.get(pk=event.pk).status != EventStatus.DEAD and time.monotonic() < deadline:
        time.sleep(0.2)
    event.refresh_from_db()
    assert event.status == EventStatus.DEAD and event.attempts == 1
    assert event.last_error_class == "permanent:odoo.exceptions.MissingError"
    assert "Record does not exist or has been deleted." in event.last_error
    admin = member(shop.tenant, Role.TENANT_ADMIN)
    outbox_replay(actor=admin, event_ids=[event.pk], payload={**event.payload, "po_odoo_id": shop.orders[1].odoo_id})
    wait_all_done([event])
    assert len(odoo_messages_on(shop, shop.orders[1].odoo_id, event)) == 1


def test_breaker_opens_spends_no_attempts_and_closes(shop, worker):
    from integrations.models import TenantSyncState

    shop.sim.control("set", down=True)
    events = produce(shop, 40)
    deadline = time.monotonic() + 60
    while not TenantSyncState.objects.filter(tenant=shop.tenant, opened_count__gte=1).exists():
        assert time.monotonic() < deadline, "the breaker never opened"
        outbox_sweep()
        time.sleep(0.2)
    ids = [e.pk for e in events]
    spent_before = sum(OutboxEvent.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    for _ in range(6):  # 1.8 s of sweeps while Odoo is down
        outbox_sweep()
        time.sleep(0.3)
    spent = sum(OutboxEvent.objects.filter(pk__in=ids).values_list("attempts", flat=True)) - spent_before
    # Without the breaker, 40 events retried every half second would spend over a hundred attempts
    # here; with it, only the half-open probes (one per 0.5 s opening) spend any.
    assert spent <= 8, spent
    assert OutboxEvent.objects.filter(pk__in=ids, last_error_class="breaker:open").exists()
    shop.sim.control("set", down=False)
    wait_all_done(events)
    state = TenantSyncState.objects.get(tenant=shop.tenant)
    assert state.open_until is None and state.consecutive_failures == 0
    assert_exactly_once_in_order(shop, events)


def odoo_messages_on(shop, po_odoo_id: int, event) -> list[int]:
    return shop.admin.search(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "=", po_odoo_id], ["body", "ilike", f"portal-event-{event.pk}"]],
    )
