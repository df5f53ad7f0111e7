"""Stock wizards: backorder confirmation, SMS confirmation, returns, scrap (flows 3 and 4, both series)."""

from __future__ import annotations

from typing import Any

from ..errors import PyValueError, not_recorded
from ..orm import Model, Records, rpc


def _ensure_one(model: Model, ids: Any) -> int:
    """The one id of a method that starts with Odoo's ``self.ensure_one()``: ``[]`` or several ids raise
    ``ValueError("Expected singleton: <model>(...)")`` as Odoo does (the connection check calls every method
    it uses with no ids), an id that is not there MissingError (Odoo's first read of it)."""
    ids = [int(i) for i in ([ids] if isinstance(ids, int) else ids or [])]
    if len(ids) != 1:
        raise PyValueError(f"Expected singleton: {Records(model._name, ids)}")
    return model._existing(ids)[0]


class StockBackorderConfirmation(Model):
    _name = "stock.backorder.confirmation"
    _rec_name = None
    _inverse = {"backorder_confirmation_line_ids": ("stock.backorder.confirmation.line", "backorder_confirmation_id")}

    def _before_create(self, row: dict) -> None:
        ctx = self.env.context
        if not row.get("pick_ids") and ctx.get("default_pick_ids"):
            row["pick_ids"] = [cmd[1] for cmd in ctx["default_pick_ids"]]

    def _after_create(self, rid: int) -> None:
        for picking_id in self.rows[rid].get("pick_ids") or []:
            self.env["stock.backorder.confirmation.line"].new(
                {"backorder_confirmation_id": rid, "picking_id": picking_id, "to_backorder": True}
            )

    def _process(self, ids: list[int], *, backorder: bool) -> bool:
        self._existing(ids)
        picking_ids = self.env.context.get("button_validate_picking_ids")
        if not picking_ids:
            return True  # Odoo silently does nothing without the action's context (flow 3)
        pickings = self.env["stock.picking"]
        pickings._check_sender()
        for rid in picking_ids:
            if pickings.rows[rid]["state"] not in ("done", "cancel"):
                pickings.action_done(rid, backorder=backorder)
        return True

    @rpc
    def process(self, ids: list[int]) -> bool:
        return self._process(ids, backorder=True)

    @rpc
    def process_cancel_backorder(self, ids: list[int]) -> bool:
        return self._process(ids, backorder=False)


class StockBackorderConfirmationLine(Model):
    _name = "stock.backorder.confirmation.line"
    _rec_name = None


class StockReturnPicking(Model):
    _name = "stock.return.picking"
    _rec_name = None
    _inverse = {"product_return_moves": ("stock.return.picking.line", "wizard_id")}
    _computed = {"picking_type_code": "_type_code"}  # new (read-only) on 19

    def _type_code(self, row: dict) -> Any:
        return self.env["stock.picking"]._type_code(self.db.get("stock.picking", row.get("picking_id") or 0) or {})

    def _before_create(self, row: dict) -> None:
        row.setdefault("picking_id", self.env.context.get("active_id"))

    def _after_create(self, rid: int) -> None:
        picking_id = self.rows[rid]["picking_id"]
        lines = self.env["stock.return.picking.line"]
        for move in self.env["stock.picking"]._moves(picking_id):
            if move["state"] == "done":
                lines.new(
                    {
                        "wizard_id": rid,
                        "product_id": move["product_id"],
                        "quantity": 0.0,
                        "move_id": move["id"],
                        "move_quantity": move["product_uom_qty"],
                        "to_refund": True,
                        "uom_id": move.get("product_uom"),
                    }
                )

    @rpc
    def action_create_returns(self, ids: list[int]) -> dict:
        rid = _ensure_one(self, ids)  # Odoo 18 and 19: ``self.ensure_one()`` first
        pickings = self.env["stock.picking"]
        original = pickings.rows[self.rows[rid]["picking_id"]]
        ptype = self.db.get("stock.picking.type", original["picking_type_id"])
        return_type = ptype.get("return_picking_type_id") or ptype["id"]
        new = pickings.new(
            {
                "picking_type_id": return_type,
                "location_id": original["location_dest_id"],
                "location_dest_id": original["location_id"],
                "origin": f"Return of {original['name']}",
                "partner_id": original.get("partner_id"),
                **pickings.picking_links(original),
                "purchase_id": original.get("purchase_id"),
                "return_id": original["id"],
                "state": "assigned",
            }
        )
        for line in self.env["stock.return.picking.line"].rows.values():
            if line.get("wizard_id") != rid or line.get("quantity", 0) <= 0:
                continue
            moved = self.db.get("stock.move", line["move_id"])
            pickings._new_move(
                new,
                line["product_id"],
                line["quantity"],
                None,
                reserve=False,
                extra={
                    "origin_returned_move_id": moved["id"],
                    "to_refund": line.get("to_refund", True),
                    "purchase_line_id": moved.get("purchase_line_id") or False,
                    "origin": f"Return of {original['name']}",
                },
                links=pickings.move_links(original),
            )
        # Odoo's reservation of the return takes the goods from transfers waiting at that location.
        pickings.unreserve_at(original["location_dest_id"], keep_picking=new)
        pickings.reserve(new)
        return {
            "context": dict(self.env.context),
            "name": "Returned Picking",
            "res_id": new,
            "res_model": "stock.picking",
            "type": "ir.actions.act_window",
            "view_mode": "form",
        }


