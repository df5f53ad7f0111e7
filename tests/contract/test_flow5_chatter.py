"""Flow 5: chatter notes and messages, attachments, activities.

Recordings: odoo18/flows/05. Odoo 19 has no recording of this flow; what 19 changes here is
recorded in odoo19/transcripts/message_post_return_value.json (``message_post`` and
``activity_schedule`` answer ``[id]`` on both transports, where 18 over /jsonrpc answers a bare id,
resp. the string ``"mail.activity(26,)"``) and odoo19/fields (``mail.activity.res_model_id`` is no
longer required). The rest is checked as 18 recorded it.

Posting or scheduling on a record needs write access to it (mail.thread's ``_mail_post_access``, "write"
unless a model lowers it; res.partner does not): the recordings show both on purchase.order and
stock.picking only, by the integration user who may write them, and a contact write refused to a user
without the contact rights (access_error.json, internal_employee_write_company_partner).
"""

from __future__ import annotations

import base64

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError, record_ids

from .conftest import new_confirmed_po, vendor


def posted_id(gw: OdooGateway, answer) -> int:
    """The message id from ``message_post``'s raw answer, in the shape recorded for the series:
    18 the id (odoo18 call_kw_argument_binding.json, jsonrpc_message_post_return_value), 19 ``[id]``."""
    if gw.dialect.series == 18:
        assert isinstance(answer, int) and not isinstance(answer, bool), answer
        return answer
    assert isinstance(answer, list) and len(answer) == 1 and isinstance(answer[0], int), answer
    return answer[0]


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
    note = posted_id(gw, note)
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
    html = posted_id(gw, html)
    assert gw.read("mail.message", [html], ["body"])[0]["body"] == "<p>Vendor <b>confirmed</b> all lines</p>"


def test_message_post_needs_one_record(gw):
    first, second = new_confirmed_po(gw, [("FURN_7800", 1)]), new_confirmed_po(gw, [("FURN_7800", 1)])
    with pytest.raises(OdooPermanentError) as caught:
        gw.call("purchase.order", "message_post", [first, second], body="x")
    # odoo18/flows/05 call 5, odoo19 message_post_return_value.json: jsonrpc_message_post_two_records
    assert (caught.value.name, caught.value.message) == (
        "builtins.ValueError",
        f"Expected singleton: purchase.order({first}, {second})",
    )


