"""A tenant's Odoo connection: secrets at rest, the check, the settings page and its scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from integrations.services.connection import odoo_connection_check, tenant_odoo_configure
from portal.models import AuditEntry, Tenant
from tests.conftest import login
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db


def _configure(world, sim, **overrides):
    values = {
        "url": sim.url,
        "database": "sim",
        "login": "integration",
        "password": "integration",
        "api_key": None,
        "transport": "jsonrpc",
        "timeout_seconds": 10,
        **overrides,
    }
    return tenant_odoo_configure(actor=world.a_admin, **values)


def test_secrets_are_encrypted_at_rest_and_never_audited(world, odoo_sim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        tenant = _configure(world, odoo_sim, password="s3cret-odoo-pass", api_key="key-abc-123")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT odoo_password_encrypted, odoo_api_key_encrypted FROM portal_tenant WHERE id = %s", [tenant.pk]
        )
        stored = " ".join(cursor.fetchone())
    assert "s3cret-odoo-pass" not in stored and "key-abc-123" not in stored
    fresh = Tenant.objects.get(pk=tenant.pk)
    assert fresh.odoo_password == "s3cret-odoo-pass" and fresh.odoo_api_key == "key-abc-123"
    assert "s3cret" not in repr(fresh.odoo_config())
    entry = AuditEntry.objects.get(action="tenant.odoo_configured")
    assert entry.changes["odoo_password"] == ["***", "*** (changed)"]
    assert "s3cret" not in str(entry.changes)


def test_check_against_the_simulated_odoo(world, odoo_sim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        tenant = _configure(world, odoo_sim)
    result = odoo_connection_check(tenant=tenant)
    assert result["ok"] is True, result
    assert result["version"] == "19.0+e-20251227" and result["transport"] == "jsonrpc"
    assert result["series"] == 19 and result["missing"] == []
    assert result["user"]["login"] == "integration" and result["user"]["email"]
    assert result["modules"] == {"purchase": True, "stock": True, "purchase_stock": True, "delivery": False}
    assert result["warehouses"] == [{"code": "WH", "name": "YourCompany", "reception_steps": 3}]
    assert Tenant.objects.get(pk=tenant.pk).odoo_check["ok"] is True


def test_auto_picks_json2_on_odoo_19_with_a_key(world, odoo_sim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        tenant = _configure(world, odoo_sim, transport="auto", api_key="sim-api-key-integration")
    assert odoo_connection_check(tenant=tenant)["transport"] == "json2"


def test_check_reports_what_is_wrong(world, odoo_sim, odoo_sim18, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        tenant = _configure(world, odoo_sim18, login="noemail", password="noemail")  # an 18 pitfall
    result = odoo_connection_check(tenant=tenant)
    assert result["ok"] is False and "has no email address" in result["warnings"][0]["message"]
    with django_capture_on_commit_callbacks(execute=False):
        tenant = _configure(world, odoo_sim, login="integration", password="wrong-password")
    result = odoo_connection_check(tenant=tenant)
    assert result["error"]["kind"] == "credentials" and result["error"]["name"] == "odoo.exceptions.AccessDenied"
    with django_capture_on_commit_callbacks(execute=False):
        tenant = _configure(world, odoo_sim, url="http://127.0.0.1:9", password="integration")
    assert odoo_connection_check(tenant=tenant)["error"]["kind"] == "transient"


def test_settings_page_saves_checks_and_shows_the_result(
    world, odoo_sim, client, celery_eager, django_capture_on_commit_callbacks
):
    login(client, world.a_admin)
    url = reverse("odoo_settings", args=["alpha"])
    assert "Not checked yet." in client.get(url).content.decode()
    bad = client.post(
        url, {"url": "not a url", "database": "", "login": "x", "transport": "json2", "timeout_seconds": 1}
    )
    body = bad.content.decode()
    assert bad.status_code == 200 and "Enter a valid URL." in body and 'value="x"' in body
    assert "JSON-2 authenticates with an API key" in body and "greater than or equal to 3" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "url": odoo_sim.url,
                "database": "sim",
                "login": "integration",
                "password": "integration",
                "transport": "jsonrpc",
                "timeout_seconds": 10,
            },
        )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Connected" in page and "Odoo 19.0" in page and "3 steps" in page
    assert "integration" not in client.get(url).content.decode().split("Stored secrets")[1].split("</p>")[0]
    Tenant.objects.filter(pk=world.a.pk).update(odoo_check={})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("odoo_check", args=["alpha"])).status_code == 302
    assert Tenant.objects.get(pk=world.a.pk).odoo_check["ok"] is True
    assert "Connected" in client.get(reverse("dashboard", args=["alpha"])).content.decode()


def test_settings_pages_are_for_this_tenants_admins_only(world):
    for name in ("odoo_settings",):
        assert_scoped(
            ScopeCase(
                reverse(name, args=["alpha"]),
                world.a_admin,
                [world.a_buyer, world.p1_admin, world.b_admin],
                ["Odoo connection"],
                swap_tenant=False,
            )
        )
    assert_scoped(
        ScopeCase(
            reverse("odoo_check", args=["alpha"]),
            world.a_admin,
            [world.a_buyer, world.p1_admin, world.b_admin],
            [],
            method="post",
            owner_status=None,
            swap_tenant=False,
        )
    )
