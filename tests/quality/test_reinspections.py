"""Re-inspections (quality.services.reinspections): a person opens another inspection of a lot; next
sequence, linked to the newest, sampled now, never counted for switching; refused while the lot's newest
inspection is open or without a reason; its dispositions add up with the lot's; page and scope (404)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import AuditEntry
from portal.services.errors import NotInScope
from quality.models import Inspection, SwitchingState
from quality.services.dispositions import disposition_record, lot_totals
from quality.services.reinspections import inspection_reinspect
from tests.conftest import login
from tests.quality.test_dispositions import signed

pytestmark = pytest.mark.django_db


def test_a_rejected_lot_sorted_and_presented_again_is_a_linked_inspection_of_what_is_held(world):
    first = signed(world, reject=True, quantity=500)
    disposition_record(
        membership=world.a_engineer, inspection=first, released=Decimal(0), returned=Decimal(100), reason="Bent"
    )
    state_before = SwitchingState.objects.get(partner=world.p1, product=first.product)
    again = inspection_reinspect(membership=world.a_inspector, inspection=first, reason="Sorted 100 %")
    assert (again.sequence, again.reinspection_of_id, again.lot_size) == (2, first.pk, Decimal(400))
    assert again.status == Inspection.Status.WAITING and again.samplings.exists() and not again.first_article
    assert again.undecided
    entry = AuditEntry.objects.get(action="inspection.reinspection_opened")
    assert entry.changes["reason"] == [None, "Sorted 100 %"]
    # While it is open, another is refused; the switching state did not move.
    with pytest.raises(ValidationError, match="still “Waiting”"):
        inspection_reinspect(membership=world.a_inspector, inspection=first, reason="again")
    assert SwitchingState.objects.get(pk=state_before.pk).severity == state_before.severity
    # The lot is still the 500 received: the re-inspection's 400 are what is presented of it.
    assert lot_totals(again).held == 400 and lot_totals(again).returned == 100 and lot_totals(again).lot_size == 500


def test_a_complaint_after_release_reinspects_the_whole_lot_and_it_stays_decided(world):
    first = signed(world, quantity=50)
    disposition_record(membership=world.a_engineer, inspection=first, released=Decimal(50))
    again = inspection_reinspect(membership=world.a_engineer, inspection=first, reason="Line 3 complaint")
    assert again.lot_size == 50 and not again.undecided
    with pytest.raises(ValidationError) as caught:
        inspection_reinspect(membership=world.a_engineer, inspection=again, reason="", lot_size=Decimal(51))
    assert {"reason", "lot_size", "__all__"} <= set(caught.value.message_dict)


def test_others_get_404_and_nothing_is_opened(world):
    first = signed(world)
    for who in (world.p1_admin, world.a_buyer):
        with pytest.raises(NotInScope):
            inspection_reinspect(membership=who, inspection=first, reason="x")
    assert Inspection.objects.count() == 1


def test_the_page_opens_it_and_shows_refusals(client, world):
    first = signed(world)
    login(client, world.a_inspector)
    detail = reverse("inspection_detail", args=["alpha", first.pk])
    assert "Open a re-inspection" in client.get(detail).content.decode()
    url = reverse("inspection_reinspect", args=["alpha", first.pk])
    refused = client.post(url, {"reason": "", "lot_size": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    refused = client.post(url, {"reason": "x", "lot_size": "abc"})
    assert refused.status_code == 400 and 'id="re-size-error"' in refused.content.decode()
    opened = client.post(url, {"reason": "Complaint", "lot_size": ""})
    again = Inspection.objects.get(sequence=2)
    assert opened.status_code == 302 and opened.url == reverse("inspection_detail", args=["alpha", again.pk])
    login(client, world.p1_admin)
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_the_lot_is_decided_from_its_newest_inspection_and_a_partial_one_decides_its_part(world, client):
    first = signed(world, reject=True, quantity=500)
    disposition_record(membership=world.a_engineer, inspection=first, returned=Decimal(100), reason="Bent")
    again = inspection_reinspect(
        membership=world.a_inspector, inspection=first, reason="Sample of the sorted", lot_size=Decimal(2)
    )
    # The original no longer speaks for the lot while its re-inspection waits: refused, and not listed.
    with pytest.raises(ValidationError, match="newer inspection"):
        disposition_record(membership=world.a_engineer, inspection=first, released=Decimal(400), reason="x")
    login(client, world.a_inspector)
    assert "Signed, to decide" not in client.get(reverse("inspection_list", args=["alpha"])).content.decode()
    from quality.services.recording import characteristics_of, inspection_sign, result_record
    from tests.factories.portal import PASSWORD

    for characteristic in characteristics_of(again):  # a lot of 2 is inspected whole
        for unit in (1, 2):
            value = {"value": Decimal("10.05")} if characteristic.kind == "measured" else {"passed": True}
            result_record(
                membership=world.a_inspector,
                inspection=again,
                unit=unit,
                characteristic=characteristic,
                client_key=f"re-{characteristic.pk}-{unit}",
                **value,
            )
    again = inspection_sign(membership=world.a_inspector, inspection=again, password=PASSWORD)
    # A re-inspection of 2 units decides 2 at most: the 398 it did not see stay held.
    with pytest.raises(ValidationError, match="covers 2 of the lot's 500"):
        disposition_record(membership=world.a_engineer, inspection=again, released=Decimal(400))
    last = disposition_record(membership=world.a_engineer, inspection=again, released=Decimal(2), reason="Good")
    assert lot_totals(again).held == 398
    # One row per lot in the event, its size as received, whatever size its re-inspection had.
    [lot] = last.outbox_event.payload["lots"]
    assert (lot["lot_size"], lot["released"], lot["returned"]) == (500.0, 2.0, 100.0)
    html = client.get(reverse("inspection_list", args=["alpha"])).content.decode()
    assert html.count("Lot LOT-1") == 1  # listed once, from its newest inspection


def test_a_lot_whose_inspections_are_all_cancelled_is_refused_not_a_500(world):
    first = signed(world)
    Inspection.objects.filter(pk=first.pk).update(status=Inspection.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        inspection_reinspect(membership=world.a_inspector, inspection=first, reason="x")
    with pytest.raises(ValidationError):
        inspection_reinspect(membership=world.a_inspector, inspection=first, reason="x", lot_size=Decimal("0.001"))


def test_an_older_inspection_is_not_corrected_once_the_lot_was_inspected_again(world):
    """A correction of the original beside a re-inspection would make two current inspections of one lot."""
    from quality.services.recording import inspection_correct

    first = signed(world, reject=True, quantity=500)
    again = inspection_reinspect(membership=world.a_inspector, inspection=first, reason="sorted")
    with pytest.raises(ValidationError, match=r"inspected again since \(#2, Waiting\)"):
        inspection_correct(membership=world.a_inspector, inspection=first)
    assert Inspection.objects.count() == 2 and again.pk


def test_the_event_carries_the_lot_as_received_even_when_the_original_only_held_it(world):
    from quality.services.recording import characteristics_of, inspection_sign, result_record
    from tests.factories.portal import PASSWORD

    first = signed(world, reject=True, quantity=500)
    disposition_record(membership=world.a_engineer, inspection=first, reason="Wait for the NCR")  # a hold
    again = inspection_reinspect(membership=world.a_inspector, inspection=first, reason="x", lot_size=Decimal(2))
    for characteristic in characteristics_of(again):
        for unit in (1, 2):
            value = {"value": Decimal("10.05")} if characteristic.kind == "measured" else {"passed": True}
            result_record(
                membership=world.a_inspector,
                inspection=again,
                unit=unit,
                characteristic=characteristic,
                client_key=f"h-{characteristic.pk}-{unit}",
                **value,
            )
    again = inspection_sign(membership=world.a_inspector, inspection=again, password=PASSWORD)
    last = disposition_record(membership=world.a_engineer, inspection=again, released=Decimal(2), reason="ok")
    [lot] = last.outbox_event.payload["lots"]
    assert (lot["lot_size"], lot["released"]) == (500.0, 2.0)  # 498 still held, as the page says
