"""A delivery address as the portal keeps it (``PurchaseOrder.ship_to_address``): one line each.

Odoo keeps an address on ``res.partner``; a purchase order's goes to its dropship address
(``dest_address_id``) or else to the address (``partner_id``) of the warehouse of its receipt's
operation type (``picking_type_id`` -> ``stock.picking.type.warehouse_id`` -> ``stock.warehouse``).
The field names are the same on Odoo 18 and 19.
"""

from __future__ import annotations

# The res.partner fields an address is made of, as the pull reads them.
ADDRESS_FIELDS = ["name", "street", "street2", "zip", "city", "state_id", "country_id"]


def _name(value) -> str:
    """A char field, or a many2one's display name ([id, "name"]); Odoo answers False for empty."""
    if isinstance(value, list | tuple):
        value = value[1] if len(value) > 1 else ""
    return str(value).strip() if value else ""


def address_text(partner: dict) -> str:
    """Lines of a ``res.partner`` row read with ``ADDRESS_FIELDS``: name, street, street2,
    "zip city", state, country; empty parts are left out."""
    town = " ".join(part for part in (_name(partner.get("zip")), _name(partner.get("city"))) if part)
    state = _name(partner.get("state_id"))
    if state.endswith(")") and " (" in state:  # Odoo names a state "Texas (US)"
        state = state[: state.rindex(" (")]
    parts = [
        _name(partner.get("name")),
        _name(partner.get("street")),
        _name(partner.get("street2")),
        town,
        state,
        _name(partner.get("country_id")),
    ]
    return "\n".join(part for part in parts if part)
