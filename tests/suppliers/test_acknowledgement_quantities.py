"""Acknowledged quantities and who said what reach Odoo 18 and 19: the line's ``product_qty`` becomes the
approved quantity and the receipt follows, the chatter names the supplier and the approving buyer, and
the vendor confirmation carries the date of the version that stands."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count

from integrations.handlers.acknowledgements import _title
from integrations.models import OutboxEvent
from integrations.services.delivery import event_deliver
from integrations.services.pull import tenant_pull
from portal import l10n
from portal.models import Role
from suppliers.models import Acknowledgement, AckStatus, PurchaseOrder, rules_for
from suppliers.services.acknowledgements import LineAnswer, ack_decide, ack_submit, local_date
from tests.factories import UserFactory, member

FSI, PDI = "\u2068", "\u2069"  # how a chatter note isolates a name (integrations.handlers.notes)


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    """These flows run against a simulated Odoo 18 (/jsonrpc) and 19 (JSON-2)."""
    return request.param


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sim_as_seeded_after(request):
    """These tests receive goods and change quantities in the session's simulator: leave it as seeded."""
    sim = request.getfixturevalue("synced").sim if "synced" in request.fixturenames else None
    yield
    if sim is not None:
        sim.control("reset")


def _deliver_all(tenant) -> list[str]:
    return [
        event_deliver(event_id=str(e.id))
        for e in OutboxEvent.objects.filter(tenant=tenant, status="pending").order_by("created_at", "sequence")
    ]


def _lines(po):
    return list(po.lines.order_by("sequence", "id"))


def _open_demand(gw, line_odoo_id: int) -> float:
    """What the receipt still expects of a PO line: its open incoming moves' demand."""
    moves = gw.read("purchase.order.line", [line_odoo_id], ["move_ids"])[0]["move_ids"]
    rows = gw.read("stock.move", moves, ["product_uom_qty", "state", "picking_type_id"])
    return sum(m["product_uom_qty"] for m in rows if m["state"] not in ("done", "cancel"))


def _bodies(gw, po) -> list[str]:
    return [
        m["body"]
        for m in gw.search_read(
            "mail.message", [["model", "=", "purchase.order"], ["res_id", "=", po.odoo_id]], ["body"], order="id asc"
        )
    ]


def _untouched(synced) -> PurchaseOrder:
    """A confirmed order of Nordic Fasteners with several lines and nothing received yet."""
    return (
        PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11, state="purchase")
        .exclude(lines__qty_received__gt=0)
        .annotate(n=Count("lines"))
        .filter(n__gt=1)
        .order_by("pk")
        .first()
    )


def _people(synced):
    supplier_user = synced.supplier.user
    supplier_user.first_name, supplier_user.last_name = "Anna", "Berg"
    supplier_user.save()
    buyer = member(synced.tenant, Role.BUYER, user=UserFactory(first_name="Bruno", last_name="Keller"))
    return buyer


