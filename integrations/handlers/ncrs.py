"""NCR dispositions to Odoo (``ncr.dispositioned``): chatter notes and To-Do activities, never stock.

One event per applied ``NcrDisposition`` (``quality.services.ncr_dispositions``). The handler posts the
same note on the receipt (``stock.picking``) and on the PO (``purchase.order``): the NCR, its defect codes
and severity, the disposition, how much of which lot, who proposed it and who approved it. A return to
the vendor adds a To-Do activity for the PO's buyer (its ``user_id``, as ``po.ack_review_requested``
does), since the credit or the replacement is theirs to arrange; a rework adds one on the receipt with
the instructions, assigned as ``stock.hold_breached``'s warehouse activity is (to the integration user),
since no recording shows an internal transfer being created.

The stock itself is not moved here: the lot's inspection disposition emits ``inspection.disposed``,
whose handler moves it (``dispositions.py``). Each note and activity is made once per event (the event's
marker, looked for on a retry or replay). Where the payload names no receipt or no PO (an NCR opened
from production), the rest is posted and the result says what was left out; a receipt or PO the payload
names that Odoo no longer has is a permanent failure, checked before anything is posted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from integrations import topics
from integrations.odoo import OdooGateway
from portal import l10n

from . import HandlerError, handler
from .notes import already_there, marked, marker, post_note_once, render_note

RECEIPT, PO = "stock.picking", "purchase.order"
TODO = "mail.mail_activity_data_todo"


def _incomplete(event, why: str) -> HandlerError:
    return HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {why}")


def _ids(event) -> dict[str, int]:
    """The Odoo records the event names: ``{"stock.picking": id, "purchase.order": id}`` (either may lack)."""
    payload = event.payload
    found: dict[str, int] = {}
    for model, key in ((RECEIPT, "receipt_odoo_id"), (PO, "po_odoo_id")):
        if payload.get(key) is None:
            continue
        try:
            found[model] = int(payload[key])
        except (TypeError, ValueError) as exc:
            raise _incomplete(event, f"{key} {payload[key]!r}") from exc
    if not found:
        raise HandlerError(
            f"{payload.get('ncr_number', 'The NCR')} names neither a receipt nor a PO in Odoo: there is nowhere to "
            "post its disposition."
        )
    return found


def _disposition(event) -> dict:
    disposition = event.payload.get("disposition")
    if not isinstance(disposition, dict) or not disposition.get("kind"):
        raise _incomplete(event, "no disposition kind")
    try:
        float(disposition.get("quantity"))
    except (TypeError, ValueError) as exc:
        raise _incomplete(event, f"quantity {disposition.get('quantity')!r}") from exc
    return disposition


def _buyer(gw: OdooGateway, event, ids: dict[str, int]) -> int | None:
    """Checks that the receipt and the PO are still in Odoo; answers the PO's buyer (``user_id``)."""
    payload, buyer = event.payload, None
    if RECEIPT in ids and not gw.read(RECEIPT, [ids[RECEIPT]], ["name"]):
        raise HandlerError(
            f"Receipt {payload.get('receipt_name') or ids[RECEIPT]} (stock.picking {ids[RECEIPT]}) no longer exists "
            f"in Odoo: {payload.get('ncr_number')} cannot be noted on it."
        )
    if PO in ids:
        rows = gw.read(PO, [ids[PO]], ["user_id"])
        if not rows:
            raise HandlerError(
                f"Purchase order {payload.get('po_name') or ids[PO]} (purchase.order {ids[PO]}) no longer exists in "
                f"Odoo: {payload.get('ncr_number')} cannot be noted on it."
            )
        buyer = rows[0]["user_id"][0] if rows[0].get("user_id") else None
    return buyer


def quantity_text(value) -> str:
    """The payload's quantity printed exactly, without trailing zeros: 1234567.0 -> "1234567", 100000.25 ->
    "100000.25" (``str`` of a float is its shortest exact form; ``:g`` would keep six digits)."""
    number = Decimal(str(value))
    return format(number.normalize(), "f") if number.is_finite() else str(value)


def _label(choices, code, fallback) -> str:
    """The label of ``code`` among ``choices`` in the active language (the tenant's, during a delivery): a
    payload names the code, since a label it carried was frozen in the language of whoever's request emitted
    it; an unknown code, the payload's own text."""
    try:
        return str(choices(code).label)
    except ValueError:
        return fallback or code or ""


