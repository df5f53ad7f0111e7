"""Outbox handlers, one per topic: they push one event to Odoo, idempotently.

Each leaves a marker in Odoo and looks for it before creating anything, so a
redelivered event changes nothing twice (``notes.py``: the marker, the lookup and
the one way to post a note). Topics are named in ``integrations.topics``; a new
topic's handler module is imported at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {}
# Topics whose events can share Odoo calls: the handler takes a batch (one tenant, one topic, in aggregate and
# sequence order) and answers str(event.id) -> the result dict (done) or the exception that failed that event;
# an event left out was not attempted (its predecessor in the batch failed). The engine prefers these to HANDLERS.
BatchResult = dict[str, dict[str, Any] | Exception]
BATCH_HANDLERS: dict[str, Callable[..., BatchResult]] = {}


class HandlerError(Exception):
    """The event cannot be delivered as it is (bad payload, mapping missing): a permanent failure."""

    name = "portal.HandlerError"


def handler(topic: str) -> Callable:
    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        HANDLERS[topic] = fn
        return fn

    return register


def batch_handler(topic: str) -> Callable:
    def register(fn: Callable[..., BatchResult]) -> Callable[..., BatchResult]:
        BATCH_HANDLERS[topic] = fn
        return fn

    return register


from . import acknowledgements, dispositions, holds, ncrs, po_messages, scars, scorecards, shipments  # noqa: E402, F401  (registers their topics)
