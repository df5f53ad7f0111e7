"""Where a shipment goes, for its documents (packing slip, labels, the PO as PDF)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

register = template.Library()


@dataclass
class ShipTo:
    """One delivery address and the orders that go there."""

    lines: list[str]
    operation: str  # Odoo's receipt operation type (e.g. "Chicago: Receipts"), when known
    orders: list[str] = field(default_factory=list)


@register.filter
def ship_to_blocks(orders, tenant) -> list[ShipTo]:
    """The distinct delivery addresses of ``orders`` (or of one order), as pulled from Odoo (``ship_to_address``).

    An order pulled without an address goes to the tenant, named, with the receipt's operation
    type when Odoo gave one: never a blank "ship to".
    """
    if hasattr(orders, "ship_to_address"):  # one order
        orders = [orders]
    blocks: dict[tuple[str, ...], ShipTo] = {}
    for po in orders:
        lines = [line.strip() for line in (po.ship_to_address or "").splitlines() if line.strip()]
        key = tuple(lines) if lines else (tenant.name, po.ship_to)
        block = blocks.setdefault(key, ShipTo(lines=lines or [tenant.name], operation=po.ship_to))
        block.orders.append(po.name)
    return list(blocks.values())
