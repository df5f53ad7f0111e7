"""scar.noted and scar.overdue against the simulated Odoo 18 (/jsonrpc) and 19 (JSON-2), through the real
delivery path: the note on the partner, the overdue step's To-Do activity for the partner's buyer, each once
however often the event is delivered; a partner missing from Odoo fails clearly, and so does an
integration user without the contact rights (Odoo checks write access on the partner before a note or an
activity, mail.thread's ``_mail_post_access``; the recorded integration user lacks it, access_error.json).

The integration user is granted the contact rights (the simulator's "grant" control) unless a test says
otherwise.

The events carry the agreed payloads (quality.services.scars and scar_escalation emit them), emitted here
by hand on a SCAR row so that each case is exact.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.db import transaction

from integrations import topics
from integrations.models import EventStatus, OutboxEvent
from integrations.odoo import OdooGateway
from integrations.odoo_sim.orm import CONTACT_CREATION
from integrations.services.exceptions import outbox_replay
from integrations.services.outbox import outbox_emit
from quality.models import Scar
from tests.contract.conftest import one
from tests.factories import PartnerFactory
from tests.factories.portal import odoo_tenant
from tests.integrations.test_ncr_to_odoo import again, deliver, delivered

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["18.0", "19.0"])
def sim(request):
    """The simulated Odoo of each series, reset to the seeded lab before and after."""
    process = request.getfixturevalue("odoo_sim18" if request.param == "18.0" else "odoo_sim")
    process.control("reset")
    yield process
    process.control("reset")


@pytest.fixture
def lab(sim):
    """Wood Corner in Odoo and in the portal, with a SCAR issued to it; the integration user holds the
    contact rights."""
    sim.control("grant", login="integration", group=CONTACT_CREATION)
    tenant = odoo_tenant(sim, f"s{uuid.uuid4().hex[:6]}", transport="auto")  # JSON-2 on 19, /jsonrpc on 18
    gw = OdooGateway(tenant.odoo_config())
    admin = OdooGateway(sim.config(transport="jsonrpc", login="admin", api_key="sim-api-key-admin"))
    odoo_partner = one(gw, "res.partner", [["name", "=", "Wood Corner"]])
    partner = PartnerFactory(tenant=tenant, name="Wood Corner", odoo_id=odoo_partner)
    scar = Scar.objects.create(tenant=tenant, number="SCAR-00003", partner=partner, title="Burrs on flanges")
    return SimpleNamespace(
        sim=sim,
        series=int(sim.version[:2]),
        tenant=tenant,
        gw=gw,
        admin=admin,
        partner=odoo_partner,
        buyer=one(gw, "res.users", [["login", "=", "admin"]]),
        scar=scar,
    )


def emit(lab, topic: str, payload: dict, scar: Scar | None) -> OutboxEvent:
    with transaction.atomic():
        return outbox_emit(tenant=lab.tenant, topic=topic, aggregate=scar or lab.scar, payload=payload)


def another_scar(lab) -> Scar:
    """A second SCAR: a failed event holds back the later events of its own SCAR only."""
    return Scar.objects.create(tenant=lab.tenant, number="SCAR-00004", partner=lab.scar.partner, title="Rust")


def noted(lab, what: str, scar: Scar | None = None, **changes) -> OutboxEvent:
    payload = {
        "scar_id": lab.scar.pk,
        "scar_number": "SCAR-00003",
        "partner_odoo_id": lab.partner,
        "partner": "Wood Corner",
        "what": what,
        "step": None,
        "step_title": "",
        "summary": "",
        "by": "Quinn Engineer",
        **changes,
    }
    return emit(lab, topics.SCAR_NOTED, payload, scar)


def overdue(lab, scar: Scar | None = None, **changes) -> OutboxEvent:
    payload = {
        "scar_id": lab.scar.pk,
        "scar_number": "SCAR-00003",
        "partner_odoo_id": lab.partner,
        "partner": "Wood Corner",
        "step": "D4",
        "step_title": "Root cause",
        "due_date": "2026-12-01",
        "buyer_names": ["Mitchell Admin", "Pat <Buyer>"],
        **changes,
    }
    return emit(lab, topics.SCAR_OVERDUE, payload, scar)


def partner_notes(lab, event) -> list[dict]:
    domain = [
        ["model", "=", "res.partner"],
        ["res_id", "=", lab.partner],
        ["body", "ilike", f"portal-event-{event.pk}"],
    ]
    return lab.gw.search_read("mail.message", domain, ["body", "subtype_id", "message_type"])


def partner_activities(lab) -> list[dict]:
    fields = ["res_model", "res_model_id", "activity_type_id", "summary", "note", "user_id"]
    return lab.gw.search_read(
        "mail.activity", [["res_model", "=", "res.partner"], ["res_id", "=", lab.partner]], fields
    )


def test_an_issued_scar_and_an_accepted_step_are_noted_on_the_partner_once_each(lab):
    issued = noted(lab, "issued", summary="From NCR-00007 and NCR-00009:\nburrs on <b>flanges</b>")
    accepted = noted(lab, "step_accepted", step="D3", step_title="Containment", summary="Stock sorted")
    first, second = delivered(issued), delivered(accepted)
    [note] = partner_notes(lab, issued)
    assert first == {"model": "mail.message", "id": note["id"]}
    assert note["subtype_id"][1] == "Note" and note["message_type"] == "comment"
    assert "<b>SCAR-00003 issued</b>, by \u2068Quinn Engineer\u2069." in note["body"]  # a name in its isolate
    assert "From NCR-00007 and NCR-00009:<br>burrs on &lt;b&gt;flanges&lt;/b&gt;" in note["body"]
    [step] = partner_notes(lab, accepted)
    assert (
        second["id"] == step["id"] and "<b>SCAR-00003 step accepted</b>: D3 Containment, by \u2068Quinn" in step["body"]
    )

    assert again(issued) == {**first, "already_there": True}
    assert len(partner_notes(lab, issued)) == 1 and len(partner_notes(lab, accepted)) == 1


@pytest.mark.parametrize("what", ["closed", "reopened", "cancelled"])
def test_closing_reopening_and_cancelling_are_noted(lab, what):
    event = noted(lab, what, summary="Why: a repeat of BURR-01 on lot L-9")
    delivered(event)
    [note] = partner_notes(lab, event)
    assert (
        f"<b>SCAR-00003 {what}</b>, by \u2068Quinn Engineer\u2069." in note["body"]
        and "repeat of BURR-01" in note["body"]
    )


def test_a_note_event_without_a_partner_in_odoo_or_with_an_unknown_change_is_refused(lab):
    event = deliver(noted(lab, "issued", partner_odoo_id=None))
    assert event.status == EventStatus.DEAD and "names no partner in Odoo" in event.last_error
    event = deliver(noted(lab, "escalated", another_scar(lab)))
    assert event.status == EventStatus.DEAD and "unknown what: 'escalated'" in event.last_error
    assert partner_notes(lab, event) == []


def test_an_overdue_step_gives_the_partners_buyer_one_activity(lab):
    lab.admin.write("res.partner", [lab.partner], {"buyer_id": lab.buyer})  # a person sets the buyer in Odoo
    event = overdue(lab)
    result = delivered(event)
    [activity] = partner_activities(lab)
    assert result == {"model": "mail.activity", "id": activity["id"], "user_id": lab.buyer}
    assert activity["res_model_id"][0] == one(lab.admin, "ir.model", [["model", "=", "res.partner"]])
    assert activity["user_id"][0] == lab.buyer and activity["activity_type_id"][1] == "To-Do"
    assert activity["summary"] == "SCAR-00003 D4 overdue since 1 Dec 2026"
    assert "has not answered SCAR-00003 step D4 (Root cause), due 1 Dec 2026" in activity["note"]
    assert "\u2068Mitchell Admin\u2069, \u2068Pat &lt;Buyer&gt;\u2069" in activity["note"]

    assert again(event) == {"model": "mail.activity", "id": activity["id"], "already_there": True}
    assert len(partner_activities(lab)) == 1


def test_without_a_buyer_on_the_partner_the_activity_is_the_integration_users(lab):
    result = delivered(overdue(lab))
    [activity] = partner_activities(lab)
    assert result["user_id"] is None and activity["user_id"][0] == lab.gw.uid


def test_a_partner_gone_from_odoo_fails_clearly(lab):
    event = deliver(overdue(lab, partner_odoo_id=990_001))
    assert event.status == EventStatus.DEAD
    assert "Partner Wood Corner (res.partner 990001) no longer exists in Odoo" in event.last_error
    event = deliver(noted(lab, "issued", another_scar(lab), partner_odoo_id=990_001))
    assert event.status == EventStatus.DEAD and "990001" in event.last_error


GROUP = {18: "Extra Rights/Contact Creation (or Purchase/Administrator)", 19: "Contact/Creation"}


def test_without_contact_rights_the_note_and_the_activity_fail_clearly_then_go_once_granted(lab):
    lab.sim.control("revoke", login="integration", group=CONTACT_CREATION)
    note, activity = deliver(noted(lab, "issued")), deliver(overdue(lab, another_scar(lab)))
    for event, doing in ((note, "post the SCAR note on"), (activity, "schedule the overdue SCAR step's To-Do on")):
        assert event.status == EventStatus.DEAD
        assert event.last_error_class == "permanent:portal.ContactRightsMissing"
        assert f"Odoo {lab.series} refused to {doing} Wood Corner (res.partner {lab.partner})" in event.last_error
        assert f"In Odoo, give it the group '{GROUP[lab.series]}'." in event.last_error
        assert "SCAR notes, overdue SCAR activities, scorecard notes and purchase warnings" in event.last_error
        # Odoo's own first line: 18 names the contacts, 19 its bank accounts' rule (access_error.json)
        said = "'Contact' (res.partner)" if lab.series == 18 else "'Bank Accounts' (res.partner.bank)"
        assert f"Odoo said: You are not allowed to modify {said} records." in event.last_error
    assert partner_notes(lab, note) == [] and partner_activities(lab) == []

    lab.sim.control("grant", login="integration", group=CONTACT_CREATION)
    assert outbox_replay(actor=None, event_ids=[str(note.pk), str(activity.pk)]) == 2
    assert delivered(note)["id"] == partner_notes(lab, note)[0]["id"]
    assert delivered(activity)["id"] == partner_activities(lab)[0]["id"]
