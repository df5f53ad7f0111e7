"""Pulling partners, products, POs and lines from the simulated Odoo."""

from __future__ import annotations

import pytest

from integrations.models import PullCursor
from integrations.odoo import OdooGateway
from integrations.services.pull import tenant_pull
from portal.models import Partner
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine
from tests.factories import odoo_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(odoo_sim):
    return odoo_tenant(odoo_sim, "pull")


def test_first_pull_mirrors_suppliers_products_and_orders(tenant, odoo_sim):
    gw = OdooGateway(tenant.odoo_config())
    results = {r.model: r for r in tenant_pull(tenant=tenant, gateway=gw)}
    nordic = Partner.objects.get(tenant=tenant, odoo_id=11)
    assert nordic.name == "Nordic Fasteners AB" and nordic.ref == "NF-001"
    assert Product.objects.filter(tenant=tenant, default_code="ALU-BRKT-7", tracking="lot").exists()
    odoo_count = gw.search_count("purchase.order", [])
    assert PurchaseOrder.objects.filter(tenant=tenant).count() == odoo_count
    partial = PurchaseOrder.objects.get(tenant=tenant, partner_ref="NF-SO-5531")
    assert partial.partner == nordic and partial.receipt_status == "partial" and partial.state == "purchase"
    received = {line.product.default_code: line.qty_received for line in partial.lines.select_related("product")}
    assert received == {"ALU-BRKT-7": 200, "M8-BOLT-50": 1000}
    assert PurchaseOrderLine.objects.filter(tenant=tenant).count() == gw.search_count("purchase.order.line", [])
    assert results["purchase.order"].rows_written == odoo_count


def test_repoll_with_nothing_changed_is_one_call_per_model_and_writes_nothing(tenant):
    tenant_pull(tenant=tenant)
    again = tenant_pull(tenant=tenant)
    assert [(r.model, r.calls, r.rows_written) for r in again] == [
        ("res.partner", 1, 0),
        ("product.product", 1, 0),
        ("purchase.order", 1, 0),
        ("purchase.order.line", 1, 0),  # lines have a cursor of their own (test_pull_changes)
        ("stock.picking", 1, 0),
    ]


def test_a_change_within_the_second_already_pulled_is_not_missed(tenant):
    """Same truncated write_date, different content: the digest tells them apart."""
    gw = OdooGateway(tenant.odoo_config())
    po = gw.create("purchase.order", {"partner_id": 11, "partner_ref": "FIRST"})
    gw.call("purchase.order", "button_confirm", [po])
    tenant_pull(tenant=tenant)
    stamp = gw.read("purchase.order", [po], ["write_date"])[0]["write_date"]
    gw.write("purchase.order", [po], {"partner_ref": "SECOND"})
    if gw.read("purchase.order", [po], ["write_date"])[0]["write_date"] == stamp:  # same second: the case at hand
        tenant_pull(tenant=tenant)
        assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).partner_ref == "SECOND"
    tenant_pull(tenant=tenant)
    assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).partner_ref == "SECOND"


def test_full_pull_rewrites_everything(tenant):
    first = {r.model: r.rows_written for r in tenant_pull(tenant=tenant)}
    full = {r.model: r.rows_written for r in tenant_pull(tenant=tenant, full=True)}
    # Vendors without a rank came in with their orders on the first pull; the full pull reads them all.
    assert full.pop("res.partner") == Partner.objects.filter(tenant=tenant).count() > first.pop("res.partner")
    assert full == first


def test_a_change_in_odoo_arrives_with_the_next_pull(tenant):
    tenant_pull(tenant=tenant)
    gw = OdooGateway(tenant.odoo_config())
    po = gw.search("purchase.order", [["partner_id", "=", 12], ["state", "=", "purchase"]], limit=1)[0]
    gw.write("purchase.order", [po], {"partner_ref": "PC-NEW-REF"})
    tenant_pull(tenant=tenant)
    assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).partner_ref == "PC-NEW-REF"
    cursor = PullCursor.objects.get(tenant=tenant, model="purchase.order")
    assert cursor.write_date == gw.read("purchase.order", [po], ["write_date"])[0]["write_date"]


