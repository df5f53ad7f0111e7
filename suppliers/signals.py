"""Signals the pull sends for later steps (acknowledgements, inspections) to act on."""

from django.dispatch import Signal

# A PO changed in Odoo after the portal had it: kwargs tenant, order, changes {field: [before, after]}.
po_changed = Signal()
# A PO became visible to its supplier (left the RFQ draft) after the first pull: kwargs tenant, order.
po_published = Signal()
# An incoming receipt reached "done" in Odoo: kwargs tenant, receipt.
receipt_done = Signal()
