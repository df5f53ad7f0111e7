"""The records behind a figure: "the 3 late lines, the 2 NCRs".

Each measure's source module (``delivery``, ``quality_inputs``) answers a ``Drill`` for one partner and
some months with the same predicates its inputs were counted with, so the list and the figure agree.
Rows link to a record by kind and id; the page maps the kind to the URL its reader may open (a buyer's
receipt page, a supplier's PO page), so one list serves both audiences, except where a record holds the
tenant's own words: a supplier's list of NCRs (``supplier_drill``) shows what its corrective action pages
show of them (number, opening day, severity, defect codes, quantity), never the title staff wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy

from portal import l10n
from portal.models import Partner, Tenant

# The kinds of record a row may link to.
LINK_KINDS = ("po", "receipt", "asn", "inspection", "ncr", "scar")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The column that names each kind of record: a row's link goes on that cell (the NCR's number, the PO's
# name), so the link's text says what it opens; never on a date or on another record's name.
# The sources name their columns with these same texts (translated alike), so they compare equal.
LINK_COLUMNS = {
    "po": gettext_lazy("PO"),
    "receipt": gettext_lazy("Receipt"),
    "asn": gettext_lazy("ASN"),
    "inspection": gettext_lazy("Lot"),
    "ncr": gettext_lazy("NCR"),
    "scar": gettext_lazy("SCAR"),
}


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


def cell_parts(cells: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each cell as ``(day, rest)``: the ISO day it starts with ("2026-10-14", or "" when it starts with none)
    and what follows ("" or " (promised)"), so a page keeps the day on one line (a narrow column wrapped
    "2026-10-" / "14" at its hyphen on a tablet) and lets the rest wrap. The day is written as the active
    language writes days (``portal.l10n.day``: de "14.10.2026"); the cells keep it ISO."""
    out = []
    for cell in cells:
        text = str(cell)
        found = DAY.match(text)
        out.append((_day(found.group(0)), text[found.end() :]) if found else ("", text))
    return out


def _day(iso: str) -> str:
    try:
        return l10n.day(date.fromisoformat(iso))
    except ValueError:  # "2026-13-45" is no day: shown as it was written
        return iso


def link_column(columns: tuple[str, ...] | list[str], kind: str) -> int:
    """The index of the cell that names a record of ``kind`` (``LINK_COLUMNS``) among ``columns``; the first
    cell when the list has no such column."""
    name = str(LINK_COLUMNS.get(kind, ""))
    names = [str(column) for column in columns]
    return names.index(name) if name in names else 0


def drill(*, tenant: Tenant, partner: Partner, key: str, months: list[date], limit: int = 200) -> Drill:
    """The drill-down of measure ``key`` for ``partner`` over ``months`` (first days of months, tenant time zone).

    Raises KeyError for a measure without a drill-down (``copq`` shares the NCRs' list).
    """
    from . import delivery, quality_inputs

    drills = {**delivery.DRILLS, **quality_inputs.DRILLS}
    return drills[key](tenant=tenant, partner=partner, months=months, limit=limit)


def supplier_drill(*, tenant: Tenant, partner: Partner, key: str, months: list[date], limit: int = 200) -> Drill:
    """``drill`` as the partner's own people read it: the same rows and counts, but the NCR list without the
    free text the tenant's quality staff wrote (``quality_inputs_ncrs.ncrs_supplier_drill``). The PPM and
    cost lists hold none. Raises KeyError as ``drill`` does."""
    from .quality_inputs_ncrs import ncrs_supplier_drill

    if key == "ncrs":
        return ncrs_supplier_drill(tenant=tenant, partner=partner, months=months, limit=limit)
    return drill(tenant=tenant, partner=partner, key=key, months=months, limit=limit)
