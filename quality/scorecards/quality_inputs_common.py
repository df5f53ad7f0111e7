"""What the quality measures' sources share: the months asked for as a time range, month grouping in the
tenant's time zone, and the partner filter (``quality.scorecards.quality_inputs`` names the sources).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DateField, QuerySet
from django.db.models.functions import TruncMonth

from portal.dates import tenant_zone
from portal.models import Tenant

from .months import add_months, month_bounds, month_start

ZERO = Decimal(0)
CHUNK = 500  # rows fetched (and prefetched for) at a time when a source needs Python per row


@dataclass(frozen=True)
class Window:
    """The months a source call covers: ``start``/``end`` the aware ``[start, end)`` of the first to the last
    month in the tenant's zone, ``first_day``/``end_day`` the same as days, ``months`` the months asked for
    (a call may skip months in between: rows of a month not asked for are dropped), ``tz`` the zone."""

    months: frozenset[dt.date]
    start: dt.datetime
    end: dt.datetime
    first_day: dt.date
    end_day: dt.date
    tz: dt.tzinfo

    def month_of(self, instant: dt.datetime) -> dt.date:
        """The first day of the month ``instant`` falls in, in the tenant's zone."""
        return instant.astimezone(self.tz).date().replace(day=1)

    def day_of(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.tz).date()


def window(tenant: Tenant, months: list[dt.date]) -> Window | None:
    """The ``Window`` of ``months`` (first days, sorted), or None when no month is asked for."""
    if not months:
        return None
    first, last = month_start(months[0]), month_start(months[-1])
    start, end = month_bounds(tenant, first, last)
    return Window(
        months=frozenset(month_start(m) for m in months),
        start=start,
        end=end,
        first_day=first,
        end_day=add_months(last, 1),
        tz=tenant_zone(tenant),
    )


def month_trunc(field: str, win: Window) -> TruncMonth:
    """``field`` (an instant) truncated to its month's first day in the tenant's zone, as a date."""
    return TruncMonth(field, tzinfo=win.tz, output_field=DateField())


def as_month(value: dt.date | dt.datetime) -> dt.date:
    """A truncated month as a date (backends answer a date or a midnight datetime)."""
    return value.date() if isinstance(value, dt.datetime) else value


def for_partners(qs: QuerySet, path: str, partner_ids: list[int] | None) -> QuerySet:
    """``qs`` limited to ``partner_ids`` through ``path`` (``"partner"``, ``"ncr__partner"``); None: all."""
    return qs if partner_ids is None else qs.filter(**{f"{path}_id__in": list(partner_ids)})


def days_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Elapsed days from ``start`` to ``end`` as a decimal, rounded to hundredths of a day."""
    return (Decimal(int((end - start).total_seconds())) / Decimal(86400)).quantize(Decimal("0.01"))


def fmt_day(instant: dt.datetime | None, win: Window) -> str:
    return win.day_of(instant).isoformat() if instant else ""
