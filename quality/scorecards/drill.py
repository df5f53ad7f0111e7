"""The records behind a figure: "the 3 late lines, the 2 NCRs".

Each measure's source module (``delivery``, ``quality_inputs``) answers a ``Drill`` for one partner and
some months with the same predicates its inputs were counted with, so the list and the figure agree.
Rows link to a record by kind and id; the page maps the kind to the URL its reader may open (a buyer's
receipt page, a supplier's PO page), so one list serves both audiences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.models import Partner, Tenant

# The kinds of record a row may link to.
LINK_KINDS = ("po", "receipt", "asn", "inspection", "ncr", "scar")


@dataclass(frozen=True)
class DrillRow:
    cells: tuple[str, ...]
    bad: bool  # counted against the partner (late, inaccurate, rejected...)
    link: tuple[str, int] | None = None  # (kind from LINK_KINDS, primary key)


@dataclass
class Drill:
    """At most ``limit`` rows, the ones counted against the partner first; ``total`` and ``bad_total`` count all."""

    measure: str
    columns: tuple[str, ...]
    rows: list[DrillRow] = field(default_factory=list)
    total: int = 0
    bad_total: int = 0
    note: str = ""  # what the list leaves out, in words (e.g. "lines with no promised or requested date")


def drill(*, tenant: Tenant, partner: Partner, key: str, months: list[date], limit: int = 200) -> Drill:
    """The drill-down of measure ``key`` for ``partner`` over ``months`` (first days of months, tenant time zone).

    Raises KeyError for a measure without a drill-down (``copq`` shares the NCRs' list).
    """
    from . import delivery, quality_inputs

    drills = {**delivery.DRILLS, **quality_inputs.DRILLS}
    return drills[key](tenant=tenant, partner=partner, months=months, limit=limit)
