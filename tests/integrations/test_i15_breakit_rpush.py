"""Issue 15 review (rpush): trying to break the batched push (claim, finish, drain, batch handlers).

Tests that FAIL show a defect found in review; the passing ones stay as regression tests.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from integrations import topics
from integrations.handlers import HANDLERS
from integrations.models import EventStatus, Lane, OutboxEvent, TenantSyncState
from integrations.odoo import OdooTransientError
from integrations.services import outbox as outbox_module
from integrations.services.delivery import outbox_sweep, tenant_drain, tenant_drain_loop
from integrations.services.delivery_batch import batch_deliver
from integrations.services.delivery_claim import batch_claim
from integrations.services.delivery_finish import batch_finish
from integrations.services.outbox import drain_key, outbox_emit
from suppliers.models import PurchaseOrder
from suppliers.services.po_messages import po_message_post

MARKER = re.compile(r"portal-event-([0-9a-f-]{36})")


def _orders(synced, count: int) -> list[PurchaseOrder]:
    orders = list(PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11).published()[:count])
    assert len(orders) == count
    return orders


def _post(synced, po, body: str) -> OutboxEvent:
    return po_message_post(membership=synced.supplier, po_id=po.pk, body=body).outbox_event


def _emit(synced, po, topic: str, payload: dict, lane: str = Lane.REALTIME) -> OutboxEvent:
    with transaction.atomic():
        return outbox_emit(tenant=synced.tenant, topic=topic, aggregate=po, payload=payload, lane=lane)


def _markers(synced, po) -> list[str]:
    """Event ids whose markers the PO's chatter holds, in the order Odoo got them (duplicates kept)."""
    rows = synced.gw.search_read(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "=", po.odoo_id], ["body", "ilike", "portal-event-"]],
        ["body"],
    )
    return [m for row in sorted(rows, key=lambda r: r["id"]) for m in MARKER.findall(row["body"])]


def _status(event) -> str:
    return OutboxEvent.objects.values_list("status", flat=True).get(pk=event.pk)


# --- claim ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unrelated_unfinished_rows_do_not_starve_due_heads(synced, django_capture_on_commit_callbacks):
    """_chains reads the unfinished rows of aggregate_type__in x aggregate_id__in (a cross product) and keeps
    only ``limit * 3`` of them: an aggregate that is no head (its head parked dead, a long queue behind it) but
    whose type and id each match some head (PO ids and other models' ids collide) fills that window, and the
    due heads get no chain: the batch claims nothing, the drain stops, and the sweeper's drain does the same."""
    a, b = _orders(synced, 2)
    with django_capture_on_commit_callbacks(execute=False):
        first, second = _post(synced, a, "due 1"), _post(synced, b, "due 2")
    OutboxEvent.objects.filter(pk=first.pk).update(aggregate_type="aaa.first", aggregate_id="500")
    OutboxEvent.objects.filter(pk=second.pk).update(aggregate_type="zzz.last", aggregate_id="100")
    now = timezone.now()
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            id=uuid.uuid4(),
            tenant=synced.tenant,
            topic=topics.PO_MESSAGE_POSTED,
            aggregate_type="aaa.first",  # a type of a head ...
            aggregate_id="100",  # ... and the id of another head
            sequence=i + 1,
            payload={"po_odoo_id": a.odoo_id, "body": "queued", "author": "x"},
            lane=first.lane,
            status=EventStatus.DEAD if i == 0 else EventStatus.PENDING,
            next_attempt_at=now,
        )
        for i in range(301)
    )
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=first.lane)
    assert result.claimed == 2, "due heads were not claimed: the drain ends with them still due"
    assert {_status(first), _status(second)} == {EventStatus.DONE}


@pytest.mark.django_db
def test_a_chain_longer_than_the_batch_goes_in_order_over_batches(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"long {i}") for i in range(7)]
    claimed = []
    for _ in range(4):
        claimed.append(tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane, limit=2).claimed)
    assert claimed == [2, 2, 2, 1]
    assert _markers(synced, po) == [str(e.pk) for e in events]


