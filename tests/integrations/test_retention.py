"""Retention: delivered events and done hand-offs past the reconciliation window and expired
Idempotency-Key answers go,
in bounded batches, and the sync monitor says how many went and when; nothing still needed goes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from integrations.models import (
    EventStatus,
    Handoff,
    HandoffReaction,
    OutboxEvent,
    ReactionStatus,
    SyncDrift,
    TenantSyncState,
)
from integrations.services import retention
from integrations.services.retention import retention_purge
from integrations.tasks import retention_purge_all_task
from portal.models import IdempotencyRecord
from portal.services.tokens import token_create
from suppliers.models import PurchaseOrderMessage
from tests.conftest import login
from tests.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _event(po, sequence: int, *, status=EventStatus.DONE, age: timedelta, topic="po.message_posted") -> OutboxEvent:
    """An event of ``po`` delivered (or last touched) ``age`` ago."""
    when = timezone.now() - age
    event = OutboxEvent.objects.create(
        id=uuid.uuid4(),
        tenant=po.tenant,
        topic=topic,
        aggregate_type="suppliers.purchaseorder",
        aggregate_id=str(po.pk),
        sequence=sequence,
        payload={},
        status=status,
        next_attempt_at=when,
        delivered_at=when if status == EventStatus.DONE else None,
    )
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=when, updated_at=when)
    return event


def _remaining(*events) -> set:
    return set(OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("pk", flat=True))


def test_only_delivered_events_nobody_needs_go(world):
    old = timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS + 2)
    po = PurchaseOrderFactory(partner=world.p1)
    gone = _event(po, 1, age=old)
    drifted_gone = _event(po, 2, age=old)  # its drift was resolved: it goes with it
    SyncDrift.objects.create(tenant=po.tenant, event=drifted_gone, topic="t", message="m", resolved_at=timezone.now())
    kept = {
        "failed": _event(po, 3, status=EventStatus.DEAD, age=old),
        "cancelled": _event(po, 4, status=EventStatus.CANCELLED, age=old),
        "open drift": _event(po, 5, age=old),
        "a message shows its badge": _event(po, 6, age=old),
        # the nightly full reconciliation may still be reading it: the window and a day
        "inside the window": _event(po, 7, age=timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS, hours=12)),
    }
    SyncDrift.objects.create(tenant=po.tenant, event=kept["open drift"], topic="t", message="m")
    PurchaseOrderMessage.objects.create(
        tenant=po.tenant,
        order=po,
        author=world.p1_user.user,
        author_label="x",
        body="y",
        outbox_event=kept["a message shows its badge"],
    )
    other_po = PurchaseOrderFactory(partner=world.p1)
    newest = _event(other_po, 1, age=old)  # the last of its order: the next one numbers on from it
    their_po = PurchaseOrderFactory(partner=world.q1)
    elsewhere, _ = _event(their_po, 1, age=old), _event(their_po, 2, age=old)

    purged = retention_purge(tenant=world.a)

    assert purged.events == 2 and _remaining(gone, drifted_gone) == set()
    assert not SyncDrift.objects.filter(event_id=drifted_gone.pk).exists()
    assert _remaining(*kept.values(), newest) == {e.pk for e in [*kept.values(), newest]}
    assert _remaining(elsewhere) == {elsewhere.pk}  # another tenant's run removes it, not this one
    state = TenantSyncState.objects.get(tenant=world.a)
    assert (state.purged_events, state.purged_keys) == (2, 0) and state.purged_at is not None


def test_expired_idempotency_answers_go(world):
    token, _ = token_create(actor=world.p1_admin, name="ERP", scopes=["po:read"])
    stale = IdempotencyRecord.objects.create(token=token, key="old", method="POST", path="/x", body_hash="h")
    fresh = IdempotencyRecord.objects.create(token=token, key="new", method="POST", path="/x", body_hash="h")
    IdempotencyRecord.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(days=settings.PORTAL_IDEMPOTENCY_KEEP_DAYS) - DAY
    )
    assert retention_purge(tenant=world.b).keys == 0  # another tenant's run leaves them
    assert retention_purge(tenant=world.a).keys == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]


def _handoff(tenant, *statuses, age: timedelta, done_ago: timedelta | None = None) -> Handoff:
    """A hand-off recorded ``age`` ago with one reaction in each of ``statuses`` (the done ones finished
    ``done_ago`` ago, by default as soon as it was recorded)."""
    handoff = Handoff.objects.create(
        tenant=tenant, kind="po.changed", aggregate_type="suppliers.purchaseorder", aggregate_id="1"
    )
    Handoff.objects.filter(pk=handoff.pk).update(created_at=timezone.now() - age)
    for number, status in enumerate(statuses):
        HandoffReaction.objects.create(
            handoff=handoff,
            tenant=tenant,
            reaction=f"app.react{number}",
            status=status,
            next_attempt_at=timezone.now(),
            done_at=(timezone.now() - (done_ago if done_ago is not None else age))
            if status == ReactionStatus.DONE
            else None,
        )
    return handoff


def test_done_handoffs_past_the_window_go_with_their_reactions(world, settings, monkeypatch):
    old = timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS + 2)
    done = ReactionStatus.DONE
    gone = [_handoff(world.a, done, done, age=old), _handoff(world.a, age=old)]  # no app reacts: done too
    kept = [
        _handoff(world.a, done, ReactionStatus.PENDING, age=old),
        _handoff(world.a, done, ReactionStatus.RUNNING, age=old),
        _handoff(world.a, ReactionStatus.FAILED, done, age=old),
        _handoff(world.a, done, age=timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS, hours=12)),
        _handoff(world.b, done, age=old),  # another tenant's run removes it
    ]

    purged = retention_purge(tenant=world.a)

    assert purged.handoffs == 2 and purged.events == 0
    assert set(Handoff.objects.values_list("pk", flat=True)) == {h.pk for h in kept}
    assert not HandoffReaction.objects.filter(handoff_id__in=[h.pk for h in gone]).exists()
    assert TenantSyncState.objects.get(tenant=world.a).purged_handoffs == 2
    # bounded batches, as for events
    settings.PORTAL_RETENTION_BATCH = 2
    monkeypatch.setattr(retention, "MAX_BATCHES", 1)
    for _ in range(3):
        _handoff(world.a, done, age=old)
    assert [retention_purge(tenant=world.a).handoffs for _ in range(3)] == [2, 1, 0]
    assert set(Handoff.objects.values_list("pk", flat=True)) == {h.pk for h in kept}


def test_a_run_removes_bounded_batches_and_the_next_run_goes_on(world, settings, monkeypatch):
    settings.PORTAL_RETENTION_BATCH = 2
    monkeypatch.setattr(retention, "MAX_BATCHES", 2)
    po = PurchaseOrderFactory(partner=world.p1)
    old = timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS + 2)
    for sequence in range(1, 7):  # 5 to remove, the newest stays
        _event(po, sequence, age=old)
    assert retention_purge(tenant=world.a).events == 4
    assert retention_purge(tenant=world.a).events == 1
    assert retention_purge(tenant=world.a).events == 0
    assert OutboxEvent.objects.filter(tenant=world.a).count() == 1


def test_beat_runs_it_for_every_tenant_and_the_monitor_shows_it(world, client, celery_eager):
    assert settings.CELERY_BEAT_SCHEDULE["retention"]["task"] == "integrations.tasks.retention_purge_all_task"
    po = PurchaseOrderFactory(partner=world.p1)
    for sequence in (1, 2, 3):
        _event(po, sequence, age=timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS + 2))
    login(client, world.a_admin)
    before = client.get(reverse("sync_monitor", args=[world.a.slug])).content.decode()
    assert "Nothing removed yet" in before
    retention_purge_all_task.delay()
    assert set(TenantSyncState.objects.values_list("tenant__slug", "purged_events")) == {("alpha", 2), ("beta", 0)}
    page = client.get(reverse("sync_monitor", args=[world.a.slug])).content.decode()
    assert (
        '<span class="stat">2</span> delivered changes, 0 done hand-offs and 0 Idempotency-Key answers removed' in page
    )
    assert f"kept {settings.PORTAL_RECONCILE_FULL_DAYS + 1} days" in page


def test_a_handoff_retried_and_finished_lately_stays_until_its_window_has_passed(world, settings):
    old = timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS + 2)
    done = ReactionStatus.DONE
    lately = _handoff(world.a, done, done, age=old, done_ago=timedelta(minutes=5))
    finished_long_ago = _handoff(world.a, done, age=old, done_ago=old - DAY / 2)
    # A done row without done_at (marked by hand) counts from when it was last written.
    by_hand = _handoff(world.a, done, age=old)
    HandoffReaction.objects.filter(handoff=by_hand).update(done_at=None)

    assert retention_purge(tenant=world.a).handoffs == 1
    assert set(Handoff.objects.values_list("pk", flat=True)) == {lately.pk, by_hand.pk}
    assert not Handoff.objects.filter(pk=finished_long_ago.pk).exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORTAL_RECONCILE_FULL_DAYS", -3), ("PORTAL_RECONCILE_FULL_DAYS", 0), ("PORTAL_IDEMPOTENCY_KEEP_DAYS", 0)],
)
def test_a_window_under_a_day_is_refused_and_nothing_goes(world, settings, name, value):
    from django.core.exceptions import ImproperlyConfigured

    po = PurchaseOrderFactory(partner=world.p1)
    recent = [_event(po, 1, age=timedelta(minutes=5)), _event(po, 2, age=timedelta(minutes=1))]
    token, _ = token_create(actor=world.p1_admin, name="ERP", scopes=["po:read"])
    key = IdempotencyRecord.objects.create(token=token, key="k", method="POST", path="/x", body_hash="h")
    setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=f"{name} is {value}: it must be a whole number of days"):
        retention_purge(tenant=world.a)
    assert _remaining(*recent) == {e.pk for e in recent}
    assert IdempotencyRecord.objects.filter(pk=key.pk).exists()
