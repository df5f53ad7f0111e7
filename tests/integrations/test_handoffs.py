"""Hand-offs between apps: recorded with the pulled rows, each reaction run once, retried on its own,
failed ones shown on the sync monitor and retried from there (issue 11, point 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations import handoffs
from integrations.models import Handoff, HandoffReaction, ReactionStatus
from integrations.services.handoffs import (
    MAX_ATTEMPTS,
    handoff_record,
    handoff_retry,
    handoff_run,
    handoff_sweep,
    reaction_run,
)
from portal.models import AuditEntry, Role
from portal.services.errors import NotInScope
from suppliers.models import PurchaseOrder
from tests.conftest import login
from tests.factories import PurchaseOrderFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def reactions():
    """Register test reactions for ``receipt.done`` (no app reacts to a receipt with a PO fixture alone)
    in place of the registered ones, and put those back afterwards."""
    kind = handoffs.RECEIPT_DONE
    saved = dict(handoffs._REACTIONS[kind])
    handoffs._REACTIONS[kind].clear()

    def register(name, fn):
        handoffs.register_reaction(kind, name, fn)

    yield register
    handoffs._REACTIONS[kind].clear()
    handoffs._REACTIONS[kind].update(saved)


def _record(world, po, *, run: bool = True, capture=None) -> Handoff:
    """A hand-off as the pull records it: inside the transaction that writes the row."""
    if capture is None or not run:
        with transaction.atomic():
            return handoff_record(tenant=world.a, kind=handoffs.RECEIPT_DONE, aggregate=po, data={"name": po.name})
    with capture(execute=True), transaction.atomic():
        return handoff_record(tenant=world.a, kind=handoffs.RECEIPT_DONE, aggregate=po, data={"name": po.name})


def _due_now(reaction: HandoffReaction) -> None:
    """Jump over the back-off (the sweeper would find it later)."""
    HandoffReaction.objects.filter(pk=reaction.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_reaction_that_raises_midway_leaves_nothing_and_completes_on_the_next_run(
    world, reactions, django_capture_on_commit_callbacks
):
    po = PurchaseOrderFactory(partner=world.p1, partner_ref="BEFORE")
    calls = []

    def react(*, handoff):
        calls.append(handoff.pk)
        PurchaseOrder.objects.filter(pk=handoff.aggregate_id).update(partner_ref="WRITTEN")
        if len(calls) == 1:
            raise RuntimeError("the database went away halfway")

    reactions("tests.write_then_fail", react)
    handoff = _record(world, po, capture=django_capture_on_commit_callbacks)
    reaction = handoff.reactions.get()
    reaction.refresh_from_db()
    po.refresh_from_db()
    assert calls == [handoff.pk] and po.partner_ref == "BEFORE"  # the half-done write was rolled back
    assert reaction.status == ReactionStatus.PENDING and reaction.attempts == 1
    assert "RuntimeError: the database went away halfway" in reaction.last_error
    assert reaction.next_attempt_at > timezone.now()  # backing off: the sweeper leaves it for now
    assert handoff_sweep() == 0
    _due_now(reaction)
    assert handoff_sweep() == 1
    reaction.refresh_from_db()
    po.refresh_from_db()
    assert reaction.status == ReactionStatus.DONE and reaction.done_at and reaction.last_error == ""
    assert po.partner_ref == "WRITTEN" and len(calls) == 2
    assert handoff_sweep() == 0 and reaction_run(reaction_id=reaction.pk) == "skipped" and len(calls) == 2


def test_a_worker_killed_midway_leaves_the_reaction_to_the_next_sweep(world, reactions):
    """A reaction whose worker dies (here: an exception no handler catches, as a SIGKILL would leave it):
    its work is rolled back, it stays "running" while its lease lasts, then the sweeper runs it again."""
    po = PurchaseOrderFactory(partner=world.p1, partner_ref="BEFORE")
    calls = []

    def react(*, handoff):
        calls.append(handoff.pk)
        PurchaseOrder.objects.filter(pk=handoff.aggregate_id).update(partner_ref="WRITTEN")
        if len(calls) == 1:
            raise KeyboardInterrupt  # the worker is gone, not a failure it could record

    reactions("tests.killed", react)
    handoff = _record(world, po, run=False)
    reaction = handoff.reactions.get()
    with pytest.raises(KeyboardInterrupt):
        handoff_run(handoff_ids=[handoff.pk])
    reaction.refresh_from_db()
    po.refresh_from_db()
    assert po.partner_ref == "BEFORE" and reaction.status == ReactionStatus.RUNNING and reaction.attempts == 1
    assert handoff_sweep() == 0  # its lease still runs: another worker might be on it
    HandoffReaction.objects.filter(pk=reaction.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    assert handoff_sweep() == 1
    reaction.refresh_from_db()
    po.refresh_from_db()
    assert reaction.status == ReactionStatus.DONE and reaction.attempts == 2 and po.partner_ref == "WRITTEN"


def test_two_reactions_one_failing_the_other_is_done_once(world, reactions, django_capture_on_commit_callbacks):
    po = PurchaseOrderFactory(partner=world.p1)
    good, bad = [], []
    reactions("tests.good", lambda *, handoff: good.append(handoff.pk))

    def fail(*, handoff):
        bad.append(handoff.pk)
        raise ValueError("not today")

    reactions("tests.bad", fail)
    handoff = _record(world, po, capture=django_capture_on_commit_callbacks)
    states = dict(handoff.reactions.values_list("reaction", "status"))
    assert states == {"tests.good": ReactionStatus.DONE, "tests.bad": ReactionStatus.PENDING}
    for reaction in handoff.reactions.all():
        _due_now(reaction)
    handoff_sweep()
    assert good == [handoff.pk] and bad == [handoff.pk, handoff.pk]


def test_the_sweeper_runs_a_handoff_whose_run_after_commit_was_lost(world, reactions):
    po = PurchaseOrderFactory(partner=world.p1)
    seen = []
    reactions("tests.seen", lambda *, handoff: seen.append(handoff.aggregate_id))
    handoff = _record(world, po, run=False)  # committed, but the worker died before running it
    assert seen == [] and handoff.reactions.get().status == ReactionStatus.PENDING
    assert handoff_sweep() == 1
    assert seen == [str(po.pk)] and handoff.reactions.get().status == ReactionStatus.DONE


def test_failed_after_the_last_attempt_shown_on_the_monitor_and_retried_from_there(
    world, reactions, client, celery_eager, django_capture_on_commit_callbacks
):
    po = PurchaseOrderFactory(partner=world.p1)
    broken = [True]
    done = []

    def react(*, handoff):
        if broken[0]:
            raise LookupError("no inspection plan for this product")
        done.append(handoff.pk)

    reactions("tests.inspection", react)
    handoff = _record(world, po, run=False)
    reaction = handoff.reactions.get()
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        _due_now(reaction)
        outcomes.append(reaction_run(reaction_id=reaction.pk))
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    reaction.refresh_from_db()
    assert reaction.status == ReactionStatus.FAILED and reaction.attempts == MAX_ATTEMPTS
    _due_now(reaction)
    assert handoff_sweep() == 0  # failed: it waits for a person

    login(client, world.a_admin)
    monitor = client.get(reverse("sync_monitor", args=[world.a.slug])).content.decode()
    assert "1 failed" in monitor and "tests.inspection" in monitor and "receipt.done" in monitor
    assert "no inspection plan for this product" in monitor and po.name in monitor
    # Another tenant's admin, and this tenant's buyer, cannot retry it.
    with pytest.raises(NotInScope):
        handoff_retry(actor=world.a_buyer, reaction_ids=[reaction.pk])
    assert handoff_retry(actor=world.b_admin, reaction_ids=[reaction.pk]) == 0
    login(client, world.a_buyer)
    assert client.post(reverse("sync_handoff_retry", args=[world.a.slug]), {"reaction": reaction.pk}).status_code == 404

    broken[0] = False  # the cause is fixed
    login(client, world.a_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sync_handoff_retry", args=[world.a.slug]), {"reaction": [reaction.pk, "x", "²"]}
        )
    assert response.status_code == 302
    reaction.refresh_from_db()
    assert reaction.status == ReactionStatus.DONE and reaction.attempts == 1 and done == [handoff.pk]
    entry = AuditEntry.objects.get(action="handoff.retried", object_id=str(reaction.pk))
    assert entry.actor == world.a_admin.user and entry.changes["status"] == ["failed", "pending"]
    assert "1 failed" not in client.get(reverse("sync_monitor", args=[world.a.slug])).content.decode()


def test_a_reaction_no_longer_registered_fails_with_a_reason(world, reactions):
    po = PurchaseOrderFactory(partner=world.p1)
    reactions("tests.gone", lambda *, handoff: None)
    handoff = _record(world, po, run=False)
    handoffs.unregister_reaction(handoffs.RECEIPT_DONE, "tests.gone")
    assert handoff_run(handoff_ids=[handoff.pk]) == {"retry": 1}
    assert "no reaction is registered as 'tests.gone'" in handoff.reactions.get().last_error


def test_recording_needs_the_pulls_transaction_a_known_kind_and_a_reaction(world, reactions):
    po = PurchaseOrderFactory(partner=world.p1)
    with pytest.raises(ValueError, match="unknown hand-off kind"), transaction.atomic():
        handoff_record(tenant=world.a, kind="receipt.arrived", aggregate=po)
    with pytest.raises(ValueError, match="unknown hand-off kind"):
        handoffs.register_reaction("receipt.arrived", "tests.x", lambda *, handoff: None)
    with transaction.atomic():  # nothing reacts to it (the fixture cleared the kind): nothing recorded
        assert handoff_record(tenant=world.a, kind=handoffs.RECEIPT_DONE, aggregate=po) is None
    assert not Handoff.objects.exists()


def test_the_supplier_side_registers_todays_three_reactions():
    assert handoffs.reactions_for(handoffs.PO_CHANGED) == ["suppliers.ack_outdated"]
    assert handoffs.reactions_for(handoffs.PO_PUBLISHED) == ["suppliers.po_published"]
    # Quality reacts to a done receipt after the supplier side (apps register in INSTALLED_APPS order).
    assert handoffs.reactions_for(handoffs.RECEIPT_DONE) == ["suppliers.asn_received", "quality.inspections"]


def test_the_sweeper_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["handoff-sweep"]
    assert entry["task"] == "integrations.tasks.handoff_sweep_task" and entry["schedule"] <= 60


# --- through the real pull and the supplier's real reaction -------------------------------------------


def test_a_cancelled_po_whose_reaction_dies_midway_tells_the_supplier_once_on_the_next_run(
    odoo_sim, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    """The pull records ``po.changed`` with the cancelled order; the supplier's reaction queues the
    e-mail, then dies: no e-mail, and the next pull has nothing new to say (the fingerprints are
    committed), yet the next run of the sweeper tells the supplier, once."""
    from integrations.odoo import OdooGateway
    from integrations.services.pull import tenant_pull
    from portal.models import Partner
    from suppliers.services import po_changes
    from tests.factories import odoo_tenant

    admin = OdooGateway(odoo_sim.config(transport="jsonrpc", login="admin", password="admin"))
    # An order of its own, so the shared simulator's demo orders stay as other tests expect them.
    odoo_id = admin.create("purchase.order", {"partner_id": 11, "partner_ref": "HANDOFF-1"})
    admin.call("purchase.order", "button_confirm", [odoo_id])
    tenant = odoo_tenant(odoo_sim, "handoffs")
    tenant_pull(tenant=tenant)
    member(tenant, Role.SUPPLIER_USER, Partner.objects.get(tenant=tenant, odoo_id=11))
    attempts = []

    def dies_after_its_work(*, handoff):
        attempts.append(handoff.pk)
        po_changes.po_changed_react(handoff=handoff)
        if len(attempts) == 1:
            raise ConnectionError("worker lost its database halfway")

    handoffs.register_reaction(handoffs.PO_CHANGED, "suppliers.ack_outdated", dies_after_its_work)
    try:
        admin.call("purchase.order", "button_cancel", [odoo_id])
        with django_capture_on_commit_callbacks(execute=True):
            tenant_pull(tenant=tenant)
        order = PurchaseOrder.objects.get(tenant=tenant, odoo_id=odoo_id)
        assert order.state == "cancel" and len(attempts) == 1 and mailoutbox == []
        reaction = HandoffReaction.objects.get(tenant=tenant, handoff__kind=handoffs.PO_CHANGED)
        assert reaction.status == ReactionStatus.PENDING and "worker lost" in reaction.last_error
        with django_capture_on_commit_callbacks(execute=True):
            tenant_pull(tenant=tenant)  # Odoo has nothing new: no second hand-off, the reaction still owed
        assert HandoffReaction.objects.filter(tenant=tenant, handoff__kind=handoffs.PO_CHANGED).count() == 1
        _due_now(reaction)
        with django_capture_on_commit_callbacks(execute=True):
            handoff_sweep()
    finally:
        handoffs.register_reaction(handoffs.PO_CHANGED, "suppliers.ack_outdated", po_changes.po_changed_react)
    assert len(attempts) == 2 and [m.subject for m in mailoutbox] == [f"Purchase order {order.name} cancelled"]
    reaction.refresh_from_db()
    assert reaction.status == ReactionStatus.DONE


# --- a busy database, a record that is gone ----------------------------------------------------------


def test_a_claim_the_database_refuses_is_skipped_and_the_others_go_on(world, reactions, monkeypatch, caplog):
    from django.db import OperationalError

    from integrations.services import handoffs as service

    ran = []
    reactions("tests.note", lambda *, handoff: ran.append(handoff.pk))
    first = _record(world, PurchaseOrderFactory(partner=world.p1), run=False)
    second = _record(world, PurchaseOrderFactory(partner=world.p1), run=False)
    locked = first.reactions.get().pk
    claim = service._claim

    def busy_on_one(reaction_id, now):
        if reaction_id == locked:  # as SQLite answers past its lock timeout
            raise OperationalError("database is locked")
        return claim(reaction_id, now)

    monkeypatch.setattr(service, "_claim", busy_on_one)
    with caplog.at_level("WARNING", logger="integrations.handoffs"):
        assert handoff_sweep() == 2
    assert ran == [second.pk]
    assert HandoffReaction.objects.get(pk=locked).status == ReactionStatus.PENDING  # still due next time
    assert any("not claimed" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(service, "_claim", claim)
    assert service.reactions_run(reaction_ids=[locked]) == {"done": 1}


def test_quality_reacting_to_a_receipt_that_is_gone_raises_and_is_retried(world, reactions):
    from quality.services.inspections import receipt_done_react

    reactions("quality.inspections", receipt_done_react)
    gone = Handoff.objects.create(
        tenant=world.a, kind=handoffs.RECEIPT_DONE, aggregate_type="suppliers.receipt", aggregate_id="987654"
    )
    with pytest.raises(LookupError, match=r"receipt #987654 .* is gone"):
        receipt_done_react(handoff=gone)
    reaction = HandoffReaction.objects.create(
        handoff=gone, tenant=world.a, reaction="quality.inspections", next_attempt_at=timezone.now()
    )
    assert reaction_run(reaction_id=reaction.pk) == "retry"  # not "done": nothing was opened
    reaction.refresh_from_db()
    assert reaction.status == ReactionStatus.PENDING and reaction.last_error.startswith("LookupError: receipt #987654")
    # A backlog receipt is history: nothing to open, and nothing to look up.
    backlog = Handoff.objects.create(
        tenant=world.a,
        kind=handoffs.RECEIPT_DONE,
        aggregate_type="suppliers.receipt",
        aggregate_id="987655",
        data={"backlog": True},
    )
    assert receipt_done_react(handoff=backlog) is None


def test_a_supplier_reaction_whose_order_is_gone_raises_and_is_retried(world):
    """The pull never deletes orders: a hand-off naming one that is gone is a fault to see, not a quiet "done"."""
    from suppliers.services.po_changes import po_published_react

    handoff = Handoff(
        tenant=world.a, kind="po.published", aggregate_type="suppliers.purchaseorder", aggregate_id="999999"
    )
    with pytest.raises(LookupError, match="is gone"):
        po_published_react(handoff=handoff)
