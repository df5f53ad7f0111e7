"""Chatter: messages, subtypes, activities."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from ..orm import Model, rpc


class MailMessage(Model):
    _name = "mail.message"
    _order = "id desc"
    _rec_name = "record_name"


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
