"""The delivery measures' sources and drill-downs (quality.scorecards.delivery): on-time delivery, quantity
accuracy, acknowledgement on time and ASN accuracy, on hand-built data with each value worked out here."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quality.models import ScorecardRules
from quality.scorecards import catalogue
from quality.scorecards.delivery import DRILLS, SOURCES
from suppliers.models import Acknowledgement, AcknowledgementLine, Asn, PurchaseOrder, Receipt
from tests.factories import (
    AcknowledgementFactory,
    AsnFactory,
    AsnItemFactory,
    AsnLineFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ReceiptFactory,
    ReceiptMoveFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
MARCH, APRIL, FEB = dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 2, 1)
Status = Acknowledgement.Status


def at(y: int, m: int, d: int, h: int = 12, mi: int = 0, s: int = 0, tz: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, s, tzinfo=tz)


def line_of(partner, planned: dt.datetime | None = at(2026, 3, 10), quantity=100, **po_fields):
    po = PurchaseOrderFactory(partner=partner, **po_fields)
    return PurchaseOrderLineFactory(order=po, date_planned=planned, quantity=quantity)


def receive(line, done_at: dt.datetime, quantity, *, state=Receipt.State.DONE):
    """A receipt of ``line``'s order done at ``done_at`` that brought ``quantity`` of it."""
    receipt = ReceiptFactory(order=line.order, state=state, date_done=done_at)
    ReceiptMoveFactory(receipt=receipt, order_line=line, quantity_done=quantity, state="done")
    return receipt


def promise(line, day: dt.date | None, *, version=1, status=Status.ACCEPTED, decision="change"):
    """Version ``version`` of the order's acknowledgement answering ``line`` with ``day`` promised."""
    ack = Acknowledgement.objects.filter(order=line.order, version=version).first()
    ack = ack or AcknowledgementFactory(order=line.order, version=version, status=status)
    AcknowledgementLine.objects.create(
        tenant=line.tenant,
        acknowledgement=ack,
        order_line=line,
        line_odoo_id=line.odoo_id,
        description=line.description,
        decision=decision,
        requested_qty=line.quantity,
        promised_date=day,
    )
    return ack


def inputs(key: str, tenant, months, partner_ids=None) -> dict:
    return {(p, m): values for p, m, values in SOURCES[key](tenant=tenant, months=months, partner_ids=partner_ids)}


# --- on-time delivery ---------------------------------------------------------------------------------


def test_otd_window_edges_both_ways(world):
    # Promised 10 March; default window 2 days early, 0 late: 8 March is on time, 7 March early, 11 late.
    for day, quantity in ((8, 10), (7, 20), (10, 30), (11, 40)):
        line = line_of(world.p1)
        promise(line, dt.date(2026, 3, 10))
        receive(line, at(2026, 3, day), quantity)
    got = inputs("otd", world.a, [MARCH])
    assert got == {
        (world.p1.pk, MARCH): {
            "lines": 4,
            "lines_on_time": 2,
            "quantity": "100",
            "quantity_on_time": "40",  # 10 + 30
            "early": 1,
            "late": 1,
            "undated": 0,
        }
    }
    assert set(got[(world.p1.pk, MARCH)]) == set(catalogue.INPUT_NAMES["otd"])
    assert catalogue.value("otd", got[(world.p1.pk, MARCH)]) == Decimal(40)

    # The tenant's own window: 0 early, 1 late: 8 and 7 March early, 10 and 11 on time.
    ScorecardRules.objects.create(tenant=world.a, on_time_days_early=0, on_time_days_late=1)
    line = line_of(world.p1)
    promise(line, dt.date(2026, 3, 10))
    receive(line, at(2026, 3, 12), 5)  # 2 days late
    got = inputs("otd", world.a, [MARCH])[(world.p1.pk, MARCH)]
    assert (got["lines_on_time"], got["early"], got["late"], got["quantity_on_time"]) == (2, 2, 1, "70")


