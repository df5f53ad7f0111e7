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
