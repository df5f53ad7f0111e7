"""One batch of a tenant's lane: claim, call the handlers, record the outcomes, log one line.

Within a batch, each aggregate's remaining events go in sequence: rounds take, from every aggregate,
the run of events of one topic at the head of what is left; a topic with a batch handler
(``BATCH_HANDLERS``) gets one call with its events of the round, the others go one event at a time
through ``HANDLERS``. An aggregate whose event failed (or was not attempted) stops there: its later
events are released without spending their attempt.

The leases of the batch are renewed by one heartbeat thread in one UPDATE, fenced on the lease value
the claim (or the last beat) wrote, so a worker that lost its lease stops renewing.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone, translation

from integrations.handlers import BATCH_HANDLERS, HANDLERS, HandlerError
from integrations.handlers.batches import stops_the_batch
from integrations.models import EventStatus, OutboxEvent
from integrations.odoo import OdooPermanentError, OdooTransientError
from integrations.odoo.client import OdooGateway, gateway_for
from integrations.services.connection import odoo_config_of
from portal import l10n
from portal.context import bound

from .delivery_claim import Claim, batch_claim
from .delivery_finish import batch_finish

log = logging.getLogger("integrations.delivery")
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


@dataclass
class DrainResult:
    """Counts of one batch: events claimed and their outcomes; ``held`` parked for a paused tenant."""

    claimed: int = 0
    done: int = 0
    retry: int = 0
    dead: int = 0
    held: int = 0
    released: int = 0


@contextlib.contextmanager
def leases_kept(claim: Claim) -> Iterator[None]:
    """Renew the batch's leases every third of ``PORTAL_OUTBOX_LEASE_SECONDS`` until the block ends.

    Inside a transaction (tests calling the service directly) the claim is not visible to anyone else,
    so nothing needs renewing.
    """
    if connection.in_atomic_block or not claim.events:
        yield
        return
    lease = timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
    pks = [e.pk for e in claim.events]
    stop = threading.Event()

    def renew() -> None:
        held_until = claim.lease_until
        try:
            while not stop.wait(lease.total_seconds() / 3):
                until = timezone.now() + lease
                try:
                    kept = OutboxEvent.objects.filter(
                        pk__in=pks, status=EventStatus.IN_FLIGHT, leased_until=held_until
                    ).update(leased_until=until)
                except DatabaseError as exc:  # a busy database: the next beat may get through
                    log.warning("leases of a batch of %d not renewed: %s", len(pks), exc)
                    continue
                held_until = until
                if not kept:
                    log.warning("leases of a batch of %d lost; no longer renewed", len(pks))
                    return
        finally:
            connection.close()  # this thread's own connection

    beat = threading.Thread(target=renew, name=f"lease-batch-{claim.tenant_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _topic_call(gw: OdooGateway, topic: str, events: list[OutboxEvent], stop: threading.Event) -> dict[str, Any]:
    """-> event id -> result dict | exception, for the events attempted (in order, stopping an aggregate
    at its first failure, and everything at a failure that stops the batch: ``stop`` is set then, and
    checked before each call, so the other threads of the batch stop too)."""
    batch = BATCH_HANDLERS.get(topic)
    if batch is not None:
        try:
            return batch(gw, events)
        except (OdooTransientError, OdooPermanentError) as exc:  # Odoo's answer to a shared call: all its events
            return {str(e.pk): exc for e in events}
        except Exception:  # the portal's fault on one event's data must not fail the others: one at a time
            log.exception("batch handler of %s failed on a batch of %d; delivering one at a time", topic, len(events))
            for event in events:  # the broken call may have got some through: each looks for its marker first
                event.verify = True
    one = HANDLERS.get(topic)
    answers: dict[str, Any] = {}
    failed: set[tuple[str, str]] = set()
    for event in events:
        if stop.is_set():
            break
        if (event.aggregate_type, event.aggregate_id) in failed:
            continue
        try:
            if one is None:
                raise HandlerError(f"no handler for topic {event.topic!r}")
            answers[str(event.pk)] = one(gw, event) or {}
        except Exception as exc:
            answers[str(event.pk)] = exc
            failed.add((event.aggregate_type, event.aggregate_id))
            if stops_the_batch(exc):  # the next calls would fail alike: the rest is released unspent
                stop.set()
    return answers


def run_handlers(
    gw: OdooGateway,
    events: list[OutboxEvent],
    stop: threading.Event | None = None,
    answers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Deliver ``events`` (aggregate, sequence order) in rounds; -> event id -> result | exception. A failure
    that stops the batch (``stops_the_batch``) ends it: the topics and rounds left are not called, their
    events are left out (released without spending their attempt); ``stop`` is shared by the batch's threads."""
    stop = stop or threading.Event()
    answers = {} if answers is None else answers  # filled as the calls answer (kept if a later step raises)
    left: dict[tuple[str, str], list[OutboxEvent]] = defaultdict(list)
    for event in events:
        left[(event.aggregate_type, event.aggregate_id)].append(event)
    while left and not stop.is_set():
        by_topic: dict[str, list[OutboxEvent]] = defaultdict(list)
        for chain in left.values():
            run = _leading_run(chain)
            by_topic[run[0].topic].extend(run)
        for topic, batch in by_topic.items():
            if stop.is_set():
                break
            part = _topic_call(gw, topic, batch, stop)
            answers.update(part)
            if any(isinstance(o, Exception) and stops_the_batch(o) for o in part.values()):
                stop.set()
        for key in list(left):
            chain = left[key]
            taken = len(_leading_run(chain))
            outcomes = [answers.get(str(e.pk)) for e in chain[:taken]]
            if any(o is None or isinstance(o, Exception) for o in outcomes):
                del left[key]  # failed or not attempted: the rest of the aggregate waits
            elif taken == len(chain):
                del left[key]
            else:
                left[key] = chain[taken:]
    return answers


