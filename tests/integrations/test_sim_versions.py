"""The simulated Odoo plays each series as recorded: 18's and 19's fields, models, methods and flows.

The catalogues compared are the repository's own (``integrations/odoo_sim/data``,
compacted from shared/odoo-reference/odoo1x/fields by ``build_catalogue.py``).
Calls go over /jsonrpc, ``create`` with its values positionally.
"""

from __future__ import annotations

import httpx
import pytest

from integrations.odoo_sim import seed
from integrations.odoo_sim.fields import extra_models, recorded
from integrations.odoo_sim.process import SimProcess, free_port

ATTRIBUTES = ["type", "string", "required", "readonly", "relation", "selection", "store"]


class RpcError(Exception):
    def __init__(self, data: dict) -> None:
        super().__init__(f"{data['name']}: {data['message']}")
        self.name, self.message = data["name"], data["message"]


class Rpc:
    """Raw /jsonrpc execute_kw as one user (no client library in between)."""

    def __init__(self, sim: SimProcess, login: str = "admin") -> None:
        self.url, self.login, self.password = f"{sim.url}/jsonrpc", login, login
        self.uid = self._post("common", "login", [seed.DATABASE, login, self.password])["result"]

    def _post(self, service: str, method: str, args: list) -> dict:
        body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": service, "method": method}}
        body["params"]["args"] = args
        return httpx.post(self.url, json=body, timeout=30).json()

    def __call__(self, model: str, method: str, args: list, **kwargs):
        answer = self._post(
            "object", "execute_kw", [seed.DATABASE, self.uid, self.password, model, method, args, kwargs]
        )
        if "error" in answer:
            raise RpcError(answer["error"]["data"])
        return answer.get("result")


def _start(tmp_path_factory, version: str):
    sim = SimProcess(port=free_port(), data=tmp_path_factory.mktemp("odoo") / "x.sqlite3", version=version).start()
    return sim


@pytest.fixture(scope="module")
def sim18(tmp_path_factory):
    sim = _start(tmp_path_factory, "18.0")
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def sim19(tmp_path_factory):
    sim = _start(tmp_path_factory, "19.0")
    yield sim
    sim.stop()


@pytest.fixture
def rpc18(sim18):
    return Rpc(sim18)


@pytest.fixture
def rpc19(sim19):
    return Rpc(sim19)


def _refused(rpc: Rpc, *call, **kwargs) -> RpcError:
    with pytest.raises(RpcError) as caught:
        rpc(*call, **kwargs)
    return caught.value


def _new_po(rpc: Rpc, lines: list[tuple[str, float]], *, partner: int = 9, confirm: bool = True) -> int:
    products = {
        r["default_code"]: r["id"] for r in rpc("product.product", "search_read", [[]], fields=["default_code"])
    }
    vals = {
        "partner_id": partner,
        "order_line": [[0, 0, {"product_id": products[c], "product_qty": q}] for c, q in lines],
    }
    po = rpc("purchase.order", "create", [vals])
    if confirm:
        assert rpc("purchase.order", "button_confirm", [[po]]) is True
    return po


# --- fields_get per version ------------------------------------------------------------------------


@pytest.mark.parametrize("version", [18, 19])
def test_fields_get_serves_the_recorded_catalogue(version, request):
    rpc = Rpc(request.getfixturevalue(f"sim{version}"))
    for model, expected in recorded(version).items():
        served = rpc(model, "fields_get", [], attributes=ATTRIBUTES)
        assert set(served) == set(expected), model
        for name, attrs in expected.items():
            assert {key: served[name].get(key) for key in attrs} == attrs, f"{model}.{name}"


def test_supplierinfo_on_18_is_19s_with_the_purchase_unit(rpc18):
    served = rpc18("product.supplierinfo", "fields_get", [], attributes=ATTRIBUTES)
    assert "product_uom_id" not in served and len(served) == len(recorded(19)["product.supplierinfo"])
    assert served["product_uom"] == extra_models(18)["product.supplierinfo"]["product_uom"]
    assert {k: served["product_uom"][k] for k in ("type", "relation", "readonly", "store")} == {
        "type": "many2one",
        "relation": "uom.uom",
        "readonly": True,
        "store": False,
    }
    vendor_unit = rpc18(
        "product.supplierinfo", "search_read", [[["product_code", "=", "WC-RES-1"]]], fields=["product_uom"]
    )
    assert vendor_unit[0]["product_uom"] == [1, "Units"]


