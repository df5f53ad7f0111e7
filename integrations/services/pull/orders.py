"""Pulling purchase orders and their lines (``purchase.order``, ``purchase.order.line``).

Only Odoo-owned fields are written: a pull never overwrites what the portal owns. What
changed for the supplier (an order published, or changed after the portal had it) is
recorded as a hand-off in the page's transaction, for the apps that react to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from integrations import handoffs
from integrations.odoo import OdooGateway
from integrations.odoo.fields_used import pull_fields
from integrations.services.handoffs import handoffs_record
from portal.models import Partner, Tenant
from suppliers.models import Product, PurchaseOrder, PurchaseOrderLine
from suppliers.quantities import parse_number, quantity_from_odoo  # one limit for every path (a clear error beyond it)

from .bulk import rows_upsert
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


def _po_snapshot(order: PurchaseOrder, lines: dict[int, tuple] | None = None) -> dict[str, Any]:
    """The fields whose change in Odoo matters to an acknowledgement, as values: ``amount_total`` a
    Decimal, ``lines`` {line odoo_id: (quantity Decimal, date_planned instant or None)} (``lines``
    when given, else the order's lines read from the database).

    Values, not their text: the order read back from the database ("1150.00") and the one the pull
    just wrote from Odoo's float (1150.0) are the same amount, and no change to tell anyone about.
    """
    return {
        "state": order.state,
        "partner_ref": order.partner_ref,
        "amount_total": decimal_from_odoo(order.amount_total, AMOUNT_PLACES),
        "lines": lines
        if lines is not None
        else {line.odoo_id: (line.quantity, line.date_planned) for line in order.lines.all()},
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


# What a pull writes on an order it already holds: Odoo's fields and what is derived from them.
# ``supplier_seen_at`` and ``ack_status`` are the portal's: set on insert (their defaults), never after.
ORDER_FIELDS = (
    "partner",
    "name",
    "state",
    "partner_ref",
    "date_order",
    "date_approve",
    "date_planned",
    "amount_total",
    "currency_code",
    "receipt_status",
    "buyer_name",
    "ship_to_odoo_id",
    "ship_to",
    "ship_to_address",
    "odoo_write_date",
    "odoo_fingerprint",
    "open_due_date",
    "action_rank",
    "pulled_at",
)
LINE_FIELDS = (
    "order",
    "sequence",
    "product",
    "description",
    "vendor_product_code",
    "quantity",
    "uom_name",
    "price_unit",
    "date_planned",
    "qty_received",
    "odoo_write_date",
)


def _order_build(
    tenant: Tenant, row: dict, page: _Page, held: PurchaseOrder | None, due: datetime | None
) -> PurchaseOrder:
    """The order as Odoo has it now, unsaved; ``held`` (the mirror's row, or None) gives the portal's
    ``ack_status``, which ``action_rank`` is derived from as ``PurchaseOrder.save`` would."""
    order = PurchaseOrder(
        tenant=tenant,
        odoo_id=row["id"],
        partner_id=page.vendors[row["partner_id"][0]].pk,
        name=row["name"],
        # 19 replaced the "done" (Locked) state by a ``locked`` flag on a confirmed order.
        state="done" if row.get("locked") and row["state"] == "purchase" else row["state"],
        partner_ref=row["partner_ref"] or "",
        date_order=odoo_datetime(row["date_order"]),
        date_approve=odoo_datetime(row["date_approve"]),
        date_planned=odoo_datetime(row["date_planned"]),
        amount_total=decimal_from_odoo(row["amount_total"], AMOUNT_PLACES),
        currency_code=row["currency_id"][1][:3] if row["currency_id"] else "",
        receipt_status=row["receipt_status"] or "",
        buyer_name=row["user_id"][1] if row["user_id"] else "",
        ship_to_odoo_id=row["picking_type_id"][0] if row.get("picking_type_id") else None,
        ship_to=row["picking_type_id"][1][:120] if row.get("picking_type_id") else "",
        ship_to_address=page.addresses.get(row["id"], ""),
        odoo_write_date=row["write_date"],
        odoo_fingerprint=fingerprint(row),
        open_due_date=due,
    )
    if held is not None:
        order.ack_status = held.ack_status
    order.action_rank = order.compute_action_rank()
    return order


def _line_build(tenant: Tenant, line: dict, page: _Page, order_pk: int) -> PurchaseOrderLine:
    product_id = line["product_id"][0] if line["product_id"] else None
    product = page.products.get(product_id) if product_id else None
    return PurchaseOrderLine(
        tenant=tenant,
        odoo_id=line["id"],
        order_id=order_pk,
        sequence=line.get("sequence") or 10,
        product_id=product.pk if product else None,
        description=line["name"] or "",
        vendor_product_code=page.codes.get((page.order_partner.get(line["order_id"][0]), product_id), ""),
        quantity=quantity_from_odoo(line["product_qty"]),
        uom_name=line[page.uom_field][1] if line[page.uom_field] else "",
        price_unit=decimal_from_odoo(line["price_unit"], PRICE_PLACES),
        date_planned=odoo_datetime(line["date_planned"]),
        qty_received=quantity_from_odoo(line["qty_received"]),
        odoo_write_date=line["write_date"],
    )


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
    """Mirror ``changed`` orders with their lines and record the hand-offs of what changed: a fixed
    number of statements whatever the page's size (one upsert for the orders, one for the lines)."""
    from suppliers.selectors import po_counts_changed

    page = _read_page(tenant, gateway, changed, result)
    if result.lines_upto is None:
        result.lines_upto = max((line["write_date"] or "" for line in page.lines), default="")
    due = _open_due_dates(page.lines)
    with transaction.atomic():
        # Locked, so the portal's acknowledgement (which ``action_rank`` is derived from) cannot change
        # between this read and the write; its own service locks the order the same way.
        held = {
            order.odoo_id: order
            for order in PurchaseOrder.objects.select_for_update(of=("self",))
            .filter(tenant=tenant, odoo_id__in=[r["id"] for r in changed])
            .only("pk", "odoo_id", "state", "partner_ref", "amount_total", "ack_status")
            .order_by("pk")  # locks taken in pk order, as every service takes them
        }
        before = _snapshots(held.values())
        orders = {
            row["id"]: _order_build(tenant, row, page, held.get(row["id"]), due.get(row["id"])) for row in changed
        }
        pks = rows_upsert(PurchaseOrder, list(orders.values()), update_fields=ORDER_FIELDS)
        result.rows_written += len(orders)
        lines = [_line_build(tenant, line, page, pks[line["order_id"][0]]) for line in page.lines]
        rows_upsert(PurchaseOrderLine, lines, update_fields=LINE_FIELDS)
        po_counts_changed(tenant.pk)  # once per page, after it commits
        if held:  # orders new to the mirror have no other lines than those just written
            _removed_lines_drop(tenant, [held[i].pk for i in held], [i for row in changed for i in row["order_line"]])
        _hand_off(tenant, orders, before, result)


def _open_due_dates(lines: list[dict]) -> dict[int, datetime]:
    """Each order's earliest planned date among the lines still waiting for goods, by order odoo_id
    (orders with none are absent)."""
    due: dict[int, datetime] = {}
    for line in lines:
        if (line["qty_received"] or 0) < (line["product_qty"] or 0) and line["date_planned"]:
            when = odoo_datetime(line["date_planned"])
            order_id = line["order_id"][0]
            due[order_id] = min(filter(None, [due.get(order_id), when]))
    return due


def _removed_lines_drop(tenant: Tenant, order_pks: list[int], line_ids: list[int]) -> None:
    """Lines removed in Odoo go from the mirror too, except those a shipment announced: they stay with
    nothing ordered (what Odoo does to a confirmed order's line), so the ASN keeps what the supplier
    sent and tells both sides the line is gone (suppliers.services.po_changes)."""
    removed = PurchaseOrderLine.objects.filter(tenant=tenant, order_id__in=order_pks).exclude(odoo_id__in=line_ids)
    announced = list(removed.filter(asn_lines__isnull=False).values_list("pk", flat=True).distinct())
    if announced:
        PurchaseOrderLine.objects.filter(pk__in=announced).exclude(quantity=0).update(quantity=0)
    removed.exclude(pk__in=announced).delete()


def _snapshots(orders: Iterable[PurchaseOrder]) -> dict[int, dict[str, Any]]:
    """``_po_snapshot`` of each of ``orders`` as the database holds it, by odoo_id: one query for
    their lines, whatever their number."""
    orders = list(orders)
    lines: dict[int, dict[int, tuple]] = {order.pk: {} for order in orders}
    for order_pk, odoo_id, quantity, when in PurchaseOrderLine.objects.filter(order_id__in=list(lines)).values_list(
        "order_id", "odoo_id", "quantity", "date_planned"
    ):
        lines[order_pk][odoo_id] = (quantity, when)
    return {order.odoo_id: _po_snapshot(order, lines[order.pk]) for order in orders}


def _hand_off(
    tenant: Tenant, orders: dict[int, PurchaseOrder], before: dict[int, dict[str, Any]], result: PullResult
) -> None:
    """Record ``po.published`` for orders that left the draft (not on a first pull: the backlog is not
    news) and ``po.changed`` for orders the portal already had, with what changed; in one write."""
    items = []
    for odoo_id, order in orders.items():
        was = before.get(odoo_id, {}).get("state", "draft")
        if was == "draft" and order.state not in ("draft", "cancel") and not result.first:
            items.append((handoffs.PO_PUBLISHED, order, {"name": order.name}))
    after = _snapshots(orders[odoo_id] for odoo_id in before)
    for odoo_id, snapshot in before.items():
        changes = {
            k: [_snapshot_data(k, snapshot[k]), _snapshot_data(k, after[odoo_id][k])]
            for k in snapshot
            if snapshot[k] != after[odoo_id][k]
        }
        if changes:
            items.append((handoffs.PO_CHANGED, orders[odoo_id], {"name": orders[odoo_id].name, "changes": changes}))
    if items:
        handoffs_record(tenant=tenant, items=items)


ORDERS = PullSpec("purchase.order", upsert_orders)
