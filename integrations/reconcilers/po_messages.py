"""po.message_posted: is the portal's message still in the PO's chatter?"""

from __future__ import annotations

from typing import Any

from integrations import topics
from integrations.odoo import OdooGateway

from . import Finding, reconciler


def _record_id(value: Any) -> int | None:
    """A result id as stored: an id, or a list of one (what an Odoo 19 ``message_post`` answered
    before the gateway normalised it)."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@reconciler(topics.PO_MESSAGE_POSTED)
def po_messages_still_there(gw: OdooGateway, events: list) -> list[Finding]:
    """Messages the handler posted (``odoo_result["id"]``) that Odoo no longer has."""
    wanted = {mid: e for e in events if (mid := _record_id(e.odoo_result.get("id")))}
    present = set(gw.search("mail.message", [["id", "in", sorted(wanted)]])) if wanted else set()
    return [
        Finding(
            event.pk,
            f"The message is no longer in the chatter of the order in Odoo (mail.message {mid}).",
            expected={"mail.message": mid},
            found={"mail.message": None},
        )
        for mid, event in wanted.items()
        if mid not in present
    ]
