"""Flow 5: chatter notes and messages, attachments, activities."""

from __future__ import annotations

import base64

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError, record_ids

from .conftest import new_confirmed_po


def test_message_post_escapes_plain_text_and_keeps_html(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    note = gw.call(
        "purchase.order",
        "message_post",
        [po],
        body="ASN 4711: 3 x LAB-LOT-001\nSecond & <b>not bold</b>",
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    assert isinstance(note, int)
    message = gw.read("mail.message", [note], ["body", "model", "res_id", "subtype_id", "author_id"])[0]
    assert message["body"] == "<p>ASN 4711: 3 x LAB-LOT-001\nSecond &amp; &lt;b&gt;not bold&lt;/b&gt;</p>"
    assert (message["model"], message["res_id"], message["subtype_id"][1]) == ("purchase.order", po, "Note")
    html = gw.call(
        "purchase.order",
        "message_post",
        [po],
        body="<p>Vendor <b>confirmed</b> all lines</p>",
        body_is_html=True,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    assert gw.read("mail.message", [html], ["body"])[0]["body"] == "<p>Vendor <b>confirmed</b> all lines</p>"


def test_message_post_needs_one_record(gw):
    first, second = new_confirmed_po(gw, [("FURN_7800", 1)]), new_confirmed_po(gw, [("FURN_7800", 1)])
    with pytest.raises(OdooPermanentError) as caught:
        gw.call("purchase.order", "message_post", [first, second], body="x")
    assert caught.value.name == "builtins.ValueError"
    assert "Expected singleton: purchase.order(" in caught.value.message


def test_comment_notifies_the_vendor_and_note_does_not(gw, odoo_target, transport):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    followers = gw.read("purchase.order", [po], ["message_partner_ids"])[0]["message_partner_ids"]
    vendor = gw.read("purchase.order", [po], ["partner_id"])[0]["partner_id"][0]
    assert vendor in followers  # confirmation subscribed the vendor
    note = gw.call(
        "purchase.order", "message_post", [po], body="internal", message_type="comment", subtype_xmlid="mail.mt_note"
    )
    comment = gw.call(
        "purchase.order",
        "message_post",
        [po],
        body="to the vendor",
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
    )
    admin = OdooGateway(odoo_target.config(transport=transport, user="admin"))
    rows = {r["id"]: r for r in admin.read("mail.message", [note, comment], ["notified_partner_ids", "subtype_id"])}
    assert rows[note]["notified_partner_ids"] == [] and rows[note]["subtype_id"][1] == "Note"
    assert vendor in rows[comment]["notified_partner_ids"] and rows[comment]["subtype_id"][1] == "Discussions"


def test_attachment_on_the_chatter(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    attachment = gw.create(
        "ir.attachment",
        {
            "name": "asn-4711.txt",
            "mimetype": "text/plain",
            "datas": base64.b64encode(b"ASN 4711\n").decode(),
            "res_model": "purchase.order",
            "res_id": po,
        },
    )
    message = gw.call(
        "purchase.order",
        "message_post",
        [po],
        body="ASN document",
        attachment_ids=[attachment],
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    assert gw.read("mail.message", [message], ["attachment_ids"])[0]["attachment_ids"] == [attachment]
    assert gw.read("purchase.order", [po], ["message_attachment_count"])[0]["message_attachment_count"] == 1


def test_activities_without_ir_model_and_their_completion(gw, odoo_target, transport):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    with pytest.raises(OdooPermanentError) as caught:
        gw.search_read("ir.model", [["model", "=", "purchase.order"]], ["model"])
    assert caught.value.name == "odoo.exceptions.AccessError"
    todo = gw.call("ir.model.data", "check_object_reference", module="mail", xml_id="mail_activity_data_todo")
    assert todo[0] == "mail.activity.type"
    with pytest.raises(OdooPermanentError) as caught:
        gw.create(
            "mail.activity",
            {
                "activity_type_id": todo[1],
                "res_id": po,
                "res_model": "purchase.order",
                "summary": "no res_model_id",
                "user_id": gw.uid,
            },
        )
    assert "Field: Document Model (res_model_id)" in caught.value.message
    scheduled = gw.call(
        "purchase.order",
        "activity_schedule",
        [po],
        act_type_xmlid="mail.mail_activity_data_todo",
        date_deadline="2026-12-01",
        summary="Check vendor acknowledgement",
        note="Promised dates moved",
        user_id=gw.uid,
    )
    if transport == "jsonrpc":
        assert isinstance(scheduled, str) and scheduled.startswith("mail.activity(")
    [activity] = record_ids(scheduled)
    row = gw.read(
        "mail.activity", [activity], ["res_model", "res_id", "summary", "note", "date_deadline", "activity_type_id"]
    )[0]
    assert (row["res_model"], row["res_id"], row["date_deadline"]) == ("purchase.order", po, "2026-12-01")
    assert row["note"] == "<p>Promised dates moved</p>" and row["activity_type_id"][1] == "To-Do"
    assert gw.read("purchase.order", [po], ["activity_ids"])[0]["activity_ids"] == [activity]
    message = gw.call("mail.activity", "action_feedback", [activity], feedback="Checked by integration")
    assert isinstance(message, int)
    assert "Checked by integration" in gw.read("mail.message", [message], ["body"])[0]["body"]
    assert gw.search("mail.activity", [["id", "=", activity], ["active", "in", [True, False]]]) == []
    assert gw.read("purchase.order", [po], ["activity_ids"])[0]["activity_ids"] == []
