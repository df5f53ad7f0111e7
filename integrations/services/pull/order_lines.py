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

from integrations.odoo import OdooGateway
from portal.models import Tenant
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from suppliers.quantities import quantity_from_odoo

from .cursor import PullResult, PullSpec, odoo_datetime
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


ORDER_LINES = PullSpec("purchase.order.line", upsert_order_lines)