@pytest.mark.django_db
def test_a_cancelled_event_inside_a_chain_is_skipped_not_blocking(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"c {i}") for i in range(4)]
    OutboxEvent.objects.filter(pk__in=[events[0].pk, events[2].pk]).update(status=EventStatus.CANCELLED)
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.done) == (2, 2)
    assert _markers(synced, po) == [str(events[1].pk), str(events[3].pk)]
    assert _status(events[0]) == _status(events[2]) == EventStatus.CANCELLED


@pytest.mark.django_db
def test_two_tenants_never_share_a_batch(synced, django_capture_on_commit_callbacks):
    from tests.factories import odoo_tenant

    other = odoo_tenant(synced.sim, "other", transport="auto")
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        mine = _post(synced, po, "mine")
        with transaction.atomic():
            theirs = outbox_emit(tenant=other, topic=topics.PO_MESSAGE_POSTED, aggregate=po, payload={"x": 1})
    claim = batch_claim(tenant_id=synced.tenant.pk, lane=mine.lane, limit=100)
    assert [e.pk for e in claim.events] == [mine.pk]
    batch_finish(claim, {}, wake_enqueue=False)
    assert _status(theirs) == EventStatus.PENDING


# --- lanes and wake-ups ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_successor_in_the_other_lane_gets_a_drain_of_its_own_lane(
    synced, django_capture_on_commit_callbacks, monkeypatch
):
    """Before the batches, _wake_next sent the successor's message on the successor's lane. Now _wake_after
    sends the batch's own lane (and the normal drain none at all, wake_enqueue=False), while it gives the
    successor a fresh "queued" mark: a batch-lane successor of a realtime event waits for the mark to pass and
    the next sweep (PORTAL_OUTBOX_REQUEUE_SECONDS + the sweep interval) unless a batch drain happens by."""
    [po] = _orders(synced, 1)
    sent = []
    monkeypatch.setattr(outbox_module, "drain_enqueue", lambda **kw: sent.append(kw["lane"]) or True)
    with django_capture_on_commit_callbacks(execute=False):
        first = _post(synced, po, "realtime first")
        later = _emit(
            synced,
            po,
            topics.PO_MESSAGE_POSTED,
            {"po_odoo_id": po.odoo_id, "body": "batch later", "author": "x"},
            lane=Lane.BATCH,
        )
    with django_capture_on_commit_callbacks(execute=True):
        tenant_drain_loop(tenant_id=synced.tenant.pk, lane=Lane.REALTIME)
    assert _status(first) == EventStatus.DONE
    later.refresh_from_db()
    assert later.status == EventStatus.PENDING
    woken_now = Lane.BATCH in sent or later.leased_until is None or later.leased_until <= timezone.now()
    assert woken_now, f"no drain on the batch lane (sent: {sent}); the successor waits for its mark"


# --- interleaved topics in one aggregate --------------------------------------------------------------------


@pytest.mark.django_db
def test_ack_then_message_then_ack_on_one_po_keep_their_order(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    ack = {"po_odoo_id": po.odoo_id, "version": 1, "author": "Nordic"}
    with django_capture_on_commit_callbacks(execute=False):
        ack1 = _emit(synced, po, topics.PO_ACKNOWLEDGED, ack)
        msg = _post(synced, po, "between the acknowledgements")
        review = _emit(synced, po, topics.PO_ACK_REVIEW_REQUESTED, {"po_odoo_id": po.odoo_id, "version": 1})
        ack2 = _emit(synced, po, topics.PO_ACKNOWLEDGED, {**ack, "version": 2})
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=msg.lane)
    assert (result.claimed, result.done) == (4, 4)
    assert _markers(synced, po) == [str(ack1.pk), str(msg.pk), str(ack2.pk)]
    assert _status(review) == EventStatus.DONE


