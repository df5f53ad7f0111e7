"""The supplier collaboration rules live in suppliers (one row per tenant, ``rules_for``), not on the tenant."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.models import AuditEntry, Tenant
from suppliers.models import CollaborationRules, rules_for
from tests.conftest import login
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

FORM = {
    "ack_days_early": "2",
    "ack_days_late": "4",
    "ack_qty_under_pct": "5",
    "ack_qty_over_pct": "0",
    "asn_qty_over_pct": "10",
    "gs1_company_prefix": "0614141",
    "time_zone": "Europe/Berlin",
}


def test_a_new_tenant_has_the_default_rules_without_a_row_and_reading_them_writes_nothing(
    django_assert_num_queries,
):
    tenant = TenantFactory()
    with django_assert_num_queries(1):
        rules = rules_for(tenant)
        assert rules_for(tenant) is rules  # kept on the tenant: asked again, no query
    assert not CollaborationRules.objects.exists()
    assert (rules.ack_days_early, rules.ack_days_late) == (3, 1)
    assert (rules.ack_qty_under_pct, rules.ack_qty_over_pct, rules.asn_qty_over_pct) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("5.00"),
    )
    assert rules.gs1_company_prefix == "" and rules.pk is None
    assert rules_for(tenant.pk).asn_qty_over_pct == Decimal("5.00")  # by id, as a delivery task asks


def test_the_rules_of_a_tenant_are_its_own(world):
    CollaborationRules.objects.create(tenant=world.a, asn_qty_over_pct=Decimal("12.5"), gs1_company_prefix="0614141")
    a = Tenant.objects.get(pk=world.a.pk)
    b = Tenant.objects.get(pk=world.b.pk)
    assert (rules_for(a).asn_qty_over_pct, rules_for(a).gs1_company_prefix) == (Decimal("12.50"), "0614141")
    assert (rules_for(b).asn_qty_over_pct, rules_for(b).gs1_company_prefix) == (Decimal("5.00"), "")
    assert rules_for(world.a.pk).gs1_company_prefix == "0614141"
    assert world.a.collaboration_rules.tenant_id == world.a.pk  # the one-to-one, seen from the tenant


def test_saving_the_rules_page_stores_the_rules_once_and_audits_them_on_the_tenant(world, client):
    login(client, world.a_admin)
    url = reverse("collaboration_settings", args=["alpha"])
    page = client.get(url).content.decode()
    assert 'value="3"' in page and "Europe/Berlin" in page  # the defaults, before any row exists
    assert client.post(url, FORM).status_code == 302
    assert client.post(url, {**FORM, "ack_days_late": "6"}).status_code == 302
    rules = CollaborationRules.objects.get()
    assert (rules.tenant_id, rules.ack_days_late, rules.gs1_company_prefix) == (world.a.pk, 6, "0614141")
    world.a.refresh_from_db()
    assert world.a.time_zone == "Europe/Berlin"
    first, second = AuditEntry.objects.filter(action="tenant.collaboration_settings").order_by("pk")
    assert first.object_id == str(world.a.pk) and first.content_type.model == "tenant"
    assert first.changes == {
        "ack_days_early": [3, 2],
        "ack_days_late": [1, 4],
        "ack_qty_under_pct": ["0.00", "5"],
        "asn_qty_over_pct": ["5.00", "10"],
        "gs1_company_prefix": ["", "0614141"],
        "time_zone": ["UTC", "Europe/Berlin"],
    }
    assert second.changes == {"ack_days_late": [4, 6]}


def test_a_gs1_prefix_in_other_digits_is_refused_as_before(world, client):
    login(client, world.a_admin)
    url = reverse("collaboration_settings", args=["alpha"])
    refused = client.post(url, {**FORM, "gs1_company_prefix": "٠٦١٤١٤١"})
    assert refused.status_code == 200 and "6 to 11 digits (0-9)" in refused.content.decode()
    assert not CollaborationRules.objects.exists() and not AuditEntry.objects.filter(
        action="tenant.collaboration_settings"
    )
