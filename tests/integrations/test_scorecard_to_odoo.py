"""scorecard.standing_changed against the simulated Odoo 18 (/jsonrpc) and 19 (JSON-2), through the real
delivery path: the partner's purchase warning set from the standing (a person's warning kept under it and
restored exactly), a person's edit left alone, blocking on 18 only, a note per change, nothing more on a
redelivery, and the clear failure when the integration user lacks the contact rights (as recorded), for the
warning's write and for the note alike (Odoo checks write access on the partner before a post).

The integration user is granted the contact rights (the simulator's "grant" control) unless a test says
otherwise; the admin plays the buyer who writes warnings by hand in Odoo. Events are emitted by hand with
the agreed payload (contract item 3), on the portal's partner as the engine emits them.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import httpx
import pytest
from django.db import transaction

from integrations import topics
from integrations.handlers.scorecards import NO_BLOCK_19
from integrations.models import EventStatus, Lane, OutboxEvent
from integrations.odoo import OdooGateway, OdooPermanentError
from integrations.reconcilers.scorecards import purchase_warnings_still_there
from integrations.services.exceptions import outbox_replay
from integrations.services.outbox import outbox_emit
from quality.models import PurchaseWarning
from tests.contract.conftest import one
from tests.factories import PartnerFactory
from tests.factories.portal import odoo_tenant
from tests.integrations.test_ncr_to_odoo import again, deliver, delivered

pytestmark = pytest.mark.django_db
CONTACT_RIGHTS = "base.group_partner_manager"
PORTAL_TEXT = (
    "Scorecard standing: Probation (was Approved), score 52.5.\n"
    "- On-time delivery 71.0 % (target 95 %)\n"
    "- PPM 1,200 (target 500)\n"
    "Set by the Supplier Portal, which clears it when the standing is good again."
)
PERSON = "Check the ISO 9001 certificate first.\nCall Anna before ordering: ext. 214"


@pytest.fixture(params=["18.0", "19.0"])
def sim(request):
    """The simulated Odoo of each series, reset to the seeded lab (no user holds contact rights)."""
    process = request.getfixturevalue("odoo_sim18" if request.param == "18.0" else "odoo_sim")
    process.control("reset")
    yield process
    process.control("reset")


@pytest.fixture
def lab(sim):
    """Wood Corner in Odoo and in the portal; the integration user holds the contact rights."""
    sim.control("grant", login="integration", group=CONTACT_RIGHTS)
    tenant = odoo_tenant(sim, f"w{uuid.uuid4().hex[:6]}", transport="auto")  # JSON-2 on 19, /jsonrpc on 18
    gw = OdooGateway(tenant.odoo_config())
    admin = OdooGateway(sim.config(transport="jsonrpc", login="admin", api_key="sim-api-key-admin"))
    odoo_partner = one(gw, "res.partner", [["name", "=", "Wood Corner"]])
    partner = PartnerFactory(tenant=tenant, name="Wood Corner", odoo_id=odoo_partner)
    return SimpleNamespace(
        sim=sim, tenant=tenant, gw=gw, admin=admin, odoo=odoo_partner, partner=partner, series=int(sim.version[:2])
    )


def standing(lab, *, warn: bool = True, block: bool = False, **changes) -> OutboxEvent:
    payload = {
        "partner_odoo_id": lab.odoo,
        "partner": "Wood Corner",
        "standing": "Probation" if warn else "Approved",
        "previous": "Approved" if warn else "Probation",
        "score": "52.5" if warn else "81",
        "reasons": ["On-time delivery 71.0 % (target 95 %)", "PPM 1,200 (target 500)"] if warn else [],
        "warn": warn,
        "block": block,
        "change_id": 7,
        **changes,
    }
    with transaction.atomic():
        return outbox_emit(
            tenant=lab.tenant,
            topic=topics.SCORECARD_STANDING_CHANGED,
            aggregate=lab.partner,
            payload=payload,
            lane=Lane.BATCH,
        )


def shown(lab) -> dict:
    """The partner's warning as the admin reads it: 19 has no level."""
    fields = ["purchase_warn_msg"] + (["purchase_warn"] if lab.series == 18 else [])
    return lab.admin.read("res.partner", [lab.odoo], fields)[0]


