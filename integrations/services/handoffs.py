"""Hand-offs: recorded with the pulled rows, then each registered reaction run once, retried on its own.

Guarantees (issue 11, point 2):

- a hand-off and one row per registered reaction are written in the transaction that writes the
  pulled rows and their fingerprints: they commit together or not at all, so a change the next
  pull will not see again has always left its hand-off behind;
- once that transaction commits, its reactions run right away in the same process (where the
  pull's signals used to run, so nothing waits longer than before); whatever that misses, because
  the worker died or a reaction failed, the sweeper (beat, ``handoff_sweep_task``) runs later;
- each reaction runs in its own transaction, which also marks it done: one that raises leaves
  nothing half-written, spends an attempt and is tried again after a back-off, while the other
  reactions of the same hand-off go ahead; after ``MAX_ATTEMPTS`` it is failed, listed on the
  sync monitor with its error, and a tenant admin can retry it (``handoff_retry``, audited);
- a reaction is claimed under a row lock (SKIP LOCKED on PostgreSQL; on SQLite, IMMEDIATE
  transactions queue the writers) and a lease, so two workers never run it at the same time; one
  whose worker died stays "running" until the lease ends, and is then run again (that attempt
  counts, so a reaction that kills its worker every time ends up failed, not in a loop).

Reactions read the current state of what the hand-off names: hand-offs of one record are not
kept in order (a retried ``po.changed`` may run after a later one). A reaction whose record is
gone raises (``LookupError``): it is retried, then failed and shown on the sync monitor, instead of
being marked done with nothing done.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import OperationalError, models, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.handoffs import KINDS, reaction_get, reactions_for
from integrations.models import Handoff, HandoffReaction, ReactionStatus
from portal.context import bound
from portal.models import Membership, Role, Tenant
from portal.services.audit import audit_record
from portal.services.errors import NotInScope

log = logging.getLogger("integrations.handoffs")

MAX_ATTEMPTS = 8
# A reaction is short database work; a worker that has not reported back within this is gone.
LEASE_SECONDS = 120
# Doubling from 30 s up to an hour: eight attempts span about an hour and a half.
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
MANAGERS = {Role.TENANT_ADMIN}


def handoff_record(*, tenant: Tenant, kind: str, aggregate: models.Model, data: dict | None = None) -> Handoff | None:
    """Record that ``kind`` happened to ``aggregate``, with one pending row per reaction registered for
    it; call it inside the transaction that writes what was pulled. ``data``: JSON-ready plain values.

    Answers the hand-off, or None when no app reacts to ``kind``. Its reactions run once the
    transaction commits. Raises ``ValueError`` for a kind not in ``integrations.handoffs.KINDS`` and
    ``RuntimeError`` outside a transaction.
    """
    written = handoffs_record(tenant=tenant, items=[(kind, aggregate, data)])
    return written[0] if written else None


def handoffs_record(*, tenant: Tenant, items: Iterable[tuple[str, models.Model, dict]]) -> list[Handoff]:
    """``handoff_record`` for many at once: ``items`` are (kind, aggregate, data); one insert for the
    hand-offs and one for their reactions, whatever their number, and one run of them after commit.

    Answers the hand-offs written (kinds no app reacts to write none). Raises as ``handoff_record``.
    """
    items = list(items)
    unknown = sorted({kind for kind, _, _ in items} - set(KINDS))
    if unknown:
        raise ValueError(f"unknown hand-off kind {unknown[0]!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("hand-offs must be recorded inside the transaction that writes the pulled rows")
    names = {kind: reactions_for(kind) for kind, _, _ in items}
    handoffs = Handoff.objects.bulk_create(
        [
            Handoff(
                tenant=tenant,
                kind=kind,
                aggregate_type=aggregate._meta.label_lower,
                aggregate_id=str(aggregate.pk),
                data=data or {},
            )
            for kind, aggregate, data in items
            if names[kind]
        ]
    )
    if not handoffs:
        return []
    now = timezone.now()
    HandoffReaction.objects.bulk_create(
        [
            HandoffReaction(handoff=handoff, tenant=tenant, reaction=name, next_attempt_at=now)
            for handoff in handoffs
            for name in names[handoff.kind]
        ]
    )
    ids = [handoff.pk for handoff in handoffs]
    # robust: a failure to even start them must not fail the pull that committed; the sweeper runs them.
    transaction.on_commit(lambda: handoff_run(handoff_ids=ids), robust=True)
    return handoffs


def handoff_run(*, handoff_ids: Iterable[int]) -> dict[str, int]:
    """Run the due reactions of these hand-offs, each in its own transaction, in the order they were
    registered; answers how many ended each way (``done``, ``retry``, ``failed``, ``skipped``).
    Never raises for a reaction's error: that is recorded on its row."""
    ids = HandoffReaction.objects.filter(handoff_id__in=list(handoff_ids), status=ReactionStatus.PENDING)
    return reactions_run(reaction_ids=list(ids.order_by("handoff_id", "pk").values_list("pk", flat=True)))


