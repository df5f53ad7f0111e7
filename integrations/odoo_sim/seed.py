"""Seed data: what a fresh Odoo with the purchase and stock apps holds, plus demo and scale data.

Ids of the base records are fixed so that demo tenants can map to them
(Nordic Fasteners AB is res.partner 11, Precision Castings Ltd 12).
"""

from __future__ import annotations

import random
from datetime import timedelta

from . import models  # noqa: F401  (registers the models)
from .db import Database
from .fields import stored_datetime
from .orm import Env

INTEGRATION_LOGIN = "integration"
INTEGRATION_PASSWORD = "integration"
INTEGRATION_API_KEY = "sim-api-key-integration"
DATABASE = "sim"


def seed(
    db: Database,
    *,
    demo: bool = True,
    scale: int = 0,
    reception_steps: str = "three_steps",
    modules: list[str] | tuple[str, ...] = (),
) -> None:
    with db.transaction():
        db.meta["modules"] = list(modules)
        env = Env(db, 2, su=True)  # as the admin, the buyer of the demo orders
        _base(env, reception_steps)
        if demo:
            _demo(env)
    if scale:
        _scale(db, scale)


def _xmlid(env: Env, xmlid: str, model: str, res_id: int) -> None:
    module, name = xmlid.split(".", 1)
    env["ir.model.data"].new({"module": module, "name": name, "model": model, "res_id": res_id, "noupdate": True})


def _base(env: Env, steps: str) -> None:
    new = lambda model, vals: env[model].new(vals)  # noqa: E731
    new("res.currency", {"id": 1, "name": "USD", "symbol": "$"})
    new("res.partner", {"id": 1, "name": "YourCompany", "is_company": True, "email": "info@yourcompany.example"})
    new("res.company", {"id": 1, "name": "YourCompany", "partner_id": 1, "currency_id": 1})
    _xmlid(env, "base.main_company", "res.company", 1)
    users = [
        (1, "__system__", "OdooBot", "odoobot@example.com", "admin", None),
        (2, "admin", "Mitchell Admin", "admin@yourcompany.example", "admin", "admin"),
        (
            6,
            INTEGRATION_LOGIN,
            "Portal Integration",
            "integration@yourcompany.example",
            "integration",
            INTEGRATION_PASSWORD,
        ),
        (7, "noaccess", "No Access", "noaccess@yourcompany.example", "internal", "noaccess"),
        (8, "noemail", "No Email", False, "integration", "noemail"),
    ]
    for uid, login, name, email, profile, password in users:
        partner = new("res.partner", {"id": 2 + uid, "name": name, "email": email})
        new(
            "res.users",
            {
                "id": uid,
                "login": login,
                "partner_id": partner,
                "active": uid != 1,
                "company_id": 1,
                "tz": "Europe/Brussels" if uid == 2 else False,
                "x_sim_profile": profile,
                "x_sim_password": password,
            },
        )
    _xmlid(env, "base.user_admin", "res.users", 2)
    # One API key per user, named after its login (JSON-2).
    env.db.meta["api_keys"] = {
        f"sim-api-key-{login}": {"uid": uid, "revoked": False} for uid, login, *_ in users if uid != 1
    }
    for rid, name in [(1, "Units"), (2, "Dozens"), (3, "kg"), (4, "g"), (5, "m")]:
        new(
            "uom.uom",
            {
                "id": rid,
                "name": name,
                "factor": {1: 1, 2: 1 / 12, 3: 1, 4: 1000, 5: 1}[rid],
                "category_id": False,
                "rounding": 0.01,
            },
        )
    _xmlid(env, "uom.product_uom_unit", "uom.uom", 1)
    for rid, name, xmlid in [
        (1, "Discussions", "mail.mt_comment"),
        (2, "Note", "mail.mt_note"),
        (3, "Activities", "mail.mt_activities"),
        (12, "RFQ Confirmed", "purchase.mt_rfq_confirmed"),
    ]:
        new("mail.message.subtype", {"id": rid, "name": name})
        _xmlid(env, xmlid, "mail.message.subtype", rid)
    new("mail.activity.type", {"id": 4, "name": "To-Do"})
    _xmlid(env, "mail.mail_activity_data_todo", "mail.activity.type", 4)
    for model in ("purchase.order", "stock.picking", "res.partner", "mail.activity"):
        env["ir.model"].model_id(model)
    installed = ["base", "mail", "product", "uom", "purchase", "stock", "purchase_stock", *env.db.meta["modules"]]
    for name in installed:
        new("ir.module.module", {"name": name, "shortdesc": name.replace("_", " ").title(), "state": "installed"})

    # Locations (complete names as in Odoo).
    def loc(rid: int, name: str, parent: int | bool, usage: str, **kw: object) -> int:
        return new("stock.location", {"id": rid, "name": name, "location_id": parent, "usage": usage, **kw})

    loc(1, "Physical Locations", False, "view")
    loc(2, "Partners", False, "view")
    loc(3, "Virtual Locations", False, "view")
    loc(4, "Vendors", 2, "supplier")
    loc(5, "Customers", 2, "customer")
    loc(7, "WH", 1, "view")
    loc(8, "Stock", 7, "internal")
    loc(9, "Input", 7, "internal")
    loc(10, "Quality Control", 7, "internal")
    loc(16, "Scrap", 3, "inventory", scrap_location=True)
    _xmlid(env, "stock.stock_location_suppliers", "stock.location", 4)
    receipt_dest = {"one_step": 8, "two_steps": 9, "three_steps": 9}[steps]
    store_src = {"one_step": 9, "two_steps": 9, "three_steps": 10}[steps]
    types = [
        (1, "Receipts", "incoming", "IN", 4, receipt_dest, 2),
        (2, "Delivery Orders", "outgoing", "OUT", 8, 5, 1),
        (5, "Quality Control", "internal", "QC", 9, 10, False),
        (6, "Storage", "internal", "STOR", store_src, 8, False),
    ]
    for rid, name, code, seq, src, dest, return_type in types:
        new(
            "stock.picking.type",
            {
                "id": rid,
                "name": name,
                "code": code,
                "sequence_code": seq,
                "warehouse_id": 1,
                "default_location_src_id": src,
                "default_location_dest_id": dest,
                "return_picking_type_id": return_type,
                "company_id": 1,
            },
        )
    new(
        "stock.warehouse",
        {
            "id": 1,
            "name": "YourCompany",
            "code": "WH",
            "reception_steps": steps,
            "in_type_id": 1,
            "out_type_id": 2,
            "qc_type_id": 5,
            "store_type_id": 6,
            "wh_input_stock_loc_id": 9,
            "wh_qc_stock_loc_id": 10,
            "lot_stock_id": 8,
            "view_location_id": 7,
            "company_id": 1,
        },
    )


