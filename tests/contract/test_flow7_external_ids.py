"""Flow 7: external ids for a user without ir.model.data rights, and load() as an idempotent upsert.

Recording: odoo18/flows/07. Odoo 19 has none of this flow (README, "Not covered on 19"): on 19 the 18
expectations are checked.
"""

from __future__ import annotations

import pytest

from integrations.odoo import OdooPermanentError

from .conftest import vendor


def test_integration_user_cannot_touch_ir_model_data_directly(gw):
    with pytest.raises(OdooPermanentError) as caught:
        gw.search_read("ir.model.data", [["model", "=", "purchase.order"]], ["module", "name"], limit=1)
    assert caught.value.name == "odoo.exceptions.AccessError"
    with pytest.raises(OdooPermanentError) as caught:
        gw.create("ir.model.data", {"model": "purchase.order", "module": "supplier_portal", "name": "x", "res_id": 1})
    assert caught.value.name == "odoo.exceptions.AccessError"


def test_load_creates_then_updates_by_external_id(gw, transport):
    partner = vendor(gw)
    partner_xmlid = gw.call("res.partner", "get_external_id", [partner])[str(partner)]
    assert partner_xmlid, "the vendor needs an external id for this check"
    xmlid = f"supplier_portal.contract_load_{transport}_{gw.search_count('purchase.order', [])}"
    first = gw.call(
        "purchase.order",
        "load",
        fields=["id", "partner_id/id", "partner_ref", "origin"],
        data=[[xmlid, partner_xmlid, "LOAD-1", "portal"]],
    )
    assert first["messages"] == [] and len(first["ids"]) == 1
    second = gw.call(
        "purchase.order",
        "load",
        fields=["id", "partner_id/id", "partner_ref", "origin"],
        data=[[xmlid, partner_xmlid, "LOAD-1-v2", "portal"]],
    )
    assert second["ids"] == first["ids"]
    row = gw.read("purchase.order", first["ids"], ["partner_ref", "origin", "state"])[0]
    assert (row["partner_ref"], row["origin"], row["state"]) == ("LOAD-1-v2", "portal", "draft")
    assert gw.call("purchase.order", "get_external_id", first["ids"]) == {str(first["ids"][0]): xmlid}
    module, name = xmlid.split(".")
    assert gw.call("ir.model.data", "check_object_reference", module=module, xml_id=name) == [
        "purchase.order",
        first["ids"][0],
    ]


def test_load_reports_bad_references_in_messages(gw):
    result = gw.call(
        "purchase.order",
        "load",
        fields=["id", "partner_id/id", "partner_ref"],
        data=[["supplier_portal.po_bad", "base.no_such_partner", "X"]],
    )
    assert result["ids"] is False
    assert "No matching record found for external id 'base.no_such_partner'" in result["messages"][0]["message"]


def test_unknown_external_id_and_id_without_module(gw, transport):
    with pytest.raises(OdooPermanentError) as caught:
        gw.call("ir.model.data", "check_object_reference", module="supplier_portal", xml_id="does_not_exist")
    assert caught.value.name == "builtins.ValueError"
    assert "External ID not found in the system: supplier_portal.does_not_exist" in caught.value.message
    partner_xmlid = gw.call("res.partner", "get_external_id", [vendor(gw)])[str(vendor(gw))]
    bare = f"po_without_module_{transport}_{gw.search_count('purchase.order', [])}"
    result = gw.call("purchase.order", "load", fields=["id", "partner_id/id"], data=[[bare, partner_xmlid]])
    assert gw.call("purchase.order", "get_external_id", result["ids"]) == {str(result["ids"][0]): f"__import__.{bare}"}


def test_deleting_a_cancelled_po_removes_its_external_id(gw, transport):
    partner_xmlid = gw.call("res.partner", "get_external_id", [vendor(gw)])[str(vendor(gw))]
    xmlid = f"supplier_portal.contract_tmp_{transport}_{gw.search_count('purchase.order', [])}"
    po = gw.call("purchase.order", "load", fields=["id", "partner_id/id"], data=[[xmlid, partner_xmlid]])["ids"][0]
    with pytest.raises(OdooPermanentError) as caught:
        gw.unlink("purchase.order", [po])
    assert "In order to delete a purchase order, you must cancel it first." in caught.value.message
    assert gw.call("purchase.order", "button_cancel", [po]) is None
    assert gw.unlink("purchase.order", [po]) is True
    module, name = xmlid.split(".")
    with pytest.raises(OdooPermanentError) as caught:
        gw.call("ir.model.data", "check_object_reference", module=module, xml_id=name)
    assert "External ID not found" in caught.value.message
