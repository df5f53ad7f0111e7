"""The contract suite: written once, run against the simulated Odoo, or a live one.

Set ``ODOO_URL``, ``ODOO_DB``, ``ODOO_LOGIN`` and ``ODOO_PASSWORD`` (and
``ODOO_API_KEY`` for JSON-2) to run it against a live Odoo 18/19 holding the
reference lab's data (vendor "Wood Corner", products LAB-LOT-001 and FURN_7800,
warehouse WH in three steps). Without them it starts the simulator. Checks that
need a second user (admin, a user without email) use ``ODOO_ADMIN_*`` and
``ODOO_NOEMAIL_*`` when live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from integrations.odoo import OdooConfig, OdooGateway
from integrations.odoo_sim.process import SimProcess

LIVE_URL = os.environ.get("ODOO_URL", "")


@dataclass
class Target:
    sim: SimProcess | None

    @property
    def is_sim(self) -> bool:
        return self.sim is not None

    def config(self, *, transport: str, user: str = "integration") -> OdooConfig:
        if self.sim:
            logins = {"integration": "integration", "admin": "admin", "noemail": "noemail", "noaccess": "noaccess"}
            return self.sim.config(transport=transport, login=logins[user], api_key=f"sim-api-key-{logins[user]}")
        prefix = {"integration": "ODOO", "admin": "ODOO_ADMIN", "noemail": "ODOO_NOEMAIL", "noaccess": "ODOO_NOACCESS"}[
            user
        ]
        login = os.environ.get(f"{prefix}_LOGIN")
        if not login:
            pytest.skip(f"live run: set {prefix}_LOGIN/{prefix}_PASSWORD for this check")
        if transport == "json2" and not os.environ.get(f"{prefix}_API_KEY"):
            pytest.skip(f"live run: set {prefix}_API_KEY for JSON-2")
        return OdooConfig(
            url=LIVE_URL,
            database=os.environ.get("ODOO_DB", ""),
            login=login,
            password=os.environ.get(f"{prefix}_PASSWORD", ""),
            api_key=os.environ.get(f"{prefix}_API_KEY", ""),
            transport=transport,
            timeout=30,
        )


@pytest.fixture(scope="session")
def odoo_target(request):
    if LIVE_URL:
        return Target(sim=None)
    return Target(sim=request.getfixturevalue("odoo_sim"))


@pytest.fixture(params=["jsonrpc", "json2"])
def transport(request) -> str:
    return request.param


@pytest.fixture
def gw(odoo_target, transport) -> OdooGateway:
    return OdooGateway(odoo_target.config(transport=transport))


@pytest.fixture
def admin_gw(odoo_target, transport) -> OdooGateway:
    return OdooGateway(odoo_target.config(transport=transport, user="admin"))


@pytest.fixture
def sim(odoo_target) -> SimProcess:
    if not odoo_target.is_sim:
        pytest.skip("fault knobs exist only on the simulated Odoo")
    yield odoo_target.sim
    odoo_target.sim.control("set", latency_ms=0, error_rate=0, down=False)


def one(gw: OdooGateway, model: str, domain: list) -> int:
    ids = gw.search(model, domain)
    assert len(ids) == 1, f"{model} {domain} -> {ids}"
    return ids[0]


def vendor(gw: OdooGateway) -> int:
    return one(gw, "res.partner", [["name", "=", "Wood Corner"]])


def product(gw: OdooGateway, code: str) -> int:
    return one(gw, "product.product", [["default_code", "=", code]])


def new_confirmed_po(gw: OdooGateway, lines: list[tuple[str, float]], ref: str = "CONTRACT") -> int:
    po = gw.create(
        "purchase.order",
        {
            "partner_id": vendor(gw),
            "partner_ref": ref,
            "order_line": [[0, 0, {"product_id": product(gw, code), "product_qty": qty}] for code, qty in lines],
        },
    )
    assert gw.call("purchase.order", "button_confirm", [po]) is True
    return po