PARTNERS = [
    (9, "Wood Corner", "wood.corner26@example.com", "(623)-853-7197", "WC-009"),
    (11, "Nordic Fasteners AB", "orders@nordic-fasteners.example", "+46 31 555 0100", "NF-001"),
    (12, "Precision Castings Ltd", "sales@precision-castings.example", "+44 121 555 0199", "PC-002"),
    (15, "Azure Interior", "azure.interior24@example.com", "(870)-931-0505", "AZ-015"),
]

# code, name, tracking, cost, vendor id, vendor's code, lead days
PRODUCTS = [
    ("LAB-LOT-001", "LAB Lot-Tracked Resin", "lot", 11.0, 9, "WC-RES-1", 3),
    ("FURN_7800", "Desk Combination", "none", 300.0, 15, False, 0),
    ("M8-BOLT-50", "Hex bolt M8x50 A2", "none", 0.18, 11, "NF-88150", 5),
    ("M8-NUT", "Hex nut M8 A2", "none", 0.05, 11, "NF-88008", 5),
    ("ALU-BRKT-7", "Aluminium bracket 7075", "lot", 4.2, 11, "NF-BR7", 10),
    ("CAST-HSG-200", "Pump housing, cast", "lot", 86.0, 12, "PCL-H200", 21),
    ("CAST-CVR-201", "Pump cover, cast", "serial", 54.5, 12, "PCL-C201", 21),
    ("SER-100", "Torque sensor", "serial", 129.0, 12, "PCL-TS100", 14),
]


