"""What every batch handler keeps: the outcome of each event of the batch, and which events may still be tried.

The engine hands a batch handler the events of one tenant and one topic in (aggregate, sequence) order and
reads back ``BatchResult`` (``str(event.id)`` -> the result dict, or the exception that failed the event). An
event missing from the result was not attempted: the engine releases it without spending its attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integrations.odoo import OdooPermanentError
from integrations.odoo.errors import ConfigurationRejected

from . import BatchResult, HandlerError


def aggregate_of(event) -> tuple[str, str]:
    """The aggregate an event belongs to, ``(aggregate_type, aggregate_id)``: its events go in sequence order.
    An event that names none (a test's stand-in) is an aggregate of its own."""
    kind = getattr(event, "aggregate_type", None)
    return (kind, str(event.aggregate_id)) if kind else ("", str(event.id))


def stops_the_batch(exc: Exception) -> bool:
    """Whether the next calls would fail alike: Odoo unreachable or busy (transient), the integration user's
    credentials or language refused, or a fault of the portal itself. Only a permanent refusal of one event
    does not."""
    if isinstance(exc, ConfigurationRejected):
        return True
    return not isinstance(exc, (OdooPermanentError, HandlerError))


class BatchRun:
    """The outcomes of one batch so far (``results``: a ``BatchResult``).

    An event stays open while nothing earlier of its aggregate failed (per-aggregate order: the later events
    wait for the failed one) and the batch was not stopped (``stops_the_batch``): events never tried are left
    out of the result.
    """

    def __init__(self) -> None:
        self.results: BatchResult = {}
        self._failed: dict[tuple[str, str], int] = {}  # aggregate -> the sequence of its failed event
        self.stopped = False
        self.stopped_by: Exception | None = None  # what stopped the batch

    def is_open(self, event) -> bool:
        """Not yet done nor failed, the batch not stopped, and no earlier event of its aggregate failed."""
        failed_at = self._failed.get(aggregate_of(event))
        held_back = failed_at is not None and failed_at < getattr(event, "sequence", 0)
        return not self.stopped and not held_back and str(event.id) not in self.results

    def done(self, event, result: dict[str, Any]) -> None:
        self.results[str(event.id)] = result

    def fail(self, event, exc: Exception) -> None:
        """``event`` failed with ``exc``: the later events of its aggregate are not tried, nor, when ``exc``
        stops the batch, any other event."""
        self.results[str(event.id)] = exc
        kept = self._failed.get(aggregate_of(event))
        sequence = getattr(event, "sequence", 0)
        self._failed[aggregate_of(event)] = sequence if kept is None else min(kept, sequence)
        if stops_the_batch(exc) and not self.stopped:
            self.stopped, self.stopped_by = True, exc

    def attempt(self, event, fn: Callable[[], dict[str, Any]]) -> None:
        """Run ``fn`` for an open ``event`` and record its result or its failure."""
        if not self.is_open(event):
            return
        try:
            result = fn()
        except Exception as exc:  # recorded for the engine, which tells Odoo's answers from the portal's faults
            self.fail(event, exc)
        else:
            self.done(event, result)


def one_of(batch: Callable[..., BatchResult]) -> Callable[..., dict[str, Any]]:
    """The one-event handler (``HANDLERS``) of a batch handler: the batch of that event alone; its failure is
    raised as the handler's exception."""

    def deliver_one(gw, event) -> dict[str, Any]:
        outcome = batch(gw, [event]).get(str(event.id))
        if isinstance(outcome, Exception):
            raise outcome
        if outcome is None:
            raise HandlerError(f"the batch handler of {event.topic} did not attempt event {event.id}")
        return outcome

    deliver_one.__doc__ = batch.__doc__
    return deliver_one
