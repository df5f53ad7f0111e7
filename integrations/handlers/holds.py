"""Held stock found usable in Odoo (``stock.hold_breached``): a To-Do activity for the warehouse.

The hold check (``integrations.services.holds``) files a ``HoldDrift`` and emits this topic; the
handler schedules one activity on the receipt picking the lot came in on, naming the lot, where it
was found and how much, the way reference flow 5 (call 20) schedules one on a PO:
``activity_schedule`` is a public method of every mail.thread model, stock.picking among them.
Once per event: a retry looks for the event's marker in the picking's activities first. The
activity's id is kept on the drift, for the monitor.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations import topics
from integrations.models import HoldDrift
from integrations.odoo import OdooGateway

from . import HandlerError, handler
from .notes import already_there, marked, marker, render_note

WHY = {
    "undecided": gettext_lazy("not released yet"),
    "rejected": gettext_lazy("rejected: to go back to the vendor or to scrap"),
}


@handler(topics.STOCK_HOLD_BREACHED)
def stock_hold_breached(gw: OdooGateway, event) -> dict[str, Any]:
    payload = event.payload
    try:
        picking_id = int(payload["receipt_odoo_id"])
        lot_name = payload["lot_name"]
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {exc}") from exc
    tag = marker(str(event.id))
    found = already_there(
        gw,
        event,
        "mail.activity",
        [["res_model", "=", "stock.picking"], ["res_id", "=", picking_id], ["note", "ilike", tag]],
    )
    if found:
        _keep(payload, found)
        return {"model": "mail.activity", "id": found, "already_there": True}
    note = render_note(
        "hold_breached.html",
        lot_name=lot_name,
        why=WHY.get(payload.get("what"), _("held")),
        found=sorted((payload.get("found") or {}).items()),
        label=payload.get("label", ""),
    )
    activity_id = gw.activity_schedule(
        "stock.picking",
        picking_id,
        act_type_xmlid="mail.mail_activity_data_todo",
        summary=_("Held by quality: lot %(lot)s is in usable stock") % {"lot": lot_name},
        note=marked(note, event),
    )
    _keep(payload, activity_id)
    return {"model": "mail.activity", "id": activity_id}


def _keep(payload: dict, activity_id: int | None) -> None:
    if activity_id and payload.get("hold_drift_id"):
        HoldDrift.objects.filter(pk=payload["hold_drift_id"]).update(activity_odoo_id=activity_id)
