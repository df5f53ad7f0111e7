"""API fixtures: a token per partner, and a client that sends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from portal.api.scopes import api_scopes
from portal.models import Role
from portal.services.tokens import token_create
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine, rules_for
from tests.factories import member


def bearer(secret: str | None) -> APIClient:
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def issue(admin, scopes=None, days=30):
    return token_create(actor=admin, name="ERP connector", scopes=scopes or list(api_scopes()), expires_in_days=days)


def make_order(tenant, partner, name, qty=10):
    soon = datetime.now(UTC) + timedelta(days=10)
    product, _ = Product.objects.get_or_create(
        tenant=tenant, odoo_id=58, defaults={"default_code": "LAB-LOT-001", "name": "Resin", "tracking": "lot"}
    )
    po = PurchaseOrder.objects.create(
        tenant=tenant,
        partner=partner,
        odoo_id=PurchaseOrder.objects.count() + 500,
        name=name,
        state="purchase",
        receipt_status="pending",
        date_planned=soon,
        date_order=soon - timedelta(days=20),
    )
    PurchaseOrderLine.objects.create(
        tenant=tenant,
        order=po,
        odoo_id=po.odoo_id * 10,
        product=product,
        description="[LAB-LOT-001] Resin",
        quantity=qty,
        uom_name="kg",
        date_planned=soon,
    )
    return po


@pytest.fixture
def api_world(world):
    rules = rules_for(world.a)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    q1_admin = world.q1_admin
    _, world.p1_secret = issue(world.p1_admin)
    _, world.p2_secret = issue(world.p2_admin)
    _, world.q1_secret = issue(q1_admin)
    world.po = make_order(world.a, world.p1, "P20001")
    world.po_b = make_order(world.b, world.q1, "P20002")
    world.p1_other_admin = member(world.a, Role.SUPPLIER_ADMIN, world.p1)
    return world