def test_an_approved_quantity_becomes_the_lines_quantity_and_the_receipt_follows(synced):
    po, gw, tenant = _untouched(synced), synced.gw, synced.tenant
    buyer = _people(synced)
    first, *rest = _lines(po)
    asked = first.quantity
    promised = asked - Decimal("100")
    assert _open_demand(gw, first.odoo_id) == float(asked)
    answers = [LineAnswer(line_id=first.pk, decision="change", promised_qty=promised)]
    answers += [LineAnswer(line_id=line.pk) for line in rest]
    ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers, supplier_ref="NF-4711")
    assert ack.status == Acknowledgement.Status.PENDING  # the tenant accepts no quantity change by default
    assert _deliver_all(tenant) == ["done"]  # the buyer's review activity only
    assert gw.read("purchase.order.line", [first.odoo_id], ["product_qty"])[0]["product_qty"] == float(asked)

    ack = ack_decide(membership=buyer, ack_id=ack.pk, approve=True, note="Fine, split the rest next month")
    event = OutboxEvent.objects.get(pk=ack.outbox_event_id)
    assert event.payload_version == 2 and event.payload["line_qtys"] == {
        str(first.odoo_id): f"{promised.normalize():f}"
    }
    assert _deliver_all(tenant) == ["done"]
    line = gw.read("purchase.order.line", [first.odoo_id], ["product_qty"])[0]
    assert line["product_qty"] == float(promised)
    assert _open_demand(gw, first.odoo_id) == float(promised)  # Odoo took the difference off the receipt
    for other in rest:  # accepted lines keep their quantity
        assert gw.read("purchase.order.line", [other.odoo_id], ["product_qty"])[0]["product_qty"] == float(
            other.quantity
        )
    note = next(b for b in _bodies(gw, po) if f"portal-event-{event.id}" in b)
    company = po.partner.name
    # Names are bidirectional isolates (FSI ... PDI) in a chatter note: typed text cannot reorder the sentence.
    assert f"Acknowledged by the supplier {FSI}Anna Berg ({company}){PDI} on the supplier portal, version 1" in note
    assert f"changes approved by the buyer {FSI}Bruno Keller ({tenant.name}){PDI}" in note
    assert "Acknowledged on the supplier portal by Bruno Keller" not in note  # the buyer did not acknowledge
    assert f"Buyer's note: {FSI}Fine, split the rest next month{PDI}" in note
    # The pull reads the new quantity back: it is the supplier's own answer, not a change to acknowledge.
    tenant_pull(tenant=tenant)
    first.refresh_from_db()
    po.refresh_from_db()
    assert first.quantity == promised and po.ack_status == AckStatus.ACCEPTED


def test_a_quantity_within_tolerance_goes_at_once_and_a_redelivery_changes_nothing(synced):
    po, gw, tenant = _untouched(synced), synced.gw, synced.tenant
    _people(synced)
    rules = rules_for(tenant)
    rules.ack_qty_over_pct = Decimal("10")
    rules.save()
    first, *rest = _lines(po)
    more = (first.quantity * Decimal("1.05")).quantize(Decimal("0.0001"))
    answers = [LineAnswer(line_id=first.pk, decision="change", promised_qty=more)]
    answers += [LineAnswer(line_id=line.pk) for line in rest]
    ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers)
    assert ack.status == Acknowledgement.Status.ACCEPTED
    assert _deliver_all(tenant) == ["done"]
    assert gw.read("purchase.order.line", [first.odoo_id], ["product_qty"])[0]["product_qty"] == float(more)
    assert _open_demand(gw, first.odoo_id) == float(more)  # more: added to the open receipt
    event = OutboxEvent.objects.get(pk=ack.outbox_event_id)
    note = next(b for b in _bodies(gw, po) if f"portal-event-{event.id}" in b)
    assert f"Acknowledged by the supplier {FSI}Anna Berg ({po.partner.name}){PDI} on the supplier portal" in note
    assert "within the agreed tolerances" in note and "approved by" not in note
    # Replayed (a redelivery after a lost answer): same quantity, same receipt, no second note.
    from integrations.handlers.acknowledgements import po_acknowledged

    event.attempts = 2
    again = po_acknowledged(gw, event)
    assert again["already_there"] is True
    assert gw.read("purchase.order.line", [first.odoo_id], ["product_qty"])[0]["product_qty"] == float(more)
    assert _open_demand(gw, first.odoo_id) == float(more)
    assert sum(f"portal-event-{event.id}" in b for b in _bodies(gw, po)) == 1


def test_an_approved_rejection_takes_the_line_off_the_receipt(synced):
    po, gw, tenant = _untouched(synced), synced.gw, synced.tenant
    buyer = _people(synced)
    first, *rest = _lines(po)
    answers = [LineAnswer(line_id=first.pk, decision="reject", reason="Discontinued")]
    answers += [LineAnswer(line_id=line.pk) for line in rest]
    ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers)
    ack_decide(membership=buyer, ack_id=ack.pk, approve=True)
    assert _deliver_all(tenant) == ["done", "done"]
    assert gw.read("purchase.order.line", [first.odoo_id], ["product_qty"])[0]["product_qty"] == 0.0
    assert _open_demand(gw, first.odoo_id) == 0.0
    tenant_pull(tenant=tenant)
    po.refresh_from_db()
    assert po.ack_status == AckStatus.ACCEPTED  # 0 is what the supplier answered, not a change in Odoo


