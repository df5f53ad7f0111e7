"""Chatter messages the business methods post as the calling user, per Odoo series."""

from __future__ import annotations

from typing import Any

from ..orm import Model


def note(
    model: Model,
    rid: int,
    body: str,
    subtype_xmlid: str = "mail.mt_note",
    *,
    tracking: dict[str, tuple[Any, Any]] | None = None,
    tracking_unrecorded: bool = False,
) -> int | None:
    """Post a notification on a record as the current user.

    A user with an e-mail address posts as usual. Without one, 18 fails such
    posts (odoo18 flows/03 calls 15-16); the simulator's 18 skips the message
    where no failure was recorded. 19 posts it with ``email_from`` false
    (odoo19 flows/03 section 6).

    On 19, ``tracking`` (field -> (old, new)) attaches the message's tracking
    values (odoo19 flows/02 calls 38-39); ``tracking_unrecorded`` marks a
    message that carries tracking values no recording shows, whose
    ``tracking_value_ids`` the simulator then refuses to serve. 18 records no
    tracking values: neither is used there.
    """
    env = model.env
    author = env.db.get("res.partner", env.user.get("partner_id") or 0) or {}
    if not author or (env.version < 19 and not author.get("email")):
        return None
    message = model.post_message(rid, body, subtype_xmlid=subtype_xmlid)  # 19: email_from false without one
    if env.version >= 19:
        for name, (old, new) in (tracking or {}).items():
            _track(model, message, name, old, new)
        if tracking_unrecorded:
            env.db.update("mail.message", message, {"x_sim_tracking_unrecorded": True}, bump=False)
    return message


def _track(model: Model, message: int, name: str, old: Any, new: Any) -> int:
    """One ``mail.tracking.value`` of a message, with the values odoo19/flows/02 call 39 reads:
    a boolean as 0/1 in ``old_value_integer``/``new_value_integer`` (``acknowledged``), a selection
    with 0 and 0 there (``state``, tracking value 185). Other field types are not recorded."""
    ftype = model.fields[name]["type"]
    if ftype == "boolean":
        integers = (int(bool(old)), int(bool(new)))
    elif ftype == "selection":
        integers = (0, 0)
    else:  # a programming error of the simulator, not an RPC answer
        raise NotImplementedError(f"tracking of a {ftype} field is not recorded")
    field_id = model.env["ir.model.fields"].field_id(model._name, name, model.fields[name]["string"])
    return model.env["mail.tracking.value"].new(
        {
            "mail_message_id": message,
            "field_id": field_id,
            "old_value_integer": integers[0],
            "new_value_integer": integers[1],
        }
    )