def reactions_run(*, reaction_ids: Iterable[int]) -> dict[str, int]:
    """Run these reactions where they are due (see ``reaction_run``); answers the count of each outcome."""
    outcomes: Counter[str] = Counter()
    for reaction_id in reaction_ids:
        outcomes[reaction_run(reaction_id=reaction_id)] += 1
    return dict(outcomes)


def handoff_sweep(*, limit: int = 500) -> int:
    """Run due reactions the moment after commit missed: retries whose back-off is over, and those
    whose worker died (lease over). Answers how many it tried."""
    now = timezone.now()
    due = (
        HandoffReaction.objects.filter(
            Q(status=ReactionStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=ReactionStatus.RUNNING, leased_until__lt=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    ids = list(due[:limit])
    reactions_run(reaction_ids=ids)
    return len(ids)


def reaction_run(*, reaction_id: int) -> str:
    """Claim one reaction and run it; answers ``done``, ``retry`` (failed, will be tried again),
    ``failed`` (no attempt left) or ``skipped`` (not due, done, another worker has it, or the claim
    could not get its lock)."""
    try:
        claimed = _claim(reaction_id, timezone.now())
    except OperationalError:
        # On SQLite a reaction running past the 20 s lock timeout makes this claim fail ("database is
        # locked"): skip it, so the rest of the sweep goes on; the reaction is still due next time.
        log.warning("reaction #%s not claimed (database busy); skipped", reaction_id, exc_info=True)
        return "skipped"
    if claimed is None:
        return "skipped"
    handoff = claimed.handoff
    with bound(source="sync"):
        try:
            outcome = _react(claimed)
        except Exception as exc:
            log.exception("reaction %s to hand-off %s failed", claimed.reaction, handoff.pk)
            outcome = _failed(claimed, exc)
        log.info(
            "handoff reaction=%s kind=%s aggregate=%s#%s attempt=%d outcome=%s tenant=%s",
            claimed.reaction,
            handoff.kind,
            handoff.aggregate_type,
            handoff.aggregate_id,
            claimed.attempts,
            outcome,
            handoff.tenant_id,
        )
    return outcome


def _claim(reaction_id: int, now: datetime) -> HandoffReaction | None:
    """Take the reaction for this worker: an attempt counted and a lease, committed before it runs."""
    with transaction.atomic():
        row = (
            HandoffReaction.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("handoff__tenant")
            .filter(pk=reaction_id)
            .first()
        )
        if row is None or row.status in (ReactionStatus.DONE, ReactionStatus.FAILED):
            return None
        if row.status == ReactionStatus.RUNNING and row.leased_until and row.leased_until > now:
            return None  # another worker has it
        if row.status == ReactionStatus.PENDING and row.next_attempt_at > now:
            return None  # backing off
        orphaned = row.status == ReactionStatus.RUNNING
        if orphaned and row.attempts >= MAX_ATTEMPTS:
            row.status, row.leased_until = ReactionStatus.FAILED, None
            row.last_error = f"attempt {row.attempts}, the last one allowed, never reported back (worker lost)"
            row.save(update_fields=["status", "leased_until", "last_error", "updated_at"])
            return None
        if orphaned:
            row.last_error = f"attempt {row.attempts} never reported back (worker lost); run again"
        row.status = ReactionStatus.RUNNING
        row.attempts += 1
        row.leased_until = now + timedelta(seconds=LEASE_SECONDS)
        row.save(update_fields=["status", "attempts", "leased_until", "last_error", "updated_at"])
        return row


def _react(claimed: HandoffReaction) -> str:
    """Run the reaction and mark it done in one transaction: both happen, or neither does."""
    handoff = claimed.handoff
    fn = reaction_get(handoff.kind, claimed.reaction)
    with transaction.atomic():
        # Fenced by the attempt: if the lease ran out and another worker took it, this one stands down.
        mine = HandoffReaction.objects.select_for_update().filter(
            pk=claimed.pk, status=ReactionStatus.RUNNING, attempts=claimed.attempts
        )
        if mine.first() is None:
            return "skipped"
        if fn is None:
            raise LookupError(f"no reaction is registered as {claimed.reaction!r} for {handoff.kind!r}")
        fn(handoff=handoff)
        now = timezone.now()
        mine.update(status=ReactionStatus.DONE, done_at=now, leased_until=None, last_error="", updated_at=now)
    return "done"


def _failed(claimed: HandoffReaction, exc: Exception) -> str:
    """Record the failure (the reaction's work is rolled back): back off, or give up after the last attempt."""
    now = timezone.now()
    dead = claimed.attempts >= MAX_ATTEMPTS
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(claimed.attempts - 1, 0))
    HandoffReaction.objects.filter(pk=claimed.pk, status=ReactionStatus.RUNNING, attempts=claimed.attempts).update(
        status=ReactionStatus.FAILED if dead else ReactionStatus.PENDING,
        leased_until=None,
        # Jitter (half to all of the wait), so the failures of one pull do not all come back at once.
        next_attempt_at=now + timedelta(seconds=random.uniform(ceiling / 2, ceiling)),  # noqa: S311 - not security
        last_error=f"{type(exc).__name__}: {exc}"[:4000],
        updated_at=now,
    )
    return "failed" if dead else "retry"


def handoff_retry(*, actor: Membership | None, reaction_ids: Iterable[int]) -> int:
    """Run failed reactions again from attempt zero (a tenant admin, after fixing the cause), with an
    audit entry each; answers how many. Raises ``NotInScope`` for anyone but a tenant admin; ids of
    another tenant, or of reactions that have not failed, are passed over. ``actor`` None: the CLI."""
    if actor is not None and actor.role not in MANAGERS:
        raise NotInScope()
    now = timezone.now()
    with transaction.atomic():
        rows = HandoffReaction.objects.select_for_update(of=("self",)).filter(
            pk__in=list(reaction_ids), status=ReactionStatus.FAILED
        )
        if actor is not None:
            rows = rows.filter(tenant_id=actor.tenant_id)
        retried = []
        for row in rows.select_related("tenant").order_by("pk"):
            changes = {
                "status": [row.status, ReactionStatus.PENDING],
                "attempts": [row.attempts, 0],
                "last_error": [row.last_error[:200], ""],
            }
            row.status, row.attempts, row.next_attempt_at = ReactionStatus.PENDING, 0, now
            row.leased_until, row.last_error = None, ""
            row.save()
            audit_record(
                tenant=row.tenant,
                actor=actor.user if actor else None,
                action="handoff.retried",
                obj=row,
                changes=changes,
            )
            retried.append(row.pk)
        if retried:
            transaction.on_commit(lambda: _enqueue(retried))
    return len(retried)


def _enqueue(reaction_ids: list[int]) -> None:
    """Hand the reactions to a worker; the sweeper runs them anyway if the message is lost."""
    from integrations.tasks import handoff_run_task

    handoff_run_task.delay(reaction_ids)