def due_date_world(world):
    """Six delivered lines of P1 in March 2026 (UTC tenant), each due by another rule."""
    planned = at(2026, 3, 5)
    a = line_of(world.p1, planned)  # no acknowledgement: the requested day, 5 March
    receive(a, at(2026, 3, 5), 5)  # on time
    b = line_of(world.p1, planned)
    promise(b, dt.date(2026, 3, 20))
    receive(b, at(2026, 3, 5), 7)  # 15 days before the promised 20th: early
    c = line_of(world.p1, None)  # neither promised nor requested
    receive(c, at(2026, 3, 5), 9)
    d = line_of(world.p1, planned)
    promise(d, dt.date(2026, 3, 20), status=Status.PENDING)  # not in force: due the requested 5th
    receive(d, at(2026, 3, 5), 11)  # on time
    e = line_of(world.p1, planned)
    promise(e, dt.date(2026, 3, 1), version=1, status=Status.ACCEPTED)
    promise(e, dt.date(2026, 3, 12), version=2, status=Status.APPROVED)  # the latest in force
    promise(e, dt.date(2026, 3, 30), version=3, status=Status.DECLINED)
    receive(e, at(2026, 3, 12), 13)  # on time by version 2 (11 days late by version 1)
    f = line_of(world.p1, planned)
    promise(f, None, decision="reject")  # rejected in the version in force: the requested 5th
    receive(f, at(2026, 3, 6), 17)  # 1 day late


def test_otd_due_date_promised_else_requested_else_undated(world):
    due_date_world(world)
    assert inputs("otd", world.a, [MARCH]) == {
        (world.p1.pk, MARCH): {
            "lines": 5,  # a, b, d, e, f (c has no date)
            "lines_on_time": 3,  # a, d, e
            "quantity": "53",  # 5 + 7 + 11 + 13 + 17
            "quantity_on_time": "29",  # 5 + 11 + 13
            "early": 1,
            "late": 1,
            "undated": 1,
        }
    }


def test_otd_drill_agrees_and_says_what_it_leaves_out(world):
    due_date_world(world)
    drill = DRILLS["otd"](tenant=world.a, partner=world.p1, months=[MARCH])
    assert (drill.total, drill.bad_total) == (5, 2)
    assert drill.note == "Left out: 1 line with no promised or requested date."
    assert [row.bad for row in drill.rows] == [True, True, False, False, False]
    results = {row.cells[-1]: row.cells[4] for row in drill.rows if row.bad}
    assert results == {"1 day late": "2026-03-05 (requested)", "15 days early": "2026-03-20 (promised)"}
    assert all(row.link[0] == "receipt" for row in drill.rows)
    assert Receipt.objects.get(pk=drill.rows[0].link[1]).date_done == at(2026, 3, 6)  # newest bad row first
    one = DRILLS["otd"](tenant=world.a, partner=world.p1, months=[MARCH], limit=1)
    assert len(one.rows) == 1 and one.rows[0].bad and (one.total, one.bad_total) == (5, 2)


def test_otd_months_in_a_west_of_utc_tenant(world):
    world.a.time_zone = "America/Los_Angeles"
    world.a.save()
    # Requested 1 April 03:00 UTC: 31 March 20:00 in Los Angeles, so due 31 March there.
    line = line_of(world.p1, at(2026, 4, 1, 3), quantity=100)
    receive(line, at(2026, 4, 1, 6, 30), 60)  # 31 March 23:30 PDT: March, on time
    receive(line, at(2026, 4, 1, 7, 30), 40)  # 1 April 00:30 PDT: April, 1 day late
    got = inputs("otd", world.a, [MARCH, APRIL])
    assert got[(world.p1.pk, MARCH)] == {
        "lines": 1, "lines_on_time": 1, "quantity": "60", "quantity_on_time": "60", "early": 0, "late": 0,
        "undated": 0,
    }  # fmt: skip
    assert got[(world.p1.pk, APRIL)] == {
        "lines": 1, "lines_on_time": 0, "quantity": "40", "quantity_on_time": "0", "early": 0, "late": 1,
        "undated": 0,
    }  # fmt: skip
    assert list(inputs("otd", world.a, [APRIL])) == [(world.p1.pk, APRIL)]
    # The partial receipts' line is judged once, in April (its last receipt there), received in full.
    assert inputs("quantity", world.a, [MARCH, APRIL]) == {
        (world.p1.pk, APRIL): {"lines": 1, "accurate": 1, "over": 0, "under": 0}
    }