@pytest.mark.parametrize(
    ("version", "model", "field", "message"),
    [
        (19, "purchase.order.line", "product_uom", "Invalid field 'product_uom' on 'purchase.order.line'"),
        (19, "purchase.order", "group_id", "Invalid field 'group_id' on 'purchase.order'"),
        (19, "uom.uom", "category_id", "Invalid field 'category_id' on 'uom.uom'"),
        (19, "product.product", "uom_po_id", "Invalid field 'uom_po_id' on 'product.product'"),
        (18, "purchase.order.line", "product_uom_id", "Invalid field 'product_uom_id' on model 'purchase.order.line'"),
        (18, "purchase.order", "reference_ids", "Invalid field 'reference_ids' on model 'purchase.order'"),
        (18, "purchase.order", "acknowledged", "Invalid field 'acknowledged' on model 'purchase.order'"),
    ],
)
def test_reading_the_other_series_field_fails_the_whole_read(version, model, field, message, request):
    rpc = Rpc(request.getfixturevalue(f"sim{version}"))
    ids = rpc(model, "search", [[]], limit=2)
    error = _refused(rpc, model, "read", [ids], fields=["id", field])
    assert (error.name, error.message) == ("builtins.ValueError", message)


@pytest.mark.parametrize(
    ("version", "missing"), [(19, "procurement.group"), (19, "uom.category"), (18, "stock.reference")]
)
def test_models_of_the_other_series_do_not_exist(version, missing, request):
    error = _refused(Rpc(request.getfixturevalue(f"sim{version}")), missing, "search_read", [[]], limit=1)
    assert (error.name, error.message) == ("odoo.exceptions.UserError", f"Object {missing} doesn't exist")


# --- purchase orders on 19 -------------------------------------------------------------------------------


def test_19_acknowledgement_is_action_acknowledge_tracked_in_the_chatter(rpc19):
    po = _new_po(rpc19, [("FURN_7800", 3)])
    assert rpc19("purchase.order", "read", [[po]], fields=["acknowledged", "locked"])[0] == {
        "id": po,
        "acknowledged": False,
        "locked": False,
    }
    before = rpc19("mail.message", "search_count", [[["model", "=", "purchase.order"], ["res_id", "=", po]]])
    assert rpc19("purchase.order", "action_acknowledge", [[po]]) is None  # no "result" member
    assert rpc19("purchase.order", "read", [[po]], fields=["acknowledged"])[0]["acknowledged"] is True
    assert rpc19("purchase.order", "action_acknowledge", [[po]]) is None  # again: nothing changes
    assert rpc19("purchase.order", "write", [[po], {"acknowledged": False}]) is True
    notes = rpc19(
        "mail.message",
        "search_read",
        [[["model", "=", "purchase.order"], ["res_id", "=", po]]],
        fields=["body", "subtype_id"],
        order="id asc",
    )
    assert len(notes) == before + 2 and [(n["body"], n["subtype_id"][1]) for n in notes[-2:]] == [("", "Note")] * 2


def test_19_acknowledges_a_draft_too(rpc19):
    rfq = _new_po(rpc19, [("LAB-LOT-001", 1)], confirm=False)
    rpc19("purchase.order", "action_acknowledge", [[rfq]])
    assert rpc19("purchase.order", "read", [[rfq]], fields=["state", "acknowledged"])[0] == {
        "id": rfq,
        "state": "draft",
        "acknowledged": True,
    }