def by_hand(lab, level: str, message: str) -> None:
    """A buyer writes the warning in Odoo."""
    values = {"purchase_warn_msg": message} | ({"purchase_warn": level} if lab.series == 18 else {})
    lab.admin.write("res.partner", [lab.odoo], values)


def notes(lab, event) -> list[dict]:
    domain = [["model", "=", "res.partner"], ["res_id", "=", lab.odoo], ["body", "ilike", f"portal-event-{event.pk}"]]
    return lab.gw.search_read("mail.message", domain, ["body", "subtype_id"])


def warning(lab) -> PurchaseWarning:
    return PurchaseWarning.objects.get(partner=lab.partner)


def test_a_warning_standing_sets_the_warning_once(lab):
    event = standing(lab)
    result = delivered(event)
    [note] = notes(lab, event)
    assert result == {
        "model": "res.partner",
        "id": lab.odoo,
        "warning": "warning",
        "written": True,
        "level": "warning" if lab.series == 18 else None,
        "note": note["id"],
        "note_already_there": False,
    }
    assert shown(lab)["purchase_warn_msg"] == PORTAL_TEXT
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "warning"
    assert note["subtype_id"][1] == "Note"
    assert "<b>Scorecard standing: Probation (was Approved), score 52.5.</b>" in note["body"]
    assert "<li>PPM 1,200 (target 500)</li>" in note["body"] and "shows this standing." in note["body"]
    row = warning(lab)
    assert row.active and row.kept_message == "" and row.written_message == PORTAL_TEXT and row.set_at
    assert row.kept_level == ("no-message" if lab.series == 18 else "")

    # delivered again (acknowledgement lost), then replayed: nothing written, one note, the same warning
    assert again(event) == {**result, "written": False, "note_already_there": True}
    assert len(notes(lab, event)) == 1 and shown(lab)["purchase_warn_msg"] == PORTAL_TEXT


def test_a_persons_warning_is_kept_under_the_portals_and_restored_exactly(lab):
    by_hand(lab, "warning", PERSON)
    delivered(standing(lab))
    assert shown(lab)["purchase_warn_msg"] == f"{PORTAL_TEXT}\n\n{PERSON}"
    row = warning(lab)
    assert row.kept_message == PERSON and row.kept_level == ("warning" if lab.series == 18 else "")

    cleared = standing(lab, warn=False)
    result = delivered(cleared)
    assert result["warning"] == "restored" and result["written"] is True and result["level"] is None
    assert shown(lab)["purchase_warn_msg"] == PERSON
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "warning"
    row = warning(lab)
    assert not row.active and row.cleared_at and row.left_alone == ""
    [note] = notes(lab, cleared)
    assert "<b>Scorecard standing: Approved (was Probation), score 81.</b>" in note["body"]
    assert "warning that was there before, if any, is back" in note["body"]
    assert again(cleared)["written"] is False and shown(lab)["purchase_warn_msg"] == PERSON


def test_clearing_with_nothing_kept_empties_the_warning(lab):
    delivered(standing(lab))
    delivered(standing(lab, warn=False))
    assert shown(lab)["purchase_warn_msg"] is False
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "no-message"


def test_a_worse_standing_rewrites_the_portals_text_keeping_the_persons(lab):
    by_hand(lab, "warning", PERSON)
    delivered(standing(lab))
    result = delivered(standing(lab, standing="Disqualified", previous="Probation", score="31", reasons=["Late"]))
    assert result["warning"] == "warning" and result["written"] is True
    expected = (
        "Scorecard standing: Disqualified (was Probation), score 31.\n- Late\n"
        "Set by the Supplier Portal, which clears it when the standing is good again."
    )
    assert shown(lab)["purchase_warn_msg"] == f"{expected}\n\n{PERSON}"
    assert warning(lab).kept_message == PERSON


