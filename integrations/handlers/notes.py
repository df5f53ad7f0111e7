"""Notes in Odoo (chatter messages, activity notes), each posted once per event.

Every note ends with its event's marker, ``portal-event-<event id>``, and a
retried or replayed event looks for that marker before posting, so a
redelivery never shows a note twice. Real Odoo databases hold notes with
exactly this marker: changing its spelling would make every redelivered event
post its note again.

Note bodies are Django templates under ``templates/odoo_notes/``, rendered with
autoescape: a supplier's text reaches Odoo's HTML as text, never as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from integrations.odoo import OdooGateway

from . import BatchResult, HandlerError
from .batches import BatchRun, aggregate_of, stops_the_batch


def marker(event_id: str) -> str:
    """The text that tells the notes of one event apart, ``portal-event-<uuid>``; never change it."""
    return f"portal-event-{event_id}"


def marker_shown(body: str | None, event_id) -> bool:
    """Whether the HTML ``body`` (as Odoo answers it) holds ``event_id``'s marker as a marker paragraph
    (``<small>portal-event-<uuid></small>``), not merely its text. Odoo is searched with a broad ``ilike``
    (a server's sanitizer may reformat the tags, so never search for the tag) and each body read is confirmed
    here: a supplier's text quoting a marker reaches Odoo autoescaped and can never make the tag."""
    tag = re.escape(marker(str(event_id)))
    return re.search(rf"<small[^>]*>\s*{tag}\s*</small>", body or "", re.IGNORECASE) is not None


def marked(body: str, event) -> str:
    """``body`` (HTML) with the event's marker as its last paragraph."""
    return f"{body}<p><small>{marker(str(event.id))}</small></p>"


def isolated(text: str) -> str:
    """``text`` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (Unicode bidi): its direction is its
    own, and an embedding or override it opens ends with it (an RTL name or lot number displays right)."""
    return f"\u2068{text}\u2069"


def render_note(template: str, **context) -> str:
    """The HTML of ``odoo_notes/<template>`` with ``context`` (autoescaped), without the marker."""
    return render_to_string(f"odoo_notes/{template}", context).strip()


def already_there(gw: OdooGateway, event, model: str, domain: list) -> int | None:
    """The id of the ``model`` record an earlier attempt of ``event`` left (found by ``domain``), or None.

    A first attempt cannot have left anything, so only retries (``attempts`` > 1) and replays
    (``verify``) pay for the lookup: one ``search``. A domain that looks for the event's marker (``[field,
    "ilike", marker]``: a note's ``body``, an activity's ``note``) is broad on purpose (a server's sanitizer
    may reformat the tags), so the records it finds, if any, are read (one ``read`` of that field) and only
    one whose marker is a marker paragraph counts (``marker_shown``: a supplier quoting a marker does not).
    """
    if not (event.attempts > 1 or event.verify):
        return None
    tag = marker(str(event.id))
    fields = [leaf[0] for leaf in domain if isinstance(leaf, list | tuple) and list(leaf[1:]) == ["ilike", tag]]
    if not fields:
        found = gw.search(model, domain, limit=1)
        return found[0] if found else None
    found = gw.search(model, domain)
    if not found:
        return None
    shown = [row["id"] for row in gw.read(model, found, fields[:1]) if marker_shown(row.get(fields[0]), event.id)]
    return min(shown) if shown else None


def note_posted_before(gw: OdooGateway, event, model: str, res_id: int) -> int | None:
    """The id of the ``mail.message`` on ``model`` ``res_id`` that an earlier attempt of ``event`` posted (its
    marker paragraph confirmed by ``marker_shown``), or None; only retries and replays pay for the lookup
    (``already_there``: a ``search``, and a ``read`` of the bodies found)."""
    domain = [["model", "=", model], ["res_id", "=", res_id], ["body", "ilike", marker(str(event.id))]]
    return already_there(gw, event, "mail.message", domain)


@dataclass(frozen=True)
class Note:
    """A chatter message in Odoo: its ``mail.message`` id, and whether an earlier attempt had posted it."""

    id: int
    already_there: bool = False


def post_note_once(
    gw: OdooGateway, event, model: str, res_id: int, body: str, *, attachment_ids: list[int] | None = None
) -> Note:
    """Post ``body`` (HTML, without the marker) as an internal note on ``model`` ``res_id``, unless an
    earlier attempt of ``event`` already did.

    ``attachment_ids`` (``ir.attachment`` ids on the same record) go with the message when given, an
    empty list included. Both Odoo series answer one message id (the gateway normalises 19's list).
    Raises what the gateway raises (``OdooTransientError``, ``OdooPermanentError``).
    """
    found = note_posted_before(gw, event, model, res_id)
    if found:
        return Note(found, already_there=True)
    extra = {} if attachment_ids is None else {"attachment_ids": attachment_ids}
    return Note(_note_post(gw, model, res_id, marked(body, event), **extra))


def _note_post(gw: OdooGateway, model: str, res_id: int, body: str, **extra) -> int:
    """The one way a note reaches Odoo: ``body`` (HTML, markers included) as an internal note; its message id."""
    return gw.message_post(
        model, res_id, body=body, body_is_html=True, message_type="comment", subtype_xmlid="mail.mt_note", **extra
    )


# --- notes of a batch: one message_post per record ----------------------------------------------------------
# Odoo posts on one record per call (message_post on two ids: "Expected singleton", flow 5 of the recordings)
# and the integration user may not create mail.message directly (not recorded), so a batch's notes share calls
# by record: the notes of one record go in one message, each followed by its own event's marker. A retry finds
# each marker in that message as it finds a note of its own.


@dataclass(frozen=True)
class NoteDraft:
    """One event's note: on ``model`` ``res_id``, ``body`` (HTML without the marker); ``guard`` (optional) is a
    context manager factory that turns Odoo's refusal into the handler's own error (``contact_rights_needed``)."""

    event: Any
    model: str
    res_id: int
    body: str
    guard: Callable[[], AbstractContextManager] | None = None

    @property
    def record(self) -> tuple[str, int]:
        return (self.model, self.res_id)


def note_result(note: Note) -> dict[str, Any]:
    """What a delivered note's event keeps: ``{"model": "mail.message", "id", "already_there"?}``."""
    if note.already_there:
        return {"model": "mail.message", "id": note.id, "already_there": True}
    return {"model": "mail.message", "id": note.id}


def notes_batch(gw: OdooGateway, events: list, draft_of: Callable[[Any], NoteDraft]) -> BatchResult:
    """The ``BatchResult`` of a topic whose delivery is one note per event: ``draft_of(event)`` (which raises
    ``HandlerError`` for a payload it cannot use) for each event in turn, then ``notes_post``; each delivered
    event -> ``note_result``."""
    run, drafts = BatchRun(), []
    for event in events:
        if run.is_open(event):
            try:
                drafts.append(draft_of(event))
            except HandlerError as exc:
                run.fail(event, exc)
    for event_id, note in notes_post(gw, drafts, run).items():
        run.results[event_id] = note_result(note)
    return run.results


def notes_post(gw: OdooGateway, drafts: list[NoteDraft], run: BatchRun) -> dict[str, Note]:
    """Post each open draft's note once, sharing calls: one ``search_read`` for the markers of every event
    that may have been delivered before (one ``search`` when only one may), then one ``message_post`` per
    record with its drafts in batch order.

    Answers ``str(event.id)`` -> ``Note`` for the events posted or found; failures go to ``run``. A shared
    post that Odoo refuses permanently is tried again one note per call, so only the bad note fails; one
    that fails otherwise (transient) fails all its notes and stops the batch (``BatchRun``).
    """
    drafts = [draft for draft in drafts if run.is_open(draft.event)]
    notes = _marked_before(gw, [d for d in drafts if d.event.attempts > 1 or d.event.verify], run)
    for group in _groups([d for d in drafts if str(d.event.id) not in notes]):
        group = [draft for draft in group if run.is_open(draft.event)]
        if len(group) > 1:
            try:
                message_id = _post(gw, group)
            except Exception as exc:
                if stops_the_batch(exc):
                    for draft in group:
                        run.fail(draft.event, exc)
                    continue
                # Refused for good: one note of the group may be the one Odoo refuses, so each alone below.
            else:
                notes.update((str(draft.event.id), Note(message_id)) for draft in group)
                continue
        for draft in group:
            if run.is_open(draft.event):
                try:
                    notes[str(draft.event.id)] = Note(_post(gw, [draft]))
                except Exception as exc:
                    run.fail(draft.event, exc)
    return notes


def _post(gw: OdooGateway, group: list[NoteDraft]) -> int:
    """One message on the group's record: each draft's body followed by its marker (one draft: exactly the
    note ``post_note_once`` posts). Raises what the gateway raises, or the guard's error."""
    first = group[0]
    body = "<hr/>".join(marked(draft.body, draft.event) for draft in group)
    if len(group) > 1:
        # Several notes in one chatter message (they waited together): a heading says how many, and a rule
        # parts them, so a buyer reads them as the separate messages they are.
        body = render_note("grouped.html", count=len(group)) + body
    with first.guard() if first.guard else nullcontext():
        return _note_post(gw, first.model, first.res_id, body)


def _groups(drafts: list[NoteDraft]) -> list[list[NoteDraft]]:
    """The drafts by record, in order of their first draft. An aggregate whose drafts name more than one record
    is not grouped: its notes go one per call in sequence, so none passes an earlier one that fails."""
    records: dict[tuple[str, str], set] = {}
    for draft in drafts:
        records.setdefault(aggregate_of(draft.event), set()).add(draft.record)
    groups: dict[Any, list[NoteDraft]] = {}
    for index, draft in enumerate(drafts):
        key = draft.record if len(records[aggregate_of(draft.event)]) == 1 else index
        groups.setdefault(key, []).append(draft)
    return list(groups.values())


def _marked_before(gw: OdooGateway, drafts: list[NoteDraft], run: BatchRun) -> dict[str, Note]:
    """The notes that earlier attempts of ``drafts``' events left, by event id: one call for all of them (a
    ``search`` for one, as ``post_note_once`` does; a ``search_read`` of the records' messages with any of the
    markers for several). A lookup Odoo refuses permanently is made again one event at a time; one that fails
    otherwise fails those events (``run``)."""
    if len(drafts) == 1:
        draft = drafts[0]
        try:
            found = note_posted_before(gw, draft.event, draft.model, draft.res_id)
        except Exception as exc:
            run.fail(draft.event, exc)
            return {}
        return {str(draft.event.id): Note(found, already_there=True)} if found else {}
    if not drafts:
        return {}
    notes: dict[str, Note] = {}
    try:
        messages = _messages_with_markers(gw, drafts)
    except Exception as exc:
        if stops_the_batch(exc):
            for draft in drafts:
                run.fail(draft.event, exc)
        else:  # refused for good: each event's own lookup, so only the event Odoo refuses fails
            for draft in drafts:
                if run.is_open(draft.event):
                    notes.update(_marked_before(gw, [draft], run))
        return notes
    for draft in drafts:
        found = [m["id"] for m in messages if draft.record == m["record"] and marker_shown(m["body"], draft.event.id)]
        if found:
            notes[str(draft.event.id)] = Note(min(found), already_there=True)
    return notes


def _messages_with_markers(gw: OdooGateway, drafts: list[NoteDraft]) -> list[dict]:
    """The messages on the drafts' records that hold any of their markers' text: ``{"id", "record", "body"}``
    (``marker_shown`` tells a marker paragraph from a quote), one ``search_read`` per model (a topic posts on
    one model)."""
    messages = []
    for model in sorted({draft.model for draft in drafts}):
        mine = [draft for draft in drafts if draft.model == model]
        tags = [["body", "ilike", marker(str(draft.event.id))] for draft in mine]
        domain = [["model", "=", model], ["res_id", "in", sorted({draft.res_id for draft in mine})]]
        rows = gw.search_read("mail.message", domain + ["|"] * (len(tags) - 1) + tags, ["res_id", "body"])
        messages += [{"id": row["id"], "record": (model, row["res_id"]), "body": row["body"] or ""} for row in rows]
    return messages