def test_19_has_no_confirm_reminder_mail_nor_its_flag(rpc19):
    po = _new_po(rpc19, [("FURN_7800", 1)])
    unknown = _refused(rpc19, "purchase.order", "no_such_method", [[po]])
    error = _refused(rpc19, "purchase.order", "confirm_reminder_mail", [[po]], confirmed_date="2026-12-10")
    assert error.name == "builtins.AttributeError"
    assert error.message == unknown.message.replace("no_such_method", "confirm_reminder_mail")
    error = _refused(rpc19, "purchase.order", "write", [[po], {"mail_reminder_confirmed": True}])
    assert (error.name, error.message) == (
        "builtins.ValueError",
        "Invalid field 'mail_reminder_confirmed' in 'purchase.order'",
    )
    error = _refused(rpc19, "purchase.order", "write", [[po], {"state": "done"}])
    assert error.message == "Wrong value for purchase.order.state: 'done'"


def test_19_confirmation_links_a_stock_reference_and_names_lines_by_vendor_code(rpc19):
    po = _new_po(rpc19, [("LAB-LOT-001", 10), ("FURN_7800", 5)])
    order = rpc19("purchase.order", "read", [[po]], fields=["name", "reference_ids", "picking_ids", "order_line"])[0]
    lines = rpc19("purchase.order.line", "read", [order["order_line"]], fields=["name", "product_uom_id", "state"])
    assert [(line["name"], line["product_uom_id"], line["state"]) for line in lines] == [
        ("[WC-RES-1] LAB Lot-Tracked Resin", [1, "Units"], "purchase"),
        ("[FURN_7800] Desk Combination", [1, "Units"], "purchase"),
    ]
    [ref] = order["reference_ids"]
    moves = rpc19("stock.move", "search", [[["picking_id", "in", order["picking_ids"]]]])
    assert rpc19("stock.reference", "read", [[ref]], fields=["name", "move_ids", "picking_ids", "purchase_ids"]) == [
        {
            "id": ref,
            "name": order["name"],
            "move_ids": sorted(moves),
            "picking_ids": order["picking_ids"],
            "purchase_ids": [po],
        }
    ]
    receipt = rpc19("stock.picking", "read", [order["picking_ids"]], fields=["reference_ids", "location_id"])[0]
    assert receipt["reference_ids"] == [ref] and receipt["location_id"][1] == "Vendors"
    found = rpc19("stock.picking", "search", [[["reference_ids", "in", [ref]]]])
    assert found == order["picking_ids"]


def test_19_units_point_to_a_reference_unit(rpc19):
    units = rpc19(
        "uom.uom",
        "search_read",
        [[["name", "in", ["Units", "Dozens", "g", "kg"]], ["active", "in", [True, False]]]],
        fields=["name", "relative_uom_id", "relative_factor", "factor"],
        order="id",
    )
    assert [(u["name"], u["relative_uom_id"], u["factor"]) for u in units] == [
        ("Units", False, 1.0),
        ("Dozens", [1, "Units"], 12.0),
        ("g", False, 1.0),
        ("kg", [14, "g"], 1000.0),
    ]


# --- the reception chain on 19: lots, backorder, QC, return (SMS wizard), scrap, storage --------------------