class StockReturnPickingLine(Model):
    _name = "stock.return.picking.line"
    _rec_name = None


class StockScrap(Model):
    _name = "stock.scrap"
    _computed = {"move_ids": "_move_ids"}

    def _defaults(self) -> dict[str, Any]:
        warehouse = self.env["purchase.order"]._warehouse()
        # 18: the location flagged scrap_location (Virtual Locations/Scrap); 19 has no such flag and
        # takes the first location of usage "inventory" ("Inventory adjustment", odoo19 flows/04 call 32).
        locations = sorted(self.db.tables["stock.location"].values(), key=lambda r: r["id"])
        if self.env.version >= 19:
            scrap = next((r["id"] for r in locations if r.get("usage") == "inventory"), False)
        else:
            scrap = next((r["id"] for r in locations if r.get("scrap_location")), False)
        return {
            "name": "New",
            "state": "draft",
            "scrap_qty": 1.0,
            "location_id": warehouse.get("lot_stock_id"),
            "scrap_location_id": scrap,
            "company_id": 1,
        }

    def _before_create(self, row: dict) -> None:
        products = self.env["product.product"]
        row.setdefault("product_uom_id", products.value(products.row(row["product_id"]), "uom_id"))

    def _move_ids(self, row: dict) -> list[int]:
        return sorted(m["id"] for m in self.db.tables["stock.move"].values() if m.get("scrap_id") == row["id"])

    @rpc
    def action_validate(self, ids: list[int]) -> Any:
        quants = self.env["stock.quant"]
        for rid in self._existing(ids):
            scrap = self.rows[rid]
            on_hand = quants.available(scrap["product_id"], scrap["location_id"]).get(scrap.get("lot_id") or False, 0.0)
            if on_hand < scrap["scrap_qty"]:
                return {
                    "name": "Insufficient Quantity",
                    "res_model": "stock.warn.insufficient.qty.scrap",
                    "type": "ir.actions.act_window",
                    "target": "new",
                    "view_mode": "form",
                    "context": {
                        "default_product_id": scrap["product_id"],
                        "default_location_id": scrap["location_id"],
                        "default_scrap_id": rid,
                        "default_quantity": scrap["scrap_qty"],
                    },
                }
            move = self.env["stock.move"].new(
                {
                    "product_id": scrap["product_id"],
                    "product_uom_qty": float(scrap["scrap_qty"]),
                    "product_uom": scrap["product_uom_id"],
                    "location_id": scrap["location_id"],
                    "location_dest_id": scrap["scrap_location_id"],
                    "scrap_id": rid,
                    "state": "done",
                    "picking_id": scrap.get("picking_id") or False,
                    "origin": scrap.get("origin") or scrap["name"],
                    "date": self.db.txn_stamp,
                    "picked": True,
                }
            )
            self.env["stock.move.line"].new(
                {"move_id": move, "quantity": float(scrap["scrap_qty"]), "lot_id": scrap.get("lot_id") or False}
            )
            quants.add(scrap["product_id"], scrap["location_id"], scrap.get("lot_id"), -scrap["scrap_qty"])
            quants.add(scrap["product_id"], scrap["scrap_location_id"], scrap.get("lot_id"), scrap["scrap_qty"])
            if scrap.get("picking_id"):
                self._reduce_reservation(scrap)
            name = f"SP/{self.db.next_name('stock.scrap'):05d}"
            self.db.update(self._name, rid, {"state": "done", "date_done": self.db.txn_stamp, "name": name})
        return True

    def _reduce_reservation(self, scrap: dict) -> None:
        left = scrap["scrap_qty"]
        for line in sorted(self.db.tables["stock.move.line"].values(), key=lambda r: r["id"]):
            move = self.db.get("stock.move", line.get("move_id") or 0) or {}
            if (
                line.get("picking_id") != scrap["picking_id"]
                or move.get("state") in ("done", "cancel")
                or line["product_id"] != scrap["product_id"]
                or (line.get("lot_id") or False) != (scrap.get("lot_id") or False)
            ):
                continue
            take = min(left, line["quantity"])
            self.db.update("stock.move.line", line["id"], {"quantity": line["quantity"] - take})
            self.env["stock.move"].recompute_state(move["id"])
            left -= take
            if left <= 0:
                break


class ConfirmStockSms(Model):
    """The stock_sms question shown once per company (odoo18 and odoo19 flows/04, call 15-16 / 15-16).

    ``dont_send_sms`` (recorded) remembers the answer for the company and validates the transfers
    of the action's context. ``send_sms`` was not recorded: it is refused as such.
    """

    _name = "confirm.stock.sms"
    _rec_name = None

    @rpc
    def dont_send_sms(self, ids: list[int]) -> Any:
        self._existing(ids)
        picking_ids = self.env.context.get("button_validate_picking_ids")
        if not picking_ids:
            raise not_recorded(self.env.series, "confirm.stock.sms.dont_send_sms without the action's context")
        company = {"has_received_warning_stock_sms": True}
        if self.env.version >= 19:
            company["stock_text_confirmation"] = False  # odoo19 flows/04 call 15 (note)
        self.db.update("res.company", 1, company)
        pickings = self.env.with_context(skip_sms=True)["stock.picking"]
        return pickings.button_validate(picking_ids)
