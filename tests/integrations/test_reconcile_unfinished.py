"""Reconciliation of deliveries that did not finish: what a failed, retrying or abandoned event left
half-done in Odoo is reported, and replaying it converges."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent, SyncDrift
from integrations.services.delivery import event_deliver
from integrations.services.reconcile import drift_resend, tenant_reconcile
from suppliers.models import Asn, PurchaseOrder
from suppliers.services.acknowledgements import LineAnswer, ack_submit, local_date
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_submit
from tests.conftest import login
from tests.suppliers.inputs import asn_header, asn_lines


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    """Against a simulated Odoo 18 (/jsonrpc, where the failure was seen) and 19 (JSON-2)."""
    return request.param


pytestmark = pytest.mark.django_db


def _as_delivery_left_it(event, status, **fields):
    """What event_deliver writes when an attempt ends (a QuerySet update does not touch updated_at)."""
    OutboxEvent.objects.filter(pk=event.pk).update(status=status, updated_at=timezone.now(), **fields)
    event.refresh_from_db()


def _bracket_asn(synced):
    po = (
        PurchaseOrder.objects.filter(tenant=synced.tenant, state="purchase", lines__product__default_code="ALU-BRKT-7")
        .exclude(receipt_status="partial")
        .distinct()
        .first()
    )
    bracket = po.lines.get(product__default_code="ALU-BRKT-7")
    eta = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0) + dt.timedelta(days=3)
    asn = asn_create(
        membership=synced.supplier,
        po_ids=[po.pk],
        header=asn_header(
            synced.supplier, {"ship_date": dt.date.today().isoformat(), "eta": eta.isoformat(), "carrier": "DHL"}
        ),
    )
    asn_update(
        membership=synced.supplier,
        asn_id=asn.pk,
        lines=asn_lines(
            [
                {
                    "order_line": bracket.pk,
                    "quantity": bracket.quantity,
                    "items": [
                        {"lot_name": "LOT-A-7", "quantity": bracket.quantity - 150},
                        {"lot_name": "LOT-B-7", "quantity": 150},
                    ],
                }
            ]
        ),
    )
    return asn, po, bracket


def _bracket_lines(gw, move_id):
    rows = gw.search_read("stock.move.line", [["move_id", "=", move_id]], ["lot_name", "lot_id", "quantity"])
    return sorted((row["lot_name"] or "", row["quantity"]) for row in rows)


def test_half_written_receipt_is_drift_and_a_replay_finishes_it_exactly(
    synced, client, celery_eager, django_capture_on_commit_callbacks
):
    gw = synced.gw
    with django_capture_on_commit_callbacks(execute=False):  # delivered by hand below
        asn, po, bracket = _bracket_asn(synced)
        asn = asn_submit(membership=synced.supplier, asn_id=asn.pk)
    event = asn.outbox_event
    lot_a, lot_b = float(bracket.quantity - 150), 150.0
    [picking] = gw.read("purchase.order", [po.odoo_id], ["picking_ids"])[0]["picking_ids"]
    receipt = gw.read("stock.picking", [picking], ["name"])[0]["name"]
    [move] = gw.search_read(
        "stock.move",
        [["picking_id", "=", picking], ["purchase_line_id", "=", bracket.odoo_id]],
        ["product_id", "product_uom", "location_id", "location_dest_id", "move_line_ids"],
    )
    assert event.status == EventStatus.PENDING and event.attempts == 0
    assert tenant_reconcile(tenant=synced.tenant) == 0  # not attempted yet: nothing to look at

    # What the real Odoo 18 was left with: the scheduled date and lot A written, the reservation line
    # gone, the create of lot B refused, no note.
    gw.write("stock.picking", [picking], {"scheduled_date": event.payload["eta"]})
    gw.create(
        "stock.move.line",
        {
            "move_id": move["id"],
            "picking_id": picking,
            "product_id": move["product_id"][0],
            "product_uom_id": move["product_uom"][0],
            "location_id": move["location_id"][0],
            "location_dest_id": move["location_dest_id"][0],
            "lot_name": "LOT-A-7",
            "quantity": lot_a,
        },
    )
    gw.unlink("stock.move.line", move["move_line_ids"])  # the reservation line
    # ... and a lot no ASN announced (typed at the dock, or left by an older attempt)
    stray = gw.create(
        "stock.move.line",
        {
            "move_id": move["id"],
            "picking_id": picking,
            "product_id": move["product_id"][0],
            "product_uom_id": move["product_uom"][0],
            "location_id": move["location_id"][0],
            "location_dest_id": move["location_dest_id"][0],
            "lot_name": "OLD-LOT-9",
            "quantity": 5,
        },
    )
    assert _bracket_lines(gw, move["id"]) == [("LOT-A-7", lot_a), ("OLD-LOT-9", 5.0)]

    # In flight within its lease: a worker is at it, half-done is expected.
    lease = timezone.now() + timedelta(minutes=5)
    _as_delivery_left_it(event, EventStatus.IN_FLIGHT, attempts=1, leased_until=lease)
    assert tenant_reconcile(tenant=synced.tenant) == 0
    # Its lease ran out (the worker was lost; nothing else changed on the row): reported by the next run.
    OutboxEvent.objects.filter(pk=event.pk).update(leased_until=timezone.now())
    assert tenant_reconcile(tenant=synced.tenant) == 1
    drift = SyncDrift.objects.get(event=event, resolved_at__isnull=True)
    assert drift.message.startswith(f"{asn.number} stopped half-way (its worker was lost) after writing lot LOT-A-7")
    # Retrying: the same drift, in today's words.
    _as_delivery_left_it(
        event,
        EventStatus.PENDING,
        attempts=1,
        leased_until=None,
        next_attempt_at=timezone.now() + timedelta(hours=1),
        last_error="stock.move.line.create: odoo.http.SessionExpiredException: Session expired",
        last_error_class="transient:odoo.http.SessionExpiredException",
    )
    assert tenant_reconcile(tenant=synced.tenant) == 0
    drift.refresh_from_db()
    assert drift.message.startswith(
        f"{asn.number} is retrying (attempt 1 failed) after writing lot LOT-A-7 {lot_a:g} to {receipt}, not yet lot "
        "LOT-B-7 150; its next attempt should finish it; replay it if it fails for good, or cancel it"
    )
    # Then it failed for good, as the delivery of the refused create does.
    _as_delivery_left_it(
        event,
        EventStatus.DEAD,
        attempts=2,
        last_error="stock.move.line.create: odoo.exceptions.ValidationError: You cannot create this move line.",
        last_error_class="permanent:odoo.exceptions.ValidationError",
    )
    assert tenant_reconcile(tenant=synced.tenant) == 0  # filed once
    drift.refresh_from_db()
    assert drift.resolved_at is None
    assert drift.message == (
        f"{asn.number} failed in Odoo after writing lot LOT-A-7 {lot_a:g} to {receipt}, not yet lot LOT-B-7 150; "
        f"replay it to finish, or cancel it and remove that lot from {receipt} in Odoo. "
        f"{receipt} also holds lot OLD-LOT-9 5 that no ASN of the portal announced: remove it in Odoo if an "
        "earlier attempt left it, or accept it as is."
    )
    assert drift.found["lots"] == [
        {"receipt": receipt, "lot": "LOT-A-7", "product_id": move["product_id"][0], "quantity": lot_a}
    ]
    assert [lot["lot"] for lot in drift.found["unannounced"]] == ["OLD-LOT-9"]
    assert [lot["lot"] for lot in drift.expected["lots"]] == ["LOT-A-7", "LOT-B-7"]

    # The admin sees it with the event's error, on the queue and on the event's page.
    login(client, synced.admin)
    queue = client.get(reverse("sync_exceptions", args=[synced.tenant.slug])).content.decode()
    assert f"{asn.number} failed in Odoo after writing lot LOT-A-7" in queue
    assert "permanent:odoo.exceptions.ValidationError" in queue and "You cannot create this move line." in queue
    page = client.get(reverse("sync_event", args=[synced.tenant.slug, event.pk])).content.decode()
    assert "Found by reconciliation" in page and "no ASN of the portal announced" in page

    # The dock says OLD-LOT-9 is not theirs: removed in Odoo. Then the admin replays from the queue.
    gw.unlink("stock.move.line", [stray])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sync_exceptions", args=[synced.tenant.slug]), {"event": [event.pk], "action": "replay"}
        )
    assert response.status_code == 302
    event.refresh_from_db()
    drift.refresh_from_db()
    assert event.status == EventStatus.DONE and event.attempts == 1
    assert drift.resolved_at is not None and drift.resolution == "delivered again"
    assert _bracket_lines(gw, move["id"]) == [("LOT-A-7", lot_a), ("LOT-B-7", lot_b)]  # no reservation, no twice
    notes = gw.search(
        "mail.message",
        [["model", "=", "stock.picking"], ["res_id", "=", picking], ["body", "ilike", f"portal-event-{event.id}"]],
    )
    assert len(notes) == 1
    asn.refresh_from_db()
    assert asn.status == Asn.Status.IN_TRANSIT and asn.odoo_mismatches == []
    assert tenant_reconcile(tenant=synced.tenant, full=True) == 0  # and as delivered, nothing is missing


def test_failed_asn_that_wrote_nothing_is_only_in_the_queue(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        asn, _po, _bracket = _bracket_asn(synced)
        asn = asn_submit(membership=synced.supplier, asn_id=asn.pk)
    _as_delivery_left_it(
        asn.outbox_event,
        EventStatus.DEAD,
        attempts=1,
        last_error="stock.picking.write: odoo.exceptions.AccessError: no",
        last_error_class="permanent:odoo.exceptions.AccessError",
    )
    assert tenant_reconcile(tenant=synced.tenant) == 0


def _ack_with_a_new_date(synced, supplier_ref=""):
    po = synced.po
    first, *rest = list(po.lines.order_by("sequence", "id"))
    promised = local_date(first.date_planned, synced.tenant) + dt.timedelta(days=1)
    ack = ack_submit(
        membership=synced.supplier,
        po_id=po.pk,
        answers=[
            LineAnswer(line_id=first.pk, decision="change", promised_date=promised),
            *[LineAnswer(line_id=x.pk) for x in rest],
        ],
        supplier_ref=supplier_ref,
    )
    return OutboxEvent.objects.get(pk=ack.outbox_event_id), first, promised


def _ack_notes(gw, po, event):
    return gw.search(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "=", po.odoo_id], ["body", "ilike", f"portal-event-{event.id}"]],
    )


def refuse_posts(synced, *, times: int = 1, message: str = "refused") -> None:
    """The simulated Odoo refuses the next chatter posts on orders, as a real one refused the handler's last call."""
    synced.sim.control(
        "refuse",
        model="purchase.order",
        method="message_post",
        name="odoo.exceptions.AccessError",
        message=message,
        times=times,
    )


