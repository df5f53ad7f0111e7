"""One vocabulary of statuses for the pages and the API: a word (what the API sends and the list
filters take) and the words a person reads on the badge.

The pages' badges (``templates/suppliers/_po_status.html``, ``_asn_status.html``,
``_sync_badge.html``) show the labels; the API sends the keys beside the labels
(``status``/``status_label``); ``tests/api/test_vocabulary.py`` holds the two together.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy

from suppliers.models import Acknowledgement, AckStatus, Asn, PurchaseOrder

# Where a purchase order stands, as its badge says: the first that applies, in this order.
PO_STATUSES = {
    "cancelled": gettext_lazy("Cancelled"),
    "rfq": gettext_lazy("Request for quotation"),
    "received": gettext_lazy("Received"),
    "to_acknowledge": gettext_lazy("To acknowledge"),
    "changed": gettext_lazy("Changed since acknowledgement"),
    "declined": gettext_lazy("Changes declined"),
    "awaiting_buyer": gettext_lazy("Awaiting buyer"),
    "acknowledged": gettext_lazy("Acknowledged"),
}

# The supplier's acknowledgement of a PO (``PurchaseOrder.ack_status``), in the same words.
ACK_STATUS_WORDS = {
    AckStatus.NONE: "to_acknowledge",
    AckStatus.PENDING: "awaiting_buyer",
    AckStatus.ACCEPTED: "acknowledged",
    AckStatus.DECLINED: "declined",
    AckStatus.OUTDATED: "changed",
    AckStatus.REJECTED: "rejected",
}
ACK_STATUS_LABELS = {word: AckStatus(value).label for value, word in ACK_STATUS_WORDS.items()}

RECEIPT_WORDS = {
    PurchaseOrder.ReceiptStatus.NONE: "nothing_to_receive",
    PurchaseOrder.ReceiptStatus.PENDING: "not_received",
    PurchaseOrder.ReceiptStatus.PARTIAL: "partial",
    PurchaseOrder.ReceiptStatus.FULL: "received",
}
RECEIPT_LABELS = {word: PurchaseOrder.ReceiptStatus(value).label for value, word in RECEIPT_WORDS.items()}

# One version of an acknowledgement; "pending" is the PO's "awaiting_buyer" and says so.
ACKNOWLEDGEMENT_WORDS = {
    Acknowledgement.Status.PENDING: "awaiting_buyer",
    Acknowledgement.Status.ACCEPTED: "accepted",
    Acknowledgement.Status.APPROVED: "approved",
    Acknowledgement.Status.DECLINED: "declined",
    Acknowledgement.Status.SUPERSEDED: "superseded",
}
ACKNOWLEDGEMENT_LABELS = {word: Acknowledgement.Status(value).label for value, word in ACKNOWLEDGEMENT_WORDS.items()}

# An ASN's words are its model's (the badge shows their labels).
ASN_STATUSES = dict(Asn.Status.choices)

# Where a record stands with Odoo (the sync badge).
ODOO_STATUSES = {
    "portal_only": gettext_lazy("Portal only"),
    "sending": gettext_lazy("Sending to Odoo"),
    "in_odoo": gettext_lazy("In Odoo"),
    "failed": gettext_lazy("Not sent"),
    "cancelled": gettext_lazy("Not sent (cancelled)"),
}


def po_status(po: PurchaseOrder) -> str:
    if po.state == PurchaseOrder.State.CANCEL:
        return "cancelled"
    if po.state in (PurchaseOrder.State.SENT, PurchaseOrder.State.TO_APPROVE):
        return "rfq"
    if po.receipt_status == PurchaseOrder.ReceiptStatus.FULL:  # a locked order ("done") may still receive
        return "received"
    return {
        AckStatus.NONE: "to_acknowledge",
        AckStatus.OUTDATED: "changed",
        AckStatus.DECLINED: "declined",
        AckStatus.PENDING: "awaiting_buyer",
    }.get(po.ack_status, "acknowledged")


def po_status_q(word: str) -> Q:
    """The orders whose ``po_status`` is ``word``, as a filter (one indexed query, no Python pass)."""
    cancelled = Q(state=PurchaseOrder.State.CANCEL)
    rfq = Q(state__in=[PurchaseOrder.State.SENT, PurchaseOrder.State.TO_APPROVE])
    received = ~cancelled & ~rfq & Q(receipt_status=PurchaseOrder.ReceiptStatus.FULL)
    if word == "cancelled":
        return cancelled
    if word == "rfq":
        return rfq
    if word == "received":
        return received
    rest = ~cancelled & ~rfq & ~received
    by_ack = {
        "to_acknowledge": [AckStatus.NONE],
        "changed": [AckStatus.OUTDATED],
        "declined": [AckStatus.DECLINED],
        "awaiting_buyer": [AckStatus.PENDING],
        "acknowledged": [AckStatus.ACCEPTED, AckStatus.REJECTED],
    }
    return rest & Q(ack_status__in=by_ack[word])


def odoo_status(event) -> str:
    """The sync badge's word for a record's outbox event (None: it never goes to Odoo)."""
    if event is None:
        return "portal_only"
    return {"done": "in_odoo", "dead": "failed", "cancelled": "cancelled"}.get(event.status, "sending")


def _label_list(words: dict):
    """The labels of ``words`` as plain strings in the active language, when called.

    drf-spectacular reads a list of choices as strings and calls a callable one (per language),
    so a list of lazy labels would be taken apart letter by letter.
    """
    return lambda: [str(label) for label in words.values()]


# The labels as lists, for the OpenAPI schema's enum names (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
PO_STATUS_LABELS = _label_list(PO_STATUSES)
ACKNOWLEDGEMENT_STATUS_LABELS = _label_list(ACKNOWLEDGEMENT_LABELS)
ASN_STATUS_LABELS = _label_list(ASN_STATUSES)