def test_a_month_without_deliveries_is_no_data(world):
    due_date_world(world)
    line = line_of(world.p1)
    receive(line, at(2026, 3, 9), 100)
    receive(line_of(world.p1), at(2026, 5, 9), 100, state=Receipt.State.ASSIGNED)  # not done: no delivery
    for key in ("otd", "quantity", "asn"):
        assert inputs(key, world.a, [APRIL, dt.date(2026, 5, 1)]) == {}, key
        assert inputs(key, world.a, [MARCH]) != {}, key
    drill = DRILLS["otd"](tenant=world.a, partner=world.p1, months=[APRIL])
    assert (drill.total, drill.bad_total, drill.rows, drill.note) == (0, 0, [], "")
    assert inputs("otd", world.a, []) == {}


# --- quantity accuracy --------------------------------------------------------------------------------


def test_quantity_accuracy_judged_once_when_receiving_ends(world):
    def line_received(amounts, quantity=100, **po):
        line = line_of(world.p1, quantity=quantity, **po)
        for when, amount in amounts:
            receive(line, when, amount)
        return line

    partial = {"receipt_status": PurchaseOrder.ReceiptStatus.PARTIAL}
    full = {"receipt_status": PurchaseOrder.ReceiptStatus.FULL}
    line_received([(at(2026, 3, 10), 95)], **partial)  # 95 >= 100 x 0.95: ended, accurate (low edge)
    line_received([(at(2026, 3, 10), 94)], **partial)  # below 95 and more to come: not judged
    line_received([(at(2026, 3, 10), 90)], **full)  # Odoo says received: ended, 10 short
    line_received([(at(2026, 3, 10), 105)], **full)  # 105 <= 100 x 1.05: accurate (high edge)
    line_received([(at(2026, 3, 10), Decimal("105.5"))], **full)  # over
    line_received([(at(2026, 2, 10), 60), (at(2026, 3, 2), 40)], **full)  # two receipts, judged in March
    line_received([(at(2026, 3, 2), 50), (at(2026, 4, 2), 50)], **full)  # last receipt in April
    returned = line_received([(at(2026, 3, 10), 100)], **full)
    returned.qty_received = 70  # Odoo's count after a return of 30: not what the supplier delivered
    returned.save()
    line_received([(at(2026, 3, 10), 50)], state=PurchaseOrder.State.DONE, **partial)  # locked, still receiving
    got = inputs("quantity", world.a, [FEB, MARCH, APRIL])
    assert got == {
        (world.p1.pk, MARCH): {"lines": 6, "accurate": 4, "over": 1, "under": 1},
        (world.p1.pk, APRIL): {"lines": 1, "accurate": 1, "over": 0, "under": 0},
    }
    assert inputs("quantity", world.a, [FEB]) == {}
    assert catalogue.value("quantity", got[(world.p1.pk, MARCH)]) == Decimal(400) / 6

    drill = DRILLS["quantity"](tenant=world.a, partner=world.p1, months=[MARCH])
    assert (drill.total, drill.bad_total) == (6, 2)
    assert drill.note == "Left out: 2 lines still being received (judged when receiving ends)."
    bad = {row.cells[-1]: row.cells[2:5] for row in drill.rows[:2]}
    assert bad == {
        "10 Units short": ("100 Units", "90 Units", "95-105"),
        "5.5 Units over": ("100 Units", "105.5 Units", "95-105"),
    }
    assert all(row.link[0] == "po" for row in drill.rows) and not any(row.bad for row in drill.rows[2:])