def test_pages_do_not_stall_when_many_rows_share_a_second(tenant):
    gw = OdooGateway(tenant.odoo_config())
    gw.create("purchase.order", [{"partner_id": 11, "partner_ref": f"TIE-{i}"} for i in range(7)])  # one write_date
    results = {r.model: r for r in tenant_pull(tenant=tenant, page_size=3)}
    assert PurchaseOrder.objects.filter(tenant=tenant, partner_ref__startswith="TIE-").count() == 7
    assert PurchaseOrder.objects.filter(tenant=tenant).count() == gw.search_count("purchase.order", [])
    assert results["purchase.order"].calls > 3


def test_receipts_with_lots_and_the_receipt_done_handoff(tenant, django_capture_on_commit_callbacks):
    from integrations import handoffs
    from suppliers.models import Receipt

    tenant_pull(tenant=tenant)
    gw = OdooGateway(tenant.odoo_config())
    partial = Receipt.objects.get(tenant=tenant, order__partner_ref="NF-SO-5531", backorder_of_odoo_id=None)
    assert partial.state == "done" and partial.destination == "WH/Input"
    lots = {m.product.default_code: m.lots for m in partial.moves.select_related("product")}
    assert lots["ALU-BRKT-7"] == [{"lot": "NF-LOT-2611-A", "quantity": 200.0}] and lots["M8-BOLT-50"] == []
    assert Receipt.objects.filter(tenant=tenant, backorder_of_odoo_id=partial.odoo_id, state="assigned").exists()
    # Validate a pending receipt in Odoo: the next pull says so, once.
    pending = Receipt.objects.filter(tenant=tenant, state="assigned", order__partner__odoo_id=12).first()
    done = []

    def seen(*, handoff):
        done.append(Receipt.objects.get(pk=handoff.aggregate_id).odoo_id)

    handoffs.register_reaction(handoffs.RECEIPT_DONE, "tests.done", seen)
    try:
        for line in gw.search_read("stock.move.line", [["picking_id", "=", pending.odoo_id]], ["product_id"]):
            tracking = gw.read("product.product", [line["product_id"][0]], ["tracking"])[0]["tracking"]
            if tracking == "serial":
                gw.write("stock.move.line", [line["id"]], {"quantity": 1, "lot_name": f"SN-{line['id']}"})
            elif tracking == "lot":
                gw.write("stock.move.line", [line["id"]], {"lot_name": f"LOT-{line['id']}"})
        action = gw.call("stock.picking", "button_validate", [pending.odoo_id])
        if isinstance(action, dict):
            wizard = gw.create("stock.backorder.confirmation", {}, context=action["context"])
            gw.call("stock.backorder.confirmation", "process", [wizard], context=action["context"])
        with django_capture_on_commit_callbacks(execute=True):
            tenant_pull(tenant=tenant)
            tenant_pull(tenant=tenant)
    finally:
        handoffs.unregister_reaction(handoffs.RECEIPT_DONE, "tests.done")
    assert done == [pending.odoo_id]
    assert Receipt.objects.get(pk=pending.pk).state == "done"


def test_a_cancelled_po_arrives_and_says_what_changed(tenant, django_capture_on_commit_callbacks):
    from integrations import handoffs

    tenant_pull(tenant=tenant)
    admin = OdooGateway(
        tenant.odoo_config().__class__(**{**tenant.odoo_config().__dict__, "login": "admin", "password": "admin"})
    )
    po = admin.search("purchase.order", [["partner_id", "=", 11], ["state", "=", "purchase"]], limit=1)[0]
    seen = []
    handoffs.register_reaction(
        handoffs.PO_CHANGED, "tests.changed", lambda *, handoff: seen.append(handoff.data["changes"])
    )
    try:
        admin.call("purchase.order", "button_cancel", [po])
        with django_capture_on_commit_callbacks(execute=True):
            tenant_pull(tenant=tenant)
    finally:
        handoffs.unregister_reaction(handoffs.PO_CHANGED, "tests.changed")
    assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).state == "cancel"
    assert seen and seen[0]["state"] == ["purchase", "cancel"]


