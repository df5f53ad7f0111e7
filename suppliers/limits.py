"""How long each list a supplier sends may be: one number per list, for the API, the pages and the import.

Each bound keeps one request's work (validation, queries, the documents it prints) within a
fixed amount, whatever is sent; they are above what a real shipment or order holds.
"""

from __future__ import annotations

MAX_ASN_ORDERS = 50  # purchase orders on one shipment
MAX_ASN_LINES = 1000  # lines on one shipment (one per PO line)
MAX_ASN_ITEMS = 5000  # lots, serial numbers and package rows on one shipment, all lines together
MAX_ASN_PACKAGES = 200  # packages (and so labels) on one shipment
MAX_ACK_LINES = 1000  # line answers in one acknowledgement
MAX_IMPORT_ROWS = MAX_ASN_ITEMS  # one row per lot or serial: a file holds what one shipment may
MAX_LABEL_ITEMS = 12  # contents listed on one label (the packing slip lists them all)
