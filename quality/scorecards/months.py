"""Calendar months in the tenant's time zone: the scorecard's periods.

A period is a calendar month as the tenant's people live it: a delivery done at 23:30 on 31 March in
Los Angeles belongs to March there, though it is 1 April in UTC. Months are written as their first day.
"""

from __future__ import annotations

import datetime as dt

from portal.dates import tenant_today, tenant_zone

# How many months the batch run keeps (the 12-month figures and their trend need 24).
KEPT_MONTHS = 24


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_back(last: dt.date, n: int) -> list[dt.date]:
    """The ``n`` months ending with ``last``'s month, oldest first."""
    last = month_start(last)
    return [add_months(last, -i) for i in range(n - 1, -1, -1)]


def current_month(tenant, today: dt.date | None = None) -> dt.date:
    return month_start(today or tenant_today(tenant))


def month_bounds(tenant, first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` as aware datetimes: from ``first``'s first instant to the end of ``last``'s month
    (``first``'s when not given), in the tenant's time zone."""
    tz = tenant_zone(tenant)
    end_month = add_months(month_start(last or first), 1)
    start = dt.datetime.combine(month_start(first), dt.time(), tzinfo=tz)
    return start, dt.datetime.combine(end_month, dt.time(), tzinfo=tz)
