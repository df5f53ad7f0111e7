"""Pulling partners, products, POs and lines from the simulated Odoo."""

from __future__ import annotations

import pytest

from integrations.models import PullCursor
from integrations.odoo import OdooGateway
from integrations.services.pull import tenant_pull
from portal.models import Partner
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(odoo_sim):
    tenant = TenantFactory(
        slug="pull", odoo_url=odoo_sim.url, odoo_database="sim", odoo_login="integration", odoo_transport="jsonrpc"
    )
    tenant.odoo_password = "integration"
    tenant.save()
    return tenant


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
    ]


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
