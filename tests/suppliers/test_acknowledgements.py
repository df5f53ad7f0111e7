"""Acknowledgements: tolerances, the buyer's decision, what Odoo holds after, and outdated versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from integrations.models import OutboxEvent
from integrations.services.delivery import event_deliver
from integrations.services.pull import tenant_pull
from portal import l10n
from portal.models import Role
from suppliers.forms.acknowledgements import AcknowledgeForm
from suppliers.models import Acknowledgement, AckStatus, PurchaseOrder, rules_for
from suppliers.services.acknowledgements import LineAnswer, ack_decide, ack_submit, local_date
from tests.factories import member


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    """These flows run against a simulated Odoo 18 (/jsonrpc) and 19 (JSON-2)."""
    return request.param


pytestmark = pytest.mark.django_db


def _deliver_all(tenant) -> list[str]:
    return [
        event_deliver(event_id=str(e.id))
        for e in OutboxEvent.objects.filter(tenant=tenant, status="pending").order_by("created_at", "sequence")
    ]


def _lines(po):
    return list(po.lines.order_by("sequence", "id"))


def test_accepted_as_is_reaches_odoo_as_odoo_itself_records_a_vendor_confirmation(synced):
    po, gw = synced.po, synced.gw
    before = {
        r["id"]: r["date_planned"]
        for r in gw.read("purchase.order.line", [x.odoo_id for x in _lines(po)], ["date_planned"])
    }
    ack = ack_submit(
        membership=synced.supplier,
        po_id=po.pk,
        answers=[LineAnswer(line_id=line.pk) for line in _lines(po)],
        supplier_ref="NF-SO-9001",
    )
    assert ack.status == Acknowledgement.Status.ACCEPTED and ack.version == 1
    po.refresh_from_db()
    assert po.ack_status == AckStatus.ACCEPTED
    event = OutboxEvent.objects.get(pk=ack.outbox_event_id)
    assert event.topic == "po.acknowledged" and event.payload["line_dates"] == {}
    assert _deliver_all(synced.tenant) == ["done"]
    flag = gw.dialect.po_acknowledged  # 18: mail_reminder_confirmed, 19: acknowledged
    assert flag == {"18.0": "mail_reminder_confirmed", "19.0": "acknowledged"}[synced.series]
    row = gw.read("purchase.order", [po.odoo_id], ["partner_ref", flag])[0]
    assert row["partner_ref"] == "NF-SO-9001" and row[flag] is True
    after = {r["id"]: r["date_planned"] for r in gw.read("purchase.order.line", list(before), ["date_planned"])}
    assert after == before  # nothing to move: the supplier accepted the dates asked
    bodies = [
        m["body"]
        for m in gw.search_read(
            "mail.message", [["model", "=", "purchase.order"], ["res_id", "=", po.odoo_id]], ["body"]
        )
    ]
    confirmed = event.payload["confirmed_date"]
    if synced.series == "18.0":  # Odoo 18's confirm_reminder_mail notes the date itself
        assert any(f"confirmed the receipt will take place on {confirmed}" in b for b in bodies)
    else:  # 19's action_acknowledge notes nothing: the portal's note says it
        assert not any("confirmed the receipt will take place on" in b for b in bodies)
        shown = l10n.day(dt.date.fromisoformat(confirmed))  # the tenant's language (English here): "25 Dec 2026"
        assert any(f"The vendor confirmed the receipt for {shown}." in b for b in bodies)
    note = next(b for b in bodies if f"portal-event-{event.id}" in b)
    supplier = f"{synced.supplier.user.get_full_name()} ({po.partner.name})"
    assert f"Acknowledged by the supplier \u2068{supplier}\u2069" in note  # the name in its bidi isolate


def test_promise_within_tolerance_moves_the_line_date_in_odoo_and_a_pull_keeps_it_acknowledged(
    synced, django_capture_on_commit_callbacks
):
    po, gw, tenant = synced.po, synced.gw, synced.tenant
    first, *rest = _lines(po)
    asked = local_date(first.date_planned, tenant)
    promised = asked + dt.timedelta(days=rules_for(tenant).ack_days_late)
    answers = [LineAnswer(line_id=first.pk, decision="change", promised_date=promised)]
    answers += [LineAnswer(line_id=line.pk) for line in rest]
    ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers)
    assert ack.status == Acknowledgement.Status.ACCEPTED and ack.has_changes
    assert _deliver_all(tenant) == ["done"]
    line = gw.read("purchase.order.line", [first.odoo_id], ["date_planned", "move_ids"])[0]
    assert line["date_planned"] == f"{promised:%Y-%m-%d} 12:00:00"  # noon where the buyer is (UTC tenant)
    moves = gw.read("stock.move", line["move_ids"], ["date_deadline", "state"])
    assert {m["date_deadline"] for m in moves if m["state"] not in ("done", "cancel")} == {
        line["date_planned"]
    }  # the receipt's deadline follows (flow 2)
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    po.refresh_from_db()
    assert po.ack_status == AckStatus.ACCEPTED  # the portal's own write is not "a change in Odoo"


def test_beyond_tolerance_waits_for_the_buyer_then_goes_to_odoo(synced):
    po, gw, tenant = synced.po, synced.gw, synced.tenant
    buyer = member(tenant, Role.BUYER)
    first, *rest = _lines(po)
    asked = local_date(first.date_planned, tenant)
    answers = [
        LineAnswer(
            line_id=first.pk,
            decision="change",
            promised_date=asked + dt.timedelta(days=10),
            promised_qty=first.quantity - 100,
        )
    ]
    answers += [LineAnswer(line_id=line.pk, decision="reject", reason="Discontinued") for line in rest]
    ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers, comment="Raw material is late")
    assert ack.status == Acknowledgement.Status.PENDING
    assert next(x.within_tolerance for x in ack.lines.order_by("id")) is False
    assert _deliver_all(tenant) == ["done"]
    before = gw.read("purchase.order.line", [first.odoo_id], ["date_planned"])[0]["date_planned"]
    assert local_date(dt.datetime.fromisoformat(before + "+00:00"), tenant) == asked  # nothing written yet
    activities = gw.search_read(
        "mail.activity", [["res_model", "=", "purchase.order"], ["res_id", "=", po.odoo_id]], ["summary", "note"]
    )
    assert [a["summary"] for a in activities] == ["Supplier acknowledgement to review"]
    assert "Raw material" not in activities[0]["note"] and "promised" in activities[0]["note"]

    with pytest.raises(ValidationError) as missing_note:
        ack_decide(membership=buyer, ack_id=ack.pk, approve=False)
    assert "note" in missing_note.value.message_dict
    ack = ack_decide(membership=buyer, ack_id=ack.pk, approve=True)
    assert ack.status == Acknowledgement.Status.APPROVED
    assert _deliver_all(tenant) == ["done"]
    after = gw.read("purchase.order.line", [first.odoo_id], ["date_planned"])[0]["date_planned"]
    assert after.startswith(f"{asked + dt.timedelta(days=10):%Y-%m-%d}")
    with pytest.raises(ValidationError):
        ack_decide(membership=buyer, ack_id=ack.pk, approve=True)  # decided already


def test_a_change_in_odoo_after_acknowledgement_asks_for_a_new_one_and_keeps_history(
    synced, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    po, gw, tenant = synced.po, synced.gw, synced.tenant
    lines = _lines(po)
    ack_submit(membership=synced.supplier, po_id=po.pk, answers=[LineAnswer(line_id=x.pk) for x in lines])
    mailoutbox.clear()
    gw.write("purchase.order.line", [lines[0].odoo_id], {"product_qty": float(lines[0].quantity) + 50})
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    po.refresh_from_db()
    assert po.ack_status == AckStatus.OUTDATED and po.needs_acknowledgement
    ack = po.acknowledgements.get()
    assert any("quantity" in c for c in ack.outdated_changes["changes"])
    assert [m.subject for m in mailoutbox] == [f"Purchase order {po.name} changed"]
    assert synced.supplier.user.email in mailoutbox[0].to and f"/orders/{po.pk}/" in mailoutbox[0].body
    again = ack_submit(membership=synced.supplier, po_id=po.pk, answers=[LineAnswer(line_id=x.pk) for x in lines])
    assert again.version == 2
    po.refresh_from_db()
    assert po.ack_status == AckStatus.ACCEPTED
    assert list(po.acknowledgements.values_list("version", flat=True)) == [2, 1]


def test_bad_answers_get_field_errors_and_nothing_is_written(synced):
    po = synced.po
    first, *rest = _lines(po)
    assert rest, "the demo PO has several lines: the per-line checks below need a second one"
    # As the page sends them: its form reads what it can, the service reports every problem at once.
    posted = QueryDict(mutable=True)
    posted.update({f"line-{first.pk}-promised_date": "31/12/2026", f"line-{first.pk}-promised_qty": "-3"})
    posted.update({f"line-{x.pk}-decision": "change" if x == first else "reject" for x in [first, *rest]})
    bad = AcknowledgeForm(posted, lines=[first, *rest]).answers
    with pytest.raises(ValidationError) as caught:
        ack_submit(membership=synced.supplier, po_id=po.pk, answers=bad)
    errors = caught.value.message_dict
    assert "YYYY-MM-DD" in errors["lines.0.promised_date"][0]
    assert "above 0" in errors["lines.0.promised_qty"][0]
    assert "Say why" in errors["lines.1.reason"][0]
    with pytest.raises(ValidationError) as incomplete:
        ack_submit(membership=synced.supplier, po_id=po.pk, answers=[LineAnswer(line_id=first.pk)])
    assert "Answer every line" in incomplete.value.message_dict["lines"][0]
    assert not Acknowledgement.objects.exists() and not OutboxEvent.objects.exists()
    po.refresh_from_db()
    assert po.ack_status == AckStatus.NONE


def test_closed_orders_and_staff_cannot_acknowledge(synced):
    po = synced.po
    answers = [LineAnswer(line_id=line.pk) for line in _lines(po)]
    with pytest.raises(ValidationError):
        ack_submit(membership=synced.admin, po_id=po.pk, answers=answers)
    PurchaseOrder.objects.filter(pk=po.pk).update(state="cancel")
    with pytest.raises(ValidationError) as caught:
        ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers)
    assert "only open orders" in caught.value.message_dict["__all__"][0]


def test_a_pending_acknowledgement_that_odoo_overtook_is_not_decided_on(synced, django_capture_on_commit_callbacks):
    po, gw, tenant = synced.po, synced.gw, synced.tenant
    buyer = member(tenant, Role.BUYER)
    lines = _lines(po)
    ack = ack_submit(
        membership=synced.supplier,
        po_id=po.pk,
        answers=[LineAnswer(line_id=x.pk, decision="reject", reason="No capacity") for x in lines],
    )
    assert ack.status == Acknowledgement.Status.PENDING
    gw.write("purchase.order.line", [lines[0].odoo_id], {"product_qty": float(lines[0].quantity) + 10})
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    po.refresh_from_db()
    assert po.ack_status == AckStatus.OUTDATED
    with pytest.raises(ValidationError) as caught:
        ack_decide(membership=buyer, ack_id=ack.pk, approve=True)
    assert "answer again" in caught.value.message_dict["__all__"][0]
    assert not OutboxEvent.objects.filter(topic="po.acknowledged").exists()
