"""The stock side of ``inspection.disposed``: what a PO's reception chain holds, and the moves that bring
it to the decided sums (reference flow 4, both series; the wizards as in flows 3 and 4).

``Chain`` reads the receipts' chain once (warehouse, transfers, their move lines, the portal's scraps)
and answers, per (product, lot), how much was received, returned, moved Input -> QC, stored, scrapped,
and so where the goods are now. The step functions move only what is missing from the sums, so a
redelivery or a replay changes nothing; they never force a move of goods that are not where the
step needs them (``HandlerError`` saying where they are instead).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from integrations.odoo import OdooGateway

from . import HandlerError

EPS = 1e-6
Key = tuple[int, str]  # (product's Odoo id, lot name; "" untracked)

# What ties a PO's transfers together: 18's procurement group, 19's stock.reference (odoo19/DIFF.md).
STOCK_LINK = {18: "group_id", 19: "reference_ids"}
WAREHOUSE_FIELDS = [
    "name",
    "reception_steps",
    "in_type_id",
    "qc_type_id",
    "store_type_id",
    "wh_input_stock_loc_id",
    "wh_qc_stock_loc_id",
    "lot_stock_id",
]
PICKING_FIELDS = ["name", "state", "picking_type_id", "location_id", "location_dest_id", "return_id"]
LINE_FIELDS = [
    "picking_id",
    "move_id",
    "product_id",
    "lot_id",
    "lot_name",
    "quantity",
    "location_id",
    "location_dest_id",
    "state",
]
SCRAP_FIELDS = ["origin", "product_id", "lot_id", "scrap_qty", "state", "location_id"]
OPEN = ("done", "cancel")


def _id(value: Any) -> int | None:
    return value[0] if isinstance(value, list) and value else None


def line_key(row: dict) -> Key:
    lot = row.get("lot_name") or (row["lot_id"][1] if row.get("lot_id") else "")
    return (_id(row["product_id"]), lot or "")


def fmt(value: float) -> str:
    return f"{value:g}"


@dataclass
class Chain:
    """A PO's reception chain in Odoo as read once: warehouse, transfers, move lines, the portal's scraps."""

    warehouse: dict
    pickings: dict[int, dict]
    lines: list[dict]
    scraps: list[dict]
    lot_ids: dict[Key, int] = field(default_factory=dict)
    receipts: list[dict] = field(default_factory=list)

    @property
    def steps(self) -> str:
        return self.warehouse["reception_steps"]

    def loc(self, name: str) -> int:
        return _id(self.warehouse[name])

    def _type(self, picking_id: int | None) -> int | None:
        return _id(self.pickings.get(picking_id or 0, {}).get("picking_type_id"))

    def _done(self, type_field: str, dest_field: str) -> Counter:
        kind, dest = _id(self.warehouse[type_field]), self.loc(dest_field)
        return _sum(
            row
            for row in self.lines
            if row["state"] == "done"
            and self._type(_id(row["picking_id"])) == kind
            and _id(row["location_dest_id"]) == dest
        )

    def received(self) -> Counter:
        return self._done("in_type_id", "wh_input_stock_loc_id")

    def returned(self, receipt_ids: set[int] | None = None) -> Counter:
        """What went back to the vendor from these receipts (default: every receipt of the chain)."""
        return _sum(
            row
            for row in self.lines
            if row["state"] == "done"
            and (ret := _id(self.pickings.get(_id(row["picking_id"]) or 0, {}).get("return_id")))
            and (receipt_ids is None or ret in receipt_ids)
        )

    def qc_in(self) -> Counter:
        return self._done("qc_type_id", "wh_qc_stock_loc_id") if self.steps == "three_steps" else Counter()

    def stored(self) -> Counter:
        return self._done("store_type_id", "lot_stock_id")

    def scrapped(self, origin: str | None = None) -> Counter:
        totals: Counter = Counter()
        for scrap in self.scraps:
            if scrap["state"] == "done" and (origin is None or scrap["origin"] == origin):
                totals[line_key(scrap)] += scrap["scrap_qty"]
        return totals

    def at_input(self) -> Counter:
        """Goods of the chain still waiting in WH/Input."""
        left = self.received()
        left.subtract(self.returned())
        if self.steps == "three_steps":
            left.subtract(self.qc_in())
        else:
            left.subtract(self.stored())
            left.subtract(self.scrapped())
        return left

    def at_qc(self) -> Counter:
        """Goods of the chain in WH/Quality Control (three steps)."""
        left = self.qc_in()
        left.subtract(self.stored())
        left.subtract(self.scrapped())
        return left

    def open_of(self, type_field: str) -> dict | None:
        kind = _id(self.warehouse[type_field])
        found = [p for p in self.pickings.values() if _id(p["picking_type_id"]) == kind and p["state"] not in OPEN]
        return min(found, key=lambda p: p["id"]) if found else None

    def open_return(self, receipt_id: int) -> dict | None:
        found = [p for p in self.pickings.values() if _id(p["return_id"]) == receipt_id and p["state"] not in OPEN]
        return min(found, key=lambda p: p["id"]) if found else None

    def whereabouts(self, key: Key) -> str:
        """Where the chain's goods of ``key`` are, in words: ``2 in WH/Input, 6 in WH/Stock, 1 returned``."""
        places = [(self.at_input()[key], f"in {self.warehouse['wh_input_stock_loc_id'][1]}")]
        if self.steps == "three_steps":
            places.append((self.at_qc()[key], f"in {self.warehouse['wh_qc_stock_loc_id'][1]}"))
        places += [
            (self.stored()[key], f"in {self.warehouse['lot_stock_id'][1]}"),
            (self.returned()[key], "returned"),
            (self.scrapped()[key], "scrapped by the portal"),
        ]
        return ", ".join(f"{fmt(q)} {where}" for q, where in places if abs(q) > EPS) or "none anywhere"


