"""Words the reconcilers share: how an unfinished delivery stopped, what finishes it, lists of lots."""

from __future__ import annotations

from typing import Any


def stopped(event) -> str:
    """How the delivery stopped, in words."""
    from integrations.models import EventStatus

    if event.status == EventStatus.DEAD:
        return "failed in Odoo"
    if event.status == EventStatus.IN_FLIGHT:
        return "stopped half-way (its worker was lost)"
    return f"is retrying (attempt {event.attempts} failed)"


def to_finish(event) -> str:
    """What finishes it, in words."""
    from integrations.models import EventStatus

    if event.status == EventStatus.DEAD:
        return "replay it to finish"
    if event.status == EventStatus.IN_FLIGHT:
        return "the sweeper will send it again to finish; replay it if that fails"
    return "its next attempt should finish it; replay it if it fails for good"


def qty(value: Any) -> str:
    """A quantity as Odoo's float, without trailing zeros: ``300``, ``2.5``."""
    return f"{float(value or 0):g}"


def names(items: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def lots_text(lots: list[tuple[str, Any]]) -> str:
    """``lot A 300`` or ``lots A 300 and B 200``."""
    return ("lot " if len(lots) == 1 else "lots ") + names([f"{name} {qty(quantity)}" for name, quantity in lots])
