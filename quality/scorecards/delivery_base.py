"""What the delivery measures' sources share: the months asked for as a window of instants, the partner
filter, the tally of one measure's inputs per partner and month, and a drill's pick of rows.

Each source reads one window ``[first month's start, last month's end)`` in the tenant's time zone and
keeps only the months asked for (an incremental run may ask for months that are not next to each other).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from portal.dates import local, tenant_zone
from portal.models import Tenant

from . import catalogue
from .drill import Drill, DrillRow
from .months import month_bounds, month_start

ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Window:
    """The months asked for (first days, tenant time zone) and the instants that hold them."""

    tz: dt.tzinfo
    months: frozenset[dt.date]
    start: dt.datetime
    end: dt.datetime

    def month_of_day(self, day: dt.date | None) -> dt.date | None:
        """The month of a day of the tenant's calendar, when it is one of the months asked for."""
        if day is None:
            return None
        month = month_start(day)
        return month if month in self.months else None

    def month_of(self, moment: dt.datetime | None) -> dt.date | None:
        """The month of an instant in the tenant's time zone, when it is one of the months asked for."""
        return None if moment is None else self.month_of_day(self.day(moment))

    def day(self, moment: dt.datetime) -> dt.date:
        return local(moment, self.tz).date()


def window(tenant: Tenant, months: list[dt.date]) -> Window | None:
    """The window of ``months`` (first days of months in the tenant's time zone); None when empty."""
    if not months:
        return None
    ordered = sorted(months)
    start, end = month_bounds(tenant, ordered[0], ordered[-1])
    return Window(tz=tenant_zone(tenant), months=frozenset(ordered), start=start, end=end)


def of_partners(qs: QuerySet, path: str, partner_ids: list[int] | None) -> QuerySet:
    """``qs`` limited to the partners given (``path`` leads to the partner's id); None: every partner."""
    return qs if partner_ids is None else qs.filter(**{f"{path}__in": list(partner_ids)})


@dataclass
class Tally:
    """One measure's inputs per (partner id, month), in ``catalogue.INPUT_NAMES[key]``'s names.

    Counts are ints; sums (quantities, hours) are decimals until ``items`` writes them as strings.
    """

    key: str
    decimals: tuple[str, ...] = ()  # the names that sum decimals (written "0" when nothing added)
    cells: dict[tuple[int, dt.date], dict] = field(default_factory=dict)

    def cell(self, partner_id: int, month: dt.date) -> dict:
        found = self.cells.get((partner_id, month))
        if found is None:
            found = {name: ZERO if name in self.decimals else 0 for name in catalogue.INPUT_NAMES[self.key]}
            self.cells[(partner_id, month)] = found
        return found

    def items(self) -> Iterator[tuple[int, dt.date, dict]]:
        """``(partner id, month, inputs)`` sorted by partner and month; decimals as ``catalogue.plain``."""
        for (partner_id, month), values in sorted(self.cells.items()):
            yield (
                partner_id,
                month,
                {name: catalogue.plain(v) if isinstance(v, Decimal) else v for name, v in values.items()},
            )


class Picker:
    """A drill's rows: at most ``limit``, the ones counted against the partner first (each kind kept in
    the order it came), while ``total`` and ``bad_total`` count every row offered."""

    def __init__(self, measure: str, columns: tuple[str, ...], limit: int) -> None:
        self.drill = Drill(measure=measure, columns=columns)
        self.limit = max(limit, 0)
        self._bad: list[DrillRow] = []
        self._good: list[DrillRow] = []

    def add(self, row: DrillRow) -> None:
        self.drill.total += 1
        self.drill.bad_total += row.bad
        kept = self._bad if row.bad else self._good
        if len(kept) < self.limit:
            kept.append(row)

    def done(self, note: str = "") -> Drill:
        self.drill.rows = (self._bad + self._good)[: self.limit]
        self.drill.note = note
        return self.drill


def qty(value: Decimal | None, unit: str = "") -> str:
    """A quantity for a drill's cell, with its unit when known ("90 Units", "14,428 Units")."""
    text = catalogue.format_quantity(value if value is not None else ZERO)
    return f"{text} {unit}".strip()


def hours(delta: dt.timedelta) -> Decimal:
    """A duration in hours, to the hundredth (never below 0: an answer before the publication is at once)."""
    return max(Decimal(delta.total_seconds()) / 3600, ZERO).quantize(HUNDREDTH, ROUND_HALF_UP)


def count_words(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