def test_acknowledgement_that_died_after_its_write_is_drift_and_resend_finishes_it(
    synced, client, celery_eager, django_capture_on_commit_callbacks
):
    gw, po = synced.gw, synced.po
    with django_capture_on_commit_callbacks(execute=False):
        event, first, promised = _ack_with_a_new_date(synced, supplier_ref="NF-SO-4711")

    refuse_posts(synced, message="You are not allowed to post here.")
    assert event_deliver(event_id=str(event.id)) == "dead"
    event.refresh_from_db()
    assert event.last_error_class == "permanent:odoo.exceptions.AccessError"
    row = gw.read("purchase.order.line", [first.odoo_id], ["date_planned"])[0]
    assert row["date_planned"][:10] == promised.isoformat() and not _ack_notes(gw, po, event)  # half-done

    assert tenant_reconcile(tenant=synced.tenant) == 1
    drift = SyncDrift.objects.get(event=event, resolved_at__isnull=True)
    assert drift.message.startswith(
        f"The acknowledgement of {po.name} (version 1) failed in Odoo after writing the promised date "
        f"{promised.isoformat()} of line {first.odoo_id} ("
    )
    flag = synced.gw.dialect.po_acknowledged
    assert drift.message.endswith(
        f", the vendor reference NF-SO-4711 and Odoo's own acknowledgement of the order ({flag}), without its "
        "chatter note; replay it to finish, or cancel it and set the order back in Odoo."
    )
    assert drift.found["note"] is False and drift.found["date_planned"][str(first.odoo_id)][:10] == promised.isoformat()
    login(client, synced.admin)
    queue = client.get(reverse("sync_exceptions", args=[synced.tenant.slug])).content.decode()
    assert f"The acknowledgement of {po.name} (version 1) failed in Odoo" in queue
    assert "You are not allowed to post here." in queue

    # "Send again" on the drift: delivered from the start, the note once, the drift closed.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sync_drift", args=[synced.tenant.slug, drift.pk]), {"action": "resend"})
    event.refresh_from_db()
    drift.refresh_from_db()
    assert event.status == EventStatus.DONE and event.last_error == ""
    assert drift.resolved_at is not None and drift.resolution == "delivered again"
    assert len(_ack_notes(gw, po, event)) == 1
    assert gw.read("purchase.order", [po.odoo_id], ["partner_ref"])[0]["partner_ref"] == "NF-SO-4711"
    assert tenant_reconcile(tenant=synced.tenant, full=True) == 0


