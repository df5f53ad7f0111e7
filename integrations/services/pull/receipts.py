"""Pulling incoming receipts and their moves (``stock.picking``, ``stock.move``, ``stock.move.line``).

A receipt that reached "done" since the portal last saw it is recorded as a ``receipt.done``
hand-off in the page's transaction, for the apps that react to goods arriving.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from integrations import handoffs
from integrations.odoo import OdooGateway
from integrations.odoo.fields_used import pull_fields
from integrations.services.handoffs import handoff_record
from portal.models import Partner, Tenant
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptMove
from suppliers.quantities import quantity_from_odoo  # one limit for every path (a clear error beyond it)

from .cursor import PullResult, PullSpec, changed_rows, fingerprint, odoo_datetime
from .partners import vendors_for
from .products import products_for


@dataclass
class _Moves:
    """The moves of a page of changed receipts, with what each needs, read before anything is written."""

    ids: list[int]
    rows: list[dict]
    lots: dict[int, list[dict]]  # move id -> [{"lot": name, "quantity": float}]
    products: dict[int, Product]
    order_lines: dict[int, PurchaseOrderLine]


def _read_moves(tenant: Tenant, gateway: OdooGateway, changed: list[dict], result: PullResult) -> _Moves:
    """The moves of ``changed`` receipts and the lots of their move lines: two calls a page."""
    series = gateway.dialect.series
    move_ids = [i for row in changed for i in row["move_ids"]]
    moves = gateway.read("stock.move", move_ids, pull_fields(series, "stock.move")) if move_ids else []
    line_ids = [i for move in moves for i in move["move_line_ids"]]
    move_lines = gateway.read("stock.move.line", line_ids, pull_fields(series, "stock.move.line")) if line_ids else []
    result.calls += bool(move_ids) + bool(line_ids)
    lots: dict[int, list[dict]] = {}
    for ml in move_lines:
        name = ml["lot_id"][1] if ml["lot_id"] else ml["lot_name"]
        if name:
            lots.setdefault(ml["move_id"][0], []).append({"lot": name, "quantity": ml["quantity"]})
    order_lines = {
        line.odoo_id: line
        for line in PurchaseOrderLine.objects.filter(
            tenant=tenant, odoo_id__in=[m["purchase_line_id"][0] for m in moves if m["purchase_line_id"]]
        )
    }
    products = products_for(tenant, gateway, moves, result)
    return _Moves(ids=move_ids, rows=moves, lots=lots, products=products, order_lines=order_lines)


def _suppliers_of(
    tenant: Tenant, gateway: OdooGateway, changed: list[dict], result: PullResult
) -> tuple[dict[int, PurchaseOrder], dict[int, Partner]]:
    """The mirrored order of each receipt, and the vendor of receipts that have none (one read at most)."""
    orders = {
        o.odoo_id: o
        for o in PurchaseOrder.objects.filter(
            tenant=tenant, odoo_id__in=[r["purchase_id"][0] for r in changed if r["purchase_id"]]
        )
    }
    without_order = {
        r["partner_id"][0] for r in changed if r["partner_id"] and not orders.get((r["purchase_id"] or [0])[0])
    }
    vendors = vendors_for(tenant, gateway, without_order, result) if without_order else {}
    return orders, vendors


def _receipt_defaults(row: dict, partner: Partner, order: PurchaseOrder | None) -> dict[str, Any]:
    return {
        "partner": partner,
        "order": order,
        "name": row["name"],
        "state": row["state"],
        "scheduled_date": odoo_datetime(row["scheduled_date"]),
        "date_done": odoo_datetime(row["date_done"]),
        "destination": row["location_dest_id"][1] if row["location_dest_id"] else "",
        "backorder_of_odoo_id": row["backorder_id"][0] if row["backorder_id"] else None,
        "odoo_write_date": row["write_date"],
        "odoo_fingerprint": fingerprint(row),
    }


def upsert_receipts(tenant: Tenant, gateway: OdooGateway, rows: list[dict], result: PullResult) -> None:
    """Mirror a page of incoming ``stock.picking`` rows with their moves and lots, in one transaction
    that also records a ``receipt.done`` hand-off (integrations.handoffs) for each newly done receipt.
    Receipts with no supplier (no order, no partner) are not the portal's business and are skipped."""
    held = {r.odoo_id: r for r in Receipt.objects.filter(tenant=tenant, odoo_id__in=[row["id"] for row in rows])}
    changed = changed_rows({odoo_id: r.odoo_fingerprint for odoo_id, r in held.items()}, rows, result)
    if not changed:
        return
    moves = _read_moves(tenant, gateway, changed, result)
    orders, vendors = _suppliers_of(tenant, gateway, changed, result)
    with transaction.atomic():
        receipts = {}
        for row in changed:
            order = orders.get(row["purchase_id"][0]) if row["purchase_id"] else None
            partner = order.partner if order else vendors.get(row["partner_id"][0]) if row["partner_id"] else None
            if partner is None:
                continue  # a receipt with no supplier is not the portal's business
            was_done = held.get(row["id"]) is not None and held[row["id"]].state == Receipt.State.DONE
            receipt, _ = Receipt.objects.update_or_create(
                tenant=tenant, odoo_id=row["id"], defaults=_receipt_defaults(row, partner, order)
            )
            receipts[row["id"]] = receipt
            result.rows_written += 1
            if receipt.state == Receipt.State.DONE and not was_done:
                # backlog: done before the portal first pulled this tenant (reactions may leave history alone).
                data = {"name": receipt.name, "backlog": result.first}
                handoff_record(tenant=tenant, kind=handoffs.RECEIPT_DONE, aggregate=receipt, data=data)
        _moves_write(tenant, moves, receipts)


def _moves_write(tenant: Tenant, moves: _Moves, receipts: dict[int, Receipt]) -> None:
    """Mirror the moves of the receipts just written; moves gone from them in Odoo go from the mirror."""
    for move in moves.rows:
        receipt = receipts.get(move["picking_id"][0])
        if receipt is None:
            continue
        ReceiptMove.objects.update_or_create(
            tenant=tenant,
            odoo_id=move["id"],
            defaults={
                "receipt": receipt,
                "product": moves.products.get(move["product_id"][0]),
                "order_line": moves.order_lines.get(move["purchase_line_id"][0]) if move["purchase_line_id"] else None,
                "quantity_expected": quantity_from_odoo(move["product_uom_qty"]),
                "quantity_done": quantity_from_odoo(move["quantity"]) if move["state"] == "done" else Decimal(0),
                "state": move["state"],
                "lots": moves.lots.get(move["id"], []),
            },
        )
    ReceiptMove.objects.filter(tenant=tenant, receipt__in=receipts.values()).exclude(odoo_id__in=moves.ids).delete()


RECEIPTS = PullSpec("stock.picking", upsert_receipts, domain=[["picking_type_code", "=", "incoming"]])