def _leading_run(chain: list[OutboxEvent]) -> list[OutboxEvent]:
    topic = chain[0].topic
    run = []
    for event in chain:
        if event.topic != topic:
            break
        run.append(event)
    return run


def _group_run(config, events: list[OutboxEvent], stop: threading.Event) -> tuple[dict[str, Any], int, float]:
    """run_handlers with this thread's gateway; -> (answers, Odoo calls, seconds waited on Odoo). A failure
    outside the handlers stops the batch like theirs: it is the answer of the first event not answered, the
    others are left out (released unspent)."""
    try:
        gw = gateway_for(config)
    except Exception as exc:  # the gateway could not be built (Odoo unreachable, refused): the batch stops
        stop.set()
        return {str(events[0].pk): exc}, 0, 0.0
    calls, wait_s = gw.calls, gw.wait_s
    answers: dict[str, Any] = {}
    try:
        run_handlers(gw, events, stop, answers)
    except Exception as exc:
        stop.set()
        unanswered = [e for e in events if str(e.pk) not in answers]
        if unanswered:
            answers[str(unanswered[0].pk)] = exc
    return answers, gw.calls - calls, gw.wait_s - wait_s


def _pool() -> ThreadPoolExecutor:
    """Long-lived delivery threads: each keeps its gateway (its Odoo session) from batch to batch."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(settings.PORTAL_OUTBOX_THREADS, thread_name_prefix="delivery")
        return _POOL


def _in_thread(
    ctx: contextvars.Context, language: str, config, events: list[OutboxEvent], stop: threading.Event
) -> tuple[dict[str, Any], int, float]:
    try:
        return ctx.run(_group_run_in, language, config, events, stop)
    finally:
        connection.close()  # a handler that read the database did it on this thread's own connection


def _group_run_in(language: str, config, events: list[OutboxEvent], stop: threading.Event):
    """``_group_run`` in ``language``: Django's active language is the thread's own, not carried by the
    copied context, so a pool thread takes the batch's (the tenant's, ``batch_deliver``) here."""
    with translation.override(language):
        return _group_run(config, events, stop)


def run_groups(config, events: list[OutboxEvent]) -> tuple[dict[str, Any], int, float, float]:
    """Deliver the batch, its aggregates split over ``PORTAL_OUTBOX_THREADS`` threads (whole aggregates per
    thread, each thread its own gateway) when outside a transaction; -> (answers, calls, seconds waited on
    the critical path: the longest of the threads' waits, a part of the batch's wall time; seconds of all
    the calls: the Odoo time the batch's events cost, each call's shared among the events it served)."""
    chains: dict[tuple[str, str], list[OutboxEvent]] = defaultdict(list)
    for event in events:
        chains[(event.aggregate_type, event.aggregate_id)].append(event)
    threads = min(settings.PORTAL_OUTBOX_THREADS, len(chains))
    stop = threading.Event()  # set by the first failure that stops the batch: every thread stops at its next call
    if threads <= 1 or connection.in_atomic_block:  # a test's transaction is not visible to other threads
        answers, calls, wait_s = _group_run(config, events, stop)
        return answers, calls, wait_s, wait_s
    groups: list[list[OutboxEvent]] = [[] for _ in range(threads)]
    for i, chain in enumerate(chains.values()):
        groups[i % threads].extend(chain)
    language = translation.get_language()
    futures = [
        _pool().submit(_in_thread, contextvars.copy_context(), language, config, group, stop) for group in groups
    ]
    answers: dict[str, Any] = {}
    calls, wait_s, wait_sum_s = 0, 0.0, 0.0
    for future in futures:
        part, part_calls, part_wait = future.result()
        answers.update(part)
        calls, wait_s, wait_sum_s = calls + part_calls, max(wait_s, part_wait), wait_sum_s + part_wait
    return answers, calls, wait_s, wait_sum_s


def batch_deliver(claim: Claim, *, claim_s: float, wake_enqueue: bool = True) -> tuple[DrainResult, dict[str, str]]:
    """Call the handlers for the claimed events and record the outcomes; logs the batch's line."""
    result = DrainResult(claimed=len(claim.events), held=claim.held)
    if not claim.events:
        return result, {}
    started = time.perf_counter()
    tenant = claim.events[0].tenant
    with (
        bound(correlation_id=claim.events[0].correlation_id or None, source="sync"),
        leases_kept(claim),
        # Notes and activities are written for the tenant's people: in its language, whoever caused them
        # (run_groups hands it to its threads).
        translation.override(l10n.tenant_language(tenant)),
    ):
        answers, calls, wait_s, wait_sum_s = run_groups(odoo_config_of(tenant), claim.events)
    finish_started = time.perf_counter()
    finished = batch_finish(claim, answers, wake_enqueue=wake_enqueue)
    ended = time.perf_counter()
    for outcome in finished.outcomes.values():
        if hasattr(result, outcome):
            setattr(result, outcome, getattr(result, outcome) + 1)
    log.info(
        "delivery-batch tenant=%s lane=%s events=%d done=%d retry=%d dead=%d odoo_calls=%d odoo_ms=%.1f "
        "odoo_sum_ms=%.1f claim_ms=%.1f finish_ms=%.1f total_ms=%.1f",
        tenant.slug,
        claim.lane,
        len(claim.events),
        result.done,
        result.retry,
        result.dead,
        calls,
        min(wait_s, finish_started - started) * 1000,
        wait_sum_s * 1000,
        claim_s * 1000,
        (ended - finish_started) * 1000,
        (ended - started + claim_s) * 1000,
    )
    if log.isEnabledFor(logging.DEBUG):
        for event in claim.events:
            log.debug(
                "delivery event=%s topic=%s aggregate=%s#%s seq=%d attempt=%d outcome=%s tenant=%s",
                event.id,
                event.topic,
                event.aggregate_type,
                event.aggregate_id,
                event.sequence,
                event.attempts,
                finished.outcomes.get(str(event.pk)),
                tenant.slug,
            )
    return result, finished.outcomes


