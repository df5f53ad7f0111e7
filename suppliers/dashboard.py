"""What the order desk's dashboard cards read (templates/suppliers/cards/), one function per card.

Each answers the variables of its card's template for a membership (the card is registered in
``suppliers.entries``). ``po_counts`` is kept on the membership for the request, so cards that
share it cost one scan.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F

from portal.models import Membership
from suppliers.selectors import asn_counts, asn_list, po_counts, po_list, po_messages_to_answer


def supplier_orders(membership: Membership) -> dict[str, Any]:
    """Supplier: the counts of each filter and the first open orders."""
    return {
        "po_counts": po_counts(membership=membership),
        "open_orders": list(po_list(membership=membership, status="open")[:5]),
    }


def supplier_shipments(membership: Membership) -> dict[str, Any]:
    """Supplier: drafts to submit and shipments on their way (and whether an order is open to ship)."""
    return {
        "po_counts": po_counts(membership=membership),
        "asn_counts": asn_counts(membership=membership),
        "drafts": list(asn_list(membership=membership, status="draft")[:3]),
        "on_the_way": list(asn_list(membership=membership, status="on_the_way")[:3]),
    }


def messages_in(membership: Membership) -> dict[str, Any]:
    """The other side's messages on orders: written in the portal (or over the API), read here,
    not only in Odoo's chatter."""
    return {"messages_in": po_messages_to_answer(membership=membership)}


def buyer_orders(membership: Membership) -> dict[str, Any]:
    """Buyer: the counts of each filter."""
    return {"po_counts": po_counts(membership=membership)}


def awaiting_buyer(membership: Membership) -> dict[str, Any]:
    """Buyer: acknowledgements beyond the tolerances, waiting for a decision."""
    return {
        "po_counts": po_counts(membership=membership),
        "awaiting_buyer": list(po_list(membership=membership, status="awaiting_buyer")[:5]),
    }


def late_orders(membership: Membership) -> dict[str, Any]:
    """Buyer: orders past their promised date."""
    return {
        "po_counts": po_counts(membership=membership),
        "late_orders": list(po_list(membership=membership, status="late")[:5]),
    }


def arriving(membership: Membership) -> dict[str, Any]:
    """Staff: what the dock can expect, soonest first: announced shipments not received yet."""
    return {
        "asn_counts": asn_counts(membership=membership),
        "arriving": list(
            asn_list(membership=membership, status="on_the_way").order_by(F("eta").asc(nulls_last=True), "id")[:5]
        ),
    }