def _demo(env: Env) -> None:
    new = lambda model, vals: env[model].new(vals)  # noqa: E731
    for rid, name, email, phone, ref in PARTNERS:
        new(
            "res.partner",
            {
                "id": rid,
                "name": name,
                "email": email,
                "phone": phone,
                "ref": ref,
                "is_company": True,
                "supplier_rank": 1,
            },
        )
        _xmlid(env, f"base.res_partner_{rid}", "res.partner", rid)
    for code, name, tracking, cost, vendor, vendor_code, delay in PRODUCTS:
        tmpl = new(
            "product.template",
            {
                "name": name,
                "default_code": code,
                "tracking": tracking,
                "standard_price": cost,
                "list_price": round(cost * 1.6, 2),
                "uom_id": 1,
                "uom_po_id": 1,
                "is_storable": True,
                "type": "consu",
            },
        )
        new("product.product", {"product_tmpl_id": tmpl, "default_code": code})
        new(
            "product.supplierinfo",
            {
                "partner_id": vendor,
                "product_tmpl_id": tmpl,
                "product_code": vendor_code,
                "price": cost,
                "delay": delay,
                "min_qty": 0,
            },
        )
    products = {r["default_code"]: r["id"] for r in env.db.tables["product.product"].values()}
    orders = env["purchase.order"]
    pickings = env["stock.picking"]

    def order(partner: int, lines: list[tuple[str, float]], ref: str | bool = False) -> int:
        return orders._create_one(
            {
                "partner_id": partner,
                "partner_ref": ref,
                "order_line": [[0, 0, {"product_id": products[c], "product_qty": q}] for c, q in lines],
            }
        )

    # Nordic Fasteners: one RFQ, two to acknowledge, one partly received, one cancelled.
    order(11, [("M8-BOLT-50", 5000), ("M8-NUT", 5000)])
    for lines in ([("M8-BOLT-50", 2000), ("ALU-BRKT-7", 400)], [("M8-NUT", 10000)]):
        orders.button_confirm([order(11, lines)])
    partial = order(11, [("ALU-BRKT-7", 300), ("M8-BOLT-50", 1000)], "NF-SO-5531")
    orders.button_confirm([partial])
    receipt = orders._picking_ids(orders.rows[partial])[0]
    for move in pickings._moves(receipt):
        for line in env["stock.move"].lines(move["id"]):
            code = env.db.get("product.product", move["product_id"])["default_code"]
            vals = {"quantity": 200.0, "lot_name": "NF-LOT-2611-A"} if code == "ALU-BRKT-7" else {"quantity": 1000.0}
            env["stock.move.line"]._write_one(line["id"], vals)
    pickings.action_done(receipt, backorder=True)
    cancelled = order(11, [("M8-NUT", 800)])
    orders.button_cancel([cancelled])
    # Precision Castings: an RFQ sent, two confirmed, one waiting for approval.
    sent = order(12, [("CAST-HSG-200", 40), ("CAST-CVR-201", 40)])
    env.db.update("purchase.order", sent, {"state": "sent"})
    for lines in ([("CAST-HSG-200", 120)], [("SER-100", 12), ("CAST-CVR-201", 60)]):
        orders.button_confirm([order(12, lines)])
    approval = order(12, [("CAST-HSG-200", 600)])
    env.db.update("purchase.order", approval, {"state": "to approve"})
    # Wood Corner: the reference flows' vendor.
    orders.button_confirm([order(9, [("LAB-LOT-001", 10), ("FURN_7800", 5)], "RFQ-DEMO-1")])


def _scale(db: Database, count: int) -> None:
    """Bulk purchase orders (about five lines each) written straight to the tables, in one transaction."""
    rng = random.Random(count)  # noqa: S311 - reproducible test data, not secrets
    with db.transaction():
        products = sorted(db.tables["product.product"])
        vendors = sorted(r["id"] for r in db.tables["res.partner"].values() if r.get("supplier_rank"))
        for _ in range(count):
            start = db.txn_time - timedelta(days=rng.randint(0, 120))
            state = rng.choice(["purchase"] * 6 + ["draft", "sent", "done", "cancel"])
            po_id = db.next_id("purchase.order")
            name = f"P{db.next_name('purchase.order'):05d}"
            db.insert(
                "purchase.order",
                {
                    "id": po_id,
                    "name": name,
                    "partner_id": rng.choice(vendors),
                    "state": state,
                    "date_order": stored_datetime(start),
                    "user_id": 2,
                    "company_id": 1,
                    "currency_id": 1,
                    "priority": "0",
                    "date_approve": stored_datetime(start) if state in ("purchase", "done") else False,
                    "partner_ref": f"SCALE-{po_id}" if rng.random() < 0.3 else False,
                },
            )
            for _ in range(rng.randint(3, 7)):
                db.insert(
                    "purchase.order.line",
                    {
                        "order_id": po_id,
                        "product_id": rng.choice(products),
                        "name": "scale line",
                        "product_qty": float(rng.randint(1, 500)),
                        "price_unit": round(rng.uniform(0.1, 300), 2),
                        "product_uom": 1,
                        "sequence": 10,
                        "date_planned": stored_datetime(start + timedelta(days=rng.randint(3, 40))),
                    },
                )
