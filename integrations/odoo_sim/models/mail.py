"""Chatter: messages, subtypes, activities."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from ..errors import AccessError, not_recorded
from ..fields import MODEL_DESCRIPTIONS
from ..orm import Model, rpc, rpc_model

TRACKING = "tracking_value_ids"


class MailMessage(Model):
    """Messages. ``tracking_value_ids`` is restricted to Administration/Settings on both series
    (reference README: ``fields_get`` lists it only for such users); only 19 recorded its values."""

    _name = "mail.message"
    _order = "id desc"
    _rec_name = "record_name"
    _inverse = {TRACKING: ("mail.tracking.value", "mail_message_id")}

    def display_name(self, rid: int) -> str | bool:
        if self.env.version >= 19:
            return False  # a tracking value's message reads [838, false] (odoo19/flows/02 call 39)
        return super().display_name(rid)

    @rpc_model
    def fields_get(self, allfields: list[str] | None = None, attributes: list[str] | None = None) -> dict:
        result = super().fields_get(allfields, attributes)
        if self.env.profile != "admin":  # odoo19/flows/02 section 6; the reference README for 18
            result.pop(TRACKING, None)
        return result

    def value(self, row: dict, field: str) -> Any:
        if field == TRACKING and row.get("x_sim_tracking_unrecorded"):
            raise not_recorded(self.env.series, f"serving the tracking values of mail.message {row['id']}")
        return super().value(row, field)

    def _serialise(self, rows: list[dict], fields: list[str] | None) -> list[dict]:
        if not fields:  # all fields: Odoo leaves out those the user may not read
            fields = [f for f in self.fields if f != "id" and (f != TRACKING or self.env.profile == "admin")]
        if TRACKING in fields:
            self._check_tracking(reading=True)
        return super()._serialise(rows, fields)

    def _search_rows(self, domain: list, offset: int, limit: int | None, order: str | None) -> list[dict]:
        items = domain if isinstance(domain, list | tuple) else ()
        if any(_field_of(item) == TRACKING for item in items if isinstance(item, list | tuple)):
            self._check_tracking(reading=False)
        return super()._search_rows(domain, offset, limit, order)

    def _check_tracking(self, *, reading: bool) -> None:
        """Recorded on 19 only: an administrator reads and filters on tracking values (calls 38-39);
        another user's read is a 403 AccessError, checked after the recording (flow 2, section 6)."""
        env = self.env
        if env.version >= 19 and env.profile == "admin":
            return
        if env.version >= 19 and reading:
            # The recording quotes this refusal abbreviated: 'You do not have enough rights to access the
            # field "tracking_value_ids" … allowed for groups 'Role / Administrator''. The middle follows
            # Odoo 19's wording of a field-access refusal (its Operation/User/Groups lines).
            raise AccessError(
                f'You do not have enough rights to access the field "{TRACKING}" on '
                f"{MODEL_DESCRIPTIONS['mail.message']} (mail.message). Please contact your system administrator."
                f"\n\nOperation: read\nUser: {env.uid}\nGroups: allowed for groups 'Role / Administrator'"
            )
        who = "an administrator" if env.profile == "admin" else "a user outside Administration/Settings"
        use = "reading" if reading else "searching on"
        raise not_recorded(env.series, f"{use} mail.message.{TRACKING} as {who}")


def _field_of(item: list | tuple) -> str | None:
    """The field a domain condition starts from (``tracking_value_ids.field_id`` -> ``tracking_value_ids``)."""
    return item[0].split(".", 1)[0] if len(item) == 3 and isinstance(item[0], str) else None


