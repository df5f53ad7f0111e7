"""The delivery measures' sources and drill-downs: on-time delivery, quantity accuracy, acknowledgement on
time and ASN accuracy.

``SOURCES[key](*, tenant, months, partner_ids=None)`` yields ``(partner id, month, inputs)`` for each
partner and month (first days, tenant time zone) where the measure has input rows, with exactly the names
of ``catalogue.INPUT_NAMES[key]``; ``DRILLS[key](*, tenant, partner, months, limit=200)`` answers the
records behind the figure with the same predicates (``drill.Drill``). Each reads a few queries, streamed,
whatever the number of partners and months. The rules of each measure are in its module:
``delivery_receipts`` (otd, quantity) and ``delivery_orders`` (ack, asn).
"""

from __future__ import annotations

from .delivery_orders import ack_drill, ack_inputs, asn_drill, asn_inputs
from .delivery_receipts import otd_drill, otd_inputs, quantity_drill, quantity_inputs

SOURCES = {"otd": otd_inputs, "quantity": quantity_inputs, "ack": ack_inputs, "asn": asn_inputs}
DRILLS = {"otd": otd_drill, "quantity": quantity_drill, "ack": ack_drill, "asn": asn_drill}

__all__ = [
    "DRILLS",
    "SOURCES",
    "ack_drill",
    "ack_inputs",
    "asn_drill",
    "asn_inputs",
    "otd_drill",
    "otd_inputs",
    "quantity_drill",
    "quantity_inputs",
]
