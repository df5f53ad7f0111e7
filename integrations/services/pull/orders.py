"""Pulling purchase orders and their lines (``purchase.order``, ``purchase.order.line``).

Only Odoo-owned fields are written: a pull never overwrites what the portal owns. What
changed for the supplier (an order published, or changed after the portal had it) is
recorded as a hand-off in the page's transaction, for the apps that react to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from integrations import handoffs
from integrations.odoo import OdooGateway
from integrations.odoo.fields_used import pull_fields
from integrations.services.handoffs import handoff_record
from portal.models import Partner, Tenant
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine
from suppliers.quantities import parse_number, quantity_from_odoo  # one limit for every path (a clear error beyond it)

from .cursor import PullResult, PullSpec, changed_rows, fingerprint, odoo_datetime
from .partners import vendors_for
from .products import products_for, vendor_codes

AMOUNT_PLACES = PurchaseOrder._meta.get_field("amount_total").decimal_places
PRICE_PLACES = PurchaseOrderLine._meta.get_field("price_unit").decimal_places


@dataclass
class _Page:
    """What a page of changed orders needs besides its rows, read before anything is written."""

    lines: list[dict]
    uom_field: str  # the line's unit: 18 ``product_uom``, 19 ``product_uom_id``
    vendors: dict[int, Partner]
    addresses: dict[int, str]
    products: dict[int, Product]
    order_partner: dict[int, int]
    codes: dict[tuple[int, int], str]


def decimal_from_odoo(value: Any, places: int) -> Decimal:
    """A number Odoo sent (a float, ``False`` when empty) as the portal stores it: by its shortest repr,
    rounded to the field's ``places`` (2 for amounts, 4 for unit prices), as the database would hold it."""
    return parse_number(value or 0).quantize(Decimal(1).scaleb(-places))


def _po_snapshot(order: PurchaseOrder) -> dict[str, Any]:
    """The fields whose change in Odoo matters to an acknowledgement, as values: ``amount_total`` a
    Decimal, ``lines`` {line odoo_id: (quantity Decimal, date_planned instant or None)}.

    Values, not their text: the order read back from the database ("1150.00") and the one the pull
    just wrote from Odoo's float (1150.0) are the same amount, and no change to tell anyone about.
    """
    return {
        "state": order.state,
        "partner_ref": order.partner_ref,
        "amount_total": decimal_from_odoo(order.amount_total, AMOUNT_PLACES),
        "lines": {line.odoo_id: (line.quantity, line.date_planned) for line in order.lines.all()},
    }


def _snapshot_data(field: str, value: Any) -> Any:
    """A snapshot value as the hand-off's JSON holds it: amounts and quantities as the database writes
    them ("1150.00", "120.0000"), instants in ISO 8601 UTC, lines as [[odoo_id, quantity, instant]]."""
    if field == "amount_total":
        return str(value)
    if field == "lines":
        return [
            [odoo_id, str(quantity), when.isoformat() if when else ""]
            for odoo_id, (quantity, when) in sorted(value.items())
        ]
    return value


def _ship_to_addresses(gateway: OdooGateway, rows: list[dict], result: PullResult) -> dict[int, str]:
    """Each order's delivery address: its dropship address (``dest_address_id``), else the address of
    the warehouse of its receipt operation (``picking_type_id`` -> ``warehouse_id`` -> ``partner_id``).
    Three reads a page, whatever its size; the same field names on 18 and 19."""
    from suppliers.addresses import ADDRESS_FIELDS, address_text

    series = gateway.dialect.series
    type_ids = sorted({row["picking_type_id"][0] for row in rows if row.get("picking_type_id")})
    types = (
        {t["id"]: t for t in gateway.read("stock.picking.type", type_ids, pull_fields(series, "stock.picking.type"))}
        if type_ids
        else {}
    )
    warehouse_ids = sorted({t["warehouse_id"][0] for t in types.values() if t.get("warehouse_id")})
    warehouses = (
        {w["id"]: w for w in gateway.read("stock.warehouse", warehouse_ids, pull_fields(series, "stock.warehouse"))}
        if warehouse_ids
        else {}
    )
    partner_of: dict[int, int] = {}
    for row in rows:
        if row.get("dest_address_id"):
            partner_of[row["id"]] = row["dest_address_id"][0]
            continue
        kind = types.get(row["picking_type_id"][0]) if row.get("picking_type_id") else None
        warehouse = warehouses.get(kind["warehouse_id"][0]) if kind and kind.get("warehouse_id") else None
        if warehouse and warehouse.get("partner_id"):
            partner_of[row["id"]] = warehouse["partner_id"][0]
    partner_ids = sorted(set(partner_of.values()))
    partners = {p["id"]: p for p in gateway.read("res.partner", partner_ids, ADDRESS_FIELDS)} if partner_ids else {}
    result.calls += bool(type_ids) + bool(warehouse_ids) + bool(partner_ids)
    return {po: address_text(partners[pid]) for po, pid in partner_of.items() if pid in partners}