def test_acknowledgement_whose_note_is_there_without_its_dates_is_drift(synced, django_capture_on_commit_callbacks):
    gw, po = synced.gw, synced.po
    with django_capture_on_commit_callbacks(execute=False):
        event, first, promised = _ack_with_a_new_date(synced)
    assert event_deliver(event_id=str(event.id)) == "done"
    # The worker was lost after the note, before the portal recorded "done": all of it is in Odoo.
    _as_delivery_left_it(event, EventStatus.IN_FLIGHT, leased_until=timezone.now() - timedelta(minutes=1))
    assert tenant_reconcile(tenant=synced.tenant) == 1
    drift = SyncDrift.objects.get(event=event, resolved_at__isnull=True)
    assert drift.message.startswith(f"Odoo already shows all of the acknowledgement of {po.name} (version 1)")
    # A worker took it again meanwhile: "send again" waits for it rather than running beside it.
    OutboxEvent.objects.filter(pk=event.pk).update(leased_until=timezone.now() + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="being delivered right now"):
        drift_resend(actor=synced.admin, drift_id=drift.pk)
    # Someone puts the old date back in Odoo; the event then fails for good: the note stands alone.
    gw.write("purchase.order.line", [first.odoo_id], {"date_planned": "2030-01-01 12:00:00"})
    _as_delivery_left_it(event, EventStatus.DEAD, leased_until=None, last_error="x", last_error_class="permanent:x")
    assert tenant_reconcile(tenant=synced.tenant) == 0
    drift.refresh_from_db()
    assert drift.message.startswith(
        f"The chatter of {po.name} has the note of acknowledgement version 1, which failed in Odoo, but Odoo "
        f"does not show its promised date {promised.isoformat()} of line {first.odoo_id} ("
    )
    assert drift.message.endswith("(Odoo has 2030-01-01); replay it to finish, or accept Odoo's values.")


