"""Version, login, and Odoo's error shapes through the gateway's taxonomy (both transports)."""

from __future__ import annotations

import re

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError

from .conftest import product


def test_version_and_user(gw: OdooGateway):
    assert re.match(r"^1[6-9]\.|^2\d\.", gw.version)
    assert gw.uid > 0
    context = gw.call("res.users", "context_get")
    assert context["uid"] == gw.uid and "lang" in context


@pytest.mark.parametrize(
    ("model", "method", "ids", "kwargs", "name", "text"),
    [
        (
            "x_nonexistent.model",
            "search_read",
            None,
            {"domain": []},
            "odoo.exceptions.UserError",
            "Object x_nonexistent.model doesn't exist",
        ),
        (
            "res.partner",
            "no_such_method",
            [1],
            {},
            "builtins.AttributeError",
            "The method 'no_such_method' does not exist on the model 'res.partner'",
        ),
        (
            "res.partner",
            "_read",
            [1],
            {},
            "odoo.exceptions.AccessError",
            "Private methods (such as _read) cannot be called remotely.",
        ),
        (
            "res.partner",
            "read",
            [1],
            {"fields": ["no_such_field"]},
            "builtins.ValueError",
            "Invalid field 'no_such_field' on model 'res.partner'",
        ),
        (
            "res.partner",
            "search_read",
            None,
            {"domain": [["no_such_field", "=", 1]]},
            "builtins.ValueError",
            "Invalid field res.partner.no_such_field in leaf",
        ),
        (
            "purchase.order",
            "write",
            [999999],
            {"vals": {"partner_ref": "X"}},
            "odoo.exceptions.MissingError",
            "Record does not exist or has been deleted.",
        ),
        (
            "purchase.order",
            "button_confirm",
            [999999],
            {},
            "odoo.exceptions.MissingError",
            "Record does not exist or has been deleted.",
        ),
        (
            "purchase.order",
            "create",
            None,
            {"vals_list": [{"partner_ref": "no partner"}]},
            "odoo.exceptions.ValidationError",
            "Field: Vendor (partner_id)",
        ),
    ],
)
def test_permanent_errors_keep_odoos_name_and_message(gw, model, method, ids, kwargs, name, text):
    with pytest.raises(OdooPermanentError) as caught:
        gw.call(model, method, ids, **kwargs)
    assert caught.value.name == name
    assert text in caught.value.message


def test_read_of_a_missing_id_returns_only_existing_rows(gw):
    assert gw.read("purchase.order", [999999], ["name"]) == []
    existing = gw.search("purchase.order", [], limit=1)
    assert [row["id"] for row in gw.read("purchase.order", [existing[0], 999999], ["name"])] == existing


def test_wrong_selection_value_and_missing_many2one(gw):
    po = gw.search("purchase.order", [["state", "=", "draft"]], limit=1)[0]
    with pytest.raises(OdooPermanentError) as caught:
        gw.write("purchase.order", [po], {"state": "not_a_state"})
    assert caught.value.name == "builtins.ValueError"
    assert "Wrong value for purchase.order.state: 'not_a_state'" in caught.value.message
    with pytest.raises(OdooPermanentError) as caught:
        gw.create("purchase.order", {"partner_id": 9, "order_line": [[0, 0, {"product_id": 999999, "product_qty": 1}]]})
    assert caught.value.name == "odoo.exceptions.MissingError"
    assert "product.product(999999,)" in caught.value.message


def test_duplicate_lot_is_a_validation_error(gw):
    lot_product = product(gw, "LAB-LOT-001")
    name = f"DUP-LOT-{gw.transport_name}"
    if not gw.search("stock.lot", [["name", "=", name]]):
        gw.create("stock.lot", {"name": name, "product_id": lot_product})
    with pytest.raises(OdooPermanentError) as caught:
        gw.create("stock.lot", {"name": name, "product_id": lot_product})
    assert caught.value.name == "odoo.exceptions.ValidationError"
    assert "lot/serial number and product must be unique" in caught.value.message


def test_wrong_password_is_permanent_after_one_retry(odoo_target, transport):
    from dataclasses import replace

    good = odoo_target.config(transport=transport)
    bad = OdooGateway(replace(good, password="wrong-password", api_key="wrong-key"))
    with pytest.raises(OdooPermanentError) as caught:
        bad.search("res.partner", [], limit=1)
    assert caught.value.name in ("odoo.exceptions.AccessDenied", "werkzeug.exceptions.Unauthorized")


def test_user_without_purchase_rights_gets_access_error(odoo_target, transport):
    gw = OdooGateway(odoo_target.config(transport=transport, user="noaccess"))
    with pytest.raises(OdooPermanentError) as caught:
        gw.write("purchase.order", [1], {"partner_ref": "nope"})
    assert caught.value.name == "odoo.exceptions.AccessError"
    assert "You are not allowed to access 'Purchase Order' (purchase.order) records." in caught.value.message