def test_a_person_editing_the_portals_warning_is_left_alone(lab):
    delivered(standing(lab))
    by_hand(lab, "warning", "Bob: keep ordering, the audit went fine")
    worse = delivered(standing(lab, standing="Disqualified", previous="Probation"))
    assert worse["warning"] == "left_alone" and worse["written"] is False
    assert shown(lab)["purchase_warn_msg"] == "Bob: keep ordering, the audit went fine"
    row = warning(lab)
    assert not row.active and "a person changed it" in row.left_alone and "Disqualified" in row.left_alone
    # the standing recovers: the person's warning is theirs, nothing to clear
    assert delivered(standing(lab, warn=False))["warning"] == "none"
    assert shown(lab)["purchase_warn_msg"] == "Bob: keep ordering, the audit went fine"


def test_a_person_removing_the_warning_is_left_alone_on_the_way_back(lab):
    delivered(standing(lab))
    by_hand(lab, "no-message", False)
    result = delivered(standing(lab, warn=False))
    # 18: no-message and no text is also what the portal would restore: nothing left to do either way
    assert result["written"] is False and shown(lab)["purchase_warn_msg"] is False


def test_block_only_on_18_and_never_on_19(lab):
    event = standing(lab, standing="Disqualified", block=True)
    result = delivered(event)
    [note] = notes(lab, event)
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "block" and result["level"] == "block"
        assert "block_refused" not in result and "and blocks new purchase orders" in note["body"]
    else:
        assert result["block_refused"] == NO_BLOCK_19 and result["level"] is None
        assert "Odoo 19 has no blocking purchase warning" in note["body"]
        assert "purchase_warn" not in lab.admin.fields_get("res.partner")
    assert shown(lab)["purchase_warn_msg"].startswith("Scorecard standing: Disqualified (was Approved)")


def test_a_persons_block_on_18_is_not_weakened_and_comes_back(lab):
    """On 18 a person's block stays a block under the portal's text; 19 has no level, so a person's
    message is all there is to keep, and it comes back as it was."""
    by_hand(lab, "block", PERSON)
    result = delivered(standing(lab))
    if lab.series == 18:
        assert result["level"] == "block"
        assert shown(lab) | {"id": 0} == {
            "id": 0,
            "purchase_warn": "block",
            "purchase_warn_msg": f"{PORTAL_TEXT}\n\n{PERSON}",
        }
    else:
        assert result["level"] is None
        assert shown(lab)["purchase_warn_msg"] == f"{PORTAL_TEXT}\n\n{PERSON}"
    delivered(standing(lab, warn=False))
    assert shown(lab)["purchase_warn_msg"] == PERSON
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "block"


def test_a_write_that_landed_before_the_attempt_recorded_it_is_not_kept_as_a_persons(lab):
    by_hand(lab, "warning", PERSON)
    event = standing(lab)
    delivered(event)
    # the worker died after Odoo's write: the row holds only what was stored before the write
    PurchaseWarning.objects.filter(partner=lab.partner).update(active=False, set_at=None)
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING, leased_until=None)
    assert delivered(event)["written"] is False
    assert shown(lab)["purchase_warn_msg"] == f"{PORTAL_TEXT}\n\n{PERSON}"
    row = warning(lab)
    assert row.active and row.kept_message == PERSON and len(notes(lab, event)) == 1


