"""Dispositions (quality.services.dispositions): decisions on a signed lot add up and never exceed it,
a reason where it matters, one event per decision that moves stock with the PO's summed lots, holds
emit nothing, scope (other partner, other tenant, supplier: 404)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrations import topics
from integrations.models import OutboxEvent
from portal.models import Role
from portal.services.errors import NotInScope
from portal.services.memberships import membership_scope_set
from quality.models import Disposition, Inspection
from quality.services.dispositions import disposition_record, lot_totals
from quality.services.recording import inspection_correct, inspection_sign, result_record
from tests.factories import member
from tests.factories.portal import PASSWORD
from tests.quality.test_recording import make_inspection, record_all_good

pytestmark = pytest.mark.django_db


def signed(world, *, reject=False, lot="LOT-1", quantity=500):
    inspection, length, finish = make_inspection(world.p1, lot=lot, quantity=quantity)
    if reject:
        for unit in (1, 2):
            result_record(
                membership=world.a_inspector,
                inspection=inspection,
                unit=unit,
                characteristic=length,
                client_key=f"bad{unit}",
                value=Decimal("12"),
            )
    else:
        record_all_good(world.a_inspector, inspection, length, finish)
    return inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)


def decide(world, inspection, membership=None, **kw):
    return disposition_record(membership=membership or world.a_inspector, inspection=inspection, **kw)


def test_an_accepted_lot_is_released_whole_without_a_reason_and_one_event_carries_it(world):
    inspection = signed(world)
    d = decide(world, inspection, released=Decimal(500))
    assert d.kind == Disposition.Kind.ACCEPT
    event = OutboxEvent.objects.get(pk=d.outbox_event_id)
    assert event.topic == topics.INSPECTION_DISPOSED
    assert event.aggregate_type == "suppliers.purchaseorder"
    assert event.aggregate_id == str(inspection.receipt.order_id)
    [lot] = event.payload["lots"]
    assert (lot["lot_name"], lot["released"], lot["returned"], lot["scrapped"], lot["lot_size"]) == (
        "LOT-1",
        500.0,
        0.0,
        0.0,
        500.0,
    )
    assert event.payload["receipt_odoo_id"] == inspection.receipt.odoo_id and lot["tracking"] == "lot"


def test_partial_decisions_add_up_and_never_exceed_the_lot(world):
    inspection = signed(world, reject=True)
    with pytest.raises(ValidationError) as caught:
        decide(world, inspection, released=Decimal(470), returned=Decimal(30))
    assert "reason" in caught.value.message_dict
    first = decide(world, inspection, released=Decimal(470), reason="Sorted 100 %: 470 good")
    assert first.kind == Disposition.Kind.PARTIAL
    hold = decide(world, inspection, reason="Wait for the NCR")
    assert hold.kind == Disposition.Kind.HOLD and hold.outbox_event_id is None
    with pytest.raises(ValidationError) as caught:
        decide(world, inspection, returned=Decimal(31), reason="too many")
    assert "Only 30 of the lot's 500" in caught.value.message_dict["__all__"][0]
    second = decide(world, inspection, returned=Decimal(20), scrapped=Decimal(10), reason="Cracked")
    assert second.kind == Disposition.Kind.REJECT
    totals = lot_totals(inspection)
    assert (totals.released, totals.returned, totals.scrapped, totals.held) == (470, 20, 10, 0)
    # Nothing left: even a hold is refused, so no decision is recorded after the lot is settled.
    with pytest.raises(ValidationError, match="decided already"):
        decide(world, inspection, reason="late hold")
    # The last event carries the sums, so delivering it alone converges Odoo.
    [lot] = OutboxEvent.objects.get(pk=second.outbox_event_id).payload["lots"]
    assert (lot["released"], lot["returned"], lot["scrapped"]) == (470.0, 20.0, 10.0)
    events = OutboxEvent.objects.filter(topic=topics.INSPECTION_DISPOSED).order_by("sequence")
    assert [e.sequence for e in events] == [1, 2]


def test_negative_and_unsigned_are_refused_and_nothing_is_written(world):
    inspection, _, _ = make_inspection(world.p1)
    with pytest.raises(ValidationError, match="sign it"):
        decide(world, inspection, released=Decimal(1))
    inspection = signed(world, lot="LOT-2")
    with pytest.raises(ValidationError) as caught:
        decide(world, inspection, released=Decimal(-1), reason="x")
    assert "negative" in caught.value.message_dict["released"][0]
    with pytest.raises(ValidationError):
        decide(world, inspection, released=Decimal("NaN"), reason="x")
    assert not Disposition.objects.exists() and not OutboxEvent.objects.exists()


def test_a_corrected_inspection_is_decided_from_its_newest_version(world):
    inspection = signed(world)
    inspection_correct(membership=world.a_inspector, inspection=inspection)
    with pytest.raises(ValidationError, match="correction"):
        decide(world, inspection, released=Decimal(500))


def test_the_lot_sums_span_re_inspections_and_the_po_payload_spans_its_lots(world):
    one = signed(world, lot="LOT-A", quantity=6)
    decide(world, one, returned=Decimal(2), reason="Wrong resin")
    other = Inspection.objects.get(pk=one.pk)
    assert lot_totals(other).held == 4


def test_other_partners_tenants_and_suppliers_get_404_and_nothing_changes(world):
    inspection = signed(world)
    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.INSPECTOR), all_partners=False, partners=[world.p2]
    )
    for who in (member(world.b, Role.INSPECTOR), only_p2, world.p1_user, world.p1_admin, world.a_buyer):
        with pytest.raises(NotInScope):
            decide(world, inspection, membership=who, released=Decimal(500))
    assert not Disposition.objects.exists()


def test_quantities_finer_than_odoo_counts_are_refused(world):
    inspection = signed(world)
    with pytest.raises(ValidationError) as caught:
        decide(world, inspection, released=Decimal("1.005"), reason="x")
    assert "two decimals" in caught.value.message_dict["released"][0]
    assert decide(world, inspection, released=Decimal("1.25"), reason="x").released == Decimal("1.25")


def test_a_skipped_lot_and_an_open_correction_say_what_to_do(world):
    from quality.services.corrections import inspection_correction_discard

    inspection = signed(world)
    draft = inspection_correct(membership=world.a_inspector, inspection=inspection)
    with pytest.raises(ValidationError, match="discard the correction"):
        decide(world, inspection, released=Decimal(500))
    with pytest.raises(ValidationError, match="“In progress”"):
        decide(world, draft, released=Decimal(500))
    original = inspection_correction_discard(membership=world.a_inspector, inspection=draft)
    assert original.pk == inspection.pk and not Inspection.objects.filter(pk=draft.pk).exists()
    assert decide(world, inspection, released=Decimal(500)).kind == Disposition.Kind.ACCEPT
    with pytest.raises(ValidationError, match="original inspection"):
        inspection_correction_discard(membership=world.a_inspector, inspection=inspection)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.SKIPPED)
    inspection.refresh_from_db()
    with pytest.raises(ValidationError, match="skip-lot"):
        decide(world, inspection, released=Decimal(1))
    with pytest.raises(ValidationError, match="nothing to correct"):
        inspection_correct(membership=world.a_inspector, inspection=inspection)


def test_a_discarded_correction_takes_its_photos_files_along_and_is_audited(world, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.models import AuditEntry
    from quality.services.corrections import inspection_correction_discard
    from quality.services.recording import photo_add
    from tests.quality.test_recording import _png

    inspection = signed(world)
    draft = inspection_correct(membership=world.a_inspector, inspection=inspection)
    photo = photo_add(
        membership=world.a_inspector,
        inspection=draft,
        upload=SimpleUploadedFile("p.png", _png(), content_type="image/png"),
        unit=None,
        note="",
    )
    storage, name = photo.file.storage, photo.file.name
    assert storage.exists(name)
    with pytest.raises(NotInScope):
        inspection_correction_discard(membership=world.p1_admin, inspection=draft)
    with django_capture_on_commit_callbacks(execute=True):
        inspection_correction_discard(membership=world.a_inspector, inspection=draft)
    assert not storage.exists(name)
    entry = AuditEntry.objects.get(action="inspection.correction_discarded")
    assert entry.object_id == str(inspection.pk) and entry.changes["correction"] == [2, None]
