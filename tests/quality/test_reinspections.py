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
    with pytest.raises(ValidationError, match="still waiting"):
        inspection_reinspect(membership=world.a_inspector, inspection=first, reason="again")
    assert SwitchingState.objects.get(pk=state_before.pk).severity == state_before.severity
    # The lot is still the 500 received: the re-inspection's 400 are what is presented of it.
    assert lot_totals(again).held == 400 and lot_totals(again).returned == 100 and lot_totals(again).lot_size == 500
    assert (
        disposition_record(
            membership=world.a_engineer, inspection=first, released=Decimal(1), reason="x"
        ).outbox_event.payload["lots"][0]["lot_size"]
        == 500.0
    )


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
