"""Field definitions: the recorded Odoo 18 catalogue plus the few models it lacks."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).parent / "data" / "odoo18_fields.json"

# Models the portal touches that were not recorded; defined with the fields used.
EXTRA_MODELS: dict[str, dict[str, dict[str, Any]]] = {
    "product.supplierinfo": {
        "partner_id": {"type": "many2one", "relation": "res.partner", "string": "Vendor", "required": True},
        "product_tmpl_id": {"type": "many2one", "relation": "product.template", "string": "Product Template"},
        "product_id": {"type": "many2one", "relation": "product.product", "string": "Product Variant"},
        "product_code": {"type": "char", "string": "Vendor Product Code"},
        "product_name": {"type": "char", "string": "Vendor Product Name"},
        "price": {"type": "float", "string": "Price"},
        "delay": {"type": "integer", "string": "Delivery Lead Time"},
        "min_qty": {"type": "float", "string": "Quantity"},
    },
    "procurement.group": {"name": {"type": "char", "string": "Reference", "required": True}},
    "stock.backorder.confirmation": {
        "pick_ids": {"type": "many2many", "relation": "stock.picking", "string": "Pick"},
        "show_transfers": {"type": "boolean", "string": "Show Transfers"},
        "backorder_confirmation_line_ids": {
            "type": "one2many",
            "relation": "stock.backorder.confirmation.line",
            "string": "Backorder Confirmation Lines",
        },
    },
    "stock.backorder.confirmation.line": {
        "backorder_confirmation_id": {
            "type": "many2one",
            "relation": "stock.backorder.confirmation",
            "string": "Wizard",
        },
        "picking_id": {"type": "many2one", "relation": "stock.picking", "string": "Transfer"},
        "to_backorder": {"type": "boolean", "string": "To Backorder"},
    },
    "ir.model": {
        "model": {"type": "char", "string": "Model", "required": True},
        "name": {"type": "char", "string": "Model Description", "required": True},
    },
    "ir.module.module": {
        "name": {"type": "char", "string": "Technical Name"},
        "shortdesc": {"type": "char", "string": "Module Name"},
        "state": {
            "type": "selection",
            "string": "Status",
            "selection": [
                ["uninstalled", "Not Installed"],
                ["installed", "Installed"],
                ["to upgrade", "To be upgraded"],
            ],
        },
    },
    "mail.message.subtype": {"name": {"type": "char", "string": "Message Type", "required": True}},
    "res.currency": {"name": {"type": "char", "string": "Currency"}, "symbol": {"type": "char", "string": "Symbol"}},
    "mail.followers": {
        "res_model": {"type": "char", "string": "Related Document Model Name"},
        "res_id": {"type": "integer", "string": "Related Document ID"},
        "partner_id": {"type": "many2one", "relation": "res.partner", "string": "Related Partner"},
    },
}

MAGIC = {
    "id": {"type": "integer", "string": "ID", "readonly": True, "store": True},
    "display_name": {"type": "char", "string": "Display Name", "readonly": True, "store": False},
    "create_date": {"type": "datetime", "string": "Created on", "readonly": True, "store": True},
    "write_date": {"type": "datetime", "string": "Last Updated on", "readonly": True, "store": True},
    "create_uid": {
        "type": "many2one",
        "relation": "res.users",
        "string": "Created by",
        "readonly": True,
        "store": True,
    },
    "write_uid": {
        "type": "many2one",
        "relation": "res.users",
        "string": "Last Updated by",
        "readonly": True,
        "store": True,
    },
}

# Fields that exist only when an optional module is installed (delivery).
OPTIONAL_FIELDS = {
    "delivery": {
        "stock.picking": {
            "carrier_tracking_ref": {"type": "char", "string": "Tracking Reference", "store": True},
            "carrier_id": {"type": "many2one", "relation": "delivery.carrier", "string": "Carrier", "store": True},
        }
    }
}

MODEL_DESCRIPTIONS = {
    "purchase.order": "Purchase Order",
    "purchase.order.line": "Purchase Order Line",
    "res.partner": "Contact",
    "res.users": "User",
    "res.company": "Companies",
    "product.product": "Product Variant",
    "product.template": "Product",
    "product.supplierinfo": "Supplier Pricelist",
    "uom.uom": "Product Unit of Measure",
    "stock.picking": "Transfer",
    "stock.picking.type": "Picking Type",
    "stock.move": "Stock Move",
    "stock.move.line": "Product Moves (Stock Move Line)",
    "stock.lot": "Lot/Serial",
    "stock.quant": "Quants",
    "stock.location": "Inventory Locations",
    "stock.warehouse": "Warehouse",
    "stock.scrap": "Scrap",
    "stock.return.picking": "Return Picking",
    "stock.return.picking.line": "Return Picking Line",
    "stock.backorder.confirmation": "Backorder Confirmation",
    "stock.backorder.confirmation.line": "Backorder Confirmation Line",
    "mail.message": "Message",
    "mail.activity": "Activity",
    "mail.activity.type": "Activity Type",
    "mail.message.subtype": "Message subtypes",
    "mail.followers": "Document Followers",
    "ir.attachment": "Attachment",
    "ir.model": "Models",
    "ir.model.data": "Model Data",
    "ir.module.module": "Module",
    "procurement.group": "Procurement Group",
    "res.currency": "Currency",
    "mrp.production": "Production",
}

EMPTY_BY_TYPE = {"integer": 0, "float": 0.0, "monetary": 0.0, "one2many": [], "many2many": []}


@cache
def recorded() -> dict[str, dict[str, dict[str, Any]]]:
    return json.loads(CATALOGUE.read_text())


def model_fields(model: str, modules: frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
    fields = dict(recorded().get(model) or EXTRA_MODELS.get(model) or {})
    for module in modules:
        fields.update(OPTIONAL_FIELDS.get(module, {}).get(model, {}))
    for name, attrs in MAGIC.items():
        fields.setdefault(name, attrs)
    return fields


def known_models() -> set[str]:
    return set(recorded()) | set(EXTRA_MODELS)


def empty(ftype: str) -> Any:
    return list(EMPTY_BY_TYPE[ftype]) if ftype in ("one2many", "many2many") else EMPTY_BY_TYPE.get(ftype, False)


def format_datetime(value: datetime) -> str:
    """Odoo's wire format: naive UTC, seconds, no fraction."""
    return value.strftime("%Y-%m-%d %H:%M:%S")


def stored_datetime(value: datetime) -> str:
    """What the database keeps: microseconds included (flow 6)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_datetime(value: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"'{value}' is not a valid datetime")