class MailTrackingValue(Model):
    """A tracked change, created by the simulator's own chatter (``chatter.note``). Recorded on 19
    only, and only as an administrator's ``read`` of the fields below (odoo19/flows/02 call 39):
    every other call, series, user or field is refused as unrecorded."""

    _name = "mail.tracking.value"
    _rec_name = None
    SERVED = frozenset({"id", "mail_message_id", "field_id", "old_value_integer", "new_value_integer"})

    def _rpc_guard(self, method: str) -> None:
        if self.env.version >= 19 and self.env.profile == "admin" and method == "read":
            return
        who = "an administrator" if self.env.profile == "admin" else "a user outside Administration/Settings"
        raise not_recorded(self.env.series, f"mail.tracking.value.{method} as {who}")

    def _serialise(self, rows: list[dict], fields: list[str] | None) -> list[dict]:
        unserved = sorted(set(fields or ["(all fields)"]) - self.SERVED)
        if unserved:
            raise not_recorded(self.env.series, f"reading mail.tracking.value {', '.join(unserved)}")
        return super()._serialise(rows, fields)


class MailMessageSubtype(Model):
    _name = "mail.message.subtype"


class MailActivityType(Model):
    _name = "mail.activity.type"


class MailActivity(Model):
    _name = "mail.activity"
    _order = "date_deadline asc, id asc"
    _rec_name = "summary"
    _required = ("res_model_id", "res_id", "activity_type_id")
    _computed = {"res_model": "_res_model", "res_name": "_res_name", "state": "_state"}

    def _defaults(self) -> dict[str, Any]:
        return {"active": True, "user_id": self.env.uid, "date_deadline": self.db.txn_time.strftime("%Y-%m-%d")}

    def _check_required(self, row: dict) -> None:
        """A field the recorded series declares required fails as Odoo fails it (18: ``res_model_id``,
        odoo18/flows/05 call 17). Creating without one of the others is not recorded: 19 declares
        ``res_model_id`` not required (odoo19/fields/mail.activity.json) but no recording shows such a
        create, nor one without ``res_id`` or ``activity_type_id`` on either series."""
        missing = [name for name in self._required if not row.get(name)]
        if any(self.fields.get(name, {}).get("required") for name in missing):
            super()._check_required(row)  # the recorded mandatory-field error
        if missing:
            raise not_recorded(self.env.series, f"creating a mail.activity without {missing[0]}")

    def _res_model(self, row: dict) -> str:
        return (
            (self.db.get("ir.model", row.get("res_model_id") or 0) or {}).get("model") or row.get("res_model") or False
        )

    def _res_name(self, row: dict) -> str:
        model = self._res_model(row)
        return self.env[model].display_name(row["res_id"]) if model else False

    def _state(self, row: dict) -> str:
        deadline = date.fromisoformat(row["date_deadline"])
        today = self.db.txn_time.date()
        return "overdue" if deadline < today else "today" if deadline == today else "planned"

    def _before_create(self, row: dict) -> None:
        if row.get("note") and not str(row["note"]).lstrip().startswith("<"):
            row["note"] = f"<p>{html.escape(row['note'])}</p>"
        row.pop("res_model", None)

    @rpc
    def action_feedback(self, ids: list[int], feedback: str = "", attachment_ids: list[int] | None = None) -> int:
        """Mark done: post what was done on the record, then delete the activity."""
        message_id = False
        for rid in self._existing(ids):
            row = self.rows[rid]
            activity_type = self.db.get("mail.activity.type", row["activity_type_id"]) or {}
            assignee = self.env["res.users"].display_name(row.get("user_id") or 0)
            body = (
                '\n<p>\n<span class="fa fa-check fa-fw"></span>'
                f"<span>{html.escape(activity_type.get('name', ''))}</span>"
                f" done\n(originally assigned to <span>{html.escape(assignee)}</span>)\n<span>: </span>"
                f"<span>{html.escape(row.get('summary') or '')}</span>\n</p>\n"
                f'<div class="o_mail_note_title fw-bold">Original note:</div>\n<div>{row.get("note") or ""}</div>\n'
                f'<div>\n<div class="fw-bold">Feedback:</div>\n<p>{html.escape(feedback)}</p>\n</div>\n'
            )
            model = self._res_model(row)
            message_id = self.env[model].post_message(
                row["res_id"], body, subtype_xmlid="mail.mt_activities", attachment_ids=attachment_ids
            )
            self.db.update("mail.message", message_id, {"mail_activity_type_id": row["activity_type_id"]}, bump=False)
            self._unlink_one(rid)
        return message_id