def test_19_reception_chain_keeps_every_transfer_on_the_reference(rpc19, sim19):
    po = _new_po(rpc19, [("LAB-LOT-001", 10), ("FURN_7800", 5)])
    [ref] = rpc19("purchase.order", "read", [[po]], fields=["reference_ids"])[0]["reference_ids"]
    [receipt] = rpc19("purchase.order", "read", [[po]], fields=["picking_ids"])[0]["picking_ids"]
    for line in rpc19("stock.move.line", "search_read", [[["picking_id", "=", receipt]]], fields=["product_id"]):
        if "LAB-LOT-001" in line["product_id"][1]:
            rpc19("stock.move.line", "write", [[line["id"]], {"lot_name": "V19-LOT-A", "quantity": 8}])
    # A user without e-mail validates on 19 (odoo19 flows/03 section 6); the wizard's view is 19's.
    noemail = Rpc(sim19, "noemail")
    action = noemail("stock.picking", "button_validate", [[receipt]])
    assert action["res_model"] == "stock.backorder.confirmation" and action["view_id"] == 905
    wizard = noemail("stock.backorder.confirmation", "create", [{}], context=action["context"])
    assert noemail("stock.backorder.confirmation", "process", [[wizard]], context=action["context"]) is True
    # Return 2 units to the vendor: the SMS question comes first, once.
    ctx = {"active_id": receipt, "active_ids": [receipt], "active_model": "stock.picking"}
    wizard = rpc19("stock.return.picking", "create", [{"picking_id": receipt}], context=ctx)
    assert rpc19("stock.return.picking", "read", [[wizard]], fields=["picking_type_code"])[0]["picking_type_code"] == (
        "incoming"
    )
    [lot_line] = rpc19(
        "stock.return.picking.line",
        "search",
        [[["wizard_id", "=", wizard], ["move_id.product_id.default_code", "=", "LAB-LOT-001"]]],
    )
    rpc19("stock.return.picking.line", "write", [[lot_line], {"quantity": 2}])
    returned = rpc19("stock.return.picking", "action_create_returns", [[wizard]], context=ctx)["res_id"]
    sms = rpc19("stock.picking", "button_validate", [[returned]])
    assert (sms["res_model"], sms["view_id"], sms["context"]) == (
        "confirm.stock.sms",
        1250,
        {"button_validate_picking_ids": [returned]},
    )
    assert rpc19("confirm.stock.sms", "dont_send_sms", [[sms["res_id"]]], context=sms["context"]) is True
    assert rpc19("stock.picking", "read", [[returned]], fields=["state", "location_dest_id"])[0]["state"] == "done"
    # QC then storage, with a scrap in QC.
    warehouse = rpc19(
        "stock.warehouse", "search_read", [[]], fields=["qc_type_id", "store_type_id", "wh_qc_stock_loc_id"]
    )[0]
    [qc] = rpc19(
        "stock.picking",
        "search",
        [[["reference_ids", "in", [ref]], ["picking_type_id", "=", warehouse["qc_type_id"][0]]]],
    )
    rpc19("stock.picking", "action_assign", [[qc]])
    action = rpc19("stock.picking", "button_validate", [[qc]])
    wizard = rpc19("stock.backorder.confirmation", "create", [{}], context=action["context"])
    rpc19("stock.backorder.confirmation", "process_cancel_backorder", [[wizard]], context=action["context"])
    [storage] = rpc19(
        "stock.picking",
        "search",
        [[["reference_ids", "in", [ref]], ["picking_type_id", "=", warehouse["store_type_id"][0]]]],
    )
    product = rpc19("product.product", "search", [[["default_code", "=", "LAB-LOT-001"]]])[0]
    lot = rpc19("stock.lot", "search", [[["name", "=", "V19-LOT-A"]]])[0]
    scrap = rpc19(
        "stock.scrap",
        "create",
        [
            {
                "product_id": product,
                "lot_id": lot,
                "scrap_qty": 1,
                "location_id": warehouse["wh_qc_stock_loc_id"][0],
                "picking_id": storage,
            }
        ],
    )
    assert rpc19("stock.scrap", "read", [[scrap]], fields=["scrap_location_id"])[0]["scrap_location_id"][1] == (
        "Inventory adjustment"
    )
    assert rpc19("stock.scrap", "action_validate", [[scrap]]) is True
    chain = rpc19(
        "stock.picking",
        "search_read",
        [[["reference_ids", "in", [ref]]]],
        fields=["picking_type_id", "state"],
        order="id",
    )
    assert [(p["picking_type_id"][1].split(": ")[1], p["state"]) for p in chain] == [
        ("Receipts", "done"),
        ("Quality Control", "done"),
        ("Receipts", "assigned"),
        ("Delivery Orders", "done"),
        ("Storage", "assigned"),
    ]
    moves = rpc19("stock.move", "search", [[["reference_ids", "in", [ref]]]])
    assert sorted(moves) == rpc19("stock.reference", "read", [[ref]], fields=["move_ids"])[0]["move_ids"]


# --- 18 keeps 18's -------------------------------------------------------------------------------------------


