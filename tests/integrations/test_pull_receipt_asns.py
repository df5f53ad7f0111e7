"""A receipt the pull finds done gives its goods to the shipments they belong to (the ``receipt.done`` hand-off):
by lot first, then by quantity, once, and in a number of queries that does not grow with its lots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.models import OutboxEvent
from suppliers.models import Asn, Product, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptMove
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_submit
from suppliers.services.po_changes import on_receipt_done
from tests.suppliers.inputs import asn_header, asn_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def po(world):
    return _order(world, 500)


def _order(world, odoo_id: int) -> PurchaseOrder:
    tenant = world.a
    sensor, _ = Product.objects.get_or_create(
        tenant=tenant, odoo_id=80, defaults={"default_code": "SER-9", "name": "Sensor", "tracking": "serial"}
    )
    nut, _ = Product.objects.get_or_create(
        tenant=tenant, odoo_id=81, defaults={"default_code": "NUT", "name": "Nut", "tracking": "none"}
    )
    order = PurchaseOrder.objects.create(
        tenant=tenant,
        partner=world.p1,
        odoo_id=odoo_id,
        name=f"P{odoo_id:05d}",
        state="purchase",
        receipt_status="pending",
        date_planned=datetime.now(UTC) + timedelta(days=5),
    )
    for line_id, product, qty in ((odoo_id + 1, sensor, 500), (odoo_id + 2, nut, 1000)):
        PurchaseOrderLine.objects.create(
            tenant=tenant, order=order, odoo_id=line_id, product=product, description=product.name, quantity=qty
        )
    return order


def _ship(world, po, serials: list[str], nuts: int) -> Asn:
    sensor, nut = po.lines.order_by("odoo_id")
    asn = asn_create(
        membership=world.p1_user,
        po_ids=[po.pk],
        header=asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-02"}),
    )
    lines = [{"order_line": nut.pk, "quantity": str(nuts)}]
    lines.append(
        {
            "order_line": sensor.pk,
            "quantity": str(len(serials)),
            "items": [{"lot_name": s, "quantity": "1"} for s in serials],
        }
        if serials
        else {"order_line": sensor.pk, "quantity": "0"}
    )
    asn_update(membership=world.p1_user, asn_id=asn.pk, lines=asn_lines(lines))
    return asn_submit(membership=world.p1_user, asn_id=asn.pk)


_receipts = iter(range(9000, 10000))


def _done_receipt(po, serials: list[str], nuts: int) -> Receipt:
    """A receipt as the pull mirrors it once Odoo validated it."""
    sensor, nut = po.lines.order_by("odoo_id")
    rid = next(_receipts)
    receipt = Receipt.objects.create(
        tenant=po.tenant, partner=po.partner, order=po, odoo_id=rid, name=f"WH/IN/{rid}", state="done"
    )
    for odoo_id, line, qty, lots in (
        (rid * 10, sensor, len(serials), [{"lot": s, "quantity": 1.0} for s in serials]),
        (rid * 10 + 1, nut, nuts, []),
    ):
        if qty:
            ReceiptMove.objects.create(
                tenant=po.tenant,
                receipt=receipt,
                odoo_id=odoo_id,
                product=line.product,
                order_line=line,
                quantity_expected=qty,
                quantity_done=qty,
                state="done",
                lots=lots,
            )
    return receipt


def test_lots_decide_first_then_quantities_and_a_receipt_is_given_out_once(world, po):
    a = _ship(world, po, ["A-1", "A-2"], 300)
    b = _ship(world, po, ["B-1"], 100)
    c = _ship(world, po, [], 100)
    receipt = _done_receipt(po, ["B-1"], 200)  # truck B, with 100 nuts more than B announced
    on_receipt_done(tenant=world.a, receipt=receipt)
    for x in (a, b, c):
        x.refresh_from_db()
    state = {x.number: (x.status, sorted(x.lines.values_list("quantity_received", flat=True))) for x in (a, b, c)}
    assert state == {
        a.number: (Asn.Status.SUBMITTED, [Decimal(0), Decimal(0)]),
        b.number: (Asn.Status.RECEIVED, [Decimal(1), Decimal(100)]),
        # B's lot came, so B's nuts did; the other 100 are C's exact quantity, not the oldest A's.
        c.number: (Asn.Status.RECEIVED, [Decimal(100)]),
    }
    assert list(Receipt.objects.get(pk=receipt.pk).asns.order_by("pk")) == [b, c]
    # What is still expected of A goes to Odoo's backorder again, in one new event.
    events = OutboxEvent.objects.filter(aggregate_id=str(a.pk), topic="asn.submitted").order_by("sequence")
    assert [e.payload.get("after_receipt") for e in events] == [None, receipt.name]
    before = OutboxEvent.objects.count()
    on_receipt_done(tenant=world.a, receipt=receipt)  # delivered twice: given out once
    assert OutboxEvent.objects.count() == before and Asn.objects.get(pk=c.pk).lines.get().quantity_received == 100
    # A's serials arrive one by one: partly received, then received.
    on_receipt_done(tenant=world.a, receipt=_done_receipt(po, ["A-2"], 150))
    a.refresh_from_db()
    assert a.status == Asn.Status.PARTIAL
    assert sorted(a.items.values_list("lot_name", "quantity_received")) == [("A-1", 0), ("A-2", 1)]
    on_receipt_done(tenant=world.a, receipt=_done_receipt(po, ["A-1"], 150))
    a.refresh_from_db()
    assert a.status == Asn.Status.RECEIVED


def test_giving_out_a_receipt_costs_the_same_queries_for_3_or_300_serial_numbers(world, django_assert_max_num_queries):
    counts = []
    for n, prefix, po in ((3, "S", _order(world, 600)), (300, "L", _order(world, 700))):
        serials = [f"{prefix}-{i}" for i in range(n)]
        _ship(world, po, serials, 10)
        _ship(world, po, [], 5)  # a second open shipment that stays open
        receipt = _done_receipt(po, serials, 10)
        with django_assert_max_num_queries(60) as captured:
            on_receipt_done(tenant=world.a, receipt=receipt)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
