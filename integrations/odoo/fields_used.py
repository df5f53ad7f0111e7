"""Every Odoo field and method the portal reads, writes or calls, per Odoo series.

Types and relations are those of ``fields_get`` on the reference servers
(``shared/odoo-reference/odoo18/fields``, ``odoo19/fields``; 18 -> 19 changes
in ``odoo19/DIFF.md``). The connection check proves them on the tenant's
server, and the contract suite checks them against the simulated and a live
Odoo of each series.

A type is ``"type"`` or ``"type:relation"``.
"""

from __future__ import annotations

_COMMON: dict[str, dict[str, str]] = {
    "res.partner": {
        "name": "char",
        "ref": "char",
        "email": "char",
        "phone": "char",
        "commercial_partner_id": "many2one:res.partner",
        "is_company": "boolean",
        "active": "boolean",
        "supplier_rank": "integer",
        # the delivery address on documents (suppliers/addresses.py)
        "street": "char",
        "street2": "char",
        "zip": "char",
        "city": "char",
        "state_id": "many2one:res.country.state",
        "country_id": "many2one:res.country",
        "write_date": "datetime",
        # the purchase responsible, who gets a SCAR's overdue step (integrations/handlers/scars.py)
        "buyer_id": "many2one:res.users",
        # the purchase warning a scorecard standing sets (integrations/handlers/scorecards.py); its level,
        # purchase_warn, is 18's only (odoo19/DIFF.md, res.partner "in 18, not in 19")
        "purchase_warn_msg": "text",
    },
    "res.users": {"name": "char", "login": "char", "email": "char"},
    "product.product": {
        "default_code": "char",
        "name": "char",
        "display_name": "char",
        "tracking": "selection",
        "uom_id": "many2one:uom.uom",
        "product_tmpl_id": "many2one:product.template",
        "purchase_ok": "boolean",
        "seller_ids": "one2many:product.supplierinfo",
        "write_date": "datetime",
    },
    "product.supplierinfo": {
        "partner_id": "many2one:res.partner",
        "product_tmpl_id": "many2one:product.template",
        "product_id": "many2one:product.product",
        "product_code": "char",
    },
    "purchase.order": {
        "name": "char",
        "state": "selection",
        "partner_id": "many2one:res.partner",
        "partner_ref": "char",
        "date_order": "datetime",
        "date_approve": "datetime",
        "date_planned": "datetime",
        "user_id": "many2one:res.users",
        "order_line": "one2many:purchase.order.line",
        "picking_ids": "many2many:stock.picking",
        "picking_type_id": "many2one:stock.picking.type",
        "dest_address_id": "many2one:res.partner",
        "receipt_status": "selection",
        "currency_id": "many2one:res.currency",
        "amount_total": "monetary",
        "write_date": "datetime",
    },
    "purchase.order.line": {
        "order_id": "many2one:purchase.order",
        "product_id": "many2one:product.product",
        "name": "text",
        "product_qty": "float",
        "price_unit": "float",
        "date_planned": "datetime",
        "qty_received": "float",
        "move_ids": "one2many:stock.move",
        "sequence": "integer",
        "write_date": "datetime",
    },
    "stock.picking.type": {"warehouse_id": "many2one:stock.warehouse"},
    "stock.warehouse": {
        "name": "char",
        "partner_id": "many2one:res.partner",
        "code": "char",
        "reception_steps": "selection",
        "in_type_id": "many2one:stock.picking.type",
        "qc_type_id": "many2one:stock.picking.type",
        "store_type_id": "many2one:stock.picking.type",
        "wh_input_stock_loc_id": "many2one:stock.location",
        "wh_qc_stock_loc_id": "many2one:stock.location",
        "lot_stock_id": "many2one:stock.location",
    },
    "stock.picking": {
        "name": "char",
        "state": "selection",
        "picking_type_id": "many2one:stock.picking.type",
        "picking_type_code": "selection",
        "partner_id": "many2one:res.partner",
        "purchase_id": "many2one:purchase.order",
        "scheduled_date": "datetime",
        "date_done": "datetime",
        "location_dest_id": "many2one:stock.location",
        "backorder_id": "many2one:stock.picking",
        "move_ids": "one2many:stock.move",
        "write_date": "datetime",
        # the quality dispositions: a transfer's source, and the receipt a return is of (flow 4)
        "location_id": "many2one:stock.location",
        "return_id": "many2one:stock.picking",
    },
    "stock.move": {
        "picking_id": "many2one:stock.picking",
        "product_id": "many2one:product.product",
        "purchase_line_id": "many2one:purchase.order.line",
        "product_uom_qty": "float",
        "product_uom": "many2one:uom.uom",
        "quantity": "float",
        "move_line_ids": "one2many:stock.move.line",
        "location_id": "many2one:stock.location",
        "location_dest_id": "many2one:stock.location",
        "state": "selection",
    },
    "stock.move.line": {
        "move_id": "many2one:stock.move",
        "picking_id": "many2one:stock.picking",
        "product_id": "many2one:product.product",
        "product_uom_id": "many2one:uom.uom",
        "lot_id": "many2one:stock.lot",
        "lot_name": "char",
        "quantity": "float",
        "location_id": "many2one:stock.location",
        "location_dest_id": "many2one:stock.location",
        "state": "selection",
    },
    # Stock models of the three-step reception (reference flows 3 and 4), for the quality dispositions.
    "stock.lot": {"name": "char", "product_id": "many2one:product.product", "product_qty": "float"},
    "stock.quant": {
        "product_id": "many2one:product.product",
        "location_id": "many2one:stock.location",
        "lot_id": "many2one:stock.lot",
        "quantity": "float",
        "reserved_quantity": "float",
    },
    "stock.scrap": {
        "product_id": "many2one:product.product",
        "lot_id": "many2one:stock.lot",
        "scrap_qty": "float",
        "location_id": "many2one:stock.location",
        "picking_id": "many2one:stock.picking",
        "origin": "char",
        "state": "selection",
    },
    "stock.return.picking": {
        "picking_id": "many2one:stock.picking",
        "product_return_moves": "one2many:stock.return.picking.line",
    },
    "stock.return.picking.line": {
        "wizard_id": "many2one:stock.return.picking",
        "product_id": "many2one:product.product",
        "quantity": "float",
        "move_id": "many2one:stock.move",
        "to_refund": "boolean",
    },
    "mail.message": {"model": "char", "res_id": "many2one_reference", "body": "html"},
    "mail.activity": {"res_model": "char", "res_id": "many2one_reference", "note": "html"},
    "ir.attachment": {
        "name": "char",
        "res_model": "char",
        "res_id": "many2one_reference",
        "type": "selection",
        "datas": "binary",
    },
}