def test_without_contact_rights_the_write_fails_clearly_then_goes_once_granted(lab):
    lab.sim.control("revoke", login="integration", group=CONTACT_RIGHTS)
    event = deliver(standing(lab))
    assert event.status == EventStatus.DEAD
    assert event.last_error_class == "permanent:portal.ContactRightsMissing"
    group = "Extra Rights/Contact Creation" if lab.series == 18 else "Contact/Creation"
    assert f"give it the group '{group}" in event.last_error and "scorecard rules" in event.last_error
    assert f"Odoo {lab.series} refused to change the purchase warning of Wood Corner" in event.last_error
    assert "Odoo said: You are not allowed to modify" in event.last_error  # Odoo's own words, as recorded
    assert shown(lab)["purchase_warn_msg"] is False and notes(lab, event) == []
    assert not warning(lab).active

    lab.sim.control("grant", login="integration", group=CONTACT_RIGHTS)
    assert outbox_replay(actor=None, event_ids=[str(event.pk)]) == 1
    assert delivered(event)["written"] is True and shown(lab)["purchase_warn_msg"] == PORTAL_TEXT
    assert len(notes(lab, event)) == 1


def test_without_contact_rights_a_standing_note_alone_fails_clearly_then_goes_once_granted(lab):
    """A good standing with no warning of the portal's to clear writes nothing on the partner; its note is
    still refused: Odoo checks write access before a post (mail.thread's ``_mail_post_access``)."""
    lab.sim.control("revoke", login="integration", group=CONTACT_RIGHTS)
    event = deliver(standing(lab, warn=False))
    assert event.status == EventStatus.DEAD
    assert event.last_error_class == "permanent:portal.ContactRightsMissing"
    assert f"Odoo {lab.series} refused to post the scorecard standing note on Wood Corner" in event.last_error
    group = "Extra Rights/Contact Creation" if lab.series == 18 else "Contact/Creation"
    assert f"give it the group '{group}" in event.last_error and "scorecard rules" in event.last_error
    assert "SCAR notes, overdue SCAR activities, scorecard notes and purchase warnings" in event.last_error
    assert notes(lab, event) == [] and shown(lab)["purchase_warn_msg"] is False

    lab.sim.control("grant", login="integration", group=CONTACT_RIGHTS)
    assert outbox_replay(actor=None, event_ids=[str(event.pk)]) == 1
    result = delivered(event)
    assert (result["warning"], result["written"]) == ("none", False)
    assert result["note"] == notes(lab, event)[0]["id"]


def test_a_partner_missing_from_odoo_or_the_payload_fails_clearly(lab):
    event = deliver(standing(lab, partner_odoo_id=990_001))
    assert event.status == EventStatus.DEAD
    assert "Partner Wood Corner (res.partner 990001) no longer exists in Odoo" in event.last_error
    other = PartnerFactory(tenant=lab.tenant, name="Nobody")
    with transaction.atomic():
        event = outbox_emit(
            tenant=lab.tenant, topic=topics.SCORECARD_STANDING_CHANGED, aggregate=other, payload={"warn": True}
        )
    event = deliver(event)
    assert event.status == EventStatus.DEAD and "names no partner in Odoo" in event.last_error


def test_the_reconciler_finds_a_changed_warning_and_passes_an_intact_one(lab):
    event = standing(lab)
    delivered(event)
    event.refresh_from_db()
    assert purchase_warnings_still_there(lab.gw, [event]) == []
    by_hand(lab, "warning", "changed by hand")
    [finding] = purchase_warnings_still_there(lab.gw, [event])
    assert finding.event_id == event.pk and "was changed in Odoo" in finding.message
    assert finding.found["message"] == "changed by hand" and finding.expected["message"] == PORTAL_TEXT
    # resent, the handler leaves the person's warning and stops tracking it: nothing more to find
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING, leased_until=None)
    assert delivered(event)["warning"] == "left_alone"
    assert purchase_warnings_still_there(lab.gw, [event]) == []


def test_the_simulator_grants_only_known_groups_and_keeps_readonly_fields_refused(lab):
    with pytest.raises(httpx.HTTPStatusError, match="400"):
        lab.sim.control("grant", login="integration", group="base.group_system")
    with pytest.raises(OdooPermanentError, match="no recording"):
        lab.gw.write("res.partner", [lab.odoo], {"commercial_partner_id": lab.odoo})