def _read_page(tenant: Tenant, gateway: OdooGateway, changed: list[dict], result: PullResult) -> _Page:
    """The lines, vendors, delivery addresses, products and supplier codes of ``changed`` orders."""
    line_ids = [i for row in changed for i in row["order_line"]]
    line_fields = pull_fields(gateway.dialect.series, "purchase.order.line")
    lines = gateway.read("purchase.order.line", line_ids, line_fields) if line_ids else []
    result.calls += 1 if line_ids else 0
    vendors = vendors_for(tenant, gateway, {row["partner_id"][0] for row in changed if row["partner_id"]}, result)
    addresses = _ship_to_addresses(gateway, changed, result)
    products = products_for(tenant, gateway, lines, result)
    order_partner = {row["id"]: row["partner_id"][0] for row in changed if row["partner_id"]}
    return _Page(
        lines=lines,
        uom_field=gateway.dialect.po_line_uom,
        vendors=vendors,
        addresses=addresses,
        products=products,
        order_partner=order_partner,
        codes=vendor_codes(gateway, lines, order_partner, result),
    )


def _order_defaults(row: dict, page: _Page) -> dict[str, Any]:
    return {
        "partner": page.vendors[row["partner_id"][0]],
        "name": row["name"],
        # 19 replaced the "done" (Locked) state by a ``locked`` flag on a confirmed order.
        "state": "done" if row.get("locked") and row["state"] == "purchase" else row["state"],
        "partner_ref": row["partner_ref"] or "",
        "date_order": odoo_datetime(row["date_order"]),
        "date_approve": odoo_datetime(row["date_approve"]),
        "date_planned": odoo_datetime(row["date_planned"]),
        "amount_total": decimal_from_odoo(row["amount_total"], AMOUNT_PLACES),
        "currency_code": row["currency_id"][1][:3] if row["currency_id"] else "",
        "receipt_status": row["receipt_status"] or "",
        "buyer_name": row["user_id"][1] if row["user_id"] else "",
        "ship_to_odoo_id": row["picking_type_id"][0] if row.get("picking_type_id") else None,
        "ship_to": row["picking_type_id"][1][:120] if row.get("picking_type_id") else "",
        "ship_to_address": page.addresses.get(row["id"], ""),
        "odoo_write_date": row["write_date"],
        "odoo_fingerprint": fingerprint(row),
    }


def _line_defaults(line: dict, page: _Page, order: PurchaseOrder) -> dict[str, Any]:
    product_id = line["product_id"][0] if line["product_id"] else None
    return {
        "order": order,
        "sequence": line.get("sequence") or 10,
        "product": page.products.get(product_id) if product_id else None,
        "description": line["name"] or "",
        "vendor_product_code": page.codes.get((page.order_partner.get(line["order_id"][0]), product_id), ""),
        "quantity": quantity_from_odoo(line["product_qty"]),
        "uom_name": line[page.uom_field][1] if line[page.uom_field] else "",
        "price_unit": decimal_from_odoo(line["price_unit"], PRICE_PLACES),
        "date_planned": odoo_datetime(line["date_planned"]),
        "qty_received": quantity_from_odoo(line["qty_received"]),
        "odoo_write_date": line["write_date"],
    }


def upsert_orders(tenant: Tenant, gateway: OdooGateway, rows: list[dict], result: PullResult) -> None:
    """Mirror a page of ``purchase.order`` rows with their lines, in one transaction that also records
    the hand-offs ``po.published`` and ``po.changed`` (integrations.handoffs) for what it changed."""
    held = dict(
        PurchaseOrder.objects.filter(tenant=tenant, odoo_id__in=[r["id"] for r in rows]).values_list(
            "odoo_id", "odoo_fingerprint"
        )
    )
    changed = changed_rows(held, rows, result)
    if changed:
        _orders_write(tenant, gateway, changed, result)


