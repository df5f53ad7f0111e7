"""End to end with the simulated Odoo: the dock validates a receipt in Odoo, part of it first (a
backorder for the rest), the pull brings each in, and their lots wait for inspection, sampled from
the plan; the same lot in the backorder is an inspection of its own; another pull adds nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.services.pull import tenant_pull
from quality.models import Inspection
from suppliers.models import Product, Receipt
from tests.factories import InspectionPlanFactory, InspectionPlanVersionFactory

pytestmark = pytest.mark.django_db


def _validate(gw, picking: int, quantities: dict[int, float]) -> list[tuple[str, Decimal]]:
    """Receive in Odoo: lot-tracked lines get a lot name (and ``quantities`` of them, if given); answers the
    (lot, quantity) each line should bring to inspection."""
    expected = []
    for line in gw.search_read("stock.move.line", [["picking_id", "=", picking]], ["product_id", "quantity"]):
        tracking = gw.read("product.product", [line["product_id"][0]], ["tracking"])[0]["tracking"]
        quantity = quantities.get(line["product_id"][0], line["quantity"])
        if tracking == "lot":
            # A lot Odoo already knows is named by its id (a new lot_name of the same name is refused).
            known = gw.search("stock.lot", [["name", "=", "QA-LOT-7"], ["product_id", "=", line["product_id"][0]]])
            lot = {"lot_id": known[0]} if known else {"lot_name": "QA-LOT-7"}
            gw.write("stock.move.line", [line["id"]], {**lot, "quantity": quantity})
            expected.append(("QA-LOT-7", Decimal(str(quantity))))
        elif tracking == "serial":
            gw.write("stock.move.line", [line["id"]], {"quantity": 1, "lot_name": f"SN-{line['id']}"})
            expected.append(("", Decimal(1)))
        else:
            expected.append(("", Decimal(str(quantity))))
    action = gw.call("stock.picking", "button_validate", [picking])
    if isinstance(action, dict):  # less than expected: Odoo asks about a backorder
        wizard = gw.create("stock.backorder.confirmation", {}, context=action["context"])
        gw.call("stock.backorder.confirmation", "process", [wizard], context=action["context"])
    return expected


def _inspected(receipt: Receipt) -> list[tuple[str, Decimal]]:
    return sorted((i.lot_name, i.lot_size) for i in Inspection.objects.filter(receipt=receipt))


def test_receipts_validated_in_odoo_bring_their_lots_to_inspection(synced, django_capture_on_commit_callbacks):
    gw, tenant = synced.gw, synced.tenant
    pending = Receipt.objects.filter(tenant=tenant, state="assigned", order=synced.po).first()
    products = Product.objects.filter(tenant=tenant, receiptmove__receipt=pending).distinct()
    lot_tracked = [p for p in products if p.tracking == Product.Tracking.LOT]
    assert lot_tracked, "the demo PO has a lot-tracked product"
    for product in products:
        InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product))

    # Part of the lot now: Odoo keeps the rest on a backorder.
    first = _validate(gw, pending.odoo_id, {lot_tracked[0].odoo_id: 60})
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    assert Receipt.objects.get(pk=pending.pk).state == Receipt.State.DONE
    assert _inspected(pending) == sorted(first) and ("QA-LOT-7", Decimal(60)) in first
    found = Inspection.objects.filter(receipt=pending)
    assert all(i.status == Inspection.Status.WAITING and i.samplings.exists() for i in found)
    assert {i.partner for i in found} == {pending.partner}

    # The rest of the same lot arrives on the backorder: an inspection of its own.
    backorder = Receipt.objects.get(tenant=tenant, backorder_of_odoo_id=pending.odoo_id)
    rest = _validate(gw, backorder.odoo_id, {})
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    assert _inspected(backorder) == sorted(rest) and rest == [("QA-LOT-7", Decimal(40))]
    assert Inspection.objects.filter(lot_name="QA-LOT-7", product=lot_tracked[0]).count() == 2

    # Pulling again finds nothing new and creates nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    assert _inspected(pending) == sorted(first) and _inspected(backorder) == sorted(rest)


def test_receipts_done_before_the_first_pull_are_history_not_inspections(synced):
    """The first pull hands over every receipt Odoo already had done: they are flagged as the backlog,
    the supplier side still sees them, and quality opens no inspection for goods long gone from the dock."""
    from integrations.models import Handoff

    backlog = Handoff.objects.filter(tenant=synced.tenant, kind="receipt.done")
    assert backlog.exists(), "the demo has receipts done before the portal's first pull"
    assert all(h.data["backlog"] is True for h in backlog)
    assert not Inspection.objects.filter(tenant=synced.tenant).exists()


def test_a_full_pull_is_not_a_first_pull(synced, django_capture_on_commit_callbacks):
    """The nightly full re-read finds what incremental pulls missed: that is news, not backlog."""
    from integrations.models import Handoff

    gw, tenant = synced.gw, synced.tenant
    pending = Receipt.objects.filter(tenant=tenant, state="assigned", order=synced.po).first()
    for product in Product.objects.filter(tenant=tenant, receiptmove__receipt=pending).distinct():
        InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product))
    _validate(gw, pending.odoo_id, {})
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant, full=True)
    found = Handoff.objects.get(tenant=tenant, kind="receipt.done", aggregate_id=str(pending.pk))
    assert found.data["backlog"] is False
    assert Inspection.objects.filter(receipt=pending).exists()
