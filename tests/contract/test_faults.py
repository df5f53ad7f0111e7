"""Transient failures as the sync engine will meet them (simulated Odoo's fault knobs)."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from integrations.odoo import OdooGateway, OdooPermanentError, OdooTransientError


def test_odoo_down_is_transient(sim, gw):
    gw.search("res.partner", [], limit=1)  # connected while up
    sim.control("set", down=True)
    with pytest.raises(OdooTransientError):
        gw.search("res.partner", [], limit=1)
    sim.control("set", down=False)
    assert gw.search("res.partner", [], limit=1)


def test_http_503_is_transient(sim, gw):
    gw.search("res.partner", [], limit=1)
    sim.control("set", error_rate=1.0)
    with pytest.raises(OdooTransientError) as caught:
        gw.search("res.partner", [], limit=1)
    assert caught.value.status == 503


def test_slow_odoo_hits_the_timeout(sim, odoo_target, transport):
    gw = OdooGateway(replace(odoo_target.config(transport=transport), timeout=0.3))
    gw.search("res.partner", [], limit=1)
    sim.control("set", latency_ms=800)
    with pytest.raises(OdooTransientError):
        gw.search("res.partner", [], limit=1)


def test_refused_connection_is_transient(odoo_target, transport):
    config = replace(odoo_target.config(transport=transport), url="http://127.0.0.1:9")  # discard port: closed
    with pytest.raises(OdooTransientError):
        OdooGateway(config).search("res.partner", [], limit=1)


# JSON-2 exists from 19 on: these cases are generated for a 19 target only (the 18.0 + json2
# combination is deselected by conftest's pytest_collection_modifyitems).
JSON2_ONLY = pytest.mark.parametrize("transport", ["json2"], indirect=True)


@JSON2_ONLY
def test_revoked_api_key_is_permanent(sim, odoo_target, transport):
    sim.control("set_key", key="sim-key-to-revoke", uid=6)
    gw = OdooGateway(replace(odoo_target.config(transport=transport), api_key="sim-key-to-revoke"))
    assert gw.search("res.partner", [], limit=1)
    sim.control("revoke_key", key="sim-key-to-revoke")
    with pytest.raises(OdooPermanentError) as caught:
        gw.search("res.partner", [], limit=1)
    # odoo19/transcripts/json2_authentication.json: invalid_key
    assert (caught.value.status, caught.value.name, caught.value.message) == (
        401,
        "werkzeug.exceptions.Unauthorized",
        "Invalid apikey",
    )


def test_malformed_jsonrpc_body_gets_odoos_error_not_a_traceback(sim):
    bad = httpx.post(f"{sim.url}/jsonrpc", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 200
    error = bad.json()["error"]
    assert error["data"]["name"] == "werkzeug.exceptions.BadRequest" and "Traceback" not in error["message"]


def test_jsonrpc_error_envelope(sim, odoo_target):
    """The error envelope's code: 200 on 18, 0 on 19 (nonexistent_model_or_method.json, unknown_model)."""
    config = odoo_target.config(transport="jsonrpc")
    login = httpx.post(
        f"{sim.url}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "common",
                "method": "login",
                "args": [config.database, config.login, config.password],
            },
        },
    ).json()["result"]
    answer = httpx.post(
        f"{sim.url}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 2,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [config.database, login, config.password, "x_nonexistent.model", "search_read", [[]], {}],
            },
        },
    )
    assert answer.status_code == 200
    error = answer.json()["error"]
    assert (error["code"], error["message"]) == ({18: 200, 19: 0}[odoo_target.series], "Odoo Server Error")
    assert (error["data"]["name"], error["data"]["message"]) == (
        "odoo.exceptions.UserError",
        "Object x_nonexistent.model doesn't exist",
    )


ROUTE = "Did you mean POST /json/2/<model>/<method>?"
# odoo19/transcripts/nonexistent_model_or_method.json (json2_* protocol errors) and
# call_kw_argument_binding.json (json2_* binding errors): method, path, body, status, name, message.
JSON2_PROTOCOL = {
    "json2_get_instead_of_post": ("GET", "/json/2/res.partner/search_read", None, 404, "NotFound", ROUTE),
    "json2_root_path": ("POST", "/json/2", b"{}", 404, "NotFound", ROUTE),
    "json2_model_without_method": ("POST", "/json/2/res.partner", b"{}", 404, "NotFound", ROUTE),
    "json2_body_not_json": (
        "POST",
        "/json/2/res.partner/search_read",
        b"{not json",
        400,
        "BadRequest",
        "could not parse the body as json: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ),
    "json2_body_json_array": (
        "POST",
        "/json/2/res.partner/search_count",
        b"[[]]",
        422,
        "UnprocessableEntity",
        "missing a required argument: 'domain'",
    ),
    "json2_empty_body": (
        "POST",
        "/json/2/res.partner/search_count",
        b"",
        422,
        "UnprocessableEntity",
        "missing a required argument: 'domain'",
    ),
    "json2_create_keyword_vals": (
        "POST",
        "/json/2/purchase.order/create",
        json.dumps({"vals": {"partner_ref": "BIND19-J2-VALS"}}).encode(),
        422,
        "UnprocessableEntity",
        "missing a required argument: 'vals_list'",
    ),
    "json2_write_wrong_argument_name": (
        "POST",
        "/json/2/purchase.order/write",
        json.dumps({"ids": [1], "values": {"origin": "BIND19-J2-W3"}}).encode(),
        422,
        "UnprocessableEntity",
        "missing a required argument: 'vals'",
    ),
    "json2_ids_given_to_api_model_method": (
        "POST",
        "/json/2/purchase.order/search_count",
        json.dumps({"domain": [], "ids": [1]}).encode(),
        422,
        "UnprocessableEntity",
        "cannot call purchase.order.search_count with ids",
    ),
}


@JSON2_ONLY
@pytest.mark.parametrize("label", list(JSON2_PROTOCOL))
def test_json2_protocol_errors_are_odoos(sim, transport, label):
    method, path, body, status, name, message = JSON2_PROTOCOL[label]
    headers = {"Authorization": "bearer sim-api-key-integration"}
    if method == "POST":
        headers["Content-Type"] = "application/json"
    answer = httpx.request(method, f"{sim.url}{path}", content=body, headers=headers)
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    error = answer.json()
    assert (error["name"], error["message"]) == (f"werkzeug.exceptions.{name}", message)
    assert error["arguments"] == [message, status] and "Traceback" not in error["message"]


@JSON2_ONLY
def test_json2_wants_a_json_content_type(sim, transport):
    # odoo19 nonexistent_model_or_method.json: json2_text_plain_content_type (an HTML page, not JSON)
    answer = httpx.post(
        f"{sim.url}/json/2/res.partner/search_count",
        content=b'{"domain": []}',
        headers={"Authorization": "bearer sim-api-key-integration", "Content-Type": "text/plain"},
    )
    assert answer.status_code == 415
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>415 Unsupported Media Type</title>" in answer.text
