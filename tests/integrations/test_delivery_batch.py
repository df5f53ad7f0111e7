"""Batched delivery: one claim and one finish per batch, per-aggregate order, one bad event parked alone."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent, TenantSyncState
from integrations.services.delivery import tenant_drain
from integrations.services.delivery_claim import batch_claim
from integrations.services.delivery_finish import batch_finish
from suppliers.models import PurchaseOrder
from suppliers.services.po_messages import po_message_post
from tests.sync.conftest import fast_settings, worker  # noqa: F401  (fixtures of the worker tests)
from tests.sync.test_delivery_worker import shop, wait_all_done  # noqa: F401

MARKER = re.compile(r"portal-event-([0-9a-f-]{36})")


def _orders(synced, count: int) -> list[PurchaseOrder]:
    orders = list(PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11).published()[:count])
    assert len(orders) == count
    return orders


def _post(synced, po, body: str):
    return po_message_post(membership=synced.supplier, po_id=po.pk, body=body).outbox_event


def _markers_in_order(synced, po) -> list[str]:
    """Event ids whose markers the PO's chatter holds, in the order Odoo got them."""
    rows = synced.gw.search_read(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "=", po.odoo_id], ["body", "ilike", "portal-event-"]],
        ["body"],
    )
    return [marker for row in sorted(rows, key=lambda r: r["id"]) for marker in MARKER.findall(row["body"])]


@pytest.mark.django_db
def test_a_batch_keeps_each_aggregates_order(synced, django_capture_on_commit_callbacks):
    a, b, c = _orders(synced, 3)
    with django_capture_on_commit_callbacks(execute=False):
        plan = [a, b, a, c, b, a]
        events = [_post(synced, po, f"m{i}") for i, po in enumerate(plan)]
    late = events[-1]
    OutboxEvent.objects.filter(pk=events[3].pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=late.lane)
    # Every due chain in one batch; c's only event is backing off, so it stays out.
    assert (result.claimed, result.done) == (5, 5)
    for po in (a, b):
        expected = [str(e.pk) for e, p in zip(events, plan, strict=True) if p == po]
        assert _markers_in_order(synced, po) == expected
    assert OutboxEvent.objects.get(pk=events[3].pk).status == EventStatus.PENDING


@pytest.mark.django_db
def test_a_chain_is_claimed_only_from_its_head(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        first, second, _third = (_post(synced, po, f"m{i}") for i in range(3))
    OutboxEvent.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    claim = batch_claim(tenant_id=synced.tenant.pk, lane=first.lane, limit=10)
    # The third waits behind the second (not due): only the head goes.
    assert [e.pk for e in claim.events] == [first.pk]


@pytest.mark.django_db
def test_one_bad_event_is_parked_alone_and_its_successors_wait_unspent(synced, django_capture_on_commit_callbacks):
    a, b = _orders(synced, 2)
    with django_capture_on_commit_callbacks(execute=False):
        good = [_post(synced, a, "fine 1"), _post(synced, a, "fine 2")]
        bad, after_bad = _post(synced, b, "broken"), _post(synced, b, "after the broken one")
    OutboxEvent.objects.filter(pk=bad.pk).update(payload={"body": "no PO id"})  # HandlerError: permanent
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=bad.lane)
    assert (result.claimed, result.done, result.dead, result.released) == (4, 2, 1, 1)
    bad.refresh_from_db()
    after_bad.refresh_from_db()
    assert bad.status == EventStatus.DEAD and bad.last_error_class.startswith("permanent:")
    assert (after_bad.status, after_bad.attempts, after_bad.last_error) == (EventStatus.PENDING, 0, "")
    assert set(OutboxEvent.objects.filter(pk__in=[e.pk for e in good]).values_list("status", flat=True)) == {"done"}
    assert _markers_in_order(synced, a) == [str(e.pk) for e in good]


def _fresh(synced, count: int) -> list[OutboxEvent]:
    orders = _orders(synced, 3)
    return [_post(synced, orders[i % 3], f"n{i}") for i in range(count)]