def orders_refresh(tenant: Tenant, gateway: OdooGateway, odoo_ids: list[int], result: PullResult) -> None:
    """Read the orders ``odoo_ids`` again and mirror them with their lines, held as they are or not (what
    the line pull does for orders whose lines changed alone: Odoo leaves the order's row as it was).
    One call for the orders (a search, so an order deleted meanwhile is skipped, not an error), then
    what ``upsert_orders`` makes for a page."""
    if not odoo_ids:
        return
    rows = gateway.search_read("purchase.order", [["id", "in", sorted(odoo_ids)]], ORDERS.fields(gateway))
    result.calls += 1
    if rows:
        _orders_write(tenant, gateway, rows, result)


def _orders_write(tenant: Tenant, gateway: OdooGateway, changed: list[dict], result: PullResult) -> None:
    """Mirror ``changed`` orders with their lines and record the hand-offs of what changed."""
    page = _read_page(tenant, gateway, changed, result)
    before = {
        order.odoo_id: _po_snapshot(order)
        for order in PurchaseOrder.objects.filter(
            tenant=tenant, odoo_id__in=[r["id"] for r in changed]
        ).prefetch_related("lines")
    }
    with transaction.atomic():
        orders = {}
        for row in changed:
            orders[row["id"]], _ = PurchaseOrder.objects.update_or_create(
                tenant=tenant, odoo_id=row["id"], defaults=_order_defaults(row, page)
            )
            result.rows_written += 1
        for line in page.lines:
            PurchaseOrderLine.objects.update_or_create(
                tenant=tenant, odoo_id=line["id"], defaults=_line_defaults(line, page, orders[line["order_id"][0]])
            )
        _open_due_dates_set(orders, page.lines)
        from suppliers.selectors import po_counts_changed

        po_counts_changed(tenant.pk)  # once per page, after it commits
        _removed_lines_drop(tenant, orders, [i for row in changed for i in row["order_line"]])
        _hand_off(tenant, orders, before, result)


def _open_due_dates_set(orders: dict[int, PurchaseOrder], lines: list[dict]) -> None:
    """Each order's earliest planned date among the lines still waiting for goods (None when none is)."""
    due: dict[int, datetime | None] = {}
    for line in lines:
        if (line["qty_received"] or 0) < (line["product_qty"] or 0) and line["date_planned"]:
            when = odoo_datetime(line["date_planned"])
            order_id = line["order_id"][0]
            due[order_id] = min(filter(None, [due.get(order_id), when]))
    for odoo_id, order in orders.items():
        if order.open_due_date != due.get(odoo_id):
            order.open_due_date = due.get(odoo_id)
            PurchaseOrder.objects.filter(pk=order.pk).update(open_due_date=order.open_due_date)


def _removed_lines_drop(tenant: Tenant, orders: dict[int, PurchaseOrder], line_ids: list[int]) -> None:
    """Lines removed in Odoo go from the mirror too, except those a shipment announced: they stay with
    nothing ordered (what Odoo does to a confirmed order's line), so the ASN keeps what the supplier
    sent and tells both sides the line is gone (suppliers.services.po_changes)."""
    removed = PurchaseOrderLine.objects.filter(tenant=tenant, order__in=orders.values()).exclude(odoo_id__in=line_ids)
    announced = list(removed.filter(asn_lines__isnull=False).values_list("pk", flat=True).distinct())
    if announced:
        PurchaseOrderLine.objects.filter(pk__in=announced).exclude(quantity=0).update(quantity=0)
    removed.exclude(pk__in=announced).delete()


def _hand_off(
    tenant: Tenant, orders: dict[int, PurchaseOrder], before: dict[int, dict[str, Any]], result: PullResult
) -> None:
    """Record ``po.published`` for orders that left the draft (not on a first pull: the backlog is not
    news) and ``po.changed`` for orders the portal already had, with what changed."""
    for odoo_id, order in orders.items():
        was = before.get(odoo_id, {}).get("state", "draft")
        if was == "draft" and order.state not in ("draft", "cancel") and not result.first:
            handoff_record(tenant=tenant, kind=handoffs.PO_PUBLISHED, aggregate=order, data={"name": order.name})
    for odoo_id, snapshot in before.items():
        order = orders[odoo_id]
        after = _po_snapshot(order)
        changes = {
            k: [_snapshot_data(k, snapshot[k]), _snapshot_data(k, after[k])]
            for k in snapshot
            if snapshot[k] != after[k]
        }
        if changes:
            handoff_record(
                tenant=tenant,
                kind=handoffs.PO_CHANGED,
                aggregate=order,
                data={"name": order.name, "changes": changes},
            )


ORDERS = PullSpec("purchase.order", upsert_orders)
