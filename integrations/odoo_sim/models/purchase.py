"""purchase.order and its lines: confirmation and vendor acknowledgement as Odoo 18 or 19 does them.

18 (odoo18 flows 1-2): confirmation makes a procurement group (``group_id``);
the vendor's confirmation is ``confirm_reminder_mail`` / ``mail_reminder_confirmed``.
19 (odoo19 flows 1-2): confirmation makes a ``stock.reference`` named after the
PO (``reference_ids``); the acknowledgement is ``action_acknowledge`` /
``acknowledged`` (tracked in the chatter); lines use ``product_uom_id`` and the
vendor's product code in their description; ``locked`` replaces state ``done``.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from ..errors import UserError
from ..fields import parse_datetime, stored_datetime
from ..orm import Model, rpc
from ..versioning import only_in
from .chatter import note


class PurchaseOrder(Model):
    _name = "purchase.order"
    _order = "priority desc, id desc"
    _mail_thread = True
    _required = ("partner_id",)
    _inverse = {"order_line": ("purchase.order.line", "order_id")}
    _computed = {
        "date_planned": "_date_planned",
        "picking_ids": "_picking_ids",
        "incoming_picking_count": "_incoming_count",
        "receipt_status": "_receipt_status",
        "effective_date": "_effective_date",
        "amount_untaxed": "_amount",
        "amount_total": "_amount",
        "message_follower_ids": "_follower_ids",
        "message_partner_ids": "_follower_partners",
        "message_attachment_count": "_attachment_count",
        "activity_ids": "_activity_ids",
        "activity_state": "_activity_state",
        "activity_summary": "_activity_summary",
        "activity_user_id": "_activity_user",
        "activity_date_deadline": "_activity_deadline",
        "activity_type_id": "_activity_type",
    }

    def _defaults(self) -> dict[str, Any]:
        now = self.db.txn_stamp
        per_version = (
            {"acknowledged": False, "locked": False}
            if self.env.version >= 19
            else {"mail_reminder_confirmed": False, "mail_reception_confirmed": False, "mail_reception_declined": False}
        )
        return {
            "state": "draft",
            "date_order": now,
            "user_id": self.env.uid,
            "company_id": 1,
            "currency_id": 1,
            "priority": "0",
            "receipt_reminder_email": True,
            "reminder_date_before_receipt": 1,
            **per_version,
            "picking_type_id": self._warehouse().get("in_type_id") or False,
        }

    def _warehouse(self) -> dict:
        rows = self.db.tables["stock.warehouse"]
        return rows[min(rows)] if rows else {}

    def _before_create(self, row: dict) -> None:
        if not row.get("name") or row["name"] == "New":
            row["name"] = f"P{self.db.next_name('purchase.order'):05d}"

    def _after_create(self, rid: int) -> None:
        followers = self.env["mail.followers"]
        followers.subscribe(self._name, rid, self.env.user.get("partner_id"))
        note(self, rid, "<p>Purchase Order created</p>")

    def _after_write(self, rid: int, before: dict, vals: dict) -> None:
        if vals.get("date_planned"):
            # purchase's _inverse_date_planned: every line takes the order's date (odoo19 context_lang_tz.json,
            # json2_write_datetime_tz_brussels then json2_read_back_datetime: read back as written, in UTC).
            lines = self.env["purchase.order.line"]
            for line in self._lines(self.rows[rid]):
                lines._write_one(line["id"], {"date_planned": vals["date_planned"]})
        old, new = bool(before.get("acknowledged")), bool(vals.get("acknowledged"))
        if "acknowledged" in vals and new != old:
            # 19 tracks every change of the flag (odoo19 flows/02 calls 37-39: 1 -> 0, 0 -> 1)
            note(self, rid, "", tracking={"acknowledged": (old, new)})

    def _display(self, row: dict) -> str:
        return f"{row['name']} ({row['partner_ref']})" if row.get("partner_ref") else row["name"]

    def _lines(self, row: dict) -> list[dict]:
        return self.db.related("purchase.order.line", "order_id", row["id"])

    def _date_planned(self, row: dict) -> str | bool:
        dates = [line["date_planned"] for line in self._lines(row) if line.get("date_planned")]
        return min(dates) if dates else row.get("date_order", False)

    def _pickings(self, row: dict) -> list[dict]:
        return self.db.related("stock.picking", "purchase_id", row["id"])

    def _picking_ids(self, row: dict) -> list[int]:
        return sorted((p["id"] for p in self._pickings(row)), reverse=True)

    def _incoming(self, row: dict) -> list[dict]:
        types = self.db.tables["stock.picking.type"]
        return [p for p in self._pickings(row) if types.get(p["picking_type_id"], {}).get("code") == "incoming"]

    def _incoming_count(self, row: dict) -> int:
        return len(self._incoming(row))

    def _receipt_status(self, row: dict) -> str | bool:
        pickings = [p for p in self._incoming(row) if p["state"] != "cancel"]
        if not pickings:
            return False
        if all(p["state"] == "done" for p in pickings):
            return "full"
        if any(p["state"] == "done" for p in pickings):
            return "partial"
        return "pending"

    def _effective_date(self, row: dict) -> str | bool:
        done = [p["date_done"] for p in self._incoming(row) if p.get("date_done")]
        return min(done) if done else False

    def _amount(self, row: dict) -> float:
        return round(sum(line.get("product_qty", 0) * line.get("price_unit", 0) for line in self._lines(row)), 2)

    def _follower_ids(self, row: dict) -> list[int]:
        return self.env["mail.followers"].ids_of(self._name, row["id"])

    def _follower_partners(self, row: dict) -> list[int]:
        return sorted(self.env["mail.followers"].partners_of(self._name, row["id"]), reverse=True)

    def _attachment_count(self, row: dict) -> int:
        return sum(1 for a in self.db.related("ir.attachment", "res_id", row["id"]) if a.get("res_model") == self._name)

    def _activities(self, row: dict) -> list[dict]:
        activity = self.env["mail.activity"]
        rows = [
            a for a in self.db.related("mail.activity", "res_id", row["id"]) if activity._res_model(a) == self._name
        ]
        return sorted(rows, key=lambda a: (a["date_deadline"], a["id"]))

    def _activity_ids(self, row: dict) -> list[int]:
        return [a["id"] for a in self._activities(row)]

    def _first_activity(self, row: dict, field: str) -> Any:
        activities = self._activities(row)
        if not activities:
            return False
        if field == "state":
            return self.env["mail.activity"]._state(activities[0])
        return activities[0].get(field) or False

    def _activity_state(self, row: dict) -> Any:
        return self._first_activity(row, "state")

    def _activity_summary(self, row: dict) -> Any:
        return self._first_activity(row, "summary")

    def _activity_user(self, row: dict) -> Any:
        return self._first_activity(row, "user_id")

    def _activity_deadline(self, row: dict) -> Any:
        return self._first_activity(row, "date_deadline")

    def _activity_type(self, row: dict) -> Any:
        return self._first_activity(row, "activity_type_id")

    def _check_unlink(self, row: dict) -> None:
        if row["state"] != "cancel":
            raise UserError("In order to delete a purchase order, you must cancel it first.")

    def _unlink_one(self, rid: int) -> None:
        for line in self._lines(self.rows[rid]):
            self.env["purchase.order.line"]._unlink_one(line["id"])
        super()._unlink_one(rid)

    # --- buttons ----------------------------------------------------------------
    @rpc
    def button_confirm(self, ids: list[int]) -> bool:
        for rid in self._existing(ids):
            row = self.rows[rid]
            if row["state"] not in ("draft", "sent"):
                continue
            state_before = row["state"]
            lock = (self.db.get("res.company", row.get("company_id") or 1) or {}).get("po_lock") == "lock"
            if self.env.version >= 19:
                # A stock.reference replaces the procurement group (odoo19 flows/01 calls 10, 15).
                reference = self.env["stock.reference"].new({"name": row["name"]})
                approved = {"state": "purchase", "locked": lock, "reference_ids": [reference]}
            else:
                group = self.env["procurement.group"].new({"name": row["name"]})
                approved = {"state": "done" if lock else "purchase", "group_id": group}
            self.db.update(self._name, rid, {**approved, "date_approve": self.db.txn_stamp})
            self.env["mail.followers"].subscribe(self._name, rid, row["partner_id"])
            self.env["stock.picking"].create_receipt(self.rows[rid])
            # 19: the notification carries the tracking of the status (odoo19 flows/02 calls 38-39, value 185)
            status = {"state": (state_before, self.rows[rid]["state"])}
            note(self, rid, "", subtype_xmlid="purchase.mt_rfq_confirmed", tracking=status)
        return True

    @rpc
    def button_cancel(self, ids: list[int]) -> None:
        for rid in self._existing(ids):
            row = self.rows[rid]
            for picking in self._pickings(row):
                if picking["state"] not in ("done", "cancel"):
                    self.env["stock.picking"].cancel(picking["id"])
            self.db.update(self._name, rid, {"state": "cancel"})
        return None

    @rpc
    def button_draft(self, ids: list[int]) -> None:
        for rid in self._existing(ids):
            if self.rows[rid]["state"] == "cancel":
                self.db.update(self._name, rid, {"state": "draft"})
        return None

    @only_in(18)
    @rpc
    def confirm_reminder_mail(self, ids: list[int], confirmed_date: str | bool = False) -> None:
        """The vendor confirmed the receipt date: flag the order and note it in the chatter."""
        for rid in self._existing(ids):
            row = self.rows[rid]
            if row["state"] not in ("purchase", "done") or row.get("mail_reminder_confirmed"):
                continue
            self.db.update(self._name, rid, {"mail_reminder_confirmed": True})
            partner = self.env["res.partner"].display_name(row["partner_id"])
            when = confirmed_date or self._date_planned(row)[:10]
            self.post_message(
                rid, f"<p>{html.escape(partner)} confirmed the receipt will take place on {html.escape(str(when))}.</p>"
            )
        return None

    @only_in(19)
    @rpc
    def action_acknowledge(self, ids: list[int]) -> None:
        """The vendor acknowledged the order: any state, no date, a tracking note per change (odoo19 flows/02)."""
        for rid in self._existing(ids):
            if not self.rows[rid].get("acknowledged"):
                self.db.update(self._name, rid, {"acknowledged": True})
                note(self, rid, "", tracking={"acknowledged": (False, True)})  # calls 38-39: 0 -> 1
        return None


class PurchaseOrderLine(Model):
    _name = "purchase.order.line"
    _order = "order_id, sequence, id"
    _required = ("order_id", "product_id")
    _computed = {
        "qty_received": "_qty_received",
        "move_ids": "_move_ids",
        "state": "_state",
        "partner_id": "_partner",
        "price_subtotal": "_subtotal",
        "product_uom_qty": "_uom_qty",
        "allowed_uom_ids": "_allowed_uoms",
    }

    def _defaults(self) -> dict[str, Any]:
        return {"sequence": 10, "product_qty": 1.0}

    def _before_create(self, row: dict) -> None:
        products = self.env["product.product"]
        product = products.row(row["product_id"])
        order = self.db.get("purchase.order", row["order_id"]) or {}
        seller = next(
            (
                s
                for s in self.db.tables["product.supplierinfo"].values()
                if s.get("partner_id") == order.get("partner_id")
                and s.get("product_tmpl_id") == product.get("product_tmpl_id")
            ),
            None,
        )
        if self.env.version >= 19:
            # The vendor's code names the line on 19 (odoo19 flows/01 call 7); the unit is the product's.
            code = seller.get("product_code") if seller else False
            name = f"[{code}] {products.value(product, 'name')}" if code else products.display_name(product["id"])
            row.setdefault("name", name)
            row.setdefault("product_uom_id", products.value(product, "uom_id"))
        else:
            row.setdefault("name", products.display_name(product["id"]))
            row.setdefault("product_uom", products.value(product, "uom_po_id") or products.value(product, "uom_id"))
        if "price_unit" not in row:
            row["price_unit"] = (
                float(seller["price"]) if seller else float(products.value(product, "standard_price") or 0)
            )
        if "date_planned" not in row:
            delay = seller.get("delay", 0) if seller else 0
            row["date_planned"] = stored_datetime(self.db.txn_time + timedelta(days=delay))
        else:
            row["date_planned"] = stored_datetime(parse_datetime(row["date_planned"]))
        row["product_qty"] = float(row.get("product_qty", 1.0))

    def _after_write(self, rid: int, before: dict, vals: dict) -> None:
        row = self.rows[rid]
        if "date_planned" in vals:
            self.db.update(self._name, rid, {"date_planned": stored_datetime(parse_datetime(vals["date_planned"]))})
            # A new promise moves the receipt's deadline, not its planned date (flow 2).
            for move in self.db.related("stock.move", "purchase_line_id", rid):
                if move["state"] not in ("done", "cancel"):
                    self.db.update("stock.move", move["id"], {"date_deadline": self.rows[rid]["date_planned"]})
        if "product_qty" in vals and (self.db.get("purchase.order", row["order_id"]) or {}).get("state") == "purchase":
            if float(row["product_qty"]) < self._qty_received(row):  # purchase_stock's _create_or_update_picking
                raise UserError(
                    "You cannot decrease the ordered quantity below the received quantity.\nCreate a return first."
                )
            self.env["stock.picking"].adjust_demand(row)

    def _partner(self, row: dict) -> Any:
        return (self.db.get("purchase.order", row["order_id"]) or {}).get("partner_id") or False

    def _state(self, row: dict) -> Any:
        return (self.db.get("purchase.order", row["order_id"]) or {}).get("state") or False

    def _subtotal(self, row: dict) -> float:
        return round(row.get("product_qty", 0) * row.get("price_unit", 0), 2)

    def _uom_qty(self, row: dict) -> float:
        return row.get("product_qty", 0.0)

    def _allowed_uoms(self, row: dict) -> list[int]:
        """19: the product's unit, its packagings (``uom_ids``) and its vendors' units (DIFF.md section 1)."""
        products = self.env["product.product"]
        product = products.row(row["product_id"]) or {}
        units = {products.value(product, "uom_id"), *(products.value(product, "uom_ids") or [])}
        units |= {
            s.get("product_uom_id")
            for s in self.db.tables["product.supplierinfo"].values()
            if s.get("product_tmpl_id") == product.get("product_tmpl_id")
        }
        return sorted(u for u in units if u)

    def _move_ids(self, row: dict) -> list[int]:
        return sorted(m["id"] for m in self.db.related("stock.move", "purchase_line_id", row["id"]))

    def _qty_received(self, row: dict) -> float:
        """Counted when goods reach WH/Input; returns with to_refund take it back (flows 3, 4)."""
        types = self.db.tables["stock.picking.type"]
        total = 0.0
        for move in self.db.related("stock.move", "purchase_line_id", row["id"]):
            if move["state"] != "done":
                continue
            picking = self.db.get("stock.picking", move.get("picking_id") or 0) or {}
            code = types.get(picking.get("picking_type_id"), {}).get("code")
            done = self.env["stock.move"]._quantity(move)
            if code == "incoming":
                total += done
            elif code == "outgoing" and move.get("to_refund"):
                total -= done
        return total
