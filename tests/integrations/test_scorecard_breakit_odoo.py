"""Reviewer r3 trying to break scorecard.standing_changed against the simulated Odoo 18 (/jsonrpc) and 19
(JSON-2) through the real delivery path: standings going back and forth, an old event replayed after a
newer one, a person editing or deleting the warning, hostile text, a partner archived or deleted in
Odoo, the contact rights missing, the tenant's switches turned off between emit and delivery, and every
value sent checked against the recorded field catalogue."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.utils import timezone

from integrations import topics
from integrations.models import EventStatus, Lane, OutboxEvent
from integrations.odoo import OdooGateway
from integrations.reconcilers.scorecards import purchase_warnings_still_there
from integrations.services.exceptions import outbox_replay
from integrations.services.outbox import outbox_emit
from quality.models import PurchaseWarning, ScorecardRules, StandingChange
from tests.integrations.test_ncr_to_odoo import deliver, delivered
from tests.integrations.test_scorecard_to_odoo import CONTACT_RIGHTS, PERSON, by_hand, lab, notes, shown, sim
from tests.odoo_reference import RECORDINGS as REFERENCE  # the repository's copy of the shared recordings

pytestmark = pytest.mark.django_db
__all__ = ["lab", "sim"]  # fixtures

BAD = {"warn": True, "block": False, "standing": "Probation", "previous": "Approved", "score": "52.5"}
GOOD = {"warn": False, "block": False, "standing": "Approved", "previous": "Probation", "score": "81"}


def change(lab, kind: dict, **extra) -> OutboxEvent:
    """A standing change as the engine records it: the StandingChange row, then its event naming it."""
    payload = {"partner_odoo_id": lab.odoo, "partner": "Wood Corner", "reasons": ["PPM 1,200 (target 500)"]}
    payload |= kind | extra
    with transaction.atomic():
        row = StandingChange.objects.create(
            tenant=lab.tenant,
            partner=lab.partner,
            from_name=payload["previous"],
            to_name=payload["standing"],
            score=payload["score"],
            reasons=payload["reasons"],
            changed_at=timezone.now(),
        )
        event = outbox_emit(
            tenant=lab.tenant,
            topic=topics.SCORECARD_STANDING_CHANGED,
            aggregate=lab.partner,
            payload={**payload, "change_id": row.pk},
            lane=Lane.BATCH,
        )
        row.outbox_event = event
        row.save(update_fields=["outbox_event"])
    return event


def replay(event: OutboxEvent) -> dict:
    """A dead-letter replay of an event that had gone through (as an operator would do it)."""
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.DEAD)
    assert outbox_replay(actor=None, event_ids=[str(event.pk)]) == 1
    return delivered(event)


def rules(lab, **values) -> None:
    ScorecardRules.objects.update_or_create(tenant=lab.tenant, defaults=values)


def test_back_and_forth_ends_as_the_last_standing_says_and_the_persons_warning_comes_back(lab):
    rules(lab, push_purchase_warning=True, allow_block=True)
    by_hand(lab, "warning", PERSON)
    delivered(change(lab, BAD))
    delivered(change(lab, BAD, standing="Disqualified", previous="Probation", score="20", block=True))
    worst = shown(lab)["purchase_warn_msg"]
    assert worst.startswith("Scorecard standing: Disqualified (was Probation), score 20.") and worst.endswith(PERSON)
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "block"
    delivered(change(lab, GOOD, previous="Disqualified"))
    delivered(change(lab, BAD, previous="Approved"))
    last = change(lab, GOOD)
    delivered(last)
    assert shown(lab)["purchase_warn_msg"] == PERSON
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "warning"
    row = PurchaseWarning.objects.get(partner=lab.partner)
    assert not row.active and row.kept_message == PERSON


def test_an_old_warning_replayed_after_the_standing_recovered_does_not_warn_again(lab):
    rules(lab, push_purchase_warning=True)
    by_hand(lab, "warning", PERSON)
    old = change(lab, BAD)
    delivered(old)
    delivered(change(lab, GOOD))
    assert shown(lab)["purchase_warn_msg"] == PERSON

    result = replay(old)

    assert shown(lab)["purchase_warn_msg"] == PERSON, "the replayed old warning came back"
    assert result["warning"] == "superseded" and result["written"] is False
    assert not PurchaseWarning.objects.get(partner=lab.partner).active
    assert len(notes(lab, old)) == 1  # its note from the first delivery, nothing more


def test_an_old_clearing_replayed_after_a_newer_warning_leaves_the_warning(lab):
    rules(lab, push_purchase_warning=True)
    delivered(change(lab, BAD))
    old = change(lab, GOOD)
    delivered(old)
    delivered(change(lab, BAD, standing="Disqualified", previous="Approved"))
    text = shown(lab)["purchase_warn_msg"]
    assert text.startswith("Scorecard standing: Disqualified")

    result = replay(old)

    assert shown(lab)["purchase_warn_msg"] == text
    assert result["warning"] == "superseded" and PurchaseWarning.objects.get(partner=lab.partner).active


def test_a_stale_event_whose_newer_one_was_cancelled_acts_as_the_newest_says(lab):
    """The newest change's event was cancelled by an operator: an older warning replayed must still not
    put a standing back that the partner has left."""
    rules(lab, push_purchase_warning=True)
    old = change(lab, BAD)
    delivered(old)
    newer = change(lab, GOOD)
    OutboxEvent.objects.filter(pk=newer.pk).update(status=EventStatus.CANCELLED)
    result = replay(old)
    assert result["warning"] == "superseded"
    assert shown(lab)["purchase_warn_msg"] is False  # cleared as the newest (good) standing says


def test_a_person_deleting_the_portals_warning_between_events(lab):
    rules(lab, push_purchase_warning=True)
    delivered(change(lab, BAD))
    by_hand(lab, "no-message", False)
    worse = delivered(change(lab, BAD, standing="Disqualified", previous="Probation"))
    assert worse["warning"] == "left_alone" and shown(lab)["purchase_warn_msg"] is False
    assert delivered(change(lab, GOOD, previous="Disqualified"))["warning"] == "none"
    # a later drop warns again: the person's removal was about the earlier standing
    again = delivered(change(lab, BAD))
    assert again["warning"] == "warning" and shown(lab)["purchase_warn_msg"].startswith("Scorecard standing")


HOSTILE = [
    "<script>alert(1)</script> & <b>bold</b>",
    "\u05d0\u05e1\u05e4\u05e7 \u202eRTL\u202c \u0645\u0648\u0631\u062f",
    "line one\nline two\r\nline three",
    "x" * 10_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=["html", "rtl", "newlines", "10k"])
def test_hostile_text_goes_as_text_and_comes_back_exactly(lab, text):
    rules(lab, push_purchase_warning=True)
    by_hand(lab, "warning", text)
    event = change(lab, BAD, partner=text[:200], reasons=[text, "ok"], standing=text[:60])
    delivered(event)
    message = shown(lab)["purchase_warn_msg"]
    assert message.endswith(f"\n\n{text}") and f"- {text}\n" in message
    [note] = notes(lab, event)
    assert "<script>" not in note["body"] and "<b>bold</b>" not in note["body"]
    delivered(change(lab, GOOD))
    assert shown(lab)["purchase_warn_msg"] == text


def test_a_partner_archived_in_odoo_still_gets_its_warning(lab):
    rules(lab, push_purchase_warning=True)
    lab.admin.write("res.partner", [lab.odoo], {"active": False})
    delivered(change(lab, BAD))
    assert shown(lab)["purchase_warn_msg"].startswith("Scorecard standing: Probation")
    delivered(change(lab, GOOD))
    assert shown(lab)["purchase_warn_msg"] is False


def test_a_partner_deleted_in_odoo_fails_clearly_and_leaves_no_warning_row_half_set(lab):
    rules(lab, push_purchase_warning=True)
    delivered(change(lab, BAD))
    before = PurchaseWarning.objects.filter(partner=lab.partner).values().get()
    lab.admin.unlink("res.partner", [lab.odoo])
    event = deliver(change(lab, BAD, standing="Disqualified"))
    assert event.status == EventStatus.DEAD and "no longer exists in Odoo" in event.last_error
    assert PurchaseWarning.objects.filter(partner=lab.partner).values().get() == before


def test_without_contact_rights_no_half_state_is_left(lab):
    rules(lab, push_purchase_warning=True)
    by_hand(lab, "warning", PERSON)
    lab.sim.control("revoke", login="integration", group=CONTACT_RIGHTS)
    event = deliver(change(lab, BAD))
    assert event.last_error_class == "permanent:portal.ContactRightsMissing"
    row = PurchaseWarning.objects.filter(partner=lab.partner).first()
    assert row is None or (
        not row.active and row.written_message == "" and row.kept_message == "" and row.set_at is None
    ), (row.written_message[:60], row.kept_message)
    assert shown(lab)["purchase_warn_msg"] == PERSON


def test_the_reconciler_after_a_person_changed_only_the_level_or_the_text(lab):
    rules(lab, push_purchase_warning=True)
    event = change(lab, BAD)
    delivered(event)
    event.refresh_from_db()
    text = shown(lab)["purchase_warn_msg"]
    by_hand(lab, "block", text + " (edited)")
    [finding] = purchase_warnings_still_there(lab.gw, [event])
    assert finding.found["message"].endswith("(edited)")
    if lab.series == 18:
        by_hand(lab, "block", text)
        [finding] = purchase_warnings_still_there(lab.gw, [event])
        assert finding.found["level"] == "block"


def test_push_turned_off_between_emit_and_delivery_writes_no_new_warning(lab):
    rules(lab, push_purchase_warning=True)
    event = change(lab, BAD)
    rules(lab, push_purchase_warning=False)
    result = delivered(event)
    assert shown(lab)["purchase_warn_msg"] is False and notes(lab, event) == []
    assert result["warning"] == "none" and result["written"] is False and result["push_off"] is True


def test_push_turned_off_with_the_portals_warning_on_removes_it_on_the_next_event(lab):
    rules(lab, push_purchase_warning=True)
    by_hand(lab, "warning", PERSON)
    delivered(change(lab, BAD))
    event = change(lab, BAD, standing="Disqualified", previous="Probation")
    rules(lab, push_purchase_warning=False)
    result = delivered(event)
    assert result["warning"] == "restored" and shown(lab)["purchase_warn_msg"] == PERSON
    assert notes(lab, event) == [] and result["note"] is None


def test_blocking_disallowed_between_emit_and_delivery_does_not_block(lab):
    rules(lab, push_purchase_warning=True, allow_block=True)
    event = change(lab, BAD, standing="Disqualified", block=True)
    rules(lab, push_purchase_warning=True, allow_block=False)
    result = delivered(event)
    if lab.series == 18:
        assert shown(lab)["purchase_warn"] == "warning" and result["level"] == "warning"


def catalogue(series: int) -> dict:
    return json.loads((REFERENCE / f"odoo{series}" / "fields" / "res.partner.json").read_text())


def test_every_value_written_matches_the_recorded_field_catalogue(lab, monkeypatch):
    rules(lab, push_purchase_warning=True, allow_block=True)
    writes: list[tuple[str, dict]] = []
    reads: list[tuple[str, list]] = []
    real_write, real_read = OdooGateway.write, OdooGateway.read

    def spy_write(self, model, ids, values, *a, **k):
        writes.append((model, dict(values)))
        return real_write(self, model, ids, values, *a, **k)

    def spy_read(self, model, ids, fields=None, *a, **k):
        reads.append((model, list(fields or [])))
        return real_read(self, model, ids, fields, *a, **k)

    monkeypatch.setattr(OdooGateway, "write", spy_write)
    monkeypatch.setattr(OdooGateway, "read", spy_read)
    by_hand(lab, "warning", PERSON)
    delivered(change(lab, BAD, standing="Disqualified", block=True))
    delivered(change(lab, GOOD))
    fields = catalogue(lab.series)
    assert writes
    for model, values in [w for w in writes if w[0] == "res.partner"]:
        for name, value in values.items():
            spec = fields[name]
            assert not spec["readonly"], name
            if spec["type"] == "selection":
                assert value in [key for key, _ in spec["selection"]], (name, value)
            elif spec["type"] == "text":
                assert value is False or isinstance(value, str), (name, value)
    for model, names in reads:
        if model == "res.partner":
            assert set(names) <= set(fields), set(names) - set(fields)


def test_quick_back_and_forth_before_any_delivery_ends_on_the_last_with_one_note(lab):
    rules(lab, push_purchase_warning=True)
    by_hand(lab, "warning", PERSON)
    first = change(lab, BAD)
    middle = change(lab, GOOD)
    last = change(lab, BAD, standing="Disqualified", previous="Approved", score="30")
    assert delivered(first)["superseded_by"] == delivered(middle)["superseded_by"]
    result = delivered(last)
    assert result["warning"] == "warning" and result["written"] is False  # the older events already wrote it
    message = shown(lab)["purchase_warn_msg"]
    assert message.startswith("Scorecard standing: Disqualified (was Approved), score 30.")
    assert message.endswith(f"\n\n{PERSON}")
    assert notes(lab, first) == notes(lab, middle) == [] and len(notes(lab, last)) == 1
    assert PurchaseWarning.objects.get(partner=lab.partner).kept_message == PERSON
    delivered(change(lab, GOOD, previous="Disqualified"))
    assert shown(lab)["purchase_warn_msg"] == PERSON


def test_the_simulator_refuses_a_level_19_does_not_have_and_an_unknown_level_on_18(lab):
    from integrations.odoo import OdooPermanentError

    if lab.series == 19:
        with pytest.raises(OdooPermanentError):
            lab.gw.write("res.partner", [lab.odoo], {"purchase_warn": "warning"})
        with pytest.raises(OdooPermanentError):
            lab.gw.read("res.partner", [lab.odoo], ["purchase_warn"])
    else:
        with pytest.raises(OdooPermanentError, match="Wrong value"):
            lab.gw.write("res.partner", [lab.odoo], {"purchase_warn": "blocked"})