@pytest.mark.django_db
def test_claim_and_finish_queries_do_not_grow_with_the_batch(synced, django_capture_on_commit_callbacks):
    TenantSyncState.objects.get_or_create(tenant=synced.tenant)  # made once per tenant, on its first claim
    counts = []
    for size in (2, 9):
        OutboxEvent.objects.filter(tenant=synced.tenant).update(status=EventStatus.DONE)
        with django_capture_on_commit_callbacks(execute=False):
            events = _fresh(synced, size)
        with CaptureQueriesContext(connection) as claimed:
            claim = batch_claim(tenant_id=synced.tenant.pk, lane=events[0].lane, limit=100)
        assert len(claim.events) == size
        answers = {str(e.pk): {"model": "mail.message", "id": i} for i, e in enumerate(claim.events)}
        with CaptureQueriesContext(connection) as finished:
            batch_finish(claim, answers, wake_enqueue=False)
        assert OutboxEvent.objects.filter(pk__in=[e.pk for e in events], status=EventStatus.DONE).count() == size
        counts.append((len(claimed), len(finished)))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_breaker_row_is_not_locked_while_closed(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _fresh(synced, 3)
    TenantSyncState.objects.get_or_create(tenant=synced.tenant)
    with CaptureQueriesContext(connection) as closed:
        claim = batch_claim(tenant_id=synced.tenant.pk, lane=events[0].lane, limit=10)
    assert len(claim.events) == 3
    on_state = [q["sql"] for q in closed.captured_queries if "integrations_tenantsyncstate" in q["sql"]]
    assert len(on_state) == 1 and "FOR UPDATE" not in on_state[0]
    # Half-open: the row is locked once and one event goes as the probe.
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(status=EventStatus.PENDING, attempts=0)
    TenantSyncState.objects.filter(tenant=synced.tenant).update(open_until=timezone.now() - timedelta(seconds=1))
    with CaptureQueriesContext(connection) as half_open:
        probe = batch_claim(tenant_id=synced.tenant.pk, lane=events[0].lane, limit=10)
    assert len(probe.events) == 1
    locks = [q["sql"] for q in half_open.captured_queries if "integrations_tenantsyncstate" in q["sql"]]
    if connection.features.has_select_for_update:
        assert sum("FOR UPDATE" in sql for sql in locks) == 1


def _chains(store, per_po: int, pos: int) -> list[OutboxEvent]:
    return [
        po_message_post(membership=store.supplier, po_id=po.pk, body=f"chain {i}").outbox_event
        for i in range(per_po)
        for po in store.orders[:pos]
    ]


def _exactly_once_in_order(store, events: list[OutboxEvent]) -> None:
    """Every event's marker once in the POs' chatter, each PO's in sequence order (a shared note holds
    several markers, in order)."""
    rows = store.admin.search_read(
        "mail.message",
        [
            ["model", "=", "purchase.order"],
            ["res_id", "in", [po.odoo_id for po in store.orders]],
            ["body", "ilike", "portal-event-"],
        ],
        ["body", "res_id"],
    )
    seen = [marker for row in sorted(rows, key=lambda r: r["id"]) for marker in MARKER.findall(row["body"])]
    assert sorted(seen) == sorted(str(e.pk) for e in events), "an event is missing or was delivered twice"
    position = {marker: i for i, marker in enumerate(seen)}
    chains: dict[str, list[tuple[int, int]]] = {}
    for event in OutboxEvent.objects.filter(pk__in=[e.pk for e in events]):
        chains.setdefault(event.aggregate_id, []).append((event.sequence, position[str(event.pk)]))
    for pairs in chains.values():
        order = [at for _, at in sorted(pairs)]
        assert order == sorted(order), "an aggregate's events reached Odoo out of order"


@pytest.mark.worker
def test_batches_deliver_exactly_once_in_order_under_kills_outage_and_lost_messages(shop, worker):  # noqa: F811
    from integrations.worker_process import purge_queues

    shop.sim.control("set", latency_ms=15)
    events = _chains(shop, 12, 10)  # chains of 12 on 10 POs: batches of whole chains
    for _ in range(2):
        time.sleep(1.0)
        worker.kill()
        worker.start()
    shop.sim.control("set", down=True)
    more = _chains(shop, 3, 10)
    time.sleep(1.5)
    shop.sim.control("set", down=False, latency_ms=0)
    worker.stop()
    lost = _chains(shop, 2, 5)
    purge_queues()  # the broker lost their messages: the sweeper sends the drains again
    worker.start()
    wait_all_done(events + more + lost)
    _exactly_once_in_order(shop, events + more + lost)
