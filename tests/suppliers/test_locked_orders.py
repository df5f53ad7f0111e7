"""A locked order still receives: it can be acknowledged and shipped against until it is fully received.

With the company's "lock confirmed orders" setting (``po_lock = lock``), Odoo 18
puts every approved order in state ``done`` ("Locked") and Odoo 19 sets
``locked`` on it (odoo19/DIFF.md); the receipt stays open either way.
"""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway
from integrations.services.pull import tenant_pull
from portal.models import Partner, Role
from suppliers.models import PurchaseOrder
from suppliers.selectors import po_list
from suppliers.services.acknowledgements import LineAnswer, ack_submit
from tests.factories import member, odoo_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["odoo_sim18", "odoo_sim"])
def sim(request):
    sim = request.getfixturevalue(request.param)
    sim.control("reset")
    yield sim
    sim.control("reset")  # the company's lock setting must not reach the tests that share this simulator


def test_a_locked_order_is_open_to_acknowledge_and_ship(sim):
    admin = OdooGateway(sim.config(transport="jsonrpc", login="admin", password="admin"))
    admin.write("res.company", [1], {"po_lock": "lock"})
    product = admin.search("product.product", [["default_code", "=", "ALU-BRKT-7"]])[0]
    po = admin.create("purchase.order", {"partner_id": 11, "order_line": [[0, 0, {"product_id": product}]]})
    admin.call("purchase.order", "button_confirm", [po])
    row = admin.read("purchase.order", [po], ["state", *(["locked"] if sim.version == "19.0" else [])])[0]
    assert row["state"] == {"18.0": "done", "19.0": "purchase"}[sim.version]
    assert row.get("locked", True) is True
    tenant = odoo_tenant(sim, f"locked-{sim.version[:2]}")
    tenant_pull(tenant=tenant)
    order = PurchaseOrder.objects.get(tenant=tenant, odoo_id=po)
    assert order.state == "done" and order.is_open and order.needs_acknowledgement
    supplier = member(tenant, Role.SUPPLIER_USER, Partner.objects.get(tenant=tenant, odoo_id=11))
    assert order in po_list(membership=supplier, status="to_acknowledge")
    assert order not in po_list(membership=supplier, status="closed")
    ack = ack_submit(
        membership=supplier, po_id=order.pk, answers=[LineAnswer(line_id=line.pk) for line in order.lines.all()]
    )
    assert ack.pk and PurchaseOrder.objects.get(pk=order.pk).ack_status == "accepted"