def _sum(rows) -> Counter:
    totals: Counter = Counter()
    for row in rows:
        totals[line_key(row)] += row["quantity"] or 0.0
    return totals


def chain_read(gw: OdooGateway, receipt_ids: list[int], marks: list[str], known: Chain | None = None) -> Chain:
    """The chain of the receipts: their warehouse, every transfer sharing their PO link (receipts, backorders,
    QC, storage, returns: flow 4 call 1), those transfers' move lines, and the scraps the portal marked.

    ``known``: the chain read before in the same delivery, whose receipts and warehouse do not change
    between its steps (two calls saved on each re-read); ``marks`` empty reads no scraps."""
    link = STOCK_LINK.get(gw.dialect.series, "reference_ids")
    if known is not None:
        receipts, warehouses = known.receipts, [known.warehouse]
    else:
        receipts = gw.read("stock.picking", receipt_ids, ["name", "picking_type_id", link])
        if len(receipts) != len(set(receipt_ids)):
            raise HandlerError(f"receipt(s) {sorted(set(receipt_ids))} not found in Odoo (deleted?)")
        kind = _id(receipts[0]["picking_type_id"])
        warehouses = gw.search_read("stock.warehouse", [["in_type_id", "=", kind]], WAREHOUSE_FIELDS)
        if not warehouses:
            raise HandlerError(f"no warehouse in Odoo receives with the operation type of {receipts[0]['name']}")
    value = receipts[0][link]
    if link == "group_id" and value:
        domain = [[link, "=", _id(value)]]
    elif value:
        domain = [[link, "in", value]]
    else:
        domain = [["id", "in", receipt_ids]]
    pickings = {p["id"]: p for p in gw.search_read("stock.picking", domain, PICKING_FIELDS, order="id")}
    lines = gw.search_read("stock.move.line", [["picking_id", "in", sorted(pickings)]], LINE_FIELDS, order="id")
    scraps = gw.search_read("stock.scrap", [["origin", "in", marks]], SCRAP_FIELDS, order="id") if marks else []
    return Chain(warehouses[0], pickings, lines, scraps, receipts=receipts)


def lot_ids_read(gw: OdooGateway, keys: set[Key]) -> dict[Key, int]:
    """The stock.lot id of each named lot (flow 4 call 12: the lots exist once the receipt is done)."""
    names = sorted({lot for _, lot in keys if lot})
    if not names:
        return {}
    rows = gw.search_read("stock.lot", [["name", "in", names]], ["name", "product_id"])
    return {(_id(row["product_id"]), row["name"]): row["id"] for row in rows}


# stock_sms asks once per company, on the first outgoing transfer to a partner with a phone, whether to
# text it; answering "don't send" switches the company's SMS confirmations off for good (odoo19 flows/04,
# the note after call 14). The portal must not answer that for the company: ``skip_sms`` in the context,
# which both flows name as the way past the question, validates without asking and without texting.
VALIDATE_CONTEXT = {"skip_sms": True}