def _context(payload: dict, disposition: dict) -> dict[str, Any]:
    from quality.models import NcrDisposition

    return {
        "ncr_number": payload.get("ncr_number", ""),
        "title": payload.get("title", ""),
        "severity": payload.get("severity", ""),
        "partner": payload.get("partner", ""),
        "product": payload.get("product", ""),
        "defect_codes": payload.get("defect_codes") or [],
        "receipt_name": payload.get("receipt_name") or "",
        "po_name": payload.get("po_name") or "",
        "kind_label": _label(NcrDisposition.Kind, disposition["kind"], disposition.get("kind_label")),
        "lot_name": disposition.get("lot_name") or "",
        "quantity": quantity_text(disposition["quantity"]),
        "uom": disposition.get("uom") or "",
        "instructions": disposition.get("instructions") or "",
        "concession_until": disposition.get("concession_until"),
        "proposed_by": disposition.get("proposed_by") or "",
        "approved_by": disposition.get("approved_by") or "",
        # Whether the lot's held stock went back by inspection.disposed (None: the payload does not say).
        "stock_moved": disposition.get("stock_moved"),
    }


def _activity_once(
    gw: OdooGateway, event, model: str, res_id: int, summary: str, note: str, user: int | None
) -> tuple[int | None, bool]:
    """One To-Do activity of ``event`` on ``model`` ``res_id``; answers ``(id, already_there)``."""
    tag = marker(str(event.id))
    found = already_there(
        gw, event, "mail.activity", [["res_model", "=", model], ["res_id", "=", res_id], ["note", "ilike", tag]]
    )
    if found:
        return found, True
    activity_id = gw.activity_schedule(
        model,
        res_id,
        act_type_xmlid=TODO,
        summary=summary,
        note=marked(note, event),
        **({"user_id": user} if user else {}),
    )
    return activity_id, False


def _activity(gw: OdooGateway, event, ids: dict[str, int], context: dict, buyer: int | None) -> dict | None:
    """The To-Do a return (the buyer's, on the PO) or a rework (the warehouse's, on the receipt) asks for."""
    kind = event.payload["disposition"]["kind"]
    if kind not in ("return", "rework"):
        return None
    said = {**context, "what": f"{l10n.qty(context['quantity'])} {context['uom']}".strip()}
    if kind == "return":
        # The buyer is the PO's; without a PO the activity goes on the receipt, for the integration user.
        model = PO if PO in ids else RECEIPT
        if context["lot_name"]:
            summary = _("%(ncr_number)s: %(what)s of lot %(lot_name)s goes back to %(partner)s") % said
        else:
            summary = _("%(ncr_number)s: %(what)s goes back to %(partner)s") % said
        note, user = render_note("ncr_return.html", **context), buyer if model == PO else None
    else:
        model = RECEIPT if RECEIPT in ids else PO
        if context["lot_name"]:
            summary = _("%(ncr_number)s: rework %(what)s of lot %(lot_name)s") % said
        else:
            summary = _("%(ncr_number)s: rework %(what)s") % said
        note, user = render_note("ncr_rework.html", **context), None
    activity_id, again = _activity_once(gw, event, model, ids[model], summary[:250], note, user)
    return {"model": model, "res_id": ids[model], "id": activity_id, "already_there": again}


@handler(topics.NCR_DISPOSITIONED)
def ncr_dispositioned(gw: OdooGateway, event) -> dict[str, Any]:
    """Answers ``{"notes": {model: mail.message id}, "activity": {"model", "res_id", "id", "already_there"}
    | None, "missing": [models the payload named no id of], "already_there": [models noted before]}``;
    raises ``HandlerError`` for a bad payload or a receipt or PO gone from Odoo."""
    ids, disposition = _ids(event), _disposition(event)
    buyer = _buyer(gw, event, ids)
    context = _context(event.payload, disposition)
    body = render_note("ncr_dispositioned.html", **context)
    notes, again = {}, []
    for model, res_id in ids.items():
        note = post_note_once(gw, event, model, res_id, body)
        notes[model] = note.id
        if note.already_there:
            again.append(model)
    return {
        "notes": notes,
        "activity": _activity(gw, event, ids, context, buyer),
        "missing": [model for model in (RECEIPT, PO) if model not in ids],
        "already_there": again,
    }
