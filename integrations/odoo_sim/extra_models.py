"""Models the simulator serves that the recorded catalogues (``data/odoo1x_fields.json``) lack.

Each is defined with only the fields the simulator needs, per Odoo series:
18 has ``procurement.group`` and ``uom.category``; 19 has neither and has
``stock.reference`` instead (odoo19/DIFF.md section 2). Anything not listed
here or in the recordings is an unknown model or field, refused as Odoo does.
"""

from __future__ import annotations

from typing import Any

Fields = dict[str, dict[str, Any]]


def _char(string: str, **extra: Any) -> dict[str, Any]:
    return {"type": "char", "string": string, **extra}


def _rel(kind: str, relation: str, string: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "relation": relation, "string": string, **extra}


COMMON: dict[str, Fields] = {
    "stock.backorder.confirmation": {
        "pick_ids": _rel("many2many", "stock.picking", "Pick"),
        "show_transfers": {"type": "boolean", "string": "Show Transfers"},
        "backorder_confirmation_line_ids": _rel(
            "one2many", "stock.backorder.confirmation.line", "Backorder Confirmation Lines"
        ),
    },
    "stock.backorder.confirmation.line": {
        "backorder_confirmation_id": _rel("many2one", "stock.backorder.confirmation", "Wizard"),
        "picking_id": _rel("many2one", "stock.picking", "Transfer"),
        "to_backorder": {"type": "boolean", "string": "To Backorder"},
    },
    # The SMS wizard that button_validate answers for an outgoing transfer (flows 4, both versions).
    "confirm.stock.sms": {"pick_ids": _rel("many2many", "stock.picking", "Pick")},
    "ir.model": {"model": _char("Model", required=True), "name": _char("Model Description", required=True)},
    "ir.module.module": {
        "name": _char("Technical Name"),
        "shortdesc": _char("Module Name"),
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
    "mail.message.subtype": {"name": _char("Message Type", required=True)},
    "res.currency": {"name": _char("Currency"), "symbol": _char("Symbol")},
    "mail.followers": {
        "res_model": _char("Related Document Model Name"),
        "res_id": {"type": "integer", "string": "Related Document ID"},
        "partner_id": _rel("many2one", "res.partner", "Related Partner"),
    },
    # The targets of ``mail.message.tracking_value_ids``. Only the fields odoo19/flows/02 call 39 reads;
    # no series recorded their fields_get (the simulator refuses it), so these labels are its own.
    # Only an administrator's ``read`` on 19 is served (models/mail.py).
    "mail.tracking.value": {
        "mail_message_id": _rel("many2one", "mail.message", "Message ID"),
        "field_id": _rel("many2one", "ir.model.fields", "Field"),
        "old_value_integer": {"type": "integer", "string": "Old Value Integer"},
        "new_value_integer": {"type": "integer", "string": "New Value Integer"},
    },
    # What a tracking value's ``field_id`` names ("Acknowledged (Purchase Order)"); served over RPC on
    # neither series (no recording calls it).
    "ir.model.fields": {
        "name": _char("Field Name", required=True),
        "model": _char("Model Name", required=True),
        "field_description": _char("Field Label", required=True),
    },
}

BY_VERSION: dict[int, dict[str, Fields]] = {
    18: {
        "procurement.group": {"name": _char("Reference", required=True)},
        "uom.category": {"name": _char("Unit of Measure Category", required=True)},
    },
    19: {
        # Created at PO confirmation, named after the PO; links the PO and every move of its chain.
        "stock.reference": {
            "name": _char("Reference", required=True),
            "move_ids": _rel("many2many", "stock.move", "Stock Moves"),
            "picking_ids": _rel("many2many", "stock.picking", "Transfers", readonly=True, store=False),
            "purchase_ids": _rel("many2many", "purchase.order", "Purchase Orders"),
        },
    },
}


def supplierinfo_18(recorded_19: Fields) -> Fields:
    """product.supplierinfo on 18, which odoo18/fields did not record.

    odoo19/DIFF.md (section 3, 18 side read from the rebuilt 18 lab) gives the
    same 25 fields as 19 except ``product_uom`` (a read-only, not stored related
    of the template's purchase unit) instead of ``product_uom_id``, ``price``
    required, ``product_tmpl_id`` not required, and two labels. The label of
    ``product_uom`` is not in DIFF.md: "Unit of Measure" is an assumption.
    """
    fields = {name: dict(attrs) for name, attrs in recorded_19.items() if name != "product_uom_id"}
    fields["product_uom"] = {
        "type": "many2one",
        "relation": "uom.uom",
        "string": "Unit of Measure",
        "required": False,
        "readonly": True,
        "store": False,
    }
    fields["price"].update(required=True, string="Price")
    fields["product_tmpl_id"]["required"] = False
    fields["delay"]["string"] = "Delivery Lead Time"
    return fields


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
    "uom.category": "Product UoM Categories",
    "stock.picking": "Transfer",
    "stock.picking.type": "Picking Type",
    "stock.move": "Stock Move",
    "stock.move.line": "Product Moves (Stock Move Line)",
    "stock.lot": "Lot/Serial",
    "stock.quant": "Quants",
    "stock.location": "Inventory Locations",
    "stock.warehouse": "Warehouse",
    "stock.scrap": "Scrap",
    "stock.reference": "Reference between stock documents",
    "stock.return.picking": "Return Picking",
    "stock.return.picking.line": "Return Picking Line",
    "stock.backorder.confirmation": "Backorder Confirmation",
    "stock.backorder.confirmation.line": "Backorder Confirmation Line",
    "confirm.stock.sms": "Confirm Stock SMS",
    "mail.message": "Message",
    "mail.activity": "Activity",
    "mail.activity.type": "Activity Type",
    "mail.message.subtype": "Message subtypes",
    "mail.followers": "Document Followers",
    "mail.tracking.value": "Mail Tracking Value",
    "ir.attachment": "Attachment",
    "ir.model": "Models",
    "ir.model.fields": "Fields",
    "ir.model.data": "Model Data",
    "ir.module.module": "Module",
    "procurement.group": "Procurement Group",
    "res.currency": "Currency",
    "mrp.production": "Production",
}