def test_comment_notifies_the_vendor_and_note_does_not(gw, odoo_target, transport):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    followers = gw.read("purchase.order", [po], ["message_partner_ids"])[0]["message_partner_ids"]
    vendor = gw.read("purchase.order", [po], ["partner_id"])[0]["partner_id"][0]
    assert vendor in followers  # confirmation subscribed the vendor
    note = gw.message_post("purchase.order", po, body="internal", message_type="comment", subtype_xmlid="mail.mt_note")
    comment = gw.message_post(
        "purchase.order",
        po,
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
    message = gw.message_post(
        "purchase.order",
        po,
        body="ASN document",
        attachment_ids=[attachment],
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    assert gw.read("mail.message", [message], ["attachment_ids"])[0]["attachment_ids"] == [attachment]
    assert gw.read("purchase.order", [po], ["message_attachment_count"])[0]["message_attachment_count"] == 1


def test_activities_without_ir_model_and_their_completion(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    with pytest.raises(OdooPermanentError) as caught:
        gw.search_read("ir.model", [["model", "=", "purchase.order"]], ["model"])
    assert caught.value.name == "odoo.exceptions.AccessError"
    todo = gw.call("ir.model.data", "check_object_reference", module="mail", xml_id="mail_activity_data_todo")
    assert todo[0] == "mail.activity.type"
    # The document's model is required on 18 (the create below fails), no longer on 19 (odoo19/DIFF.md,
    # mail.activity: res_model_id required true -> false; no 19 recording of such a create).
    assert gw.fields_get("mail.activity")["res_model_id"]["required"] is {18: True, 19: False}[gw.dialect.series]
    if gw.dialect.series == 18:
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
        # odoo18/flows/05 call 17
        assert (caught.value.name, caught.value.message) == (
            "odoo.exceptions.ValidationError",
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            "Model: Activity (mail.activity)\nField: Document Model (res_model_id)\n",
        )
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
    [activity] = record_ids(scheduled)
    # 18 over /jsonrpc: the recordset's repr (odoo18/flows/05 call 20); 19: [id] on both transports.
    assert scheduled == {18: f"mail.activity({activity},)", 19: [activity]}[gw.dialect.series]
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


CONTACT_CREATION = "base.group_partner_manager"  # the simulator's "grant" control takes the xml id
# The recorded refusal of a contact write (access_error.json of each series, internal_employee_write_company_
# partner); the simulator answers a post or an activity on a partner with it.
CONTACT_REFUSED = {
    18: "You are not allowed to modify 'Contact' (res.partner) records.\n\n"
    "This operation is allowed for the following groups:\n\t- Extra Rights/Contact Creation\n"
    "\t- Inventory/Administrator\n\t- Manufacturing/Administrator\n\t- Purchase/Administrator\n\n"
    "Contact your administrator to request access if necessary.",
    19: "You are not allowed to modify 'Bank Accounts' (res.partner.bank) records.\n\n"
    "This operation is allowed for the following groups:\n\t- Contact/Creation\n\n"
    "Contact your administrator to request access if necessary.",
}


def _refused_on_partner(gw: OdooGateway) -> list[OdooPermanentError]:
    """A note and a To-Do on Wood Corner, each expected to be refused; answers the two errors."""
    partner, errors = vendor(gw), []
    for method, kwargs in (
        ("message_post", {"body": "not allowed", "message_type": "comment", "subtype_xmlid": "mail.mt_note"}),
        ("activity_schedule", {"act_type_xmlid": "mail.mail_activity_data_todo", "summary": "not allowed"}),
    ):
        with pytest.raises(OdooPermanentError) as caught:
            gw.call("res.partner", method, [partner], **kwargs)
        errors.append(caught.value)
    return errors


def test_the_integration_user_without_contact_rights_may_not_post_or_schedule_on_a_partner(sim, gw, series):
    """The simulator only: a live integration user should hold the contact rights (README). The seeded
    integration user holds Purchase/User and Inventory/User, as recorded, and no contact rights (taken back
    here in case an earlier test of the session granted them)."""
    sim.control("revoke", login="integration", group=CONTACT_CREATION)
    for error in _refused_on_partner(gw):
        assert (error.name, error.message) == ("odoo.exceptions.AccessError", CONTACT_REFUSED[series])
    # the same user posts and schedules on its purchase orders (flow 5)
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    assert isinstance(gw.message_post("purchase.order", po, body="allowed", subtype_xmlid="mail.mt_note"), int)
    assert gw.activity_schedule("purchase.order", po, summary="allowed", user_id=gw.uid)


def test_a_user_without_contact_rights_may_not_post_or_schedule_on_a_partner(odoo_target, transport, series):
    """Live, with ``ODOO_NOACCESS_*``: an internal user without the contact rights (the recorded
    lab_noaccess). Odoo's refusal names the partner's model, which the portal's handlers look for
    (integrations/handlers/partners.py); the simulator's words are the recorded contact write's."""
    gw = OdooGateway(odoo_target.config(transport=transport, user="noaccess"))
    for error in _refused_on_partner(gw):
        assert error.name == "odoo.exceptions.AccessError" and "(res.partner" in error.message
        if odoo_target.is_sim:
            assert error.message == CONTACT_REFUSED[series]


@pytest.fixture
def contact_rights(odoo_target):
    """The integration user holds the contact rights: granted on the simulator and taken back afterwards
    (the contract suite shares one simulator); a live integration user must hold them already."""
    if not odoo_target.is_sim:
        yield
        return
    odoo_target.sim.control("grant", login="integration", group=CONTACT_CREATION)
    yield
    odoo_target.sim.control("revoke", login="integration", group=CONTACT_CREATION)


def test_with_contact_rights_the_integration_user_posts_and_schedules_on_a_partner(contact_rights, gw):
    """Live, this needs the integration user to hold the contact rights (18: Extra Rights / Contact
    Creation, 19: Contact / Creation), as the portal's SCAR and scorecard handlers do; the To-Do is marked
    done at the end, the note stays in Wood Corner's chatter."""
    partner = vendor(gw)
    message = gw.message_post(
        "res.partner", partner, body="contract: note", message_type="comment", subtype_xmlid="mail.mt_note"
    )
    row = gw.read("mail.message", [message], ["model", "res_id", "body"])[0]
    assert (row["model"], row["res_id"], row["body"]) == ("res.partner", partner, "<p>contract: note</p>")
    activity = gw.activity_schedule(
        "res.partner", partner, act_type_xmlid="mail.mail_activity_data_todo", summary="contract: to-do", user_id=gw.uid
    )
    row = gw.read("mail.activity", [activity], ["res_model", "res_id", "summary"])[0]
    assert (row["res_model"], row["res_id"], row["summary"]) == ("res.partner", partner, "contract: to-do")
    gw.call("mail.activity", "action_feedback", [activity], feedback="contract: done")
