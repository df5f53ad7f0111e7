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
from tests.factories import TenantFactory, member

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
    tenant = TenantFactory(
        slug=f"wrk{ids[0]}",
        odoo_url=odoo_sim.url,
        odoo_database="sim",
        odoo_login="integration",
        odoo_transport="jsonrpc",
    )
    tenant.odoo_password = "integration"
    tenant.save()
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
        found[MARKER.search(row["body"]).group(1)].append((row["res_id"], row["id"]))
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