def test_quantity_tolerance_is_the_tenants(world):
    ScorecardRules.objects.create(tenant=world.a, quantity_under_pct=0, quantity_over_pct=10)
    full = {"receipt_status": PurchaseOrder.ReceiptStatus.FULL}
    receive(line_of(world.p1, **full), at(2026, 3, 10), 99)  # under by 1 %: under now
    receive(line_of(world.p1, **full), at(2026, 3, 10), 110)  # over by 10 %: accurate now
    receive(line_of(world.p1, **{"receipt_status": PurchaseOrder.ReceiptStatus.PARTIAL}), at(2026, 3, 10), 100)
    assert inputs("quantity", world.a, [MARCH]) == {
        (world.p1.pk, MARCH): {"lines": 3, "accurate": 2, "over": 0, "under": 1}
    }


# --- acknowledgement on time --------------------------------------------------------------------------


def published(partner, when: dt.datetime, answers=(), state=PurchaseOrder.State.PURCHASE):
    """A PO confirmed at ``when``; ``answers``: (created_at, status) of its versions, oldest first."""
    po = PurchaseOrderFactory(partner=partner, state=state, date_approve=when)
    for version, (created, status) in enumerate(answers, start=1):
        ack = AcknowledgementFactory(order=po, version=version, status=status)
        Acknowledgement.objects.filter(pk=ack.pk).update(created_at=created)
    return po


def test_ack_response_time(world):
    p = world.p1
    published(p, at(2026, 3, 3, 10), [(at(2026, 3, 5, 10), Status.ACCEPTED)])  # exactly 48 h: in time
    published(p, at(2026, 3, 3, 10), [(at(2026, 3, 5, 10, 0, 36), Status.ACCEPTED)])  # 48.01 h: late
    published(p, at(2026, 3, 10))  # never answered, target long passed
    published(p, at(2026, 3, 10, 8), [(at(2026, 3, 10, 20), Status.DECLINED), (at(2026, 3, 15), Status.ACCEPTED)])
    published(p, at(2026, 3, 12), state=PurchaseOrder.State.CANCEL)  # cancelled: left out
    published(p, at(2026, 3, 31, 23), [(at(2026, 4, 1, 1), Status.PENDING)], state=PurchaseOrder.State.DONE)
    published(p, at(2026, 2, 28, 23), [(at(2026, 3, 1, 1), Status.ACCEPTED)])  # February's
    got = inputs("ack", world.a, [MARCH])
    # in time: 48 h, 12 h (the first version counts, declined or not), 2 h; late 48.01 h; one unanswered.
    assert got == {(p.pk, MARCH): {"orders": 5, "in_time": 3, "acknowledged": 4, "hours_total": "110.01"}}
    assert catalogue.value("ack", got[(p.pk, MARCH)]) == Decimal(60)
    assert inputs("ack", world.a, [FEB]) == {
        (p.pk, FEB): {"orders": 1, "in_time": 1, "acknowledged": 1, "hours_total": "2"}
    }

    drill = DRILLS["ack"](tenant=world.a, partner=p, months=[MARCH])
    assert (drill.total, drill.bad_total, drill.note) == (5, 2, "")
    assert sorted(row.cells[-1] for row in drill.rows[:2]) == ["late", "not acknowledged"]
    assert drill.rows[0].cells[1:] == ("2026-03-10 12:00", "—", "—", "not acknowledged")
    assert drill.rows[1].cells[3:] == ("48.01", "late")


def test_ack_not_yet_due_is_left_out(world):
    now = timezone.now()
    published(world.p1, now - dt.timedelta(hours=1))  # 47 hours still to answer
    published(world.p2, now - dt.timedelta(hours=49))  # target passed, unanswered
    months = sorted({dt.date(t.year, t.month, 1) for t in (now, now - dt.timedelta(hours=49))})
    got = inputs("ack", world.a, months)
    assert list(got) == [(world.p2.pk, months[0])]
    assert got[(world.p2.pk, months[0])] == {"orders": 1, "in_time": 0, "acknowledged": 0, "hours_total": "0"}
    drill = DRILLS["ack"](tenant=world.a, partner=world.p1, months=months)
    assert (drill.total, drill.rows) == (0, [])
    assert drill.note == "Left out: 1 PO published less than 48 hours ago and not acknowledged yet."


