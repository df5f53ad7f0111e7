"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway
from integrations.services.pull import tenant_pull
from portal.models import Partner, Role
from suppliers.models import PurchaseOrder
from tests.factories import member, odoo_tenant


@pytest.fixture
def synced(odoo_sim):
    tenant = odoo_tenant(odoo_sim, "sync")
    tenant_pull(tenant=tenant)
    supplier = member(tenant, Role.SUPPLIER_USER, Partner.objects.get(tenant=tenant, odoo_id=11))
    admin = member(tenant, Role.TENANT_ADMIN)
    po = PurchaseOrder.objects.filter(tenant=tenant, partner__odoo_id=11, state="purchase").first()
    gw = OdooGateway(tenant.odoo_config())
    return type(
        "Synced", (), {"tenant": tenant, "supplier": supplier, "admin": admin, "po": po, "gw": gw, "sim": odoo_sim}
    )
