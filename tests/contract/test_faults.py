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


def test_revoked_api_key_is_permanent(sim, odoo_target):
    sim.control("set_key", key="sim-key-to-revoke", uid=6)
    gw = OdooGateway(replace(odoo_target.config(transport="json2"), api_key="sim-key-to-revoke"))
    assert gw.search("res.partner", [], limit=1)
    sim.control("revoke_key", key="sim-key-to-revoke")
    with pytest.raises(OdooPermanentError) as caught:
        gw.search("res.partner", [], limit=1)
    assert caught.value.status == 401 and caught.value.message == "Invalid apikey"


def test_malformed_bodies_get_odoos_errors_not_tracebacks(sim):
    bad = httpx.post(f"{sim.url}/jsonrpc", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 200
    error = bad.json()["error"]
    assert error["data"]["name"] == "werkzeug.exceptions.BadRequest" and "Traceback" not in error["message"]
    headers = {"Authorization": "bearer sim-api-key-integration", "Content-Type": "application/json"}
    assert httpx.post(f"{sim.url}/json/2/res.partner/search", content=b"[1,2]", headers=headers).status_code == 400
    assert httpx.post(f"{sim.url}/json/2/res.partner/search", content=b"{oops", headers=headers).status_code == 400
    assert httpx.get(f"{sim.url}/json/2/res.partner/search", headers=headers).status_code == 405
    unknown = httpx.post(f"{sim.url}/json/2/res.partner/search", content=json.dumps({"nope": 1}), headers=headers)
    assert unknown.status_code == 422
    model_with_ids = httpx.post(
        f"{sim.url}/json/2/res.partner/search", content=json.dumps({"ids": [1], "domain": []}), headers=headers
    )
    assert model_with_ids.status_code == 422