def test_a_record_changed_while_paging_is_not_lost(tenant):
    gw = OdooGateway(tenant.odoo_config())
    first_page = gw.search("purchase.order", [], order="write_date asc, id asc", limit=2)

    class Meddling(OdooGateway):
        pages = 0

        def search_read(self, model, *args, **kwargs):
            rows = super().search_read(model, *args, **kwargs)
            if model == "purchase.order" and self.pages == 0:
                self.pages += 1
                # Between two pages, a row already read changes in Odoo.
                gw.write("purchase.order", [first_page[0]], {"partner_ref": "CHANGED-WHILE-PAGING"})
            return rows

    tenant_pull(tenant=tenant, gateway=Meddling(tenant.odoo_config()), page_size=2)
    # The changed row may land in the second this pull is already paging through, behind its
    # last id: the next pull's overlap window reads it again. That is the guarantee: next pull.
    tenant_pull(tenant=tenant, page_size=2)
    assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=first_page[0]).partner_ref == "CHANGED-WHILE-PAGING"
    assert PurchaseOrder.objects.filter(tenant=tenant).count() == gw.search_count("purchase.order", [])


def test_pull_never_overwrites_portal_owned_fields(tenant):
    from django.utils import timezone

    tenant_pull(tenant=tenant)
    order = PurchaseOrder.objects.filter(tenant=tenant, state="purchase").first()
    seen_at = timezone.now()
    PurchaseOrder.objects.filter(pk=order.pk).update(supplier_seen_at=seen_at)
    gw = OdooGateway(tenant.odoo_config())
    gw.write("purchase.order", [order.odoo_id], {"partner_ref": "ODOO-SIDE-CHANGE"})
    tenant_pull(tenant=tenant)
    order.refresh_from_db()
    assert order.partner_ref == "ODOO-SIDE-CHANGE" and order.supplier_seen_at == seen_at


def test_once_settled_a_repoll_reads_only_newer_rows(tenant, settings):
    from datetime import timedelta

    from django.utils import timezone

    tenant_pull(tenant=tenant)
    later = timezone.now() - timedelta(seconds=settings.PORTAL_PULL_OVERLAP_SECONDS + 1)
    PullCursor.objects.filter(tenant=tenant).update(reached_at=later)  # the overlap has passed
    quiet = tenant_pull(tenant=tenant)
    assert [(r.model, r.calls, r.rows_seen) for r in quiet] == [
        ("res.partner", 1, 0),
        ("product.product", 1, 0),
        ("purchase.order", 1, 0),
        ("purchase.order.line", 1, 0),  # lines have a cursor of their own (test_pull_changes)
        ("stock.picking", 1, 0),
    ]
    gw = OdooGateway(tenant.odoo_config())
    import time

    time.sleep(1.1)  # real settling takes minutes; a later write is at least in a later second
    po = gw.create("purchase.order", {"partner_id": 12, "partner_ref": "AFTER-SETTLING"})
    gw.call("purchase.order", "button_confirm", [po])
    tenant_pull(tenant=tenant)
    assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).partner_ref == "AFTER-SETTLING"


def test_pull_brings_the_suppliers_own_product_code(tenant, odoo_sim):
    tenant_pull(tenant=tenant)
    line = PurchaseOrderLine.objects.filter(
        order__tenant=tenant, order__partner__odoo_id=11, product__default_code="M8-BOLT-50"
    ).first()
    assert line.vendor_product_code == "NF-88150"
    assert line.order.ship_to.endswith("Receipts") and line.order.ship_to_odoo_id
