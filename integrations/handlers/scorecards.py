"""A scorecard standing to Odoo (``scorecard.standing_changed``): the partner's purchase warning, and a
chatter note on the partner.

Where buyers work in Odoo, a partner's purchase warning (``purchase_warn_msg``, and on Odoo 18 its level
``purchase_warn``: no-message / warning / block; 19 has no level and no blocking, odoo19/DIFF.md) shows
on every new RFQ of that vendor. A standing that warns puts the portal's text there, above what a person
had written (kept in ``quality.models.PurchaseWarning`` and restored when the standing is good again).
Odoo showing anything but what the portal wrote means a person changed it: the portal leaves it alone.

Redelivery converges: the portal's text is worked out from the payload and the kept warning only, the
kept warning is stored before the first write (a crash after the write finds its own text there), and
the note is posted once (its event marker). Writing a partner, and posting the note on it, needs the
contact rights the recorded integration user lacks (access_error.json of each series): that refusal is a
permanent failure saying which group to give (``partners.py``), and leaves the portal's record of the
warning as it was.

Events can arrive late (a dead-letter replay, or several changes queued before the first went): an event
whose ``change_id`` is older than the partner's newest change sent to Odoo acts as that newest change says
and posts no note (the newest posts its own). The tenant's switches are read at delivery: with pushing
turned off since, no warning is written and no note posted, and the portal's own warning is removed; with
blocking no longer allowed, the warning does not block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations import topics
from integrations.odoo import OdooGateway
from integrations.odoo.dialects import Dialect
from portal import l10n
from portal.models import Partner
from quality.models import PurchaseWarning, ScorecardRules, StandingChange

from . import HandlerError, handler
from .notes import post_note_once, render_note
from .partners import PARTNER, ContactRightsMissing, contact_rights_needed

NO_MESSAGE, WARNING, BLOCK = "no-message", "warning", "block"
# The way out of a contact-rights refusal besides the group: the tenant stops pushing warnings (and notes).
PUSH_OFF = "or turn off 'Show a warning standing on the partner in Odoo' in the portal's scorecard rules"
# A PurchaseWarning's fields an attempt refused by Odoo puts back as they were.
ROW_FIELDS = (
    "active",
    "kept_level",
    "kept_message",
    "written_level",
    "written_message",
    "set_at",
    "cleared_at",
    "left_alone",
)
# What a newer standing change decides for an old event delivered after it.
STANDING_KEYS = ("standing", "previous", "score", "reasons", "warn", "block", "change_id")
# English in the event's result (operators read it); translated in the note.
NO_BLOCK_19 = gettext_noop(
    "Odoo 19 has no blocking purchase warning: the warning shows, and new orders are not blocked."
)


@dataclass(frozen=True)
class Shown:
    """A partner's purchase warning as Odoo shows it: ``level`` ("" on 19) and ``message`` ("" for none)."""

    level: str
    message: str


def warning_text(payload: dict[str, Any], kept: str) -> str:
    """The portal's warning (plain text): standing, score, reasons, who set it, then ``kept``, the warning a
    person had written, when there was one. The same payload and kept text always give the same text."""
    said = {
        "standing": payload.get("standing") or _("none"),
        "was": payload.get("previous"),
        "score": payload.get("score"),
    }
    if said["was"] and said["score"]:
        first = _("Scorecard standing: %(standing)s (was %(was)s), score %(score)s.")
    elif said["was"]:
        first = _("Scorecard standing: %(standing)s (was %(was)s).")
    elif said["score"]:
        first = _("Scorecard standing: %(standing)s, score %(score)s.")
    else:
        first = _("Scorecard standing: %(standing)s.")
    lines = [first % said]
    lines += [f"- {reason}" for reason in payload.get("reasons") or []]
    lines.append(_("Set by the Supplier Portal, which clears it when the standing is good again."))
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
            "warning cannot be set or cleared."
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
    refused = {"doing": "change the purchase warning of", "partner": name, "partner_id": partner_id, "remedy": PUSH_OFF}
    with contact_rights_needed(dialect.series, **refused):
        gw.write(PARTNER, [partner_id], values)


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
    gw: OdooGateway, dialect: Dialect, payload: dict, warning: PurchaseWarning, partner_id: int, shown: Shown
) -> tuple[str, bool]:
    """The portal's warning on the partner; answers (outcome, written). Odoo refusing the write leaves the
    row as it was (no kept warning of an attempt that wrote nothing)."""
    before = {name: getattr(warning, name) for name in ROW_FIELDS}
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
        try:
            _write(gw, dialect, partner_id, payload.get("partner") or "", wanted)
        except ContactRightsMissing:
            for name, value in before.items():
                setattr(warning, name, value)
            warning.save()
            raise
    warning.written_level, warning.written_message, warning.active = wanted.level, wanted.message, True
    warning.set_at = warning.set_at or timezone.now()
    warning.save()
    return "warning", written


def _clear(
    gw: OdooGateway, dialect: Dialect, payload: dict, warning: PurchaseWarning, partner_id: int, shown: Shown
) -> tuple[str, bool]:
    """What a person had before, back on the partner; answers (outcome, written)."""
    if not _ours(warning, shown):
        return "none", False
    restored = Shown((warning.kept_level or NO_MESSAGE) if dialect.partner_warn_level else "", warning.kept_message)
    written = shown != restored
    if written:
        if shown != _written(warning):
            return _left_alone(warning, shown, payload.get("standing")), False
        _write(gw, dialect, partner_id, payload.get("partner") or "", restored)
    warning.active, warning.cleared_at = False, timezone.now()
    warning.save()
    return "restored", written