@pytest.mark.django_db
def test_a_transient_failure_of_an_own_call_topic_stops_the_batch(
    synced, django_capture_on_commit_callbacks, monkeypatch
):
    """Batch handlers stop at the first transient failure (BatchRun: "the next calls would fail alike") and the
    rest is released unspent. Topics without a batch handler (_topic_call's loop) go on calling a down Odoo for
    every other aggregate of the batch, each waiting its timeout and spending its attempt, while the breaker
    counts the whole batch as one failure."""
    orders = _orders(synced, 4)
    calls = []

    def down(gw, event):
        calls.append(event.pk)
        raise OdooTransientError("Odoo is down", name="ConnectionRefused")

    monkeypatch.setitem(HANDLERS, topics.PO_ACK_REVIEW_REQUESTED, down)
    with django_capture_on_commit_callbacks(execute=False):
        events = [
            _emit(synced, po, topics.PO_ACK_REVIEW_REQUESTED, {"po_odoo_id": po.odoo_id, "version": 1}) for po in orders
        ]
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert result.claimed == 4
    spent = sorted(OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("attempts", flat=True))
    assert len(calls) == 1, f"{len(calls)} calls to a down Odoo in one batch; attempts spent: {spent}"


# --- breaker, pause, credentials ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_open_breaker_parks_the_batch_without_spending_attempts(synced, django_capture_on_commit_callbacks):
    orders = _orders(synced, 3)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, "held back") for po in orders]
    TenantSyncState.objects.update_or_create(
        tenant=synced.tenant, defaults={"open_until": timezone.now() + timedelta(minutes=1), "consecutive_failures": 5}
    )
    synced.sim.control("clear_stats")
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.done) == (0, 0)
    rows = OutboxEvent.objects.filter(pk__in=[e.pk for e in events])
    assert set(rows.values_list("attempts", "status", "last_error_class")) == {(0, "pending", "breaker:open")}
    for po in orders:
        assert _markers(synced, po) == []


@pytest.mark.django_db
def test_half_open_sends_one_probe_and_its_success_frees_the_rest(synced, django_capture_on_commit_callbacks):
    orders = _orders(synced, 3)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, "after the outage") for po in orders]
    TenantSyncState.objects.update_or_create(
        tenant=synced.tenant,
        defaults={"open_until": timezone.now() - timedelta(seconds=1), "consecutive_failures": 5},
    )
    with django_capture_on_commit_callbacks(execute=True):
        probe = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
        assert (probe.claimed, probe.done) == (1, 1)
        rest = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (rest.claimed, rest.done) == (2, 2)
    state = TenantSyncState.objects.get(tenant=synced.tenant)
    assert (state.open_until, state.consecutive_failures) == (None, 0)


@pytest.mark.django_db
def test_a_failed_probe_reopens_and_spends_only_the_probes_attempt(synced, django_capture_on_commit_callbacks):
    orders = _orders(synced, 3)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, "still down") for po in orders]
    TenantSyncState.objects.update_or_create(
        tenant=synced.tenant,
        defaults={"open_until": timezone.now() - timedelta(seconds=1), "consecutive_failures": 5},
    )
    synced.sim.control("set", down=True)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            probe = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
            rest = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    finally:
        synced.sim.control("set", down=False)
    assert (probe.claimed, probe.retry, rest.claimed) == (1, 1, 0)
    spent = sorted(OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("attempts", flat=True))
    assert spent == [0, 0, 1]
    assert TenantSyncState.objects.get(tenant=synced.tenant).open_until > timezone.now()


@pytest.mark.django_db
def test_a_paused_tenant_holds_the_batch_unspent(synced, django_capture_on_commit_callbacks):
    orders = _orders(synced, 2)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, "paused") for po in orders]
    type(synced.tenant).objects.filter(pk=synced.tenant.pk).update(
        odoo_check={"ok": False, "error": {"kind": "credentials", "message": "paused by the test"}}
    )
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.held) == (0, 2)
    rows = OutboxEvent.objects.filter(pk__in=[e.pk for e in events])
    assert set(rows.values_list("attempts", "status")) == {(0, "pending")}


