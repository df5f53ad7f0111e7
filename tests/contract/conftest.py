"""The contract suite: written once, run against the simulated Odoo, or a live one.

Set ``ODOO_URL``, ``ODOO_DB``, ``ODOO_LOGIN`` and ``ODOO_PASSWORD`` (and
``ODOO_API_KEY`` for JSON-2) to run it against a live Odoo 18/19 holding the
reference lab's data (vendor "Wood Corner", products LAB-LOT-001 and FURN_7800,
warehouse WH in three steps). Without them it starts the simulator. Checks that
need a second user (admin, a user without email) use ``ODOO_ADMIN_*`` and
``ODOO_NOEMAIL_*`` when live.

Against the simulator the suite runs once per Odoo series it plays: 18 over
``/jsonrpc`` (18 has no JSON-2), 19 over ``/jsonrpc`` and JSON-2. Against a
live server it runs over both transports; on a server older than 19 the JSON-2
cases skip with the reason (only a live run can skip: CI runs the simulator).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from integrations.odoo import OdooConfig, OdooGateway
from integrations.odoo.client import detect_version
from integrations.odoo_sim.process import SimProcess

LIVE_URL = os.environ.get("ODOO_URL", "")
SIM_SERIES = ["18.0", "19.0"]


@dataclass
class Target:
    sim: SimProcess | None

    @property
    def is_sim(self) -> bool:
        return self.sim is not None

    @property
    def series(self) -> int:
        """The Odoo series the target plays or runs (18, 19, ...)."""
        if self.sim:
            return int(self.sim.version.split(".")[0])
        return int(detect_version(self.config(transport="jsonrpc"))[0])

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


@pytest.fixture(scope="session", params=["live"] if LIVE_URL else SIM_SERIES)
def odoo_target(request):
    if request.param == "live":
        return Target(sim=None)
    return Target(sim=request.getfixturevalue("odoo_sim18" if request.param == "18.0" else "odoo_sim"))


@pytest.fixture(params=["jsonrpc", "json2"])
def transport(request, odoo_target) -> str:
    if request.param == "json2" and odoo_target.series < 19:
        pytest.skip(f"JSON-2 exists from Odoo 19 on; this server runs Odoo {odoo_target.series}")
    return request.param


def pytest_collection_modifyitems(config, items):
    """The simulated 18 has no JSON-2, and plays nothing recorded on 19 only (``@pytest.mark.odoo19_only``):
    those cases are not generated (deselected, not skipped)."""
    keep, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_18 = params.get("odoo_target") == "18.0"
        unrecorded = on_18 and (params.get("transport") == "json2" or item.get_closest_marker("odoo19_only"))
        (dropped if unrecorded else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def gw(odoo_target, transport) -> OdooGateway:
    return OdooGateway(odoo_target.config(transport=transport))


@pytest.fixture
def series(odoo_target) -> int:
    return odoo_target.series


@pytest.fixture
def admin_gw(odoo_target, transport) -> OdooGateway:
    return OdooGateway(odoo_target.config(transport=transport, user="admin"))


@pytest.fixture
def sim(odoo_target) -> SimProcess:
    if not odoo_target.is_sim:
        pytest.skip("fault knobs exist only on the simulated Odoo")
    yield odoo_target.sim
    odoo_target.sim.control("set", latency_ms=0, error_rate=0, down=False)


# Recorded values that differ by series (odoo19/flows/01 and 04, "Differences from the Odoo 18 recording").
VENDOR_LOCATION = {18: "Partners/Vendors", 19: "Vendors"}
SCRAP_LOCATION = {18: "Virtual Locations/Scrap", 19: "Inventory adjustment"}
# What ties a PO to its stock moves and pickings: 18's procurement group, 19's stock.reference.
STOCK_LINK = {18: "group_id", 19: "reference_ids"}


def same_stock_link(gw: OdooGateway, order: dict) -> list:
    """Domain of the pickings of a PO read with ``STOCK_LINK``: 18 searches by ``group_id``
    (odoo18/flows/01 call 13), 19 by ``reference_ids`` (odoo19/flows/01 call 16)."""
    if gw.dialect.series == 18:
        return [["group_id", "=", order["group_id"][0]]]
    return [["reference_ids", "in", order["reference_ids"]]]


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