def test_18_keeps_procurement_groups_and_confirm_reminder_mail(rpc18):
    po = _new_po(rpc18, [("LAB-LOT-001", 2)])
    order = rpc18("purchase.order", "read", [[po]], fields=["name", "group_id", "picking_ids", "order_line"])[0]
    assert order["group_id"][1] == order["name"]
    assert rpc18("stock.picking", "search", [[["group_id", "=", order["group_id"][0]]]]) == order["picking_ids"]
    line = rpc18("purchase.order.line", "read", [order["order_line"]], fields=["name", "product_uom"])[0]
    assert line == {"id": line["id"], "name": "[LAB-LOT-001] LAB Lot-Tracked Resin", "product_uom": [1, "Units"]}
    assert rpc18("purchase.order", "confirm_reminder_mail", [[po]], confirmed_date="2026-12-10") is None
    assert rpc18("purchase.order", "read", [[po]], fields=["mail_reminder_confirmed"])[0]["mail_reminder_confirmed"]
    error = _refused(rpc18, "purchase.order", "action_acknowledge", [[po]])
    assert error.name == "builtins.AttributeError"
    receipt = rpc18("stock.picking", "read", [order["picking_ids"]], fields=["location_id"])[0]
    assert receipt["location_id"][1] == "Partners/Vendors"


def test_18_user_without_email_cannot_validate(rpc18, sim18):
    po = _new_po(rpc18, [("FURN_7800", 2)])
    [receipt] = rpc18("purchase.order", "read", [[po]], fields=["picking_ids"])[0]["picking_ids"]
    error = _refused(Rpc(sim18, "noemail"), "stock.picking", "button_validate", [[receipt]])
    assert error.message == "Unable to send message, please configure the sender's email address."


def test_18_units_have_categories_and_scrap_goes_to_scrap(rpc18):
    units = rpc18("uom.uom", "search_read", [[["name", "in", ["Units", "Dozens"]]]], fields=["category_id", "factor"])
    assert [(u["category_id"], round(u["factor"], 4)) for u in units] == [([1, "Unit"], 1.0), ([1, "Unit"], 0.0833)]
    product = rpc18("product.product", "search", [[["default_code", "=", "FURN_7800"]]])[0]
    scrap = rpc18("stock.scrap", "create", [{"product_id": product, "scrap_qty": 1}])
    location = rpc18("stock.scrap", "read", [[scrap]], fields=["scrap_location_id"])[0]["scrap_location_id"]
    assert location[1] == "Virtual Locations/Scrap"


# --- demo vendors, both versions ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [18, 19])
def test_demo_vendors_are_not_all_ranked_and_one_is_archived(version, request):
    rpc = Rpc(request.getfixturevalue(f"sim{version}"))
    everyone = [["active", "in", [True, False]]]
    vendors = rpc("res.partner", "search_read", [everyone], fields=["supplier_rank", "active", "commercial_partner_id"])
    by_id = {v["id"]: v for v in vendors}
    confirmed = rpc("purchase.order", "search_read", [[["state", "=", "purchase"]]], fields=["partner_id"])
    partners = {o["partner_id"][0] for o in confirmed}
    assert {p for p in partners if by_id[p]["supplier_rank"] == 0} and any(v["supplier_rank"] > 0 for v in vendors)
    archived = [p for p in partners if not by_id[p]["active"]]
    assert archived, "a confirmed PO points to an archived vendor"
    contacts = [p for p in partners if by_id[p]["commercial_partner_id"][0] != p]
    assert contacts and by_id[by_id[contacts[0]]["commercial_partner_id"][0]]["supplier_rank"] == 0
    assert by_id[11]["supplier_rank"] > 0 and by_id[12]


# --- tracking values (19 recorded them, for administrators; 18 none) and the transfer chatter of 19 ------------

NOT_RECORDED = "builtins.NotImplementedError"


def _chatter(rpc: Rpc, model: str, rid: int, fields: list[str], *extra: list) -> list[dict]:
    domain = [["model", "=", model], ["res_id", "=", rid], *extra]
    return rpc("mail.message", "search_read", [domain], fields=fields, order="id asc")


