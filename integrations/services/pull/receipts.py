"""Pulling incoming receipts and their moves (``stock.picking``, ``stock.move``, ``stock.move.line``).

A receipt that reached "done" since the portal last saw it is recorded as a ``receipt.done``
hand-off in the page's transaction, for the apps that react to goods arriving.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from integrations import handoffs
from integrations.odoo import OdooGateway
from integrations.odoo.fields_used import pull_fields
from integrations.services.handoffs import handoffs_record
from portal.models import Partner, Tenant
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptMove
from suppliers.quantities import quantity_from_odoo  # one limit for every path (a clear error beyond it)

from .bulk import rows_upsert
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
        ).select_related("partner")
    }
    without_order = {
        r["partner_id"][0] for r in changed if r["partner_id"] and not orders.get((r["purchase_id"] or [0])[0])
    }
    vendors = vendors_for(tenant, gateway, without_order, result) if without_order else {}
    return orders, vendors


# Every field of a receipt and of its moves is Odoo's.
RECEIPT_FIELDS = (
    "partner",
    "order",
    "name",
    "state",
    "scheduled_date",
    "date_done",
    "destination",
    "backorder_of_odoo_id",
    "odoo_write_date",
    "odoo_fingerprint",
)
MOVE_FIELDS = ("receipt", "product", "order_line", "quantity_expected", "quantity_done", "state", "lots")


def _receipt_build(tenant: Tenant, row: dict, partner: Partner, order: PurchaseOrder | None) -> Receipt:
    return Receipt(
        tenant=tenant,
        odoo_id=row["id"],
        partner=partner,
        order=order,
        name=row["name"],
        state=row["state"],
        scheduled_date=odoo_datetime(row["scheduled_date"]),
        date_done=odoo_datetime(row["date_done"]),
        destination=row["location_dest_id"][1] if row["location_dest_id"] else "",
        backorder_of_odoo_id=row["backorder_id"][0] if row["backorder_id"] else None,
        odoo_write_date=row["write_date"],
        odoo_fingerprint=fingerprint(row),
    )


def upsert_receipts(tenant: Tenant, gateway: OdooGateway, rows: list[dict], result: PullResult) -> None:
    """Mirror a page of incoming ``stock.picking`` rows with their moves and lots, in one transaction
    that also records a ``receipt.done`` hand-off (integrations.handoffs) for each newly done receipt.
    Receipts with no supplier (no order, no partner) are not the portal's business and are skipped.
    A fixed number of statements whatever the page's size (one upsert for receipts, one for moves)."""
    held = dict(
        Receipt.objects.filter(tenant=tenant, odoo_id__in=[row["id"] for row in rows]).values_list(
            "odoo_id", "odoo_fingerprint"
        )
    )
    changed = changed_rows(held, rows, result)
    if not changed:
        return
    moves = _read_moves(tenant, gateway, changed, result)
    orders, vendors = _suppliers_of(tenant, gateway, changed, result)
    receipts = {}
    for row in changed:
        order = orders.get(row["purchase_id"][0]) if row["purchase_id"] else None
        partner = order.partner if order else vendors.get(row["partner_id"][0]) if row["partner_id"] else None
        if partner is not None:  # a receipt with no supplier is not the portal's business
            receipts[row["id"]] = _receipt_build(tenant, row, partner, order)
    with transaction.atomic():
        done_before = set(
            Receipt.objects.filter(tenant=tenant, odoo_id__in=list(receipts), state=Receipt.State.DONE).values_list(
                "odoo_id", flat=True
            )
        )
        pks = rows_upsert(Receipt, list(receipts.values()), update_fields=RECEIPT_FIELDS)
        result.rows_written += len(receipts)
        # backlog: done before the portal first pulled this tenant (reactions may leave history alone).
        handoffs_record(
            tenant=tenant,
            items=[
                (handoffs.RECEIPT_DONE, receipt, {"name": receipt.name, "backlog": result.first})
                for odoo_id, receipt in receipts.items()
                if receipt.state == Receipt.State.DONE and odoo_id not in done_before
            ],
        )
        _moves_write(tenant, moves, pks)


def _moves_write(tenant: Tenant, moves: _Moves, receipt_pks: dict[int, int]) -> None:
    """Mirror the moves of the receipts just written (``receipt_pks``: odoo_id -> pk); moves gone from
    them in Odoo go from the mirror."""
    rows = [
        ReceiptMove(
            tenant=tenant,
            odoo_id=move["id"],
            receipt_id=receipt_pks[move["picking_id"][0]],
            product=moves.products.get(move["product_id"][0]),
            order_line=moves.order_lines.get(move["purchase_line_id"][0]) if move["purchase_line_id"] else None,
            quantity_expected=quantity_from_odoo(move["product_uom_qty"]),
            quantity_done=quantity_from_odoo(move["quantity"]) if move["state"] == "done" else Decimal(0),
            state=move["state"],
            lots=moves.lots.get(move["id"], []),
        )
        for move in moves.rows
        if move["picking_id"][0] in receipt_pks
    ]
    rows_upsert(ReceiptMove, rows, update_fields=MOVE_FIELDS)
    ReceiptMove.objects.filter(tenant=tenant, receipt_id__in=list(receipt_pks.values())).exclude(
        odoo_id__in=moves.ids
    ).delete()


RECEIPTS = PullSpec("stock.picking", upsert_receipts, domain=[["picking_type_code", "=", "incoming"]])
