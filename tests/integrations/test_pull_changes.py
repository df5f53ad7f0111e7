"""What the pull calls a change of a purchase order: values compared as values, and a line written
alone in Odoo (which leaves its order's write_date as it was) found by the line's own cursor."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations import handoffs
from integrations.models import Handoff, PullCursor
from integrations.services.pull import tenant_pull
from suppliers.models import PurchaseOrder, PurchaseOrderLine

pytestmark = pytest.mark.django_db


def _po_changed(tenant) -> list[dict]:
    return [h.data["changes"] for h in Handoff.objects.filter(tenant=tenant, kind=handoffs.PO_CHANGED)]


def _new_rfq(gw, quantity: float = 115, price: float = 10) -> int:
    product = gw.search("product.product", [], limit=1)[0]
    line = {"product_id": product, "product_qty": quantity, "price_unit": price}
    return gw.create("purchase.order", {"partner_id": 11, "order_line": [[0, 0, line]]})


def test_confirming_an_rfq_tells_the_supplier_once(
    synced, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    """The amount read back from the database ("1150.00") and Odoo's float (1150.0) are one amount."""
    gw, tenant = synced.gw, synced.tenant
    po = _new_rfq(gw)
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    mailoutbox.clear()
    Handoff.objects.all().delete()
    gw.call("purchase.order", "button_confirm", [po])
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    name = PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).name
    assert [m.subject for m in mailoutbox] == [f"New purchase order {name}"]
    # The state did change (the ASN notices react to it); the total and the lines did not.
    assert _po_changed(tenant) == [{"state": ["draft", "purchase"]}]


def test_a_write_that_changes_nothing_the_supplier_sees_records_no_change(
    synced, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    gw, tenant, po = synced.gw, synced.tenant, synced.po
    Handoff.objects.all().delete()
    mailoutbox.clear()
    gw.write("purchase.order", [po.odoo_id], {"partner_ref": po.partner_ref})  # a new write_date, same values
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    assert _po_changed(tenant) == [] and mailoutbox == []
    assert (
        PurchaseOrder.objects.get(pk=po.pk).odoo_write_date
        == gw.read("purchase.order", [po.odoo_id], ["write_date"])[0]["write_date"]
    )


def test_a_line_written_alone_arrives_with_the_next_pull_and_says_what_changed(
    synced, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    """Odoo leaves the order's write_date as it was (flow 6): the line's own cursor finds it."""
    gw, tenant = synced.gw, synced.tenant
    po = _new_rfq(gw, quantity=120, price=2.5)
    gw.call("purchase.order", "button_confirm", [po])
    tenant_pull(tenant=tenant)
    # Settled: the overlap has passed, so the orders pull reads only orders written after its cursor
    # (else it would re-read this order by chance and find its new total), and the line is written a
    # second later than anything pulled.
    PullCursor.objects.filter(tenant=tenant).update(reached_at=timezone.now() - timedelta(hours=1))
    time.sleep(1.1)
    Handoff.objects.all().delete()
    mailoutbox.clear()
    stamp = gw.read("purchase.order", [po], ["write_date"])[0]["write_date"]
    line_id = gw.read("purchase.order", [po], ["order_line"])[0]["order_line"][0]
    gw.write("purchase.order.line", [line_id], {"product_qty": 130})
    assert gw.read("purchase.order", [po], ["write_date"])[0]["write_date"] == stamp  # as Odoo does
    with django_capture_on_commit_callbacks(execute=True):
        results = {r.model: r for r in tenant_pull(tenant=tenant)}
    line = PurchaseOrderLine.objects.get(tenant=tenant, odoo_id=line_id)
    assert line.quantity == Decimal(130) and line.order.amount_total == Decimal("325.00")
    assert results["purchase.order"].rows_seen == 0 and results["purchase.order.line"].rows_written == 1
    (changes,) = _po_changed(tenant)
    assert set(changes) == {"amount_total", "lines"}
    assert changes["amount_total"] == ["300.00", "325.00"]
    assert [[q for _, q, _ in lines] for lines in changes["lines"]] == [["120.0000"], ["130.0000"]]
    assert [m.subject for m in mailoutbox] == [f"Purchase order {line.order.name} changed"]
    # Pulled once: the next pull finds the line as the mirror holds it and writes nothing.
    again = {r.model: r for r in tenant_pull(tenant=tenant)}
    assert (again["purchase.order.line"].rows_written, len(_po_changed(tenant))) == (0, 1)