@pytest.mark.django_db
def test_credentials_refused_mid_batch_hold_everything_unspent(synced, django_capture_on_commit_callbacks):
    orders = _orders(synced, 3)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"refused {i}") for i, po in enumerate(orders) for _ in range(2)]
    synced.sim.control(
        "refuse", model="purchase.order", method="message_post", name="odoo.exceptions.AccessDenied", times=2
    )
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.done, result.dead, result.retry) == (6, 0, 0, 0)
    rows = OutboxEvent.objects.filter(pk__in=[e.pk for e in events])
    assert set(rows.values_list("attempts", "status")) == {(0, "pending")}
    synced.tenant.refresh_from_db()
    assert synced.tenant.odoo_check["error"]["kind"] == "credentials"


# --- shared notes -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_bad_po_id_among_good_notes_is_parked_alone(synced, django_capture_on_commit_callbacks):
    a, b, c = _orders(synced, 3)
    with django_capture_on_commit_callbacks(execute=False):
        good_a = [_post(synced, a, f"a{i}") for i in range(3)]
        bad = _post(synced, b, "to a PO Odoo no longer has")
        good_c = [_post(synced, c, f"c{i}") for i in range(2)]
    OutboxEvent.objects.filter(pk=bad.pk).update(payload={**bad.payload, "po_odoo_id": 987654})
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=bad.lane)
    assert (result.claimed, result.done, result.dead) == (6, 5, 1)
    assert _markers(synced, a) == [str(e.pk) for e in good_a]
    assert _markers(synced, c) == [str(e.pk) for e in good_c]
    assert _status(bad) == EventStatus.DEAD


@pytest.mark.django_db
def test_a_shared_note_refused_once_falls_back_to_one_note_each(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"r{i}") for i in range(3)]
    synced.sim.control("refuse", model="purchase.order", method="message_post", times=1)
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.done) == (3, 3)
    assert _markers(synced, po) == [str(e.pk) for e in events]


@pytest.mark.django_db
def test_a_replayed_event_inside_a_grouped_note_is_not_posted_twice(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        first, second = _post(synced, po, "one"), _post(synced, po, "two")
    assert tenant_drain(tenant_id=synced.tenant.pk, lane=first.lane).done == 2
    # Replay both (the exception queue's "verify"), and a new message joins them in one batch.
    OutboxEvent.objects.filter(pk__in=[first.pk, second.pk]).update(status=EventStatus.PENDING, verify=True)
    with django_capture_on_commit_callbacks(execute=False):
        third = _post(synced, po, "three")
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=first.lane)
    assert (result.claimed, result.done) == (3, 3)
    assert _markers(synced, po) == [str(first.pk), str(second.pk), str(third.pk)]
    first.refresh_from_db()
    assert first.odoo_result.get("already_there") is True


@pytest.mark.django_db
def test_a_hundred_notes_share_one_message_and_a_lost_answer_is_not_posted_again(
    synced, django_capture_on_commit_callbacks
):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"note {i} " + "x" * 500) for i in range(100)]
    assert tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane).done == 100
    assert _markers(synced, po) == [str(e.pk) for e in events]
    # Odoo's answer was lost: every event comes back as a retry (attempt 2) and looks for its marker.
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(status=EventStatus.PENDING, attempts=1)
    synced.sim.control("clear_stats")
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.done) == (100, 100)
    assert _markers(synced, po) == [str(e.pk) for e in events]


