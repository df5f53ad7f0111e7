"""Seed data: what a fresh Odoo with the purchase and stock apps holds, plus demo and scale data.

Ids of the base records are fixed so that demo tenants can map to them
(Nordic Fasteners AB is res.partner 11, Precision Castings Ltd 12).

The data is valid for the Odoo series the database plays (``version``, kept in
``db.meta["version"]``): on 18 units have a ``category_id`` and products a
purchase unit (``uom_po_id``); on 19 units point to a reference unit
(``relative_uom_id``/``relative_factor``, ``factor`` = root units per unit, as
the 19 lab's), products have none and the vendor's unit is
``product.supplierinfo.product_uom_id``. Scrapped goods go to "Virtual
Locations/Scrap" on 18 and "Inventory adjustment" on 19; the vendor location
is "Partners/Vendors" on 18 and "Vendors" on 19.

As in a real database, vendors do not all have a ``supplier_rank``: Odoo
raises it when a vendor bill is posted, not when a PO is confirmed. Only
Nordic Fasteners has bills; Precision Castings, Wood Corner and the others
have confirmed POs and rank 0. Baltic Forge is archived but an order still
points to it, and one order is addressed to a contact person of Precision
Castings (``commercial_partner_id`` = the company).
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
    version: str | None = None,
) -> None:
    """Seed ``db`` as an Odoo ``version`` ("18.0" or "19.0"; by default the one it already plays, else 18.0)."""
    version = version or db.meta.get("version") or "18.0"
    if version not in ("18.0", "19.0"):
        raise ValueError(f"unsupported Odoo version {version!r}")
    with db.transaction():
        db.meta["modules"] = list(modules)
        db.meta["version"] = version
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
    company = {"id": 1, "name": "YourCompany", "partner_id": 1, "currency_id": 1, "po_lock": "edit"}
    company["po_double_validation"] = "one_step"
    # stock_sms asks once per company before texting a partner (flows 4); the setting's name differs.
    company["has_received_warning_stock_sms"] = False
    if env.version >= 19:
        company.update(stock_text_confirmation=True, stock_confirmation_type="sms")
    else:
        company["stock_move_sms_validation"] = True
    new("res.company", company)
    _xmlid(env, "base.main_company", "res.company", 1)
    # uid, partner id, login, name, email, profile, password
    users = [
        (1, 3, "__system__", "OdooBot", "odoobot@example.com", "admin", None),
        (2, 4, "admin", "Mitchell Admin", "admin@yourcompany.example", "admin", "admin"),
        (
            6,
            8,
            INTEGRATION_LOGIN,
            "Portal Integration",
            "integration@yourcompany.example",
            "integration",
            INTEGRATION_PASSWORD,
        ),
        (7, 13, "noaccess", "No Access", "noaccess@yourcompany.example", "internal", "noaccess"),
        (8, 10, "noemail", "No Email", False, "integration", "noemail"),
    ]
    for uid, partner_id, login, name, email, profile, password in users:
        partner = new("res.partner", {"id": partner_id, "name": name, "email": email})
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
        f"sim-api-key-{login}": {"uid": uid, "revoked": False} for uid, _, login, *_ in users if uid != 1
    }
    _units(env)
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
    if env.version >= 19:  # read as "Vendors" and "Inventory adjustment" on 19 (odoo19 flows/01, 04)
        loc(4, "Vendors", False, "supplier")
        loc(5, "Customers", False, "customer")
    else:
        loc(2, "Partners", False, "view")
        loc(3, "Virtual Locations", False, "view")
        loc(4, "Vendors", 2, "supplier")
        loc(5, "Customers", 2, "customer")
    loc(7, "WH", 1, "view")
    loc(8, "Stock", 7, "internal")
    loc(9, "Input", 7, "internal")
    loc(10, "Quality Control", 7, "internal")
    if env.version >= 19:
        loc(16, "Inventory adjustment", False, "inventory")
    else:
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
            "partner_id": 1,  # Odoo's default: the company's address
        },
    )


def _units(env: Env) -> None:
    new = lambda vals: env["uom.uom"].new(vals)  # noqa: E731
    if env.version >= 19:
        # Ids, names, factors and paths as the 19 lab reads them (odoo19/DIFF.md section 2).
        for rid, name, ref, relative, path, active in [
            (1, "Units", False, 1.0, "1/", True),
            (2, "Pack of 6", 1, 6.0, "1/2/", True),
            (3, "Dozens", 1, 12.0, "1/3/", False),
            (14, "g", False, 1.0, "14/", True),
            (15, "kg", 14, 1000.0, "14/15/", True),
        ]:
            vals = {"id": rid, "name": name, "relative_uom_id": ref, "relative_factor": relative, "factor": relative}
            new({**vals, "parent_path": path, "active": active})
    else:
        # Categories as the 18 lab's (Unit 1, Weight 2); factor = units per reference unit.
        for rid, name in [(1, "Unit"), (2, "Weight"), (4, "Length / Distance")]:
            env["uom.category"].new({"id": rid, "name": name})
        for rid, name, category, uom_type, factor in [
            (1, "Units", 1, "reference", 1.0),
            (2, "Dozens", 1, "bigger", 1 / 12),
            (3, "kg", 2, "reference", 1.0),
            (4, "g", 2, "smaller", 1000.0),
            (5, "m", 4, "reference", 1.0),
        ]:
            vals = {"id": rid, "name": name, "category_id": category, "uom_type": uom_type, "factor": factor}
            new({**vals, "rounding": 0.01, "active": True})
    _xmlid(env, "uom.product_uom_unit", "uom.uom", 1)


# id, name, email, phone, ref, supplier_rank (raised by posted vendor bills only)
PARTNERS = [
    (9, "Wood Corner", "wood.corner26@example.com", "(623)-853-7197", "WC-009", 0),
    (11, "Nordic Fasteners AB", "orders@nordic-fasteners.example", "+46 31 555 0100", "NF-001", 1),
    (12, "Precision Castings Ltd", "sales@precision-castings.example", "+44 121 555 0199", "PC-002", 0),
    (15, "Azure Interior", "azure.interior24@example.com", "(870)-931-0505", "AZ-015", 0),
    (16, "Baltic Forge OÜ", "orders@baltic-forge.example", "+372 655 0142", "BF-016", 0),
]
# A contact person of a vendor company, addressed by one order.
CONTACT = {"id": 17, "name": "Lena Marsh", "email": "lena.marsh@precision-castings.example", "parent_id": 12}
ARCHIVED_VENDOR = 16

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
    for rid, name, email, phone, ref, rank in PARTNERS:
        new(
            "res.partner",
            {
                "id": rid,
                "name": name,
                "email": email,
                "phone": phone,
                "ref": ref,
                "is_company": True,
                "supplier_rank": rank,
            },
        )
        _xmlid(env, f"base.res_partner_{rid}", "res.partner", rid)
    new("res.partner", {**CONTACT, "is_company": False, "supplier_rank": 0})
    for code, name, tracking, cost, vendor, vendor_code, delay in PRODUCTS:
        units = {"uom_id": 1, **({"uom_ids": []} if env.version >= 19 else {"uom_po_id": 1})}
        tmpl = new(
            "product.template",
            {
                "name": name,
                "default_code": code,
                "tracking": tracking,
                "standard_price": cost,
                "list_price": round(cost * 1.6, 2),
                **units,
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
    # Precision Castings through its buyer contact: the PO's partner is the person, not the company.
    orders.button_confirm([order(CONTACT["id"], [("SER-100", 4)], "PC-SO-8812")])
    # Baltic Forge: a confirmed order, then the vendor was archived; the order still points to it.
    orders.button_confirm([order(ARCHIVED_VENDOR, [("CAST-HSG-200", 10)], "BF-2291")])
    env.db.update("res.partner", ARCHIVED_VENDOR, {"active": False})
    # Wood Corner: the reference flows' vendor.
    orders.button_confirm([order(9, [("LAB-LOT-001", 10), ("FURN_7800", 5)], "RFQ-DEMO-1")])


def _scale(db: Database, count: int) -> None:
    """Bulk purchase orders (about five lines each) written straight to the tables, in one transaction."""
    rng = random.Random(count)  # noqa: S311 - reproducible test data, not secrets
    with db.transaction():
        v19 = str(db.meta.get("version", "18.0")).startswith("19")
        products = sorted(db.tables["product.product"])
        vendors = sorted({r["partner_id"] for r in db.tables["product.supplierinfo"].values()})
        for _ in range(count):
            start = db.txn_time - timedelta(days=rng.randint(0, 120))
            state = rng.choice(["purchase"] * 6 + ["draft", "sent", "done", "cancel"])
            # 19 has no state "done": a locked confirmed order instead (DIFF.md section 2).
            locked = {"locked": state == "done", "acknowledged": False} if v19 else {}
            state = "purchase" if v19 and state == "done" else state
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
                    **locked,
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
                        ("product_uom_id" if v19 else "product_uom"): 1,
                        "sequence": 10,
                        "date_planned": stored_datetime(start + timedelta(days=rng.randint(3, 40))),
                    },
                )