# What each series adds to the common set (DIFF.md section 2 gives the replacements).
_ONLY: dict[int, dict[str, dict[str, str]]] = {
    18: {
        # no-message / warning / block (odoo18/fields/res.partner.json); 19 shows any purchase_warn_msg
        "res.partner": {"purchase_warn": "selection"},
        "purchase.order": {"mail_reminder_confirmed": "boolean"},
        "purchase.order.line": {"product_uom": "many2one:uom.uom"},
        # what ties a PO's transfers together (flow 4 call 1); 19's reference_ids replace it
        "stock.picking": {"group_id": "many2one:procurement.group"},
    },
    19: {
        "purchase.order": {"acknowledged": "boolean", "locked": "boolean"},
        "purchase.order.line": {"product_uom_id": "many2one:uom.uom"},
        "stock.picking": {"reference_ids": "many2many:stock.reference"},
    },
}

# Methods the portal calls on records, beyond the generic ORM ones (read, search_read, write, create, unlink).
# The stock methods are those of quality's dispositions (reference flow 4): validating transfers, the
# return and backorder wizards, and scraps.
_STOCK_METHODS: dict[str, list[str]] = {
    "stock.picking": ["message_post", "activity_schedule", "button_validate", "action_assign"],
    "stock.return.picking": ["action_create_returns"],
    "stock.backorder.confirmation": ["process", "process_cancel_backorder"],
    "stock.scrap": ["action_validate"],
}
# A partner's chatter: the SCARs' notes and overdue activities (integrations/handlers/scars.py).
_PARTNER_METHODS: dict[str, list[str]] = {"res.partner": ["message_post", "activity_schedule"]}
_METHODS: dict[int, dict[str, list[str]]] = {
    18: {
        "purchase.order": ["message_post", "activity_schedule", "confirm_reminder_mail"],
        **_STOCK_METHODS,
        **_PARTNER_METHODS,
    },
    19: {
        "purchase.order": ["message_post", "activity_schedule", "action_acknowledge"],
        **_STOCK_METHODS,
        **_PARTNER_METHODS,
    },
}