# --- ASN accuracy -------------------------------------------------------------------------------------


def shipped(partner, submitted: dt.datetime, receipts_done=(), *, received=100, lot=None, mismatches=(), **fields):
    """A submitted ASN of 100 of one PO line, brought by receipts done at ``receipts_done``."""
    fields.setdefault("status", Asn.Status.RECEIVED)
    asn = AsnFactory(partner=partner, submitted_at=submitted, odoo_mismatches=list(mismatches), **fields)
    line = AsnLineFactory(asn=asn, quantity=100, quantity_received=received)
    AsnItemFactory(line=line, quantity=100, quantity_received=0)  # untracked: what arrived is on the line
    if lot:
        AsnItemFactory(line=line, lot_name=lot[0], quantity=lot[1], quantity_received=lot[2])
    for done in receipts_done:
        asn.receipts.add(receive(line.order_line, done, 1))
    return asn


def asn_world(world):
    p = world.p1
    shipped(p, at(2026, 3, 1), [at(2026, 3, 5)])  # 1: matched
    shipped(p, at(2026, 3, 1), [at(2026, 3, 6)], received=90, status=Asn.Status.PARTIAL)  # 2: 10 short
    shipped(p, at(2026, 3, 1), [at(2026, 3, 7)], lot=("L-A", 50, 0))  # 3: lot L-A did not arrive
    shipped(p, at(2026, 3, 1), [at(2026, 3, 8)], mismatches=["P1: the ASN ships 100, the receipt expects 80"])  # 4
    shipped(p, at(2026, 2, 1), [at(2026, 2, 20), at(2026, 3, 2)], lot=("L-B", 50, 50))  # 5: matched, last in March
    shipped(p, at(2026, 3, 1), [at(2026, 3, 20), at(2026, 4, 2)])  # 6: last receipt in April
    shipped(p, at(2026, 3, 1), [at(2026, 3, 4)], status=Asn.Status.CANCELLED)  # 7: cancelled, not counted
    shipped(p, at(2026, 3, 10, 12), [at(2026, 3, 10, 8)])  # 8: matched, submitted after the receipt
    receive(line_of(p), at(2026, 3, 11), 100)  # a receipt with no ASN
    shipped(p, at(2026, 3, 1), [], status=Asn.Status.SUBMITTED)  # nothing received yet


def test_asn_accuracy_and_announcement(world):
    asn_world(world)
    got = inputs("asn", world.a, [MARCH])
    # ASNs 1, 2, 3, 4, 5, 8; matched 1, 5, 8. Receipts done in March: 1, 2, 3, 4, 5's second, 6's first,
    # 7, 8 and the one with no ASN = 9; announced before they arrived: all but 8's and the unannounced one.
    assert got == {(world.p1.pk, MARCH): {"asns": 6, "accurate": 3, "receipts": 9, "announced_before": 7}}
    assert catalogue.value("asn", got[(world.p1.pk, MARCH)]) == Decimal(50)
    assert inputs("asn", world.a, [APRIL]) == {
        (world.p1.pk, APRIL): {"asns": 1, "accurate": 1, "receipts": 1, "announced_before": 1}
    }

    drill = DRILLS["asn"](tenant=world.a, partner=world.p1, months=[MARCH])
    assert (drill.total, drill.bad_total) == (6, 3)
    assert drill.note == "Receipts done in these months: 9, of which 7 announced by an ASN before they arrived."
    assert [row.cells[-1] for row in drill.rows[:3]] == [
        "P1: the ASN ships 100, the receipt expects 80",
        "lots or serials not received as announced",
        "1 of 1 line not received as announced",
    ]  # newest last receipt first: 8, 7 and 6 March
    assert [row.cells[-1] for row in drill.rows[3:]] == ["matched"] * 3
    assert {row.link[0] for row in drill.rows} == {"asn"}


