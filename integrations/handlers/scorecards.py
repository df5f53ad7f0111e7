"""A scorecard standing to Odoo (``scorecard.standing_changed``): the partner's purchase warning, and a
chatter note on the partner.

Where buyers work in Odoo, a partner's purchase warning (``purchase_warn_msg``, and on Odoo 18 its level
``purchase_warn``: no-message / warning / block; 19 has no level and no blocking, odoo19/DIFF.md) shows
on every new RFQ of that vendor. A standing that warns puts the portal's text there, above what a person
had written (kept in ``quality.models.PurchaseWarning`` and restored when the standing is good again).
Odoo showing anything but what the portal wrote means a person changed it: the portal leaves it alone.

Redelivery converges: the portal's text is worked out from the payload and the kept warning only, the
kept warning is stored before the first write (a crash after the write finds its own text there), and
the note is posted once (its event marker). Writing a partner needs the contact rights the recorded
integration user lacks (access_error.json of each series): that refusal is a permanent failure saying
which group to give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from integrations import topics
from integrations.odoo import OdooGateway, OdooPermanentError
from integrations.odoo.dialects import Dialect
from portal.models import Partner
from quality.models import PurchaseWarning

from . import HandlerError, handler
from .notes import post_note_once, render_note

PARTNER = "res.partner"
NO_MESSAGE, WARNING, BLOCK = "no-message", "warning", "block"
# The groups Odoo named when it refused a contact write (access_error.json, internal_employee_write_company_
# partner): 18 lists Contact Creation and three administrator groups; 19 named Contact/Creation only.
CONTACT_RIGHTS = {
    18: "Extra Rights/Contact Creation (or Purchase/Administrator)",
    19: "Contact/Creation",
}
NO_BLOCK_19 = "Odoo 19 has no blocking purchase warning: the warning shows, and new orders are not blocked."


class ContactRightsMissing(HandlerError):
    """Odoo refused the integration user's write on the partner: it lacks the contact rights."""

    name = "portal.ContactRightsMissing"


@dataclass(frozen=True)
class Shown:
    """A partner's purchase warning as Odoo shows it: ``level`` ("" on 19) and ``message`` ("" for none)."""

    level: str
    message: str


def warning_text(payload: dict[str, Any], kept: str) -> str:
    """The portal's warning (plain text): standing, score, reasons, who set it, then ``kept``, the warning a
    person had written, when there was one. The same payload and kept text always give the same text."""
    score = f", score {payload['score']}" if payload.get("score") else ""
    was = f" (was {payload['previous']})" if payload.get("previous") else ""
    lines = [f"Scorecard standing: {payload.get('standing') or 'none'}{was}{score}."]
    lines += [f"- {reason}" for reason in payload.get("reasons") or []]
    lines.append("Set by the Supplier Portal, which clears it when the standing is good again.")
    text = "\n".join(lines)
    return f"{text}\n\n{kept}" if kept else text