def test_19_tracking_values_as_an_administrator_reads_them(rpc19):
    """odoo19/flows/02 calls 37-39: the confirmation's status, then each change of ``acknowledged``."""
    po = _new_po(rpc19, [("FURN_7800", 1)])
    for method, args in [
        ("action_acknowledge", [[po]]),
        ("action_acknowledge", [[po]]),  # changes nothing, tracks nothing
        ("write", [[po], {"acknowledged": False}]),
        ("write", [[po], {"acknowledged": True}]),
    ]:
        rpc19("purchase.order", method, args)
    messages = _chatter(rpc19, "purchase.order", po, ["body"])
    assert [m["body"] for m in messages] == ["<p>Purchase Order created</p>", "", "", "", ""]
    tracked = _chatter(rpc19, "purchase.order", po, ["tracking_value_ids"], ["tracking_value_ids", "!=", False])
    assert [m["id"] for m in tracked] == [m["id"] for m in messages[1:]]
    values = rpc19(
        "mail.tracking.value",
        "read",
        [[i for m in tracked for i in m["tracking_value_ids"]]],
        fields=["mail_message_id", "field_id", "old_value_integer", "new_value_integer"],
    )
    assert [
        (v["mail_message_id"], v["field_id"][1], v["old_value_integer"], v["new_value_integer"]) for v in values
    ] == [
        ([tracked[0]["id"], False], "Status (Purchase Order)", 0, 0),
        ([tracked[1]["id"], False], "Acknowledged (Purchase Order)", 0, 1),
        ([tracked[2]["id"], False], "Acknowledged (Purchase Order)", 1, 0),
        ([tracked[3]["id"], False], "Acknowledged (Purchase Order)", 0, 1),
    ]
    assert len({v["field_id"][0] for v in values[1:]}) == 1


def test_19_tracking_values_are_for_administrators_only(rpc19, sim19):
    po = _new_po(rpc19, [("FURN_7800", 1)])
    user = Rpc(sim19, "noemail")  # Purchase/User + Inventory/User, as lab_integration
    assert "tracking_value_ids" in rpc19("mail.message", "fields_get", [], attributes=["type"])
    assert "tracking_value_ids" not in user("mail.message", "fields_get", [], attributes=["type"])
    [message] = user("mail.message", "search", [[["model", "=", "purchase.order"], ["res_id", "=", po]]], limit=1)
    error = _refused(user, "mail.message", "read", [[message]], fields=["body", "tracking_value_ids"])
    assert error.name == "odoo.exceptions.AccessError"
    assert error.message.startswith('You do not have enough rights to access the field "tracking_value_ids"')
    assert error.message.endswith("allowed for groups 'Role / Administrator'")
    assert "tracking_value_ids" not in user("mail.message", "read", [[message]])[0]  # all fields: left out
    refused = [
        (user, "mail.message", "search", [[["tracking_value_ids", "!=", False]]], {}),
        (user, "mail.tracking.value", "read", [[1]], {"fields": ["field_id"]}),
        (rpc19, "mail.tracking.value", "read", [[1]], {"fields": ["field_id", "old_value_char"]}),
        (rpc19, "mail.tracking.value", "read", [[1]], {}),
        (rpc19, "mail.tracking.value", "search_read", [[]], {"fields": ["field_id"]}),
        (rpc19, "mail.tracking.value", "fields_get", [], {}),
        (rpc19, "ir.model.fields", "search_read", [[]], {"fields": ["name"]}),
    ]
    for rpc, model, method, args, kwargs in refused:
        assert _refused(rpc, model, method, args, **kwargs).name == NOT_RECORDED, (model, method, args, kwargs)