# --- scope, filters, bounded queries ------------------------------------------------------------------


def every_measure(partner, month=MARCH):
    """One delivery of ``partner`` in ``month`` that feeds all four measures."""
    y, m = month.year, month.month
    line = line_of(partner, at(y, m, 10), date_approve=at(y, m, 2), receipt_status=PurchaseOrder.ReceiptStatus.FULL)
    ack = AcknowledgementFactory(order=line.order)
    Acknowledgement.objects.filter(pk=ack.pk).update(created_at=at(y, m, 2, 13))  # 1 hour after publication
    asn = AsnFactory(partner=partner, status=Asn.Status.RECEIVED, submitted_at=at(y, m, 3))
    AsnLineFactory(asn=asn, order_line=line, quantity=100, quantity_received=100)
    asn.receipts.add(receive(line, at(y, m, 10), 100))
    return line


def test_partner_filter_and_other_tenants(world):
    every_measure(world.p1)
    every_measure(world.p2)
    every_measure(world.q1)  # tenant B's: never in A's figures
    for key in SOURCES:
        assert {p for p, _ in inputs(key, world.a, [MARCH])} == {world.p1.pk, world.p2.pk}, key
        assert set(inputs(key, world.a, [MARCH], partner_ids=[world.p2.pk])) == {(world.p2.pk, MARCH)}, key
        assert inputs(key, world.a, [MARCH], partner_ids=[]) == {}, key
        assert inputs(key, world.a, [MARCH], partner_ids=[world.q1.pk]) == {}, key
        assert set(inputs(key, world.b, [MARCH])) == {(world.q1.pk, MARCH)}, key
        drill = DRILLS[key](tenant=world.a, partner=world.p1, months=[MARCH])
        assert drill.total == 1 and drill.bad_total == 0, key


def test_drills_agree_with_the_inputs(world):
    due_date_world(world)
    asn_world(world)
    published(world.p1, at(2026, 3, 3), [(at(2026, 3, 9), Status.ACCEPTED)])  # late
    full = {"receipt_status": PurchaseOrder.ReceiptStatus.FULL}
    receive(line_of(world.p1, **full), at(2026, 3, 10), 50)  # 50 short
    every_measure(world.p1)  # on time, accurate, acknowledged in time, matched
    bad = {
        "otd": lambda i: i["early"] + i["late"],
        "quantity": lambda i: i["over"] + i["under"],
        "ack": lambda i: i["orders"] - i["in_time"],
        "asn": lambda i: i["asns"] - i["accurate"],
    }
    total = {"otd": "lines", "quantity": "lines", "ack": "orders", "asn": "asns"}
    for key in SOURCES:
        got = inputs(key, world.a, [MARCH])[(world.p1.pk, MARCH)]
        drill = DRILLS[key](tenant=world.a, partner=world.p1, months=[MARCH])
        assert (drill.total, drill.bad_total) == (got[total[key]], bad[key](got)), key
        assert drill.bad_total > 0 and drill.total > drill.bad_total, key
        assert [row.bad for row in drill.rows] == sorted((row.bad for row in drill.rows), reverse=True), key


def _queries(key, tenant) -> int:
    with CaptureQueriesContext(connection) as ctx:
        list(SOURCES[key](tenant=tenant, months=[FEB, MARCH, APRIL]))
    return len(ctx.captured_queries)


def test_a_sources_queries_do_not_grow_with_rows(world, django_assert_max_num_queries):
    every_measure(world.p1)
    few = {key: _queries(key, world.a) for key in SOURCES}
    for partner in (world.p1, world.p2):
        for month in (FEB, MARCH, APRIL):
            every_measure(partner, month)
            every_measure(partner, month)
    for key in SOURCES:
        with django_assert_max_num_queries(3):
            rows = list(SOURCES[key](tenant=world.a, months=[FEB, MARCH, APRIL]))
        assert len(rows) == 6, key
        assert _queries(key, world.a) == few[key], key