def test_a_later_approved_date_is_the_one_odoos_vendor_confirmation_carries(synced):
    po, gw, tenant = _untouched(synced), synced.gw, synced.tenant
    buyer = _people(synced)
    lines = _lines(po)
    ack_submit(membership=synced.supplier, po_id=po.pk, answers=[LineAnswer(line_id=x.pk) for x in lines])
    assert _deliver_all(tenant) == ["done"]
    first_date = min(local_date(x.date_planned, tenant) for x in lines)
    later = first_date + dt.timedelta(days=20)
    answers = [
        LineAnswer(line_id=x.pk, decision="change", promised_date=later)
        if x.pk == lines[0].pk
        else LineAnswer(line_id=x.pk, decision="change", promised_date=later + dt.timedelta(days=2))
        for x in lines
    ]
    second = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers)
    assert second.version == 2 and second.status == Acknowledgement.Status.PENDING
    second = ack_decide(membership=buyer, ack_id=second.pk, approve=True)
    event = OutboxEvent.objects.get(pk=second.outbox_event_id)
    assert event.payload["confirmed_date"] == later.isoformat()
    assert _deliver_all(tenant) == ["done", "done"]
    flag = gw.dialect.po_acknowledged
    assert gw.read("purchase.order", [po.odoo_id], [flag])[0][flag] is True
    bodies = _bodies(gw, po)
    if synced.series == "18.0":  # confirm_reminder_mail noted the first date, then this version's
        confirmations = [b for b in bodies if "confirmed the receipt will take place on" in b]
        assert [c.split(" on ")[-1][:10] for c in confirmations] == [first_date.isoformat(), later.isoformat()]
    else:  # 19: the portal's note carries the date
        note = next(b for b in bodies if f"portal-event-{event.id}" in b)
        assert f"The vendor confirmed the receipt for {l10n.day(later)}." in note
    # A retry of the same event does not confirm (nor note) the date once more.
    from integrations.handlers.acknowledgements import po_acknowledged

    event.attempts = 2
    po_acknowledged(gw, event)
    assert len(_bodies(gw, po)) == len(bodies)


def _partly_received(synced) -> PurchaseOrder:
    """NF-SO-5531 of the demo: ALU-BRKT-7 300 ordered, 200 received (a backorder holds 100);
    M8-BOLT-50 1000 ordered and received."""
    return PurchaseOrder.objects.get(tenant=synced.tenant, partner_ref="NF-SO-5531")


def _bracket(po):
    return po.lines.get(product__default_code="ALU-BRKT-7")


def test_a_promise_below_what_arrived_is_refused_with_the_received_quantity(synced):
    po = _partly_received(synced)
    bracket = _bracket(po)
    [bolts] = [x for x in _lines(po) if x.pk != bracket.pk]
    assert bracket.qty_received == 200 and bracket.quantity == 300
    answers = [
        LineAnswer(line_id=bracket.pk, decision="change", promised_qty=Decimal("150")),
        LineAnswer(line_id=bolts.pk),
    ]
    with pytest.raises(ValidationError) as caught:
        ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers)
    index = [a.line_id for a in answers].index(bracket.pk)
    assert "200 " in caught.value.message_dict[f"lines.{index}.promised_qty"][0]
    assert "received already; promise at least that" in caught.value.message_dict[f"lines.{index}.promised_qty"][0]
    assert not Acknowledgement.objects.filter(order=po).exists()