# What the note says of the warning, in the tenant's language (the delivery's): one whole sentence each.
OUTCOMES = {
    "warning": gettext_lazy("The partner's purchase warning in Odoo shows this standing."),
    "warning_block": gettext_lazy(
        "The partner's purchase warning in Odoo shows this standing, and blocks new purchase orders."
    ),
    "restored": gettext_lazy(
        "The portal's purchase warning is removed; the warning that was there before, if any, is back."
    ),
    "left_alone": gettext_lazy(
        "The purchase warning was changed in Odoo after the portal set it: the portal leaves it as it is."
    ),
    "none": gettext_lazy("The portal had no purchase warning on the partner to clear."),
}


def _newer_change(event, partner: Partner) -> StandingChange | None:
    """The partner's newest standing change after the one ``event`` tells (payload ``change_id``) that was
    sent to Odoo, or None: an old event replayed or delivered late must not put back a standing the
    partner has left."""
    try:
        change_id = int(event.payload.get("change_id"))
    except (TypeError, ValueError):
        return None
    newer = StandingChange.objects.filter(
        tenant_id=event.tenant_id, partner=partner, pk__gt=change_id, outbox_event__isnull=False
    )
    return newer.select_related("outbox_event").order_by("-pk").first()


def _effective(event, partner: Partner) -> tuple[dict[str, Any], StandingChange | None, bool]:
    """What the event asks of Odoo now: its payload, the newest change's standing when a newer one exists,
    with blocking only while the tenant still allows it; and whether the tenant still pushes warnings (a
    switch turned off between the change and its delivery: no new warning, no note, the portal's own
    warning removed). Without saved rules the switches are as they were when the event was emitted."""
    payload = dict(event.payload)
    newer = _newer_change(event, partner)
    if newer is not None:
        payload |= {key: newer.outbox_event.payload.get(key) for key in STANDING_KEYS}
    rules = ScorecardRules.objects.filter(tenant_id=event.tenant_id).first()
    if rules is None:
        return payload, newer, True
    payload["block"] = bool(payload.get("block") and rules.allow_block)
    if not rules.push_purchase_warning:
        payload["warn"] = payload["block"] = False
    return payload, newer, rules.push_purchase_warning


def _note(gw: OdooGateway, event, partner_id: int, payload: dict, outcome: str, blocks: bool, refused: str):
    """The standing's chatter note on the partner, once per event; ``ContactRightsMissing`` when Odoo refuses
    the post (the same write access as the warning, mail.thread's ``_mail_post_access``)."""
    body = render_note(
        "scorecard_standing_changed.html",
        standing=payload.get("standing") or "",
        previous=payload.get("previous") or "",
        score=l10n.num(payload.get("score")) if payload.get("score") else "",
        reasons=payload.get("reasons") or [],
        outcome=OUTCOMES["warning_block" if outcome == "warning" and blocks else outcome],
        block_refused=_(refused) if refused else "",
    )
    who = {"partner": payload.get("partner") or "", "partner_id": partner_id, "remedy": PUSH_OFF}
    with contact_rights_needed(gw.dialect.series, doing="post the scorecard standing note on", **who):
        return post_note_once(gw, event, PARTNER, partner_id, body)


@handler(topics.SCORECARD_STANDING_CHANGED)
def scorecard_standing_changed(gw: OdooGateway, event) -> dict[str, Any]:
    """Answers ``{"model": "res.partner", "id", "warning": "warning" | "restored" | "left_alone" | "none" |
    "superseded", "written": bool, "level": 18's level or None, "note": mail.message id or None,
    "note_already_there": bool, "block_refused"?: why 19 does not block, "superseded_by"?: the newer
    change acted on (no note for an event it superseded), "push_off"?: true when the tenant stopped
    pushing warnings}``. ``HandlerError`` for a bad payload or a partner gone from Odoo,
    ``ContactRightsMissing`` when Odoo refuses the write or the note (integrations.handlers.partners)."""
    partner_id, partner = _partner_ids(event)
    payload, newer, push = _effective(event, partner)
    dialect = gw.dialect
    shown = _shown(gw, dialect, partner_id, payload.get("partner") or "")
    warning, _ = PurchaseWarning.objects.get_or_create(tenant_id=event.tenant_id, partner=partner)
    act = _set if payload.get("warn") else _clear
    outcome, written = act(gw, dialect, payload, warning, partner_id, shown)
    refused = payload.get("warn") and payload.get("block") and not dialect.partner_warn_level
    block_refused = NO_BLOCK_19 if refused else ""
    blocks = outcome == "warning" and warning.written_level == BLOCK
    note = None if newer or not push else _note(gw, event, partner_id, payload, outcome, blocks, block_refused)
    result: dict[str, Any] = {
        "model": PARTNER,
        "id": partner_id,
        "warning": "superseded" if newer else outcome,
        "written": written,
        "level": (warning.written_level or None) if outcome == "warning" else None,
        "note": note.id if note else None,
        "note_already_there": note.already_there if note else False,
    }
    if block_refused:
        result["block_refused"] = block_refused
    if newer is not None:
        result |= {"superseded_by": newer.pk, "acted_as_newest": outcome}
    if not push:
        result["push_off"] = True
    return result