def test_acknowledgement_with_only_a_reference_is_checked_by_its_reference(synced, django_capture_on_commit_callbacks):
    po = synced.po
    with django_capture_on_commit_callbacks(execute=False):
        ack = ack_submit(
            membership=synced.supplier,
            po_id=po.pk,
            answers=[LineAnswer(line_id=line.pk) for line in po.lines.all()],
            supplier_ref="NF-SO-REF-ONLY",
        )
    event = OutboxEvent.objects.get(pk=ack.outbox_event_id)
    assert event.payload["line_dates"] == {}

    refuse_posts(synced)
    assert event_deliver(event_id=str(event.id)) == "dead"
    assert tenant_reconcile(tenant=synced.tenant) == 1
    drift = SyncDrift.objects.get(event=event)
    flag = synced.gw.dialect.po_acknowledged
    assert (
        f"after writing the vendor reference NF-SO-REF-ONLY and Odoo's own acknowledgement of the order ({flag}), "
        "without its chatter note" in drift.message
    )


def test_unfinished_acknowledgements_are_checked_in_one_batch(synced, django_capture_on_commit_callbacks):
    orders = [
        po for po in PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11) if po.needs_acknowledgement
    ][:3]
    assert len(orders) == 3
    with django_capture_on_commit_callbacks(execute=False):
        events = []
        for po in orders:
            ack = ack_submit(
                membership=synced.supplier,
                po_id=po.pk,
                answers=[LineAnswer(line_id=line.pk) for line in po.lines.all()],
                supplier_ref=f"NF-{po.pk}",
            )
            events.append(OutboxEvent.objects.get(pk=ack.outbox_event_id))

    refuse_posts(synced, times=3)
    assert [event_deliver(event_id=str(e.id)) for e in events] == ["dead"] * 3
    synced.sim.control("clear_stats")
    assert tenant_reconcile(tenant=synced.tenant) == 3
    # three calls for the batch: the lines, Odoo's acknowledgement flags, the notes
    calls = synced.sim.control("stats")["calls"]
    assert calls == {"purchase.order.line.search_read": 1, "purchase.order.read": 1, "mail.message.search_read": 1}
    assert {d.message.split(" failed in Odoo")[0] for d in SyncDrift.objects.all()} == {
        f"The acknowledgement of {po.name} (version 1)" for po in orders
    }


def test_acknowledgement_that_died_after_odoos_own_acknowledgement_only_is_drift(
    synced, django_capture_on_commit_callbacks
):
    """Accepted as is, no reference: the handler writes nothing, calls Odoo's acknowledgement, then posts its
    note. When the note is refused, Odoo shows the order acknowledged by the vendor and nothing else."""
    po = next(
        o for o in PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11) if o.needs_acknowledgement
    )
    with django_capture_on_commit_callbacks(execute=False):
        ack = ack_submit(
            membership=synced.supplier, po_id=po.pk, answers=[LineAnswer(line_id=line.pk) for line in po.lines.all()]
        )
    event = OutboxEvent.objects.get(pk=ack.outbox_event_id)
    assert event.payload["line_dates"] == {} and not event.payload["supplier_ref"] and event.payload["confirmed_date"]
    refuse_posts(synced)
    assert event_deliver(event_id=str(event.id)) == "dead"
    flag = synced.gw.dialect.po_acknowledged
    assert synced.gw.read("purchase.order", [po.odoo_id], [flag])[0][flag] is True
    assert tenant_reconcile(tenant=synced.tenant) == 1
    drift = SyncDrift.objects.get(event=event)
    assert f"failed in Odoo after writing Odoo's own acknowledgement of the order ({flag}), without its chatter" in (
        drift.message
    )
