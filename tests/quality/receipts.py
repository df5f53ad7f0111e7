"""Receipts as the pull mirrors them once Odoo validated them, for the inspection tests."""

from __future__ import annotations

from decimal import Decimal

from suppliers.models import Product, Receipt, ReceiptMove
from tests.factories import ProductFactory, PurchaseOrderFactory, ReceiptFactory, ReceiptMoveFactory


def product(tenant, tracking: str = Product.Tracking.LOT, **fields) -> Product:
    return ProductFactory(tenant=tenant, tracking=tracking, **fields)


def done_receipt(partner, moves: list[tuple[Product, object]], *, backorder_of: Receipt | None = None) -> Receipt:
    """A done receipt of ``partner`` with one move per (product, what arrived): a list of
    (lot, quantity) pairs for a tracked product, or a quantity for an untracked one."""
    order = backorder_of.order if backorder_of else PurchaseOrderFactory(partner=partner)
    receipt = ReceiptFactory(
        order=order, state=Receipt.State.DONE, backorder_of_odoo_id=backorder_of.odoo_id if backorder_of else None
    )
    for item, arrived in moves:
        if isinstance(arrived, list):
            lots = [{"lot": lot, "quantity": float(qty)} for lot, qty in arrived]
            done = sum((Decimal(str(qty)) for _lot, qty in arrived), Decimal(0))
        else:
            lots, done = [], Decimal(str(arrived))
        ReceiptMoveFactory(
            receipt=receipt, product=item, quantity_done=done, lots=lots, state="done", order_line__product=item
        )
    return receipt


def moves_of(receipt: Receipt) -> list[ReceiptMove]:
    return list(receipt.moves.order_by("id"))