def test_a_partly_received_line_reduced_keeps_only_the_rest_on_the_backorder(synced):
    po, gw, tenant = _partly_received(synced), synced.gw, synced.tenant
    buyer = _people(synced)
    bracket = _bracket(po)
    assert _open_demand(gw, bracket.odoo_id) == 100.0
    answers = [
        LineAnswer(line_id=x.pk, decision="change", promised_qty=Decimal("250"))
        if x.pk == bracket.pk
        else LineAnswer(x.pk)
        for x in _lines(po)
    ]
    ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers)
    ack_decide(membership=buyer, ack_id=ack.pk, approve=True)
    assert _deliver_all(tenant) == ["done", "done"]
    assert gw.read("purchase.order.line", [bracket.odoo_id], ["product_qty"])[0]["product_qty"] == 250.0
    assert _open_demand(gw, bracket.odoo_id) == 50.0  # 200 arrived, 50 still to come


def test_goods_received_after_the_approval_park_the_event_with_a_plain_reason(synced):
    po, gw, tenant = _partly_received(synced), synced.gw, synced.tenant
    buyer = _people(synced)
    bracket = _bracket(po)
    answers = [
        LineAnswer(line_id=x.pk, decision="change", promised_qty=Decimal("210"))
        if x.pk == bracket.pk
        else LineAnswer(x.pk)
        for x in _lines(po)
    ]
    ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers, supplier_ref="NF-LATE")
    ack = ack_decide(membership=buyer, ack_id=ack.pk, approve=True)
    # Meanwhile the dock receives the rest of the backorder: 300 arrived, more than the approved 210.
    moves = gw.read("purchase.order.line", [bracket.odoo_id], ["move_ids"])[0]["move_ids"]
    open_move = next(m for m in gw.read("stock.move", moves, ["state", "picking_id"]) if m["state"] != "done")
    for move_line in gw.search_read("stock.move.line", [["move_id", "=", open_move["id"]]], ["id"]):
        gw.write("stock.move.line", [move_line["id"]], {"lot_name": "NF-LOT-2611-B"})
    action = gw.call("stock.picking", "button_validate", [open_move["picking_id"][0]])
    assert action is True or isinstance(action, dict)
    assert gw.read("purchase.order.line", [bracket.odoo_id], ["qty_received"])[0]["qty_received"] == 300.0
    statuses = _deliver_all(tenant)
    assert statuses[-1] != "done"
    event = OutboxEvent.objects.get(pk=ack.outbox_event_id)
    assert event.status == "dead" and "300 received in Odoo, more than the approved 210" in event.last_error
    # Nothing of the acknowledgement was half-written: the reference waits with the quantity.
    order = gw.read("purchase.order", [po.odoo_id], ["partner_ref"])[0]
    assert order["partner_ref"] != "NF-LATE"
    assert gw.read("purchase.order.line", [bracket.odoo_id], ["product_qty"])[0]["product_qty"] == 300.0


def test_odoo_refuses_less_than_received_as_real_odoo_does(synced):
    """purchase_stock's ``_create_or_update_picking``: the simulated Odoo answers the same UserError."""
    from integrations.odoo import OdooPermanentError

    po, gw = _partly_received(synced), synced.gw
    bracket = _bracket(po)
    with pytest.raises(OdooPermanentError) as caught:
        gw.write("purchase.order.line", [bracket.odoo_id], {"product_qty": 150.0})
    assert "below the received quantity" in str(caught.value)
    assert gw.read("purchase.order.line", [bracket.odoo_id], ["product_qty"])[0]["product_qty"] == 300.0


def test_events_queued_before_the_upgrade_still_read_right():
    """v1 payloads named one author: whoever sent it (the buyer, when approved)."""
    assert _title({"version": 3, "author": "Bruno Keller (Acme)", "approved": True}) == (
        f"Acknowledged on the supplier portal, version 3; changes approved by {FSI}Bruno Keller (Acme){PDI}"
    )
    assert _title({"version": 1, "author": "Anna Berg (Nordic)"}) == (
        f"Acknowledged on the supplier portal, version 1, by {FSI}Anna Berg (Nordic){PDI}"
    )
    over_api = {"version": 2, "acknowledged_by": "ERP link (Nordic)", "via_api": True, "approved_by": ""}
    assert _title(over_api) == (
        f"Acknowledged by the supplier {FSI}ERP link (Nordic){PDI} over the supplier portal's API, version 2; "
        "within the agreed tolerances"
    )
