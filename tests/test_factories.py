"""The factories build rows the way the portal holds them: one tenant throughout, Odoo ids unique, scoped reads work."""

from __future__ import annotations

import datetime as dt

import pytest

from suppliers.models import Asn, PurchaseOrder
from tests.factories import (
    AcknowledgementFactory,
    AsnFactory,
    AsnItemFactory,
    AsnLineFactory,
    PackageFactory,
    ProductFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ReceiptMoveFactory,
)

pytestmark = pytest.mark.django_db


def test_an_order_belongs_to_its_partners_tenant_and_its_lines_follow(world):
    due = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    resin = ProductFactory(tenant=world.a, odoo_id=58, default_code="LAB-LOT-001", name="Resin", tracking="lot")
    po = PurchaseOrderFactory(partner=world.p1, date_planned=due, lines=[{"product": resin, "quantity": 10}, {}])
    assert po.tenant == world.a and po.name == f"P{po.odoo_id:05d}" and po.is_open and po.needs_acknowledgement
    first, second = po.lines.order_by("id")
    assert [first.odoo_id, second.odoo_id] == [po.odoo_id * 10, po.odoo_id * 10 + 1]
    assert first.description == "[LAB-LOT-001] Resin" and first.quantity == 10 and first.date_planned == due
    assert second.product.tenant == world.a and second.product != resin and second.quantity == 100
    assert ProductFactory(tenant=world.a, odoo_id=58) == resin  # the same Odoo product, not a second row
    other = PurchaseOrderFactory(partner=world.p1)
    assert other.odoo_id != po.odoo_id and other.name != po.name


def test_what_the_factories_build_is_scoped_as_the_portal_scopes_it(world):
    mine, theirs = PurchaseOrderFactory(partner=world.p1), PurchaseOrderFactory(partner=world.p2)
    assert list(PurchaseOrder.objects.visible_to(world.p1_user)) == [mine]
    assert set(PurchaseOrder.objects.visible_to(world.a_buyer)) == {mine, theirs}
    assert not PurchaseOrder.objects.visible_to(world.q1_admin).exists()


def test_a_line_on_its_own_makes_its_order_partner_and_tenant():
    line = PurchaseOrderLineFactory()
    assert line.tenant == line.order.tenant == line.order.partner.tenant == line.product.tenant


def test_receipts_and_shipments_hang_on_the_same_tenant_and_partner(world):
    move = ReceiptMoveFactory(receipt__order=PurchaseOrderFactory(partner=world.p1))
    assert move.receipt.partner == world.p1 and move.tenant == world.a
    assert move.order_line.order == move.receipt.order and move.quantity_expected == move.order_line.quantity

    line = AsnLineFactory(asn__partner=world.p2)
    item = AsnItemFactory(line=line, package=PackageFactory(asn=line.asn))
    assert item.asn == item.package.asn == line.asn and item.tenant == line.tenant == world.a
    assert item.quantity == line.quantity and not item.lot_name and not item.package.sscc
    assert line.order_line.order.partner == world.p2 and list(line.asn.orders.all()) == [line.order_line.order]
    assert line.asn.status == Asn.Status.DRAFT and line.quantity == line.order_line.quantity

    po = PurchaseOrderFactory(partner=world.p1)
    asn = AsnFactory(partner=world.p1, orders=[po])
    assert list(asn.orders.all()) == [po] and AsnLineFactory(asn=asn).asn.orders.count() == 2
    ack = AcknowledgementFactory(order=po)
    assert ack.tenant == world.a and ack.goes_to_odoo
