"""Suppliers are the vendors the tenant's orders point to, whatever Odoo's supplier_rank, archived ones too.

Real Odoo raises ``supplier_rank`` only when a vendor bill is posted: a new
vendor with confirmed POs has rank 0 (found on a real 18 and 19). Both series.
"""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway
from integrations.services.pull import tenant_pull
from portal.models import Partner
from suppliers.models import PurchaseOrder
from tests.factories import odoo_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["odoo_sim18", "odoo_sim"])
def sim(request):
    sim = request.getfixturevalue(request.param)
    sim.control("reset")
    return sim


@pytest.fixture
def admin(sim) -> OdooGateway:
    return OdooGateway(sim.config(transport="jsonrpc", login="admin", password="admin"))


def _order(admin: OdooGateway, partner_id: int, ref: str) -> int:
    product = admin.search("product.product", [["purchase_ok", "=", True]], limit=1)[0]
    po = admin.create(
        "purchase.order",
        {"partner_id": partner_id, "partner_ref": ref, "order_line": [[0, 0, {"product_id": product}]]},
    )
    admin.call("purchase.order", "button_confirm", [po])
    return po


def test_a_vendor_without_rank_is_mirrored_with_its_name_and_email(sim, admin):
    vendor = admin.create(
        "res.partner", {"name": "Fresh Vendor GmbH", "is_company": True, "email": "po@fresh.example", "ref": "FV-1"}
    )
    assert admin.read("res.partner", [vendor], ["supplier_rank"])[0]["supplier_rank"] == 0
    po = _order(admin, vendor, "FRESH-1")
    tenant = odoo_tenant(sim, "vendors")
    tenant_pull(tenant=tenant)
    partner = Partner.objects.get(tenant=tenant, odoo_id=vendor)
    assert (partner.name, partner.email, partner.ref, partner.is_active) == (
        "Fresh Vendor GmbH",
        "po@fresh.example",
        "FV-1",
        True,
    )
    assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).partner == partner
    # and kept up to date by later pulls, though its rank is still 0
    admin.write("res.partner", [vendor], {"email": "orders@fresh.example"})
    tenant_pull(tenant=tenant)
    partner.refresh_from_db()
    assert partner.email == "orders@fresh.example"


def test_an_order_to_a_contact_person_belongs_to_the_company(sim, admin):
    company = admin.create("res.partner", {"name": "Parent Metals AB", "is_company": True, "email": "x@pm.example"})
    person = admin.create("res.partner", {"name": "Eva Buyer-Contact", "parent_id": company, "email": "eva@pm.example"})
    assert admin.read("res.partner", [person], ["commercial_partner_id"])[0]["commercial_partner_id"][0] == company
    po = _order(admin, person, "CONTACT-1")
    tenant = odoo_tenant(sim, "contacts")
    tenant_pull(tenant=tenant)
    order = PurchaseOrder.objects.select_related("partner").get(tenant=tenant, odoo_id=po)
    assert order.partner.odoo_id == company and order.partner.name == "Parent Metals AB"
    assert not Partner.objects.filter(tenant=tenant, odoo_id=person).exists()


def test_an_archived_vendor_is_mirrored_and_marked(sim, admin):
    vendor = admin.create("res.partner", {"name": "Old Castings Ltd", "is_company": True, "email": "o@old.example"})
    po = _order(admin, vendor, "ARCHIVED-1")
    admin.write("res.partner", [vendor], {"active": False})
    tenant = odoo_tenant(sim, "archived")
    tenant_pull(tenant=tenant)
    partner = Partner.objects.get(tenant=tenant, odoo_id=vendor)
    assert partner.name == "Old Castings Ltd" and partner.is_active is False
    assert PurchaseOrder.objects.get(tenant=tenant, odoo_id=po).partner == partner
    # archived after the first pull: the next pull marks it
    admin.write("res.partner", [vendor], {"active": True})
    tenant_pull(tenant=tenant)
    partner.refresh_from_db()
    assert partner.is_active is True
    admin.write("res.partner", [vendor], {"active": False})
    tenant_pull(tenant=tenant)
    partner.refresh_from_db()
    assert partner.is_active is False


def test_orders_carry_their_delivery_address(sim, admin):
    """The warehouse's address by default, the dropship address when the order has one (both series)."""
    warehouse = admin.search_read("stock.warehouse", [["code", "=", "WH"]], ["partner_id"])[0]
    admin.write("res.partner", [warehouse["partner_id"][0]], {"street": "1 Dock Road", "zip": "4100", "city": "Linz"})
    site = admin.create("res.partner", {"name": "Site B", "street": "Plant Lane 9", "zip": "20095", "city": "Hamburg"})
    plain = _order(admin, 11, "ADDR-1")
    dropship = admin.create(
        "purchase.order",
        {
            "partner_id": 11,
            "dest_address_id": site,
            "order_line": [[0, 0, {"product_id": admin.search("product.product", [["purchase_ok", "=", True]])[0]}]],
        },
    )
    admin.call("purchase.order", "button_confirm", [dropship])
    tenant = odoo_tenant(sim, "addresses")
    tenant_pull(tenant=tenant)
    by_id = {o.odoo_id: o for o in PurchaseOrder.objects.filter(tenant=tenant, odoo_id__in=[plain, dropship])}
    assert by_id[plain].ship_to_address.splitlines()[1:] == ["1 Dock Road", "4100 Linz"]
    assert by_id[dropship].ship_to_address == "Site B\nPlant Lane 9\n20095 Hamburg"


def test_a_quantity_beyond_the_portals_limit_is_a_clear_pull_error(sim, admin):
    """One limit on every path: Odoo's float beyond it is named, not stored to read back wrong (SQLite) or
    refused by the database (PostgreSQL)."""
    from integrations.models import PullCursor
    from suppliers.quantities import NumberError

    product = admin.search("product.product", [["purchase_ok", "=", True]], limit=1)[0]
    po = admin.create(
        "purchase.order",
        {"partner_id": 11, "order_line": [[0, 0, {"product_id": product, "product_qty": 1e12}]]},
    )
    admin.call("purchase.order", "button_confirm", [po])
    tenant = odoo_tenant(sim, "too-big")
    with pytest.raises(NumberError):
        tenant_pull(tenant=tenant)
    assert "The largest quantity is" in PullCursor.objects.get(tenant=tenant, model="purchase.order").last_error