def test_18_records_no_tracking_values(rpc18, sim18):
    """odoo18/flows/02 call 24: confirm_reminder_mail leaves its note, no tracking of the flag."""
    po = _new_po(rpc18, [("FURN_7800", 1)])
    rpc18("purchase.order", "confirm_reminder_mail", [[po]], confirmed_date="2026-12-10")
    messages = _chatter(rpc18, "purchase.order", po, ["body", "subtype_id"])
    assert [m["subtype_id"][1] for m in messages] == ["Note", "RFQ Confirmed", "Note"]
    assert messages[-1]["body"].endswith(" confirmed the receipt will take place on 2026-12-10.</p>")
    assert "tracking_value_ids" not in Rpc(sim18, "noemail")("mail.message", "fields_get", [], attributes=["type"])
    for model, method, args, kwargs in [
        ("mail.message", "read", [[messages[1]["id"]]], {"fields": ["tracking_value_ids"]}),
        ("mail.tracking.value", "search", [[]], {}),
    ]:
        assert _refused(rpc18, model, method, args, **kwargs).name == NOT_RECORDED


def test_19_activity_without_document_model_is_not_recorded(rpc19):
    """19 declares res_model_id not required (odoo19/fields/mail.activity.json); no recording shows the create."""
    po = _new_po(rpc19, [("FURN_7800", 1)], confirm=False)
    todo = rpc19("ir.model.data", "check_object_reference", [], module="mail", xml_id="mail_activity_data_todo")
    vals = {"activity_type_id": todo[1], "res_id": po, "res_model": "purchase.order", "summary": "x", "user_id": 2}
    error = _refused(rpc19, "mail.activity", "create", [vals])
    assert (error.name, error.message) == (
        NOT_RECORDED,
        "the simulated Odoo 19.0 refuses creating a mail.activity without res_model_id: "
        "no recording of a real server shows its answer",
    )


def test_19_validation_leaves_its_chatter_on_the_transfer(rpc19):
    """odoo19/flows/03 call 34 (messages 865, 869, 872), here as a user with an e-mail address."""
    po = _new_po(rpc19, [("LAB-LOT-001", 3), ("FURN_7800", 2)])
    [receipt] = rpc19("purchase.order", "read", [[po]], fields=["picking_ids"])[0]["picking_ids"]
    for line in rpc19("stock.move.line", "search_read", [[["picking_id", "=", receipt]]], fields=["product_id"]):
        if "LAB-LOT-001" in line["product_id"][1]:
            rpc19("stock.move.line", "write", [[line["id"]], {"lot_name": f"V19-TRACK-{receipt}", "quantity": 2}])
    action = rpc19("stock.picking", "button_validate", [[receipt]])
    wizard = rpc19("stock.backorder.confirmation", "create", [{}], context=action["context"])
    assert rpc19("stock.backorder.confirmation", "process", [[wizard]], context=action["context"]) is True
    [backorder] = rpc19("stock.picking", "read", [[receipt]], fields=["backorder_ids"])[0]["backorder_ids"]
    name = rpc19("stock.picking", "read", [[backorder]], fields=["name"])[0]["name"]
    posted = _chatter(rpc19, "stock.picking", receipt, ["body", "message_type", "subtype_id", "email_from"])
    assert [m["body"] for m in posted] == [
        "<div>\n            <strong>The initial demand has been updated.</strong>\n        <ul>\n"
        "            <li>\n                [LAB-LOT-001] LAB Lot-Tracked Resin:\n            </li>\n"
        "                    <li>\n                        Quantity: 3.0 -&gt; 2.0\n                    </li>\n"
        "        </ul>\n        </div>",
        f'<p>The backorder <a href="#" data-oe-model="stock.picking" data-oe-id="{backorder}">{name}</a>'
        " has been created.</p>",
        "",
    ]
    assert {(m["message_type"], m["subtype_id"][1]) for m in posted} == {("notification", "Note")}
    # What the last one tracks was not read in the recording: refused rather than guessed.
    error = _refused(rpc19, "mail.message", "read", [[posted[-1]["id"]]], fields=["tracking_value_ids"])
    assert error.name == NOT_RECORDED
    # Validating the backorder in full leaves the tracking notification only.
    [line] = rpc19("stock.move.line", "search", [[["picking_id", "=", backorder]]])
    rpc19("stock.move.line", "write", [[line], {"lot_name": f"V19-TRACK-B-{receipt}"}])
    assert rpc19("stock.picking", "button_validate", [[backorder]]) is True
    assert [m["body"] for m in _chatter(rpc19, "stock.picking", backorder, ["body"])] == [""]