def validate(gw: OdooGateway, picking: dict, *, backorder: bool) -> None:
    """``button_validate`` (with ``skip_sms``) and the backorder question it may answer with (flow 4 calls
    21-23): ``process`` (a backorder keeps what stays) or ``process_cancel_backorder``."""
    result = gw.call("stock.picking", "button_validate", [picking["id"]], context=VALIDATE_CONTEXT)
    for _ in range(3):
        if not isinstance(result, dict):
            return
        model, context = result.get("res_model"), result.get("context") or {}
        if model == "stock.backorder.confirmation":
            wizard = gw.create("stock.backorder.confirmation", {}, context=context)
            method = "process" if backorder else "process_cancel_backorder"
            result = gw.call("stock.backorder.confirmation", method, [wizard], context=context)
        else:
            raise HandlerError(
                f"Odoo answered validating {picking['name']} with {result.get('name') or model!r}, "
                "which the portal does not know how to answer: finish it in Odoo."
            )
    raise HandlerError(f"Odoo kept asking questions validating {picking['name']}: finish it in Odoo.")


def lines_converge(gw: OdooGateway, picking: dict, wanted: dict[Key, float], lot_ids: dict[Key, int]) -> None:
    """Make the open transfer's lines (towards its destination) hold exactly ``wanted`` per (product, lot):
    reserved lines are rewritten (flow 4 call 13 forces the lot), missing ones created on the product's
    move, every other line removed so that nothing else moves."""
    rows = gw.search_read(
        "stock.move.line",
        [["picking_id", "=", picking["id"]], ["state", "not in", ["done", "cancel"]]],
        LINE_FIELDS,
        order="id",
    )
    rows = [r for r in rows if _id(r["location_dest_id"]) == _id(picking["location_dest_id"])]
    by_product: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_product[_id(row["product_id"])].append(row)
    drop: list[int] = []
    for product in sorted(set(by_product) | {p for p, _ in wanted}):
        mine = sorted(by_product.get(product, []), key=lambda r: r["id"])
        lots = [(lot, qty) for (p, lot), qty in sorted(wanted.items()) if p == product and qty > EPS]
        for lot, qty in lots:
            same = next((r for r in mine if line_key(r)[1] == lot), None) or (mine[0] if mine else None)
            lot_id = lot_ids.get((product, lot)) if lot else False
            if lot and not lot_id:
                raise HandlerError(f"lot {lot} is not in Odoo")
            if same is None:
                _line_create(gw, picking, product, lot_id, qty)
                continue
            mine.remove(same)
            values: dict[str, Any] = {}
            if lot and _id(same.get("lot_id")) != lot_id:
                values["lot_id"] = lot_id
            if abs((same["quantity"] or 0) - qty) > EPS:
                values["quantity"] = qty
            if values:
                gw.write("stock.move.line", [same["id"]], values)
        drop += [r["id"] for r in mine]
    if drop:
        gw.unlink("stock.move.line", sorted(drop))


def _line_create(gw: OdooGateway, picking: dict, product: int, lot_id: int | bool, qty: float) -> None:
    moves = gw.search_read(
        "stock.move",
        [["picking_id", "=", picking["id"]], ["product_id", "=", product], ["state", "not in", ["done", "cancel"]]],
        ["product_uom"],
    )
    if not moves:
        raise HandlerError(f"{picking['name']} has no open move of product #{product} to put the goods on")
    gw.create(
        "stock.move.line",
        {
            "move_id": moves[0]["id"],
            "picking_id": picking["id"],
            "product_id": product,
            "product_uom_id": _id(moves[0]["product_uom"]),
            "location_id": _id(picking["location_id"]),
            "location_dest_id": _id(picking["location_dest_id"]),
            "lot_id": lot_id,
            "quantity": qty,
        },
    )


def check_there(chain: Chain, have: Counter, need: dict[Key, float], where: str, step: str, names: dict) -> None:
    """HandlerError naming the lot, the quantity and where the goods are when ``have`` lacks ``need``."""
    short = [key for key, qty in need.items() if qty > EPS and have[key] < qty - EPS]
    if short:
        said = "; ".join(
            f"{names.get(key, key[1])}: {fmt(need[key])} to {step}, {fmt(max(have[key], 0))} in {where} "
            f"(the PO's goods: {chain.whereabouts(key)})"
            for key in short
        )
        raise HandlerError(f"The goods are not where Odoo must take them from, nothing was forced. {said}")
