"""portal.lifecycle: a declared transition table refuses what it does not hold, guards say what blocks a
move, and each move writes its audit entry; the ASN and acknowledgement tables hold today's rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from portal.lifecycle import Lifecycle, Transition, TransitionRefused
from portal.models import AuditEntry
from suppliers.models import Acknowledgement, Asn
from suppliers.services.asn_submission import asn_cancel, asn_mark_shipped
from tests.factories import AcknowledgementFactory, AsnFactory

pytestmark = pytest.mark.django_db
S = Asn.Status

SHIPPING = Lifecycle(
    transitions=[
        Transition("send", sources=(S.DRAFT,), targets=(S.SUBMITTED, S.IN_TRANSIT), action="test.sent"),
        Transition("ship", sources=(S.SUBMITTED,), targets=(S.IN_TRANSIT,), action="test.shipped"),
        Transition("drop", sources=(S.DRAFT, S.SUBMITTED), targets=(S.CANCELLED,)),  # no entry of its own
        Transition(
            "guarded",
            sources=(S.DRAFT,),
            targets=(S.SUBMITTED,),
            action="test.guarded",
            guard=lambda asn: {"carrier": "Name the carrier."} if not asn.carrier else None,
        ),
        Transition("by_path", sources=(S.DRAFT,), targets=(S.SUBMITTED,), guard="tests.portal.test_lifecycle.never"),
    ]
)


def never(obj) -> str:
    return "Not today."


def _moves():
    """Audit entries of moves (the fixtures' own entries aside)."""
    return AuditEntry.objects.filter(action__startswith="test.") | AuditEntry.objects.filter(action__startswith="po.")


def test_a_transition_the_table_does_not_hold_is_refused_with_a_clear_error_and_changes_nothing(world):
    asn = AsnFactory(partner=world.p1)
    with pytest.raises(TransitionRefused) as caught:
        SHIPPING.move(asn, "ship", actor=world.p1_user.user)
    assert caught.value.message_dict == {
        "__all__": [f"{asn.number} is draft; it becomes in transit only from submitted."]
    }
    assert isinstance(caught.value, ValidationError)  # pages and the API report it as any service error
    assert asn.status == S.DRAFT and not _moves().exists()
    with pytest.raises(TransitionRefused) as worded:
        SHIPPING.move(asn, "ship", actor=None, refused="Submit it first.")
    assert worded.value.message_dict == {"__all__": ["Submit it first."]}


def test_a_move_sets_the_status_and_writes_the_audit_entry_with_the_services_changes(world):
    asn = AsnFactory(partner=world.p1)
    target = SHIPPING.move(asn, "send", to=S.SUBMITTED, actor=world.p1_user.user, changes={"note": [None, "x"]})
    assert target == asn.status == S.SUBMITTED
    entry = _moves().get()
    assert (entry.action, entry.actor, entry.object_id) == ("test.sent", world.p1_user.user, str(asn.pk))
    assert entry.changes == {"status": ["draft", "submitted"], "note": [None, "x"]}
    assert Asn.objects.get(pk=asn.pk).status == S.DRAFT  # saving is the service's, with its other fields
    SHIPPING.move(asn, "drop", actor=None)
    assert asn.status == S.CANCELLED and _moves().count() == 1  # a transition without an action


def test_allowed_sources_and_targets_are_the_declared_ones(world):
    asn = AsnFactory(partner=world.p1)
    assert SHIPPING.available(asn) == ["send", "drop", "guarded", "by_path"]
    assert SHIPPING.allows(asn, "drop") and not SHIPPING.allows(asn, "ship")
    asn.status = S.SUBMITTED
    assert SHIPPING.available(asn) == ["ship", "drop"]
    with pytest.raises(ImproperlyConfigured):
        SHIPPING.move(asn, "send", actor=None)  # two targets: the service says which
    with pytest.raises(ImproperlyConfigured):
        SHIPPING.move(asn, "ship", to=S.RECEIVED, actor=None)  # not a target of that transition
    with pytest.raises(ImproperlyConfigured):
        SHIPPING.move(asn, "fly", actor=None)
    with pytest.raises(ImproperlyConfigured):
        Lifecycle(
            transitions=[Transition("a", (S.DRAFT,), (S.SUBMITTED,)), Transition("a", (S.DRAFT,), (S.SUBMITTED,))]
        )


def test_a_guard_answers_what_blocks_the_move(world):
    asn = AsnFactory(partner=world.p1)
    assert SHIPPING.blockers(asn, "guarded") == {"carrier": "Name the carrier."}  # what the page can show
    with pytest.raises(TransitionRefused) as caught:
        SHIPPING.move(asn, "guarded", actor=None)
    assert caught.value.message_dict == {"carrier": ["Name the carrier."]}
    assert SHIPPING.blockers(asn, "by_path") == {"__all__": "Not today."}  # a guard named by its dotted path
    asn.carrier = "DHL"
    assert SHIPPING.blockers(asn, "guarded") == {}
    SHIPPING.move(asn, "guarded", actor=None)
    assert asn.status == S.SUBMITTED


def test_the_asn_table_refuses_shipping_a_draft_and_audits_a_cancellation(world):
    asn = AsnFactory(partner=world.p1)
    with pytest.raises(ValidationError) as caught:
        asn_mark_shipped(membership=world.p1_user, asn_id=asn.pk)
    assert caught.value.message_dict == {"__all__": [f"{asn.number} is a draft; submit it first."]}
    asn_cancel(membership=world.p1_user, asn_id=asn.pk, reason="Wrong order")
    entry = AuditEntry.objects.get(action="asn.cancelled")
    assert entry.changes == {"status": ["draft", "cancelled"], "reason": [None, "Wrong order"]}
    asn.refresh_from_db()
    assert not asn.cancellable
    with pytest.raises(ValidationError) as again:
        asn_cancel(membership=world.p1_user, asn_id=asn.pk, reason="Twice")
    assert again.value.message_dict["__all__"] == [f"{asn.number} is already cancelled."]
    assert Asn.lifecycle["submit"].guard == "suppliers.services.asn_checks.asn_problems"


def test_the_acknowledgement_table_decides_pending_versions_only():
    ack = AcknowledgementFactory(status=Acknowledgement.Status.ACCEPTED)
    assert Acknowledgement.lifecycle.available(ack) == []
    ack.status = Acknowledgement.Status.PENDING
    assert Acknowledgement.lifecycle.available(ack) == ["approve", "decline", "supersede"]
    Acknowledgement.lifecycle.move(ack, "supersede", actor=None)
    assert ack.status == Acknowledgement.Status.SUPERSEDED and not _moves().exists()
    with pytest.raises(ImproperlyConfigured):
        Acknowledgement.lifecycle.start(ack, actor=None, action="po.acknowledged")  # not a first status
