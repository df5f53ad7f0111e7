"""Every Odoo field the portal reads or writes, per model.

The contract suite checks each of them with ``fields_get`` against the
simulator and, when ``ODOO_URL`` is set, against a live Odoo.
"""

FIELDS_USED: dict[str, list[str]] = {
    "res.partner": ["name", "ref", "email", "phone", "supplier_rank", "commercial_partner_id", "is_company",
                    "active", "write_date"],
    "product.product": ["default_code", "name", "display_name", "tracking", "uom_id", "uom_po_id", "seller_ids",
                        "product_tmpl_id", "write_date"],
    "uom.uom": ["name", "factor", "rounding", "category_id"],
    "purchase.order": ["name", "state", "partner_id", "partner_ref", "date_order", "date_approve", "date_planned",
                       "user_id", "order_line", "picking_ids", "receipt_status", "write_date",
                       "mail_reminder_confirmed", "currency_id", "amount_total", "origin", "company_id", "group_id"],
    "purchase.order.line": ["order_id", "product_id", "name", "product_qty", "product_uom", "price_unit",
                            "date_planned", "qty_received", "move_ids", "write_date"],
    "stock.warehouse": ["code", "reception_steps", "in_type_id", "qc_type_id", "store_type_id",
                        "wh_input_stock_loc_id", "wh_qc_stock_loc_id", "lot_stock_id"],
    "stock.picking": ["name", "state", "picking_type_id", "location_id", "location_dest_id", "scheduled_date",
                      "date_deadline", "date_done", "origin", "partner_id", "backorder_id", "return_id",
                      "group_id", "move_ids", "purchase_id", "write_date"],
    "stock.move": ["product_id", "product_uom_qty", "quantity", "picked", "state", "location_id",
                   "location_dest_id", "move_orig_ids", "move_dest_ids", "move_line_ids", "date", "date_deadline",
                   "purchase_line_id", "picking_id"],
    "stock.move.line": ["move_id", "picking_id", "product_id", "lot_id", "lot_name", "quantity", "location_id",
                        "location_dest_id", "product_uom_id"],
    "stock.lot": ["name", "product_id", "product_qty"],
    "stock.quant": ["product_id", "location_id", "lot_id", "quantity", "reserved_quantity"],
    "stock.scrap": ["product_id", "lot_id", "scrap_qty", "location_id", "picking_id", "origin", "state"],
    "stock.return.picking": ["picking_id", "product_return_moves"],
    "stock.return.picking.line": ["wizard_id", "product_id", "quantity", "move_id", "to_refund"],
    "mail.message": ["body", "model", "res_id", "message_type", "subtype_id", "attachment_ids", "author_id"],
    "mail.activity": ["res_model_id", "res_model", "res_id", "activity_type_id", "summary", "note",
                      "date_deadline", "user_id"],
    "ir.attachment": ["name", "datas", "mimetype", "res_model", "res_id"],
}