def _partner_ids(event) -> tuple[int, Partner]:
    try:
        odoo_id = int(event.payload["partner_odoo_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(
            f"payload of {event.topic} v{event.payload_version} names no partner in Odoo: {exc!r}"
        ) from exc
    partner = Partner.objects.filter(tenant_id=event.tenant_id, pk=event.aggregate_id).first()
    if partner is None:
        raise HandlerError(f"the portal partner #{event.aggregate_id} of {event.topic} is gone")
    return odoo_id, partner


def _shown(gw: OdooGateway, dialect: Dialect, partner_id: int, name: str) -> Shown:
    fields = ["name", "purchase_warn_msg", *([dialect.partner_warn_level] if dialect.partner_warn_level else [])]
    rows = gw.read(PARTNER, [partner_id], fields)
    if not rows:
        raise HandlerError(
            f"Partner {name or partner_id} (res.partner {partner_id}) no longer exists in Odoo: its purchase "
            "warning cannot be set."
        )
    level = (rows[0].get(dialect.partner_warn_level) or NO_MESSAGE) if dialect.partner_warn_level else ""
    return Shown(level, rows[0].get("purchase_warn_msg") or "")


def _kept_in_effect(level: str, message: str) -> str:
    """The kept message if Odoo showed it: 18 shows the message only with a level other than no-message."""
    return message if message and level != NO_MESSAGE else ""


def _wanted(payload: dict, warning: PurchaseWarning, dialect: Dialect) -> Shown:
    """What the portal's warning is for ``payload`` over the kept warning."""
    message = warning_text(payload, _kept_in_effect(warning.kept_level, warning.kept_message))
    if not dialect.partner_warn_level:
        return Shown("", message)
    # A person's blocking warning stays blocking; the portal blocks only when the payload says so.
    block = payload.get("block") or warning.kept_level == BLOCK
    return Shown(BLOCK if block else WARNING, message)


def _write(gw: OdooGateway, dialect: Dialect, partner_id: int, name: str, shown: Shown) -> None:
    values: dict[str, Any] = {"purchase_warn_msg": shown.message or False}
    if dialect.partner_warn_level:
        values[dialect.partner_warn_level] = shown.level or NO_MESSAGE
    try:
        gw.write(PARTNER, [partner_id], values)
    except OdooPermanentError as exc:
        if exc.name != "odoo.exceptions.AccessError":
            raise
        raise ContactRightsMissing(
            f"Odoo {dialect.series} refused to change the purchase warning of {name or partner_id} (res.partner "
            f"{partner_id}): the integration user may not modify contacts. In Odoo, give it the group "
            f"'{CONTACT_RIGHTS.get(dialect.series, CONTACT_RIGHTS[19])}', or turn off 'Show a warning standing "
            f"on the partner in Odoo' in the portal's scorecard rules. Odoo said: {exc.message.splitlines()[0]}"
        ) from exc


def _written(warning: PurchaseWarning) -> Shown:
    return Shown(warning.written_level, warning.written_message)


def _ours(warning: PurchaseWarning, shown: Shown) -> bool:
    """Whether the portal's warning is on the partner: active, or stored before a write that landed though
    the attempt did not get to record it (``set_at`` still empty)."""
    pending = not warning.active and warning.set_at is None and bool(warning.written_message)
    return warning.active or (pending and shown == _written(warning))


def _left_alone(warning: PurchaseWarning, shown: Shown, standing: str) -> str:
    warning.active = False
    warning.left_alone = (
        f"{timezone.now():%Y-%m-%d %H:%M} UTC, standing {standing or 'none'}: Odoo showed a purchase warning the "
        f"portal did not write ({shown.level or 'message'}: {shown.message[:200]!r}); a person changed it, so "
        "the portal left it as it is."
    )
    warning.save()
    return "left_alone"


def _set(
    gw: OdooGateway, dialect: Dialect, event, warning: PurchaseWarning, partner_id: int, shown: Shown
) -> tuple[str, bool]:
    """The portal's warning on the partner; answers (outcome, written)."""
    payload = event.payload
    if _ours(warning, shown):
        if shown not in (_written(warning), _wanted(payload, warning, dialect)):
            return _left_alone(warning, shown, payload.get("standing")), False
    else:
        # What a person had there is stored before the first write, so that a retry after a write that
        # landed finds the portal's own text (``_ours``) instead of keeping it as a person's.
        warning.kept_level, warning.kept_message = shown.level, shown.message
        warning.active, warning.set_at, warning.cleared_at, warning.left_alone = False, None, None, ""
        wanted = _wanted(payload, warning, dialect)
        warning.written_level, warning.written_message = wanted.level, wanted.message
        warning.save()
    wanted = _wanted(payload, warning, dialect)
    written = shown != wanted
    if written:
        _write(gw, dialect, partner_id, payload.get("partner") or "", wanted)
    warning.written_level, warning.written_message, warning.active = wanted.level, wanted.message, True
    warning.set_at = warning.set_at or timezone.now()
    warning.save()
    return "warning", written


def _clear(
    gw: OdooGateway, dialect: Dialect, event, warning: PurchaseWarning, partner_id: int, shown: Shown
) -> tuple[str, bool]:
    """What a person had before, back on the partner; answers (outcome, written)."""
    if not _ours(warning, shown):
        return "none", False
    restored = Shown((warning.kept_level or NO_MESSAGE) if dialect.partner_warn_level else "", warning.kept_message)
    written = shown != restored
    if written:
        if shown != _written(warning):
            return _left_alone(warning, shown, event.payload.get("standing")), False
        _write(gw, dialect, partner_id, event.payload.get("partner") or "", restored)
    warning.active, warning.cleared_at = False, timezone.now()
    warning.save()
    return "restored", written


OUTCOMES = {
    "warning": "The partner's purchase warning in Odoo shows this standing{block}.",
    "restored": "The portal's purchase warning is removed; the warning that was there before, if any, is back.",
    "left_alone": "The purchase warning was changed in Odoo after the portal set it: the portal leaves it as it is.",
    "none": "The portal had no purchase warning on the partner to clear.",
}


@handler(topics.SCORECARD_STANDING_CHANGED)
def scorecard_standing_changed(gw: OdooGateway, event) -> dict[str, Any]:
    """Answers ``{"model": "res.partner", "id", "warning": "warning" | "restored" | "left_alone" | "none",
    "written": bool, "level": 18's level or None, "note": mail.message id, "note_already_there": bool,
    "block_refused"?: why 19 does not block}``. ``HandlerError`` for a bad payload or a partner gone from
    Odoo, ``ContactRightsMissing`` when Odoo refuses the write."""
    partner_id, partner = _partner_ids(event)
    payload, dialect = event.payload, gw.dialect
    warning, _ = PurchaseWarning.objects.get_or_create(tenant_id=event.tenant_id, partner=partner)
    shown = _shown(gw, dialect, partner_id, payload.get("partner") or "")
    act = _set if payload.get("warn") else _clear
    outcome, written = act(gw, dialect, event, warning, partner_id, shown)
    refused = payload.get("warn") and payload.get("block") and not dialect.partner_warn_level
    block_refused = NO_BLOCK_19 if refused else ""
    blocks = outcome == "warning" and warning.written_level == BLOCK
    body = render_note(
        "scorecard_standing_changed.html",
        standing=payload.get("standing") or "",
        previous=payload.get("previous") or "",
        score=payload.get("score") or "",
        reasons=payload.get("reasons") or [],
        outcome=OUTCOMES[outcome].format(block=", and blocks new purchase orders" if blocks else ""),
        block_refused=block_refused,
    )
    note = post_note_once(gw, event, PARTNER, partner_id, body)
    result: dict[str, Any] = {
        "model": PARTNER,
        "id": partner_id,
        "warning": outcome,
        "written": written,
        "level": (warning.written_level or None) if outcome == "warning" else None,
        "note": note.id,
        "note_already_there": note.already_there,
    }
    if block_refused:
        result["block_refused"] = block_refused
    return result
