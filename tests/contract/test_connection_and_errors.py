"""Version, login, and Odoo's error shapes through the gateway's taxonomy (both transports).

Every expected name and message is the one recorded for the series (and, on 19, the transport):
``odoo18/transcripts`` and ``odoo19/transcripts`` (``nonexistent_model_or_method``,
``read_missing_record``, ``user_error_validation_error``, ``access_error``, ``version_info``,
``json2_authentication``, ``session_authenticate_wrong_password``). Over JSON-2 the HTTP status
recorded with the error is checked too.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError
from integrations.odoo.dialects import series_of
from integrations.odoo.errors import CredentialsRejected

from .conftest import product, vendor

# version_info.json of each series (server_version).
RECORDED_VERSION = {18: "18.0+e-20241005", 19: "19.0+e-20251227"}


def variant(gw: OdooGateway) -> str:
    """The recording that applies: 18 (/jsonrpc only), 19 over /jsonrpc, 19 over JSON-2."""
    return "18" if gw.dialect.series == 18 else f"19-{gw.transport_name}"


def test_version_and_user(gw, odoo_target):
    assert series_of(gw.version) == odoo_target.series == gw.dialect.series
    if odoo_target.is_sim:
        assert gw.version == RECORDED_VERSION[odoo_target.series]
    assert gw.uid > 0
    # odoo18 odoorpc_login_and_calls (context_get), odoo19 json2_authentication (context_get_valid_key)
    assert gw.call("res.users", "context_get") == {"lang": "en_US", "tz": False, "uid": gw.uid}


MISSING_PO = "Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: {uid})"
MANDATORY_18 = (
    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
    "Model: Purchase Order (purchase.order)\nField: Vendor (partner_id)\n"
)
MANDATORY_19 = (
    "The operation cannot be completed: Missing required value for the field 'Vendor' (partner_id).\n"
    "Model: 'Purchase Order' (purchase.order)\n- create/update: a mandatory field is not set\n"
    "- delete: another model requires the record being deleted, you can archive it instead\n"
)

# label -> (model, method, ids, kwargs, {variant: (name, message, JSON-2 status)})
CASES = {
    "unknown_model": (
        "x_nonexistent.model",
        "search_read",
        None,
        {"domain": [], "limit": 1},
        {
            "18": ("odoo.exceptions.UserError", "Object x_nonexistent.model doesn't exist", None),
            "19-jsonrpc": ("odoo.exceptions.UserError", "Object x_nonexistent.model doesn't exist", None),
            "19-json2": ("werkzeug.exceptions.NotFound", "the model 'x_nonexistent.model' does not exist", 404),
        },
    ),
    "unknown_method": (
        "res.partner",
        "no_such_method",
        [1],
        {},
        {
            "18": (
                "builtins.AttributeError",
                "The method 'no_such_method' does not exist on the model 'res.partner'",
                None,
            ),
            "19-jsonrpc": ("builtins.AttributeError", "The method 'res.partner.no_such_method' does not exist", None),
            "19-json2": ("werkzeug.exceptions.NotFound", "The method 'res.partner.no_such_method' does not exist", 404),
        },
    ),
    "private_method": (
        "res.partner",
        "_read",
        [1],
        {},
        {
            "18": ("odoo.exceptions.AccessError", "Private methods (such as _read) cannot be called remotely.", None),
            "19-jsonrpc": (
                "odoo.exceptions.AccessError",
                "Private methods (such as 'res.partner._read') cannot be called remotely.",
                None,
            ),
            "19-json2": (
                "odoo.exceptions.AccessError",
                "Private methods (such as 'res.partner._read') cannot be called remotely.",
                403,
            ),
        },
    ),
    "read_unknown_field": (
        "res.partner",
        "read",
        [1],
        {"fields": ["no_such_field"]},
        {
            "18": ("builtins.ValueError", "Invalid field 'no_such_field' on model 'res.partner'", None),
            "19-jsonrpc": ("builtins.ValueError", "Invalid field 'no_such_field' on 'res.partner'", None),
            "19-json2": ("builtins.ValueError", "Invalid field 'no_such_field' on 'res.partner'", 500),
        },
    ),
    "domain_unknown_field": (
        "res.partner",
        "search_read",
        None,
        {"domain": [["no_such_field", "=", 1]]},
        {
            "18": (
                "builtins.ValueError",
                "Invalid field res.partner.no_such_field in leaf ('no_such_field', '=', 1)",
                None,
            ),
            "19-jsonrpc": (
                "builtins.ValueError",
                "Invalid field res.partner.no_such_field in condition ('no_such_field', '=', 1)",
                None,
            ),
            "19-json2": (
                "builtins.ValueError",
                "Invalid field res.partner.no_such_field in condition ('no_such_field', '=', 1)",
                500,
            ),
        },
    ),
    "write_missing": (
        "purchase.order",
        "write",
        [999999],
        {"vals": {"partner_ref": "X"}},
        {
            "18": ("odoo.exceptions.MissingError", MISSING_PO, None),
            "19-jsonrpc": ("odoo.exceptions.MissingError", MISSING_PO, None),
            "19-json2": ("odoo.exceptions.MissingError", MISSING_PO, 404),
        },
    ),
    "button_confirm_missing": (
        "purchase.order",
        "button_confirm",
        [999999],
        {},
        {
            "18": ("odoo.exceptions.MissingError", MISSING_PO, None),
            "19-jsonrpc": ("odoo.exceptions.MissingError", MISSING_PO, None),
            "19-json2": ("odoo.exceptions.MissingError", MISSING_PO, 404),
        },
    ),
    "create_missing_required_field": (
        "purchase.order",
        "create",
        None,
        {"vals_list": [{"partner_ref": "no partner"}]},
        {
            "18": ("odoo.exceptions.ValidationError", MANDATORY_18, None),
            "19-jsonrpc": ("odoo.exceptions.ValidationError", MANDATORY_19, None),
            "19-json2": ("odoo.exceptions.ValidationError", MANDATORY_19, 422),
        },
    ),
}


@pytest.mark.parametrize("label", list(CASES))
def test_permanent_errors_keep_odoos_name_and_message(gw, label):
    model, method, ids, kwargs, expected = CASES[label]
    name, message, status = expected[variant(gw)]
    with pytest.raises(OdooPermanentError) as caught:
        gw.call(model, method, ids, **kwargs)
    assert (caught.value.name, caught.value.message) == (name, message.format(uid=gw.uid))
    if gw.transport_name == "json2":
        assert caught.value.status == status


def test_read_of_a_missing_id_returns_only_existing_rows(gw):
    assert gw.read("purchase.order", [999999], ["name"]) == []
    existing = gw.search("purchase.order", [], limit=1)
    assert [row["id"] for row in gw.read("purchase.order", [existing[0], 999999], ["name"])] == existing


def test_wrong_selection_value_and_missing_many2one(gw):
    po = gw.search("purchase.order", [["state", "=", "draft"]], limit=1)[0]
    with pytest.raises(OdooPermanentError) as caught:
        gw.write("purchase.order", [po], {"state": "not_a_state"})
    assert (caught.value.name, caught.value.message) == (
        "builtins.ValueError",
        "Wrong value for purchase.order.state: 'not_a_state'",
    )
    if gw.transport_name == "json2":
        assert caught.value.status == 500  # odoo19 user_error_validation_error: json2_write_invalid_selection_value
    with pytest.raises(OdooPermanentError) as caught:
        gw.create(
            "purchase.order",
            {"partner_id": vendor(gw), "order_line": [[0, 0, {"product_id": 999999, "product_qty": 1}]]},
        )
    assert (caught.value.name, caught.value.message) == (
        "odoo.exceptions.MissingError",
        f"Record does not exist or has been deleted.\n(Record: product.product(999999,), User: {gw.uid})",
    )
    if gw.transport_name == "json2":
        assert caught.value.status == 404  # json2_create_with_nonexistent_many2one_id


def test_duplicate_lot_is_a_validation_error(gw):
    lot_product = product(gw, "LAB-LOT-001")
    name = f"DUP-LOT-{gw.transport_name}"
    if not gw.search("stock.lot", [["name", "=", name]]):
        gw.create("stock.lot", {"name": name, "product_id": lot_product})
    with pytest.raises(OdooPermanentError) as caught:
        gw.create("stock.lot", {"name": name, "product_id": lot_product})
    assert caught.value.name == "odoo.exceptions.ValidationError"
    assert caught.value.message == (
        "The combination of lot/serial number and product must be unique within a company including when no "
        "company is defined.\nThe following combinations contain duplicates:\n"
        f" - Product: [LAB-LOT-001] LAB Lot-Tracked Resin, Lot/Serial Number: {name}"
    )
    if gw.transport_name == "json2":
        assert caught.value.status == 422  # json2_stock_lot_create_duplicate_name


def test_wrong_password_is_permanent_after_one_retry(odoo_target, transport):
    good = odoo_target.config(transport=transport)
    bad = OdooGateway(replace(good, password="wrong-password", api_key="wrong-key"))
    with pytest.raises(CredentialsRejected) as caught:
        bad.search("res.partner", [], limit=1)
    if transport == "jsonrpc":
        # common.login answers false for a wrong password on 18 and 19 (session_authenticate_wrong_password),
        # which the gateway reports as Odoo's AccessDenied.
        assert caught.value.name == "odoo.exceptions.AccessDenied"
    else:
        # odoo19 json2_authentication: invalid_key
        assert (caught.value.status, caught.value.name, caught.value.message) == (
            401,
            "werkzeug.exceptions.Unauthorized",
            "Invalid apikey",
        )


NO_PURCHASE_RIGHTS = {
    18: "You are not allowed to access 'Purchase Order' (purchase.order) records.\n\n"
    "This operation is allowed for the following groups:\n\t- Inventory/User\n\t- Invoicing/Invoicing\n"
    "\t- Purchase/Administrator\n\t- Purchase/User\n\t- Technical/Show Accounting Features - Readonly\n"
    "\t- User types/Portal\n\nContact your administrator to request access if necessary.",
    19: "You are not allowed to access 'Purchase Order' (purchase.order) records.\n\n"
    "This operation is allowed for the following groups:\n\t- Accounting/Invoicing\n\t- Inventory/User\n"
    "\t- Purchase/Administrator\n\t- Purchase/User\n\t- Role / Portal\n\t- Show Accounting Features - Readonly\n"
    "\nContact your administrator to request access if necessary.",
}


def test_user_without_purchase_rights_gets_access_error(odoo_target, transport):
    gw = OdooGateway(odoo_target.config(transport=transport, user="noaccess"))
    with pytest.raises(OdooPermanentError) as caught:
        gw.write("purchase.order", [1], {"partner_ref": "nope"})
    # access_error.json of each series: internal_no_purchase_rights_write_purchase_order
    assert caught.value.name == "odoo.exceptions.AccessError"
    assert caught.value.message == NO_PURCHASE_RIGHTS[gw.dialect.series]
    if transport == "json2":
        assert caught.value.status == 403