def tenant_drain(
    *,
    tenant_id: int,
    lane: str,
    limit: int | None = None,
    wake_enqueue: bool = True,
    swept: datetime | None = None,
) -> DrainResult:
    """Deliver one batch of up to ``limit`` (``PORTAL_OUTBOX_BATCH``) due events of the tenant's lane
    (``swept``: of chains whose "queued" mark passed or is the sweep's of that time)."""
    started = time.perf_counter()
    limit = limit or settings.PORTAL_OUTBOX_BATCH
    claim = batch_claim(tenant_id=tenant_id, lane=lane, limit=limit, swept=swept)
    result, _ = batch_deliver(claim, claim_s=time.perf_counter() - started, wake_enqueue=wake_enqueue)
    return result


def tenant_drain_due(*, tenant_id: int, lane: str) -> bool:
    """Whether the tenant's lane has due heads now (the drain task re-enqueues itself then)."""
    from .delivery_claim import due_q, heads

    now = timezone.now()
    return heads(OutboxEvent.objects.filter(due_q(now), tenant_id=tenant_id, lane=lane)).exists()


def event_deliver_one(event_id: str) -> str:
    """Deliver ``event_id`` as a batch of its own when it is a due head: "done", "retry", "dead", "held",
    "skipped" (not claimable now)."""
    started = time.perf_counter()
    claim = batch_claim(tenant_id=None, lane="", limit=1, event_id=event_id)
    if not claim.events:
        return "skipped"
    _, outcomes = batch_deliver(claim, claim_s=time.perf_counter() - started)
    outcome = outcomes.get(str(claim.events[0].pk), "skipped")
    return {"released": "skipped", "lost": "skipped"}.get(outcome, outcome)
