"""Gateway behaviour beyond the contract: correlation ids, the fields cache, record ids."""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError, record_ids
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


def test_record_ids_reads_every_wire_form():
    assert record_ids("mail.activity(26,)") == [26]  # 18 /jsonrpc activity_schedule
    assert record_ids("mail.activity(3, 4)") == [3, 4]
    assert record_ids([5, 6]) == [5, 6]  # 19, both transports
    assert record_ids(693) == [693]  # 18 /jsonrpc message_post
    for nonsense in ("nonsense", True, None, {"id": 1}, [1, "2"], [True]):
        with pytest.raises(OdooPermanentError):
            record_ids(nonsense)


@pytest.mark.parametrize("fixture", ["odoo_sim18", "odoo_sim"])
def test_create_goes_through_strict_binding_on_each_series(request, fixture):
    """Odoo's call_kw reads create's values from args[0]; sent as the keyword vals_list they fail with
    IndexError on 18 and 19 (odoo18/transcripts/call_kw_argument_binding.json), which the simulator
    reproduces: the gateway's create passes only if it sends them positionally."""
    sim = request.getfixturevalue(fixture)
    gw = OdooGateway(sim.config(transport="jsonrpc"))
    partner = gw.search("res.partner", [["name", "=", "Wood Corner"]])[0]
    one = gw.create("purchase.order", {"partner_id": partner, "partner_ref": "BIND-ONE"})
    many = gw.create("purchase.order", [{"partner_id": partner, "partner_ref": f"BIND-{i}"} for i in range(2)])
    assert isinstance(one, int) and len(many) == 2
    refs = {r["id"]: r["partner_ref"] for r in gw.read("purchase.order", [one, *many], ["partner_ref"])}
    assert refs == {one: "BIND-ONE", many[0]: "BIND-0", many[1]: "BIND-1"}
