"""Stock: receipts, the backorder wizard, the 1/2/3-step reception chain, returns, scrap.

What happens and when follows flows 1, 3 and 4 of the reference: confirming a
PO creates only the receipt; validating it creates the next internal transfer
of the chain; a partial validation returns the backorder wizard's action.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..errors import UserError, ValidationError
from ..orm import Model, rpc


class StockWarehouse(Model):
    _name = "stock.warehouse"


class StockLocation(Model):
    _name = "stock.location"
    _rec_name = "complete_name"
    _order = "complete_name, id"

    def _defaults(self) -> dict[str, Any]:
        return {"active": True, "usage": "internal"}

    def _before_create(self, row: dict) -> None:
        # As Odoo: a view location is named alone, others after their parent ("WH/Stock").
        parent = self.row(row.get("location_id") or 0)
        inside = parent and row.get("usage") != "view"
        row["complete_name"] = f"{parent['complete_name']}/{row['name']}" if inside else row["name"]


class StockPickingType(Model):
    _name = "stock.picking.type"

    def _defaults(self) -> dict[str, Any]:
        return {"active": True, "create_backorder": "ask"}

    def _display(self, row: dict) -> str:
        warehouse = self.db.get("stock.warehouse", row.get("warehouse_id") or 0)
        return f"{warehouse['name']}: {row['name']}" if warehouse else row["name"]


class StockLot(Model):
    _name = "stock.lot"
    _computed = {"product_qty": "_product_qty"}

    def _product_qty(self, row: dict) -> float:
        locations = self.db.tables["stock.location"]
        return sum(
            q["quantity"]
            for q in self.db.tables["stock.quant"].values()
            if q.get("lot_id") == row["id"] and locations.get(q["location_id"], {}).get("usage") == "internal"
        )

    def _before_create(self, row: dict) -> None:
        for other in self.rows.values():
            if other["name"] == row.get("name") and other.get("product_id") == row.get("product_id"):
                product = self.env["product.product"].display_name(row["product_id"])
                raise ValidationError(
                    "The combination of lot/serial number and product must be unique within a company including "
                    "when no company is defined.\nThe following combinations contain duplicates:\n"
                    f" - Product: {product}, Lot/Serial Number: {row['name']}"
                )
        row.setdefault("company_id", 1)


class StockQuant(Model):
    _name = "stock.quant"
    _rec_name = None

    def add(self, product_id: int, location_id: int, lot_id: int | bool, qty: float) -> None:
        for row in self.rows.values():
            if (row["product_id"], row["location_id"], row.get("lot_id") or False) == (
                product_id,
                location_id,
                lot_id or False,
            ):
                self.db.update(self._name, row["id"], {"quantity": row["quantity"] + qty})
                return
        self.new(
            {
                "product_id": product_id,
                "location_id": location_id,
                "lot_id": lot_id or False,
                "quantity": qty,
                "reserved_quantity": 0.0,
            }
        )

    def available(self, product_id: int, location_id: int) -> dict[int | bool, float]:
        """On-hand quantity per lot at a location, oldest lot first."""
        result: dict[int | bool, float] = {}
        for row in sorted(self.rows.values(), key=lambda r: (r.get("lot_id") or 0, r["id"])):
            if row["product_id"] == product_id and row["location_id"] == location_id and row["quantity"] > 0:
                result[row.get("lot_id") or False] = result.get(row.get("lot_id") or False, 0.0) + row["quantity"]
        return result


class StockMoveLine(Model):
    _name = "stock.move.line"
    _rec_name = None
    _computed = {"state": "_state", "picked": "_picked"}

    def _defaults(self) -> dict[str, Any]:
        return {"quantity": 0.0, "lot_id": False, "lot_name": False}

    def _state(self, row: dict) -> Any:
        return (self.db.get("stock.move", row.get("move_id") or 0) or {}).get("state", False)

    def _picked(self, row: dict) -> bool:
        return bool((self.db.get("stock.move", row.get("move_id") or 0) or {}).get("picked"))

    def _display(self, row: dict) -> str:
        return self.env["product.product"].display_name(row["product_id"])

    def _before_create(self, row: dict) -> None:
        move = self.db.get("stock.move", row.get("move_id") or 0)
        if move:
            row.setdefault("product_id", move["product_id"])
            row.setdefault("picking_id", move.get("picking_id"))
            row.setdefault("location_id", move["location_id"])
            row.setdefault("location_dest_id", move["location_dest_id"])
            row.setdefault("product_uom_id", move.get("product_uom"))
        row["quantity"] = float(row.get("quantity") or 0.0)

    def _after_create(self, rid: int) -> None:
        self.env["stock.move"].recompute_state(self.rows[rid].get("move_id"))

    def _after_write(self, rid: int, before: dict, vals: dict) -> None:
        if "quantity" in vals:
            self.db.update(self._name, rid, {"quantity": float(vals["quantity"] or 0.0)})
        self.env["stock.move"].recompute_state(self.rows[rid].get("move_id"))

    def _unlink_one(self, rid: int) -> None:
        move_id = self.rows[rid].get("move_id")
        super()._unlink_one(rid)
        self.env["stock.move"].recompute_state(move_id)


class StockMove(Model):
    _name = "stock.move"
    _order = "sequence, id"
    _computed = {
        "quantity": "_quantity",
        "move_line_ids": "_move_line_ids",
        "has_tracking": "_has_tracking",
        "product_qty": "_demand",
        "reference": "_reference",
    }

    def _defaults(self) -> dict[str, Any]:
        return {
            "state": "draft",
            "picked": False,
            "sequence": 10,
            "move_orig_ids": [],
            "move_dest_ids": [],
            "to_refund": False,
            "company_id": 1,
        }

    def lines(self, rid: int) -> list[dict]:
        return self.db.related("stock.move.line", "move_id", rid)

    def _quantity(self, row: dict) -> float:
        if row["state"] == "cancel":
            return 0.0
        return sum(line["quantity"] for line in self.lines(row["id"]))

    def _move_line_ids(self, row: dict) -> list[int]:
        return sorted(line["id"] for line in self.lines(row["id"]))

    def _has_tracking(self, row: dict) -> str:
        products = self.env["product.product"]
        return products.value(products.row(row["product_id"]), "tracking") or "none"

    def _demand(self, row: dict) -> float:
        return row.get("product_uom_qty", 0.0)

    def _reference(self, row: dict) -> Any:
        picking = self.db.get("stock.picking", row.get("picking_id") or 0)
        return picking["name"] if picking else row.get("origin") or False

    def _display(self, row: dict) -> str:
        product = self.db.get("product.product", row["product_id"]) or {}
        code = product.get("default_code") or self.env["product.product"].display_name(row["product_id"])
        src = (self.db.get("stock.location", row["location_id"]) or {}).get("name", "")
        dest = (self.db.get("stock.location", row["location_dest_id"]) or {}).get("name", "")
        prefix = row.get("origin") or self._reference(row) or ""
        return f"{prefix}/{code}: {src}>{dest}"

    def recompute_state(self, move_id: int | None) -> None:
        move = self.row(move_id or 0)
        if not move or move["state"] in ("done", "cancel", "draft"):
            return
        qty, demand = self._quantity(move), move.get("product_uom_qty", 0.0)
        state = "assigned" if qty >= demand else "partially_available" if qty > 0 else "confirmed"
        if state != move["state"]:
            self.db.update(self._name, move["id"], {"state": state})


class StockPicking(Model):
    _name = "stock.picking"
    _order = "priority desc, scheduled_date asc, id desc"
    _mail_thread = True
    _computed = {
        "move_ids": "_move_ids",
        "move_line_ids": "_move_line_ids",
        "backorder_ids": "_backorder_ids",
        "date_deadline": "_date_deadline",
        "picking_type_code": "_type_code",
    }

    def _defaults(self) -> dict[str, Any]:
        return {"state": "draft", "priority": "0", "company_id": 1, "backorder_id": False, "return_id": False}

    def _type_code(self, row: dict) -> Any:
        return (self.db.get("stock.picking.type", row.get("picking_type_id") or 0) or {}).get("code") or False

    def _moves(self, rid: int) -> list[dict]:
        return sorted(self.db.related("stock.move", "picking_id", rid), key=lambda m: m["id"])

    def _move_ids(self, row: dict) -> list[int]:
        return [m["id"] for m in self._moves(row["id"])]

    def _move_line_ids(self, row: dict) -> list[int]:
        return sorted(line["id"] for line in self.db.related("stock.move.line", "picking_id", row["id"]))

    def _backorder_ids(self, row: dict) -> list[int]:
        return sorted(p["id"] for p in self.db.related("stock.picking", "backorder_id", row["id"]))

    def _date_deadline(self, row: dict) -> Any:
        deadlines = [
            m["date_deadline"] for m in self._moves(row["id"]) if m.get("date_deadline") and m["state"] != "cancel"
        ]
        return min(deadlines) if deadlines else False

    def _before_create(self, row: dict) -> None:
        if not row.get("name") or row["name"] == "/":
            ptype = self.db.get("stock.picking.type", row["picking_type_id"])
            warehouse = self.db.get("stock.warehouse", ptype["warehouse_id"])
            seq = self.db.next_name(f"picking:{ptype['id']}")
            row["name"] = f"{warehouse['code']}/{ptype['sequence_code']}/{seq:05d}"
        row.setdefault("scheduled_date", self.db.txn_stamp)

    def _after_write(self, rid: int, before: dict, vals: dict) -> None:
        if "scheduled_date" in vals:
            # The picking's date is its moves' planned date (flow 3); the deadline stays.
            for move in self._moves(rid):
                if move["state"] not in ("done", "cancel"):
                    self.db.update("stock.move", move["id"], {"date": vals["scheduled_date"]})

    # --- creation from a PO ----------------------------------------------------
    def create_receipt(self, order: dict) -> int:
        warehouse = self.env["purchase.order"]._warehouse()
        ptype = self.db.get("stock.picking.type", warehouse["in_type_id"])
        vendors = self._location("supplier")
        lines = self.env["purchase.order"]._lines(order)
        dates = [line["date_planned"] for line in lines if line.get("date_planned")]
        picking = self.new(
            {
                "picking_type_id": ptype["id"],
                "location_id": vendors,
                "location_dest_id": ptype["default_location_dest_id"],
                "origin": order["name"],
                "partner_id": order["partner_id"],
                "group_id": order["group_id"],
                "purchase_id": order["id"],
                "scheduled_date": min(dates) if dates else self.db.txn_stamp,
                "state": "assigned",
            }
        )
        for line in lines:
            self._new_move(
                picking,
                line["product_id"],
                line["product_qty"],
                line,
                reserve=True,
                date=line["date_planned"],
                deadline=line["date_planned"],
            )
        return picking

    def adjust_demand(self, line: dict) -> None:
        for move in self.db.related("stock.move", "purchase_line_id", line["id"]):
            if move["state"] not in ("done", "cancel"):
                self.db.update("stock.move", move["id"], {"product_uom_qty": float(line["product_qty"])})
                self.env["stock.move"].recompute_state(move["id"])

    def _location(self, usage: str) -> int:
        return next(r["id"] for r in self.db.tables["stock.location"].values() if r.get("usage") == usage)

    def _new_move(
        self,
        picking_id: int,
        product_id: int,
        qty: float,
        line: dict | None,
        *,
        reserve: bool,
        date: str | None = None,
        deadline: str | bool = False,
        lots: dict | None = None,
        orig: list[int] | None = None,
        extra: dict | None = None,
    ) -> int:
        picking = self.rows[picking_id]
        warehouse = self.env["purchase.order"]._warehouse()
        products = self.env["product.product"]
        move = self.env["stock.move"].new(
            {
                "product_id": product_id,
                "product_uom_qty": float(qty),
                "product_uom": line.get("product_uom") if line else products.value(products.row(product_id), "uom_id"),
                "location_id": picking["location_id"],
                "location_dest_id": picking["location_dest_id"],
                "location_final_id": warehouse.get("lot_stock_id"),
                "picking_id": picking_id,
                "picking_type_id": picking["picking_type_id"],
                "group_id": picking.get("group_id"),
                "origin": picking.get("origin"),
                "purchase_line_id": line["id"] if line else False,
                "date": date or picking.get("scheduled_date"),
                "date_deadline": deadline,
                "partner_id": picking.get("partner_id"),
                "move_orig_ids": list(orig or []),
                "state": "confirmed",
                **(extra or {}),
            }
        )
        if reserve:
            if lots:
                for lot_id, lot_qty in lots.items():
                    self._new_line(move, lot_qty, lot_id)
            else:
                self._new_line(move, qty, False)
        self.env["stock.move"].recompute_state(move)
        return move

    def _new_line(self, move_id: int, qty: float, lot_id: int | bool) -> int:
        return self.env["stock.move.line"].new({"move_id": move_id, "quantity": float(qty), "lot_id": lot_id or False})

    def cancel(self, rid: int) -> None:
        for move in self._moves(rid):
            if move["state"] != "done":
                self.db.update("stock.move", move["id"], {"state": "cancel"})
        self.db.update(self._name, rid, {"state": "cancel"})

    # --- validation ---------------------------------------------------------------
    @rpc
    def action_assign(self, ids: list[int]) -> bool:
        for rid in self._existing(ids):
            self.reserve(rid)
        return True

    def reserve(self, rid: int) -> None:
        """Reserve what is on hand at the source location (internal and outgoing moves)."""
        quants = self.env["stock.quant"]
        for move in self._moves(rid):
            if move["state"] in ("done", "cancel"):
                continue
            for line in self.env["stock.move"].lines(move["id"]):
                self.db.delete("stock.move.line", line["id"])
            available = quants.available(move["product_id"], move["location_id"])
            for lot, reserved in self._reserved_elsewhere(move).items():
                available[lot] = available.get(lot, 0.0) - reserved
            need = move["product_uom_qty"]
            for lot, qty in available.items():
                if need <= 0 or qty <= 0:
                    continue
                take = min(qty, need)
                self._new_line(move["id"], take, lot)
                need -= take
            self.env["stock.move"].recompute_state(move["id"])
        self._refresh_state(rid)

    def _reserved_elsewhere(self, move: dict) -> dict:
        reserved: dict = defaultdict(float)
        for line in self.db.tables["stock.move.line"].values():
            other = self.db.get("stock.move", line.get("move_id") or 0) or {}
            if (
                other.get("id") != move["id"]
                and other.get("state") not in ("done", "cancel")
                and line["product_id"] == move["product_id"]
                and line["location_id"] == move["location_id"]
            ):
                reserved[line.get("lot_id") or False] += line["quantity"]
        return reserved

    def unreserve_at(self, location_id: int, keep_picking: int) -> None:
        """Drop every reservation of open transfers leaving ``location_id`` (all their moves, as recorded)."""
        for picking in self.rows.values():
            if (
                picking["id"] == keep_picking
                or picking["state"] in ("done", "cancel")
                or picking["location_id"] != location_id
            ):
                continue
            for move in self._moves(picking["id"]):
                if move["state"] not in ("done", "cancel"):
                    for line in self.env["stock.move"].lines(move["id"]):
                        self.db.delete("stock.move.line", line["id"])
                    self.db.update("stock.move", move["id"], {"state": "confirmed"})
            self._refresh_state(picking["id"])

    def _refresh_state(self, rid: int) -> None:
        moves = [m for m in self._moves(rid) if m["state"] != "cancel"]
        if not moves or self.rows[rid]["state"] in ("done", "cancel"):
            return
        state = (
            "assigned"
            if all(m["state"] == "assigned" for m in moves)
            or any(m["state"] in ("assigned", "partially_available") for m in moves)
            else "confirmed"
        )
        if state != self.rows[rid]["state"]:
            self.db.update(self._name, rid, {"state": state})

    def _check_sender(self) -> None:
        partner = self.db.get("res.partner", self.env.user.get("partner_id") or 0) or {}
        if not partner.get("email"):
            raise UserError("Unable to send message, please configure the sender's email address.")

    @rpc
    def button_validate(self, ids: list[int]) -> Any:
        ids = self._existing(ids)
        ctx = self.env.context
        for rid in ids:
            self._check_lots(rid)
        for rid in ids:
            moves = [m for m in self._moves(rid) if m["state"] not in ("done", "cancel")]
            if not any(m.get("picked") for m in moves):
                for move in moves:
                    self.db.update("stock.move", move["id"], {"picked": True})
        skip = set(ctx.get("picking_ids_not_to_backorder") or []) if ctx.get("skip_backorder") else set()
        needs_wizard = []
        for rid in ids:
            ptype = self.db.get("stock.picking.type", self.rows[rid]["picking_type_id"]) or {}
            partial = any(
                self.env["stock.move"]._quantity(m) < m["product_uom_qty"]
                for m in self._moves(rid)
                if m["state"] not in ("done", "cancel")
            )
            if (
                partial
                and rid not in skip
                and not ctx.get("skip_backorder")
                and ptype.get("create_backorder", "ask") == "ask"
            ):
                needs_wizard.append(rid)
        if needs_wizard:
            return {
                "context": {
                    "button_validate_picking_ids": ids,
                    "default_pick_ids": [[4, i] for i in ids],
                    "default_show_transfers": False,
                },
                "name": "Create Backorder?",
                "res_model": "stock.backorder.confirmation",
                "target": "new",
                "type": "ir.actions.act_window",
                "view_id": 864,
                "view_mode": "form",
                "views": [[864, "form"]],
            }
        self._check_sender()
        for rid in ids:
            ptype = self.db.get("stock.picking.type", self.rows[rid]["picking_type_id"]) or {}
            backorder = rid not in skip and not ctx.get("skip_backorder") and ptype.get("create_backorder") != "never"
            self.action_done(rid, backorder=backorder)
        return True

    def _check_lots(self, rid: int) -> None:
        missing = []
        for move in self._moves(rid):
            if move["state"] in ("done", "cancel") or self.env["stock.move"]._has_tracking(move) == "none":
                continue
            lines = [line for line in self.env["stock.move"].lines(move["id"]) if line["quantity"] > 0]
            if any(not line.get("lot_id") and not line.get("lot_name") for line in lines):
                missing.append(self.env["product.product"].display_name(move["product_id"]))
            if self.env["stock.move"]._has_tracking(move) == "serial" and any(line["quantity"] != 1 for line in lines):
                raise UserError("You can only process 1.0 Units of products with unique serial number.")
        if missing:
            raise UserError("You need to supply a Lot/Serial Number for product:\n- " + "\n- ".join(missing))

    def action_done(self, rid: int, *, backorder: bool) -> None:
        picking = self.rows[rid]
        moves_model = self.env["stock.move"]
        quants = self.env["stock.quant"]
        lots = self.env["stock.lot"]
        remainder: list[tuple[dict, float]] = []
        done_moves = []
        for move in self._moves(rid):
            if move["state"] in ("done", "cancel"):
                continue
            qty = moves_model._quantity(move)
            if qty < move["product_uom_qty"]:
                remainder.append((move, move["product_uom_qty"] - qty))
            if qty <= 0:
                self.db.update("stock.move", move["id"], {"state": "cancel", "product_uom_qty": 0.0})
                continue
            for line in moves_model.lines(move["id"]):
                if line["quantity"] <= 0:
                    self.db.delete("stock.move.line", line["id"])
                    continue
                lot_id = line.get("lot_id") or False
                if not lot_id and line.get("lot_name"):
                    lot_id = lots.new({"name": line["lot_name"], "product_id": move["product_id"]})
                    self.db.update("stock.move.line", line["id"], {"lot_id": lot_id})
                quants.add(move["product_id"], line["location_id"], lot_id, -line["quantity"])
                quants.add(move["product_id"], line["location_dest_id"], lot_id, line["quantity"])
            self.db.update(
                "stock.move",
                move["id"],
                {"state": "done", "product_uom_qty": qty, "picked": True, "date": self.db.txn_stamp},
            )
            done_moves.append(self.db.get("stock.move", move["id"]))
        self.db.update(self._name, rid, {"state": "done", "date_done": self.db.txn_stamp})
        if remainder and backorder:
            self._create_backorder(picking, remainder)
        self._push_next_step(picking, done_moves)

    def _create_backorder(self, picking: dict, remainder: list[tuple[dict, float]]) -> int:
        backorder = self.new(
            {
                "picking_type_id": picking["picking_type_id"],
                "location_id": picking["location_id"],
                "location_dest_id": picking["location_dest_id"],
                "origin": picking.get("origin"),
                "partner_id": picking.get("partner_id"),
                "group_id": picking.get("group_id"),
                "purchase_id": picking.get("purchase_id"),
                "backorder_id": picking["id"],
                "scheduled_date": picking.get("scheduled_date"),
                "state": "assigned",
            }
        )
        incoming = self.db.get("stock.location", picking["location_id"])["usage"] == "supplier"
        for move, qty in remainder:
            line = self.db.get("purchase.order.line", move.get("purchase_line_id") or 0)
            self._new_move(
                backorder,
                move["product_id"],
                qty,
                line,
                reserve=incoming,
                date=move.get("date"),
                deadline=move.get("date_deadline"),
                orig=move.get("move_orig_ids"),
            )
        if not incoming:
            self.reserve(backorder)
        self._refresh_state(backorder)
        return backorder

    def _push_next_step(self, picking: dict, done_moves: list[dict]) -> None:
        """Validating one step of a multi-step reception creates the next transfer (flow 4)."""
        warehouse = self.env["purchase.order"]._warehouse()
        if not warehouse or not done_moves:
            return
        steps = warehouse.get("reception_steps", "one_step")
        ptype = picking["picking_type_id"]
        # (picking type just validated, reception steps) -> the transfer that follows it
        chain = {
            (warehouse.get("in_type_id"), "three_steps"): warehouse.get("qc_type_id"),
            (warehouse.get("in_type_id"), "two_steps"): warehouse.get("store_type_id"),
            (warehouse.get("qc_type_id"), "three_steps"): warehouse.get("store_type_id"),
        }
        next_type = chain.get((ptype, steps))
        if not next_type:
            return
        ntype = self.db.get("stock.picking.type", next_type)
        existing = next(
            (
                p
                for p in self.rows.values()
                if p.get("group_id") == picking.get("group_id")
                and p["picking_type_id"] == next_type
                and p["state"] not in ("done", "cancel")
            ),
            None,
        )
        target = (
            existing["id"]
            if existing
            else self.new(
                {
                    "picking_type_id": next_type,
                    "location_id": ntype["default_location_src_id"],
                    "location_dest_id": ntype["default_location_dest_id"],
                    "origin": picking.get("origin"),
                    "partner_id": picking.get("partner_id"),
                    "group_id": picking.get("group_id"),
                    "state": "assigned",
                }
            )
        )
        for move in done_moves:
            lots: dict = defaultdict(float)
            for line in self.env["stock.move"].lines(move["id"]):
                lots[line.get("lot_id") or False] += line["quantity"]
            new_move = self._new_move(
                target,
                move["product_id"],
                move["product_uom_qty"],
                None,
                reserve=True,
                lots=dict(lots),
                orig=[move["id"]],
                extra={"purchase_line_id": False, "origin": picking.get("origin")},
            )
            self.db.update(
                "stock.move", move["id"], {"move_dest_ids": [*move.get("move_dest_ids", []), new_move]}, bump=False
            )
        self._refresh_state(target)


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
        rid = self._existing(ids)[0]
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
                "group_id": original.get("group_id"),
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
        scrap = next((r["id"] for r in self.db.tables["stock.location"].values() if r.get("scrap_location")), False)
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
