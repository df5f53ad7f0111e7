"""Purchase order tags: the status badges of a PO, drawn in Python (a list draws 25 of them)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_ACK_BADGES = {
    "": ("warn", "To acknowledge"),
    "outdated": ("warn", "Changed since acknowledgement"),
    "declined": ("bad", "Changes declined"),
    "pending": ("accent", "Awaiting buyer"),
}


def po_badges(po) -> list[tuple[str, str]]:
    """The (css modifier, label) badges of a PO's status, in the order they show.

    ``po`` needs ``state``, ``receipt_status``, ``ack_status`` and, optionally, ``is_late``
    (the selectors annotate it). Modifier "" is the plain badge.
    """
    if po.state == "cancel":
        return [("", "Cancelled")]
    if po.state in ("sent", "to approve"):
        return [("accent", "Request for quotation")]
    if po.receipt_status == "full" or po.state == "done":
        return [("ok", "Received")]
    badges = [_ACK_BADGES.get(po.ack_status, ("ok", "Acknowledged"))]
    if getattr(po, "is_late", False):
        badges.append(("bad", "Late"))
    if po.receipt_status == "partial":
        badges.append(("warn", "Partly received"))
    return badges


@register.simple_tag
def po_status(po) -> SafeString:
    """``{% po_status po %}``: the status badges as ``<span class="badge badge-…">`` separated by a space."""
    return format_html_join(
        " ",
        '<span class="badge{}">{}</span>',
        ((f" badge-{modifier}" if modifier else "", label) for modifier, label in po_badges(po)),
    )
