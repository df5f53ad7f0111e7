"""Bulk pull: a page is written in a fixed number of statements, whatever its rows; hand-offs go in
bulk with it; what the portal owns stays as it is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations import handoffs
from integrations.models import Handoff
from integrations.services.pull import tenant_pull
from integrations.services.pull.cursor import PullResult
from integrations.services.pull.orders import ORDERS, upsert_orders
from integrations.services.pull.receipts import RECEIPTS, upsert_receipts
from portal.models import Partner
from suppliers.models import AckStatus, PurchaseOrder, PurchaseOrderLine, Receipt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seeded_odoo_after(synced):
    """These tests add orders to the shared simulated Odoo: give the next module its demo data back."""
    yield
    synced.sim.control("reset")


def _new_orders(gw, count: int, tag: str) -> list[int]:
    """``count`` confirmed POs of one vendor with two lines each (same products): one create, one confirm."""
    products = gw.search("product.product", [["purchase_ok", "=", True]], limit=2)
    lines = [[0, 0, {"product_id": p, "product_qty": 5 + i, "price_unit": 3}] for i, p in enumerate(products)]
    ids = gw.create(
        "purchase.order", [{"partner_id": 11, "partner_ref": f"{tag}-{i}", "order_line": lines} for i in range(count)]
    )
    for po in ids:
        gw.call("purchase.order", "button_confirm", [po])
    return ids


def _statements(fn) -> list[str]:
    """The statements ``fn`` runs (their first words). SQLite takes at most 999 parameters a statement,
    so Django splits one bulk insert in batches there: consecutive batches count as the one statement
    they are on PostgreSQL."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    statements: list[str] = []
    for query in ctx.captured_queries:
        head = query["sql"][:60]
        if not (head.startswith("INSERT") and statements and statements[-1] == head):
            statements.append(head)
    return statements


def test_an_orders_page_costs_the_same_queries_for_10_or_60_orders(synced):
    gw, tenant = synced.gw, synced.tenant
    small, large = _new_orders(gw, 10, "SMALL"), _new_orders(gw, 60, "LARGE")
    fields = ORDERS.fields(gw)
    counts = []
    for ids in (small, large):
        rows = gw.search_read("purchase.order", [["id", "in", ids]], fields)
        counts.append(
            len(_statements(lambda rows=rows: upsert_orders(tenant, gw, rows, PullResult(model="purchase.order"))))
        )
    assert counts[0] == counts[1]
    assert PurchaseOrder.objects.filter(tenant=tenant, odoo_id__in=small + large).count() == 70
    assert PurchaseOrderLine.objects.filter(tenant=tenant, order__odoo_id__in=large).count() == 120
    # Published after the first pull: one hand-off each, written in one insert per page.
    assert Handoff.objects.filter(
        tenant=tenant, kind=handoffs.PO_PUBLISHED
    ).count() >= 70 or not handoffs.reactions_for(handoffs.PO_PUBLISHED)


def test_a_receipts_page_costs_the_same_queries_for_10_or_60_receipts(synced):
    gw, tenant = synced.gw, synced.tenant
    small, large = _new_orders(gw, 10, "RSMALL"), _new_orders(gw, 60, "RLARGE")
    tenant_pull(tenant=tenant)  # the orders are mirrored; their receipts too: read them again as a page
    fields = RECEIPTS.fields(gw)
    counts = []
    for ids in (small, large):
        rows = gw.search_read("stock.picking", [["purchase_id", "in", ids]], fields)
        assert len(rows) == len(ids)
        full = PullResult(model="stock.picking", full=True)  # written again though held as they are
        counts.append(len(_statements(lambda rows=rows, full=full: upsert_receipts(tenant, gw, rows, full))))
    assert counts[0] == counts[1]
    assert Receipt.objects.filter(tenant=tenant, order__odoo_id__in=large).count() == 60


def test_changed_orders_hand_off_in_one_insert(synced, django_capture_on_commit_callbacks):
    gw, tenant = synced.gw, synced.tenant
    ids = _new_orders(gw, 5, "CHG")
    tenant_pull(tenant=tenant)
    Handoff.objects.all().delete()
    for po in ids:
        gw.write("purchase.order", [po], {"partner_ref": f"CHG-NEW-{po}"})
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks() as callbacks:
        tenant_pull(tenant=tenant)
    changed = Handoff.objects.filter(tenant=tenant, kind=handoffs.PO_CHANGED)
    orders = dict(PurchaseOrder.objects.filter(tenant=tenant, odoo_id__in=ids).values_list("pk", "odoo_id"))
    assert sorted(int(h.aggregate_id) for h in changed) == sorted(orders)
    for handoff in changed:
        po = orders[int(handoff.aggregate_id)]
        assert handoff.data["changes"]["partner_ref"] == [f"CHG-{ids.index(po)}", f"CHG-NEW-{po}"]
        assert handoff.reactions.count() == len(handoffs.reactions_for(handoffs.PO_CHANGED))
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "integrations_handoff"')]
    assert len(inserts) == 1  # the page's hand-offs, in one statement
    assert len(callbacks) >= 1  # their reactions run once the page commits


def test_a_bulk_upsert_leaves_what_the_portal_owns(synced):
    gw, tenant = synced.gw, synced.tenant
    po = PurchaseOrder.objects.get(pk=synced.po.pk)
    seen_at = timezone.now().replace(microsecond=0)
    PurchaseOrder.objects.filter(pk=po.pk).update(supplier_seen_at=seen_at, ack_status=AckStatus.ACCEPTED)
    partner = Partner.objects.get(tenant=tenant, odoo_id=11)
    Partner.objects.filter(pk=partner.pk).update(deactivated_at=seen_at, deactivation_reason="audit")
    gw.write("purchase.order", [po.odoo_id], {"partner_ref": "BULK-ODOO-SIDE"})
    tenant_pull(tenant=tenant, full=True)
    po.refresh_from_db()
    assert po.partner_ref == "BULK-ODOO-SIDE"
    assert (po.supplier_seen_at, po.ack_status) == (seen_at, AckStatus.ACCEPTED)
    assert po.action_rank == po.compute_action_rank() == 2  # derived as save() does, from the kept status
    partner.refresh_from_db()
    assert partner.odoo_write_date and (partner.deactivated_at, partner.deactivation_reason) == (seen_at, "audit")