@pytest.mark.django_db
def test_a_message_quoting_another_events_marker_does_not_hide_that_event(synced, django_capture_on_commit_callbacks):
    """A supplier's text that happens to hold ``portal-event-<id>`` of a later event of the PO makes that
    event's retry find "its" note and skip the post (the lookup is a substring match on the whole body)."""
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        quoting = _post(synced, po, "placeholder")
        quoted = _post(synced, po, "the real one")
    OutboxEvent.objects.filter(pk=quoting.pk).update(
        payload={**quoting.payload, "body": f"as in portal-event-{quoted.pk} said"}
    )
    OutboxEvent.objects.filter(pk=quoted.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert tenant_drain(tenant_id=synced.tenant.pk, lane=quoting.lane).done == 1
    # The quoted event failed once before (a retry looks for its marker).
    OutboxEvent.objects.filter(pk=quoted.pk).update(next_attempt_at=timezone.now(), attempts=1)
    assert tenant_drain(tenant_id=synced.tenant.pk, lane=quoting.lane).done == 1
    quoted.refresh_from_db()
    assert not quoted.odoo_result.get("already_there"), "its note was never posted, yet it counts as delivered"


# --- leases, drains ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_that_lost_its_lease_marks_nothing_done_twice(synced, django_capture_on_commit_callbacks):
    orders = _orders(synced, 2)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, "slow worker") for po in orders]
    slow = batch_claim(tenant_id=synced.tenant.pk, lane=events[0].lane, limit=10)
    assert len(slow.events) == 2
    # The slow worker's leases lapse; another worker re-claims and delivers.
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(leased_until=timezone.now() - timedelta(1))
    fast = batch_claim(tenant_id=synced.tenant.pk, lane=events[0].lane, limit=10)
    assert [e.attempts for e in fast.events] == [2, 2]
    fast_result, _ = batch_deliver(fast, claim_s=0.0, wake_enqueue=False)
    assert fast_result.done == 2
    # The slow worker now finishes with its own answers: everything "lost", nothing overwritten.
    finished = batch_finish(slow, {str(e.pk): {"model": "mail.message", "id": -1} for e in slow.events})
    assert set(finished.outcomes.values()) == {"lost"}
    for event in events:
        event.refresh_from_db()
        assert event.status == EventStatus.DONE and event.odoo_result["id"] != -1
    for po in orders:
        assert len(_markers(synced, po)) == 1


@pytest.mark.django_db
def test_a_stuck_drain_flag_does_not_strand_events(synced, django_capture_on_commit_callbacks, monkeypatch):
    """The "queued" flag of the tenant's drain stays (its message was lost): new events send nothing, and the
    sweeper's drain still delivers them once their mark passes."""
    [po] = _orders(synced, 1)
    lane = Lane.REALTIME
    cache.delete(drain_key(synced.tenant.pk, lane))
    assert cache.add(drain_key(synced.tenant.pk, lane), 1, timeout=600)  # stuck: its message was lost
    sent = []
    from integrations import tasks

    monkeypatch.setattr(tasks.deliver_tenant_task, "apply_async", lambda *a, **kw: sent.append((a, kw)))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = _post(synced, po, "behind a stuck flag")
        assert sent == []
        OutboxEvent.objects.filter(pk=event.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
        assert outbox_sweep() == 1
        assert len(sent) == 1
        swept = sent[0][0][1]["swept"]
        from datetime import datetime

        tenant_drain_loop(tenant_id=synced.tenant.pk, lane=lane, swept=datetime.fromisoformat(swept))
        assert _status(event) == EventStatus.DONE
    finally:
        cache.delete(drain_key(synced.tenant.pk, lane))


# --- delivery threads and their database connections ---------------------------------------------------------


def _open_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_delivery_threads_leave_no_database_connection_open(synced, settings, monkeypatch):
    """Handlers that read the database (ASNs, scorecards, holds) do it in the delivery threads (a copied
    context per call): the connections they open are closed when the batch ends (checked without a gc)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # counts PostgreSQL's backends; nothing to count on SQLite
    settings.PORTAL_OUTBOX_THREADS = 3
    topic = "test.reads-the-db"
    monkeypatch.setitem(HANDLERS, topic, lambda gw, event: {"orders": PurchaseOrder.objects.count()})
    orders = _orders(synced, 3)
    import gc

    gc.collect()
    before = _open_connections()
    for round_ in range(3):
        for po in orders:
            with transaction.atomic():
                outbox_emit(tenant=synced.tenant, topic=topic, aggregate=po, payload={"round": round_})
        assert tenant_drain(tenant_id=synced.tenant.pk, lane=Lane.REALTIME).done == 3
    leaked = _open_connections() - before
    gc.collect()
    after_gc = _open_connections() - before
    assert leaked <= 0, f"{leaked} connections left open by the delivery threads ({after_gc} after a gc)"
