"""The simulated Odoo itself: domains, x2many commands, persistence across restarts, scale seeding."""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway
from integrations.odoo_sim import seed
from integrations.odoo_sim.db import Database
from integrations.odoo_sim.orm import Env
from integrations.odoo_sim.process import SimProcess, free_port


@pytest.fixture
def gw(odoo_sim):
    return OdooGateway(odoo_sim.config(transport="jsonrpc"))


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([["name", "ilike", "fasten"]], {"Nordic Fasteners AB"}),
        ([["name", "=like", "%Corner"]], {"Wood Corner"}),
        (["|", ["ref", "=", "NF-001"], ["ref", "=", "PC-002"]], {"Nordic Fasteners AB", "Precision Castings Ltd"}),
        # Only vendors with posted bills have a rank (the seed's docstring).
        (["!", ["supplier_rank", ">", 0]], {"Wood Corner", "Precision Castings Ltd", "Azure Interior"}),
        ([["id", "in", [9, 15]], ["name", "not ilike", "azure"]], {"Wood Corner"}),
        ([["email", "=", False]], set()),
    ],
)
def test_domains(gw, domain, expected):
    rows = gw.search_read("res.partner", [["id", "in", [9, 11, 12, 15, 16]], *domain], ["name"])
    assert {r["name"] for r in rows} == expected


def test_archived_records_are_found_only_when_asked(gw):
    assert gw.search("res.partner", [["name", "=", "Baltic Forge OÜ"]]) == []
    assert gw.search("res.partner", [["name", "=", "Baltic Forge OÜ"], ["active", "=", False]]) == [16]


def test_child_of_dotted_paths_and_order(gw):
    inside = gw.search_read("stock.location", [["id", "child_of", 7]], ["complete_name"], order="complete_name desc")
    assert [r["complete_name"] for r in inside] == ["WH/Stock", "WH/Quality Control", "WH/Input", "WH"]
    lines = gw.search_read("purchase.order.line", [["order_id.partner_id.name", "=", "Wood Corner"]], ["order_id"])
    assert lines and all(line["order_id"] for line in lines)


def test_x2many_commands(gw):
    furn = gw.search("product.product", [["default_code", "=", "FURN_7800"]])[0]
    lot = gw.search("product.product", [["default_code", "=", "LAB-LOT-001"]])[0]
    po = gw.create(
        "purchase.order",
        {
            "partner_id": 9,
            "order_line": [
                [0, 0, {"product_id": furn, "product_qty": 1}],
                [0, 0, {"product_id": lot, "product_qty": 2}],
            ],
        },
    )
    first, second = gw.read("purchase.order", [po], ["order_line"])[0]["order_line"]
    gw.write("purchase.order", [po], {"order_line": [[2, first, 0], [1, second, {"product_qty": 5}]]})
    lines = gw.read(
        "purchase.order.line", gw.read("purchase.order", [po], ["order_line"])[0]["order_line"], ["product_qty"]
    )
    assert [(line["id"], line["product_qty"]) for line in lines] == [(second, 5.0)]


def test_state_survives_a_restart(tmp_path):
    sim = SimProcess(port=free_port(), data=tmp_path / "restart.sqlite3", version="18.0").start()
    try:
        gw = OdooGateway(sim.config(transport="jsonrpc"))
        po = gw.create("purchase.order", {"partner_id": 11, "partner_ref": "SURVIVES"})
    finally:
        sim.stop()
    sim = SimProcess(port=free_port(), data=tmp_path / "restart.sqlite3", version="18.0").start(reset=False)
    try:
        gw = OdooGateway(sim.config(transport="jsonrpc"))
        assert gw.read("purchase.order", [po], ["partner_ref"])[0]["partner_ref"] == "SURVIVES"
        sim.control("reset")
        assert gw.search("purchase.order", [["partner_ref", "=", "SURVIVES"]]) == []
    finally:
        sim.stop()


def test_scale_seed_adds_orders_with_about_five_lines():
    db = Database()
    seed.seed(db, scale=300)
    env = Env(db, 2, su=True)
    orders = env["purchase.order"].search_count([])
    lines = env["purchase.order.line"].search_count([])
    assert orders >= 300 and 4.0 <= lines / orders <= 6.0


def test_an_error_rolls_the_whole_call_back():
    db = Database()
    seed.seed(db)
    env = Env(db, 6)
    before = len(db.tables["purchase.order"])
    with pytest.raises(Exception, match=r"product\.product"), db.transaction():
        env["purchase.order"].create(
            [{"partner_id": 9}, {"partner_id": 9, "order_line": [[0, 0, {"product_id": 999999}]]}]
        )
    assert len(db.tables["purchase.order"]) == before
