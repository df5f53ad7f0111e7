"""Purchase order tags: the status badges of a PO, drawn in Python (a list draws 25 of them)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy

register = template.Library()

_ACK_BADGES = {
    "": ("warn", gettext_lazy("To acknowledge")),
    "outdated": ("warn", gettext_lazy("Changed since acknowledgement")),
    "declined": ("bad", gettext_lazy("Changes declined")),
    "pending": ("accent", gettext_lazy("Awaiting buyer")),
}


def po_badges(po) -> list[tuple[str, str]]:
    """The (css modifier, label) badges of a PO's status, in the order they show.

    ``po`` needs ``state``, ``receipt_status``, ``ack_status`` and, optionally, ``is_late``
    (the selectors annotate it). Modifier "" is the plain badge.
    """
    if po.state == "cancel":
        return [("", gettext("Cancelled"))]
    if po.state in ("sent", "to approve"):
        return [("accent", gettext("Request for quotation"))]
    if po.receipt_status == "full" or po.state == "done":
        return [("ok", gettext("Received"))]
    badges = [_ACK_BADGES.get(po.ack_status, ("ok", gettext("Acknowledged")))]
    if getattr(po, "is_late", False):
        badges.append(("bad", gettext("Late")))
    if po.receipt_status == "partial":
        badges.append(("warn", gettext("Partly received")))
    return badges


@register.simple_tag
def po_status(po) -> SafeString:
    """``{% po_status po %}``: the status badges as ``<span class="badge badge-…">`` separated by a space."""
    return format_html_join(
        " ",
        '<span class="badge{}">{}</span>',
        ((f" badge-{modifier}" if modifier else "", label) for modifier, label in po_badges(po)),
    )


# Notices about changes made in Odoo are stored in the portal's default language (the API sends them
# so); a page in another language works them out again from the order as it stands, in its reader's.
@register.filter
def ack_changes(ack) -> list[str]:
    """``{% for c in ack|ack_changes %}``: what the order asks now that the outdated ``ack`` did not answer."""
    stored = list((ack.outdated_changes or {}).get("changes", []))
    if translation.get_language() == settings.LANGUAGE_CODE:
        return stored
    from suppliers.services.po_changes import ack_differences

    return ack_differences(ack.order, ack) or stored


@register.filter
def asn_changes(asn) -> list[str]:
    """``{% for m in asn|asn_changes %}``: what the shipment's orders no longer agree with."""
    stored = list(asn.order_changes or [])
    if translation.get_language() == settings.LANGUAGE_CODE:
        return stored
    from suppliers.services.po_changes import asn_order_notices

    return asn_order_notices(asn) or stored
