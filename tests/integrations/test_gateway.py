"""Gateway behaviour beyond the contract: correlation ids, the fields cache, record ids."""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway, record_ids
from portal.context import bound


@pytest.mark.parametrize("transport", ["jsonrpc", "json2"])
def test_correlation_id_travels_in_the_odoo_context(odoo_sim, transport):
    gw = OdooGateway(odoo_sim.config(transport=transport))
    with bound(correlation_id="trace-0123456789"):
        gw.search("res.partner", [["name", "=", "Wood Corner"]])
    sent = [c for c in odoo_sim.control("stats")["contexts"] if c["model"] == "res.partner" and c["method"] == "search"]
    assert sent[-1]["portal_correlation_id"] == "trace-0123456789"


def test_fields_get_is_cached_per_gateway(odoo_sim):
    gw = OdooGateway(odoo_sim.config(transport="jsonrpc"))
    odoo_sim.control("clear_stats")
    for _ in range(3):
        assert gw.has_field("stock.picking", "scheduled_date")
    assert odoo_sim.control("stats")["calls"].get("stock.picking.fields_get") == 1


def test_record_ids_reads_both_wire_forms():
    assert record_ids("mail.activity(26,)") == [26]
    assert record_ids("mail.activity(3, 4)") == [3, 4]
    assert record_ids([5, 6]) == [5, 6]
    with pytest.raises(ValueError):
        record_ids("nonsense")
