"""Quality's hold source (quality.holds): the lots it declares held to the hold check
(integrations.holds) are the open ones, the signed ones with a quantity undecided, and those with a
return or scrap not yet in Odoo; released ones and other tenants' never."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.holds import REJECTED, UNDECIDED, held_lots
from integrations.models import EventStatus, OutboxEvent
from quality.holds import SOURCE, quality_held_lots
from quality.models import Inspection
from tests.quality.test_dispositions import decide, signed
from tests.quality.test_recording import make_inspection

pytestmark = pytest.mark.django_db


def _held(tenant) -> dict[str, tuple]:
    return {lot.lot_name: (lot.what, lot.held, lot.usable_allowed) for lot in quality_held_lots(tenant)}


def test_open_and_undecided_lots_are_held_and_released_ones_are_not(world):
    waiting, _, _ = make_inspection(world.p1, lot="OPEN-1", quantity=80)
    assert waiting.status == Inspection.Status.WAITING
    signed(world, lot="SIGNED-1")
    partly = signed(world, lot="PART-1")
    decide(world, partly, released=Decimal(470), reason="470 sorted good, the rest waits")
    released = signed(world, lot="DONE-1")
    decide(world, released, released=Decimal(500))

    assert _held(world.a) == {
        "OPEN-1": (UNDECIDED, Decimal(80), Decimal(0)),
        "SIGNED-1": (UNDECIDED, Decimal(500), Decimal(0)),
        "PART-1": (UNDECIDED, Decimal(30), Decimal(470)),
    }
    [lot] = [lot for lot in quality_held_lots(world.a) if lot.lot_name == "OPEN-1"]
    assert (lot.source, lot.record_id, lot.receipt_name) == (SOURCE, str(waiting.pk), waiting.receipt.name)
    assert lot.receipt_odoo_id == waiting.receipt.odoo_id and lot.url.endswith(f"/inspections/{waiting.pk}/")
    # The registry reads it: quality registers its source from quality.entries.
    assert {lot.lot_name for lot in held_lots(world.a)} == {"OPEN-1", "SIGNED-1", "PART-1"}


def test_a_rejected_quantity_is_held_until_its_event_reached_odoo(world):
    inspection = signed(world, reject=True, lot="REJ-1")
    decision = decide(world, inspection, released=Decimal(470), returned=Decimal(30), reason="30 cracked")
    assert _held(world.a) == {"REJ-1": (REJECTED, Decimal(30), Decimal(470))}
    OutboxEvent.objects.filter(pk=decision.outbox_event_id).update(status=EventStatus.DONE)
    assert _held(world.a) == {}


def test_other_tenants_lots_are_never_declared(world):
    make_inspection(world.q1, lot="BETA-1")
    make_inspection(world.p1, lot="ALPHA-1")
    assert set(_held(world.a)) == {"ALPHA-1"}
    assert set(_held(world.b)) == {"BETA-1"}


def test_the_monitor_and_metrics_count_held_lots_and_unsynced_dispositions(world, client):
    from django.utils import timezone

    from quality.monitor import dispositions_unsynced, lots_held_undecided

    make_inspection(world.p1, lot="OPEN-1")
    rejected = signed(world, reject=True, lot="REJ-1")
    first = decide(world, rejected, released=Decimal(470), reason="sorted")
    decide(world, rejected, returned=Decimal(30), reason="cracked")
    OutboxEvent.objects.filter(pk=first.outbox_event_id).update(status=EventStatus.DEAD)
    make_inspection(world.q1, lot="BETA-1")
    now = timezone.now()

    held = lots_held_undecided(world.a_admin, now)
    assert held["lots_held_undecided"] == 1 and held["lots_held_undecided_age"] >= 0
    # The inspectors' list is linked for those who may open it, not for a tenant admin (a 404 there).
    assert not held["lots_held_link"] and lots_held_undecided(world.a_engineer, now)["lots_held_link"]
    assert dispositions_unsynced(world.a_admin, now) | {"dispositions_unsynced_age": None} == {
        "dispositions_unsynced": 2,
        "dispositions_unsynced_age": None,
        "dispositions_failed": 1,
    }
    assert dispositions_unsynced(world.b_admin, now)["dispositions_unsynced"] == 0
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'portal_lots_held_undecided{tenant="alpha"} 1.0' in body
    assert 'portal_lots_held_undecided{tenant="beta"} 1.0' in body
    assert 'portal_dispositions_unsynced{tenant="alpha"} 2.0' in body
