"""Hand-offs: what the pull found in Odoo that other apps react to, and the reactions they registered.

A hand-off kind is the contract between the pull, which records a ``Handoff`` row in the
same transaction as the rows it pulled (``integrations.services.handoffs.handoff_record``),
and the apps that react to it. Each app registers its reactions from its
``AppConfig.ready()`` (``register_reaction``); integrations never imports them. Each
reaction gets its own ``HandoffReaction`` row, so one that fails is retried on its own
and shown on the sync monitor, while the others of the same hand-off go ahead.

A reaction is ``fn(*, handoff)``: it reads what it needs by ``handoff.tenant``,
``handoff.aggregate_id`` and ``handoff.data`` (ids and plain values, never model
instances), runs inside the transaction that marks it done, and must be idempotent:
it may run again after a crash between its work and the mark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A PO changed in Odoo after the portal had it: aggregate = the PurchaseOrder,
# data = {"changes": {field: [before, after]}} (fields: state, partner_ref, amount_total, lines).
PO_CHANGED = "po.changed"
# A PO became visible to its supplier (left the RFQ draft) after the first pull: aggregate = the PurchaseOrder.
PO_PUBLISHED = "po.published"
# An incoming receipt reached "done" in Odoo: aggregate = the Receipt.
RECEIPT_DONE = "receipt.done"

KINDS = (PO_CHANGED, PO_PUBLISHED, RECEIPT_DONE)

Reaction = Callable[..., Any]

# kind -> {reaction name -> function}, in registration order (the order reactions run in).
_REACTIONS: dict[str, dict[str, Reaction]] = {kind: {} for kind in KINDS}


def register_reaction(kind: str, name: str, fn: Reaction) -> None:
    """Have ``fn(*, handoff)`` run once for every hand-off of ``kind`` recorded from now on.

    ``name`` (``"<app>.<what>"``, at most 100 characters) identifies the reaction on its rows and
    on the monitor; registering a name again replaces its function (a reloaded app). Raises
    ``ValueError`` for a kind not in ``KINDS``.
    """
    if kind not in _REACTIONS:
        raise ValueError(f"unknown hand-off kind {kind!r}; known: {', '.join(KINDS)}")
    if not name or len(name) > 100:
        raise ValueError("a reaction needs a name of 1 to 100 characters")
    _REACTIONS[kind][name] = fn


def unregister_reaction(kind: str, name: str) -> None:
    """Forget a reaction (tests that register their own); rows already written keep its name."""
    _REACTIONS.get(kind, {}).pop(name, None)


def reactions_for(kind: str) -> list[str]:
    """Names of the reactions registered for ``kind``, in the order they run."""
    return list(_REACTIONS.get(kind, {}))


def reaction_get(kind: str, name: str) -> Reaction | None:
    """The function registered under ``name`` for ``kind``; None when none is (any more)."""
    return _REACTIONS.get(kind, {}).get(name)
