"""What the apps hold back from usable stock: a registry of hold sources, read by the hold check.

An app that decides goods may not be used yet (quality, for a lot it has not released) registers a
source here from its ``AppConfig.ready()``; ``integrations.services.holds.holds_check`` reads every
source's lots and looks for them in Odoo's usable locations. Integrations never imports the apps'
sources: they register themselves, as the monitor's cards do (``integrations.backlogs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from portal.models import Tenant

UNDECIDED = "undecided"
REJECTED = "rejected"


@dataclass(frozen=True)
class HeldLot:
    """One held record and the stock it holds, in the product's unit.

    ``source`` (``app_label.model``) and ``record_id`` name the held record (one open ``HoldDrift``
    per pair); ``lot_name`` is empty for an untracked product, whose stock cannot be told apart from
    other receipts' and is not checked; ``receipt_odoo_id``/``receipt_name`` the receipt picking it
    came in on (where the warehouse's activity goes); ``held`` what is not released (undecided, or
    decided to go back or to scrap); ``what`` ``undecided`` while some of it waits for a decision,
    else ``rejected``; ``usable_allowed`` how much of this product's lot may be in usable stock in
    all (what the source released of it, over every record of the lot name); ``label`` and ``url``
    the record for people.
    """

    source: str
    record_id: str
    product_odoo_id: int
    lot_name: str
    receipt_odoo_id: int | None
    receipt_name: str
    held: Decimal
    what: str
    usable_allowed: Decimal
    label: str
    url: str


HoldSource = Callable[[Tenant], Iterable[HeldLot]]
_SOURCES: list[HoldSource] = []


def hold_source_register(fn: HoldSource) -> HoldSource:
    """Add ``fn(tenant)``, which yields the tenant's ``HeldLot`` records; once per function (idempotent)."""
    if not callable(fn):
        raise TypeError(f"{fn!r} is not callable")
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def held_lots(tenant: Tenant) -> list[HeldLot]:
    """Every registered source's held lots of ``tenant``, in registration order."""
    return [lot for source in _SOURCES for lot in source(tenant)]
