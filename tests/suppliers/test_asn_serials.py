"""Serial numbers are unique per product across everything live (also two lines of one product in one
ASN); lots may repeat (one lot comes in several deliveries, or in two packages of one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from suppliers.models import Asn, PurchaseOrderLine
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_cancel, asn_submit
from tests.factories import ProductFactory, PurchaseOrderFactory
from tests.suppliers.inputs import asn_header, asn_lines

pytestmark = pytest.mark.django_db
HEADER = {"ship_date": "2026-12-01", "eta": "2026-12-03 09:00"}


@pytest.fixture
def order(world):
    """t06's order: two lines of one serial-tracked sensor, a line of another, and a lot-tracked resin."""
    tenant = world.a
    sensor = ProductFactory(tenant=tenant, odoo_id=70, default_code="SER-100", name="Sensor", tracking="serial")
    probe = ProductFactory(tenant=tenant, odoo_id=71, default_code="SER-200", name="Probe", tracking="serial")
    resin = ProductFactory(tenant=tenant, odoo_id=72, default_code="LOT-1", name="Resin", tracking="lot")
    lines = [
        {"odoo_id": odoo_id, "product": product, "quantity": qty}
        for odoo_id, product, qty in ((19, sensor, 4), (20, sensor, 4), (21, probe, 2), (22, resin, 100))
    ]
    return PurchaseOrderFactory(
        partner=world.p1, odoo_id=12, date_planned=datetime.now(UTC) + timedelta(days=9), lines=lines
    )


def _line(po, odoo_id):
    return po.lines.get(odoo_id=odoo_id).pk


def _draft(world, po, lines):
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk], header=asn_header(world.p1_user, HEADER))
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        lines=asn_lines(
            [
                {
                    "order_line": _line(po, odoo_id),
                    "quantity": str(sum(q for _, q in items)),
                    "items": [{"lot_name": name, "quantity": str(q)} for name, q in items],
                }
                for odoo_id, items in lines
            ]
            + [{"order_line": _line(po, i), "quantity": "0"} for i in {19, 20, 21, 22} - {i for i, _ in lines}]
        ),
    )
    return asn


def test_t06_the_same_serial_on_two_lines_of_one_product_is_refused_on_another_product_accepted(world, order):
    """t06_t08_asn_serials.json: SN-0002 twice for the sensor (lines 19 and 20), SN-0001 on the sensor and
    the probe."""
    asn = _draft(
        world,
        order,
        [
            (19, [("SN-0001", 1), ("SN-0002", 1)]),
            (20, [("SN-0002", 1), ("SN-0003", 1)]),
            (21, [("SN-0001", 1)]),
        ],
    )
    with pytest.raises(ValidationError) as caught:
        asn_submit(membership=world.p1_user, asn_id=asn.pk)
    errors = {k: v[0] for k, v in caught.value.message_dict.items()}
    assert errors == {
        "lines.1.items.0.lot_name": "Serial number SN-0002 is listed twice for this product; each unit has its own."
    }
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        lines=asn_lines(
            [
                {
                    "order_line": _line(order, 20),
                    "quantity": "2",
                    "items": [{"lot_name": "SN-0004", "quantity": "1"}, {"lot_name": "SN-0003", "quantity": "1"}],
                },
                {
                    "order_line": _line(order, 19),
                    "quantity": "2",
                    "items": [{"lot_name": "SN-0001", "quantity": "1"}, {"lot_name": "SN-0002", "quantity": "1"}],
                },
                {"order_line": _line(order, 21), "quantity": "1", "items": [{"lot_name": "SN-0001", "quantity": "1"}]},
            ]
        ),
    )
    assert asn_submit(membership=world.p1_user, asn_id=asn.pk).status in Asn.OPEN_STATUSES


def test_the_same_serial_twice_on_one_line_is_refused(world, order):
    asn = _draft(world, order, [(19, [("SN-7", 1), ("SN-7", 1)])])
    with pytest.raises(ValidationError) as caught:
        asn_submit(membership=world.p1_user, asn_id=asn.pk)
    assert "SN-7 is listed twice" in caught.value.message_dict["lines.0.items.1.lot_name"][0]


def test_a_serial_is_unique_across_live_shipments_drafts_and_cancelled_ones_do_not_count(world, order):
    first = _draft(world, order, [(19, [("SN-1", 1)])])
    second = _draft(world, order, [(20, [("SN-1", 1)])])  # another line, same product
    third = _draft(world, order, [(21, [("SN-1", 1)])])  # another product
    asn_submit(membership=world.p1_user, asn_id=first.pk)
    with pytest.raises(ValidationError) as caught:
        asn_submit(membership=world.p1_user, asn_id=second.pk)
    assert caught.value.message_dict["lines.0.items.0.lot_name"] == [
        f"Serial number SN-1 was already announced on {first.number}."
    ]
    assert asn_submit(membership=world.p1_user, asn_id=third.pk).status in Asn.OPEN_STATUSES
    # Received goods keep their serial numbers: a shipment received still counts.
    Asn.objects.filter(pk=first.pk).update(status=Asn.Status.RECEIVED)
    with pytest.raises(ValidationError):
        asn_submit(membership=world.p1_user, asn_id=second.pk)
    Asn.objects.filter(pk=first.pk).update(status=Asn.Status.IN_TRANSIT)
    asn_cancel(membership=world.p1_user, asn_id=first.pk, reason="Sent the wrong unit")
    assert asn_submit(membership=world.p1_user, asn_id=second.pk).status in Asn.OPEN_STATUSES


def test_lots_repeat_across_shipments_and_rows_but_keep_one_expiry(world, order):
    first = _draft(world, order, [(22, [("L-1", 30)])])
    asn_submit(membership=world.p1_user, asn_id=first.pk)
    second = _draft(world, order, [(22, [("L-1", 20), ("L-1", 10)])])  # the same lot again, in two rows
    assert asn_submit(membership=world.p1_user, asn_id=second.pk).status in Asn.OPEN_STATUSES
    third = asn_create(membership=world.p1_user, po_ids=[order.pk], header=asn_header(world.p1_user, HEADER))
    asn_update(
        membership=world.p1_user,
        asn_id=third.pk,
        lines=asn_lines(
            [
                {
                    "order_line": _line(order, 22),
                    "quantity": "10",
                    "items": [
                        {"lot_name": "L-2", "quantity": "5", "expiry_date": "2028-01-31"},
                        {"lot_name": "L-2", "quantity": "5", "expiry_date": "2028-02-29"},
                    ],
                },
                *[{"order_line": _line(order, i), "quantity": "0"} for i in (19, 20, 21)],
            ]
        ),
    )
    with pytest.raises(ValidationError) as caught:
        asn_submit(membership=world.p1_user, asn_id=third.pk)
    assert caught.value.message_dict == {
        "lines.0.items.1.expiry_date": ["Lot L-2 is also given 31 Jan 2028; one lot has one expiry date."]
    }


def test_checking_serials_costs_a_few_queries_whatever_their_number(world, order, django_assert_max_num_queries):
    """No count inside a loop: 4 or 400 serial numbers take the same queries."""
    from suppliers.services.asn_checks import asn_problems

    PurchaseOrderLine.objects.filter(odoo_id=19).update(quantity=400)
    small = _draft(world, order, [(19, [(f"S-{n}", 1) for n in range(4)])])
    big = _draft(world, order, [(19, [(f"B-{n}", 1) for n in range(400)])])
    counts = []
    for asn in (small, big):
        asn = Asn.objects.get(pk=asn.pk)
        with django_assert_max_num_queries(12) as captured:
            assert asn_problems(asn) == {}
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