def _merge(series: int) -> dict[str, dict[str, str]]:
    merged = {model: dict(fields) for model, fields in _COMMON.items()}
    for model, fields in _ONLY[series].items():
        merged.setdefault(model, {}).update(fields)
    return merged


FIELD_TYPES: dict[int, dict[str, dict[str, str]]] = {series: _merge(series) for series in _ONLY}
FIELDS_USED: dict[int, dict[str, list[str]]] = {
    series: {model: list(fields) for model, fields in types.items()} for series, types in FIELD_TYPES.items()
}
METHODS_USED = _METHODS

# Fields the delivery handlers write only where ``has_field`` finds them (a module adds them), so the
# connection check does not require them: the shipment's tracking number (the ``delivery`` app).
HANDLER_OPTIONAL: dict[str, dict[str, str]] = {"stock.picking": {"carrier_tracking_ref": "char"}}

# What each read of the pull (integrations/services/pull/) asks for, beyond ``id`` and ``write_date``,
# keyed by model (``model:purpose`` where the pull reads one model twice). Every name is one of the
# fields above, so what the pull reads is what the connection check and the contract suite prove; a
# name one series lacks (19's ``locked``, the line unit's two names) is asked for where it exists only.
PULL_READS: dict[str, list[str]] = {
    "res.partner": ["name", "ref", "email", "commercial_partner_id", "active"],
    "product.product": ["default_code", "name", "tracking", "uom_id"],
    # The template of each product of a page's lines: supplier codes are kept per template.
    "product.product:template": ["product_tmpl_id"],
    "product.supplierinfo": ["partner_id", "product_tmpl_id", "product_id", "product_code"],
    "purchase.order": [
        "name",
        "state",
        "partner_id",
        "partner_ref",
        "date_order",
        "date_approve",
        "date_planned",
        "amount_total",
        "currency_id",
        "receipt_status",
        "user_id",
        "order_line",
        "picking_type_id",
        "dest_address_id",
        "locked",
    ],
    "purchase.order.line": [
        "order_id",
        "product_id",
        "name",
        "product_qty",
        "price_unit",
        "date_planned",
        "qty_received",
        "move_ids",
        "sequence",
        "write_date",
        "product_uom",
        "product_uom_id",
    ],
    # An order's delivery address: its receipt operation's warehouse (the address fields themselves
    # are suppliers.addresses.ADDRESS_FIELDS, next to the code that writes the address out).
    "stock.picking.type": ["warehouse_id"],
    "stock.warehouse": ["partner_id"],
    "stock.picking": [
        "name",
        "state",
        "partner_id",
        "purchase_id",
        "scheduled_date",
        "date_done",
        "location_dest_id",
        "backorder_id",
        "move_ids",
    ],
    "stock.move": [
        "picking_id",
        "product_id",
        "product_uom_qty",
        "quantity",
        "state",
        "purchase_line_id",
        "move_line_ids",
    ],
    "stock.move.line": ["move_id", "lot_id", "lot_name", "quantity"],
}

# Fields a module adds (not there on every server of a series): read where ``fields_get`` shows them.
# product_expiry's flag: lots of such products carry an expiry date.
PULL_OPTIONAL: dict[str, dict[str, str]] = {"product.product": {"use_expiration_date": "boolean"}}


def pull_fields(series: int, read: str) -> list[str]:
    """The fields ``read`` (a key of ``PULL_READS``) asks for on a server of ``series`` (18 or 19):
    those of the series; KeyError for an unknown read or series."""
    known = FIELD_TYPES[series][read.split(":")[0]]
    return [name for name in PULL_READS[read] if name in known]
