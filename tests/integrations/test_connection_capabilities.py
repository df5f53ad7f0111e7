"""The connection check proves every model, field and method the portal uses on the tenant's Odoo series."""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway
from integrations.odoo.dialects import DIALECTS, dialect_for, series_of
from integrations.odoo.fields_used import FIELD_TYPES
from integrations.services.connection import capabilities_missing, odoo_connection_check
from tests.factories import odoo_tenant

pytestmark = pytest.mark.django_db


class PosingAs(OdooGateway):
    """A gateway that takes the server for another series (as the portal did before it read the version)."""

    def __init__(self, config, series: int) -> None:
        super().__init__(config)
        self._posing = DIALECTS[series]

    @property
    def dialect(self):
        return self._posing


@pytest.mark.parametrize(
    ("version", "series"),
    [("18.0+e-20241005", 18), ("19.0+e-20251227", 19), ("19.0", 19), ("saas~18.3+e", 18), ("20.0", 20)],
)
def test_series_of_a_server_version(version, series):
    assert series_of(version) == series


def test_an_unknown_series_uses_the_nearest_dialect():
    assert dialect_for("17.0").series == 18 and dialect_for("20.0").series == 19
    with pytest.raises(ValueError):
        series_of("nonsense")


def test_the_field_maps_differ_where_odoo_does():
    assert DIALECTS[18].po_line_uom == "product_uom" and DIALECTS[19].po_line_uom == "product_uom_id"
    assert "mail_reminder_confirmed" in FIELD_TYPES[18]["purchase.order"]
    assert "mail_reminder_confirmed" not in FIELD_TYPES[19]["purchase.order"]
    assert FIELD_TYPES[19]["purchase.order"]["acknowledged"] == "boolean"


@pytest.mark.parametrize("fixture", ["odoo_sim18", "odoo_sim"])
@pytest.mark.parametrize("transport", ["jsonrpc", "json2"])
def test_every_capability_is_there_on_each_series(request, fixture, transport):
    sim = request.getfixturevalue(fixture)
    if transport == "json2" and sim.version == "18.0":
        transport = "jsonrpc"  # 18 has no JSON-2: its one transport twice is cheaper than a skip
    gw = OdooGateway(sim.config(transport=transport))
    assert gw.dialect.series == int(sim.version[:2])
    assert capabilities_missing(gw) == []


def test_a_19_server_read_as_18_is_refused_by_name(odoo_sim):
    """What the first pull on a real 19 died of: the check now names each missing piece first."""
    missing = capabilities_missing(PosingAs(odoo_sim.config(transport="json2"), 18))
    assert "purchase.order has no field mail_reminder_confirmed" in missing
    assert "purchase.order.line has no field product_uom" in missing
    assert "purchase.order has no method confirm_reminder_mail" in missing


def test_an_18_server_read_as_19_is_refused_by_name(odoo_sim18):
    missing = capabilities_missing(PosingAs(odoo_sim18.config(transport="jsonrpc"), 19))
    assert "purchase.order has no field acknowledged, locked" in missing
    assert "purchase.order.line has no field product_uom_id" in missing
    assert "purchase.order has no method action_acknowledge" in missing


def test_a_user_without_purchase_rights_fails_the_check(odoo_sim):
    gw = OdooGateway(odoo_sim.config(transport="jsonrpc", login="noaccess"))
    missing = capabilities_missing(gw)
    assert any(line.startswith("purchase.order: odoo.exceptions.AccessError") for line in missing), missing
    assert any(line.startswith("stock.picking: odoo.exceptions.AccessError") for line in missing), missing


@pytest.mark.parametrize("fixture", ["odoo_sim18", "odoo_sim"])
def test_the_check_reports_the_series_and_passes(request, fixture, world):
    sim = request.getfixturevalue(fixture)
    sim.control("reset")
    tenant = odoo_tenant(sim, f"check-{sim.version[:2]}")
    result = odoo_connection_check(tenant=tenant)
    assert result["ok"] is True, result
    assert result["series"] == int(sim.version[:2]) and result["missing"] == []


@pytest.mark.parametrize(("fixture", "blocking"), [("odoo_sim18", True), ("odoo_sim", False)])
def test_a_user_without_email_blocks_only_on_18(request, fixture, blocking, world):
    """18 refuses to validate receipts and post messages for such a user (flow 3); 19 does both (odoo19 flow 3)."""
    sim = request.getfixturevalue(fixture)
    tenant = odoo_tenant(sim, f"noemail-{sim.version[:2]}")
    tenant.odoo_login, tenant.odoo_password = "noemail", "noemail"
    tenant.save()
    result = odoo_connection_check(tenant=tenant)
    no_email = [w for w in result["warnings"] if "has no email address" in w["message"]]
    assert bool(no_email) is blocking and result["ok"] is (not blocking), result


def test_without_purchase_rights_every_problem_is_listed(odoo_sim, world):
    tenant = odoo_tenant(odoo_sim, "noaccess")
    tenant.odoo_login, tenant.odoo_password = "noaccess", "noaccess"
    tenant.save()
    result = odoo_connection_check(tenant=tenant)
    assert result["ok"] is False and result["error"] is None
    [problems] = [w for w in result["warnings"] if w.get("details")]
    refused = {line.split(":")[0] for line in problems["details"]}
    assert {"purchase.order", "purchase.order.line", "stock.picking", "stock.move", "stock.warehouse"} <= refused
    assert any(w["message"].startswith("Cannot read the warehouses") for w in result["warnings"])


def test_json2_on_an_18_server_says_what_to_change(odoo_sim18, world):
    tenant = odoo_tenant(odoo_sim18, "json2-on-18", transport="json2")
    result = odoo_connection_check(tenant=tenant)
    assert result["ok"] is False
    assert result["error"]["name"] == "portal.Json2NotAvailable"
    assert "JSON-2 exists from Odoo 19 on and this server runs Odoo 18" in result["error"]["message"]


def test_a_wrong_database_is_permanent_and_named(odoo_sim, world):
    tenant = odoo_tenant(odoo_sim, "wrong-db")
    tenant.odoo_database = "no_such_db"
    tenant.save()
    result = odoo_connection_check(tenant=tenant)
    assert result["error"]["kind"] == "permanent", result
    assert 'database "no_such_db" does not exist' in result["error"]["message"]


def test_the_settings_page_lists_the_problems_once(client, odoo_sim, world):
    from tests.conftest import login

    tenant = world.a
    tenant.odoo_url, tenant.odoo_database, tenant.odoo_login = odoo_sim.url, "sim", "noaccess"
    tenant.odoo_password, tenant.odoo_transport = "noaccess", "jsonrpc"
    tenant.save()
    odoo_connection_check(tenant=tenant)
    page = login(client, world.a_admin).get(f"/t/{tenant.slug}/settings/odoo/").content.decode()
    assert "purchase.order: odoo.exceptions.AccessError" in page
    assert "(&#x27;blocking&#x27;" not in page and "('blocking'" not in page
