"""Pulling order lines by their own ``write_date`` (``purchase.order.line``).

Odoo 18 leaves an order's ``write_date`` as it was when only a line is written, even when that
changes the order's total (flow 6 of the reference, "Which changes bump purchase.order.write_date":
a line's ``price_unit`` or ``name`` written alone did not bump it). The orders pull alone would miss
a quantity changed from 120 to 130 until the order itself was written again or the nightly full
pull ran. So the lines have a cursor of their own: a line the mirror does not hold as Odoo has it
now sends its order through the orders pull again (``orders.orders_refresh``), which writes the
lines and records the ``po.changed`` hand-off as for any order change.
"""

from __future__ import annotations

from django.db.models import F

from integrations.models import PullCursor
from integrations.odoo import OdooGateway
from portal.models import Tenant
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from suppliers.quantities import quantity_from_odoo

from .cursor import PullResult, PullSpec, cursor_save, odoo_datetime
from .orders import PRICE_PLACES, decimal_from_odoo, orders_refresh


def _held_as_is(held: PurchaseOrderLine | None, row: dict) -> bool:
    """Whether the mirror holds the line as Odoo sent it, compared as values: its ``write_date`` (a
    later edit) and, for an edit within the same truncated second, what the mirror keeps of it."""
    return (
        held is not None
        and held.odoo_write_date == row["write_date"]
        and held.quantity == quantity_from_odoo(row["product_qty"])
        and held.qty_received == quantity_from_odoo(row["qty_received"])
        and held.price_unit == decimal_from_odoo(row["price_unit"], PRICE_PLACES)
        and held.date_planned == odoo_datetime(row["date_planned"])
        and held.description == (row["name"] or "")
        and held.sequence == (row.get("sequence") or 10)
        and held.product_odoo_id == (row["product_id"][0] if row["product_id"] else None)
    )


def upsert_order_lines(tenant: Tenant, gateway: OdooGateway, rows: list[dict], result: PullResult) -> None:
    """Bring up to date the mirrored orders of a page of changed ``purchase.order.line`` rows.

    Lines of orders the mirror does not hold are left to the orders pull (a new order bumps its own
    ``write_date``); ``result.rows_written`` counts the orders written again.
    """
    held = {
        line.odoo_id: line
        for line in PurchaseOrderLine.objects.filter(tenant=tenant, odoo_id__in=[r["id"] for r in rows]).annotate(
            product_odoo_id=F("product__odoo_id")
        )
    }
    order_ids = {row["order_id"][0] for row in rows if row["order_id"] and not _held_as_is(held.get(row["id"]), row)}
    mirrored = set(PurchaseOrder.objects.filter(tenant=tenant, odoo_id__in=order_ids).values_list("odoo_id", flat=True))
    orders_refresh(tenant, gateway, sorted(mirrored), result)


def order_lines_seed(tenant: Tenant, orders: PullResult) -> PullResult | None:
    """On a tenant's first pull, start the lines' cursor where the orders pull stood, instead of reading
    every line again (the orders pull has just read and written them all, with their orders).

    The cursor is the newest line ``write_date`` read with the first page of orders: a line written
    since that page was read carries a later ``write_date`` (less a transaction's length, which the
    overlap window covers as for any cursor), so the next pull of lines reads it. Answers the lines'
    ``PullResult`` (no call made), or None when there is nothing to seed from (not a first pull, the
    lines have a cursor, or the first page had no lines): the lines are then pulled as usual.
    """
    if not orders.first or not orders.lines_upto:
        return None
    cursor, _ = PullCursor.objects.get_or_create(tenant=tenant, model=ORDER_LINES.model)
    if cursor.write_date:
        return None
    result = PullResult(model=ORDER_LINES.model, first=True)
    cursor_save(cursor, orders.lines_upto, result)
    return result


ORDER_LINES = PullSpec("purchase.order.line", upsert_order_lines)
