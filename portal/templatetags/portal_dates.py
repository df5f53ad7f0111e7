"""Showing dates and times by the rules of ``portal.dates``.

- ``{{ asn.eta|instant }}``: a moment in the viewer's zone, with the zone's name at that
  moment, as the active language writes it (en "20 Dec 2026 09:00 PST", de "20.12.2026 09:00 PST");
  ``{{ x|instant:"H:i" }}`` takes Django's date format.
- ``{{ po.date_planned|day_of:tenant|date:"j M Y" }}``: an Odoo datetime that means a day,
  as that day where the tenant is; ``{{ po.date_order|day_of|date:"j M Y" }}``: the day of a
  moment where the viewer is.
- ``{{ asn.eta|datetime_local }}``: the value of a ``datetime-local`` input, in the zone the
  form reads it back in (the viewer's).
- ``{% zone_label asn.eta %}``: "America/Los_Angeles, PST" for a form's label.
- ``{% timezone tenant|zone %}...{% endtimezone %}`` (Django's ``tz`` library): documents
  and emails are the tenant's, whoever prints them.

A moment the viewer's zone would push past the year 9999 (only Odoo can hold one) is
shown in UTC instead of breaking the page.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import ngettext

from portal import dates, l10n

register = template.Library()


@register.filter
def instant(value, fmt: str | None = None) -> str:
    if isinstance(value, str):  # an ISO stamp kept in JSON (e.g. a connection check's checked_at)
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return ""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    moment = dates.local(value, timezone.get_current_timezone())
    if fmt is None:  # the active language's form: en "20 Dec 2026 09:00 PST", de "20.12.2026 09:00 PST"
        return f"{l10n.day(moment.date())} {l10n.clock(moment.time())} {moment.tzname()}"
    return f"{date_format(moment, fmt)} {moment.tzname()}"


@register.filter
def day_of(value, tenant=None) -> dt.date | None:
    """The day of a moment where the tenant is (``|day_of:tenant``), or where the viewer is (``|day_of``)."""
    if not isinstance(value, dt.datetime):
        return value if isinstance(value, dt.date) else None
    if tenant is None:
        return dates.local(value, timezone.get_current_timezone()).date()
    return dates.day_of(value, tenant)


@register.filter
def datetime_local(value) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    return dates.form_value(value, timezone.get_current_timezone())


@register.filter
def zone(owner) -> dt.tzinfo:
    """The tenant's zone, for ``{% timezone tenant|zone %}``; UTC when unknown."""
    return dates.tenant_zone(owner)


@register.simple_tag
def zone_label(at=None) -> str:
    tz = timezone.get_current_timezone()
    label = dates.zone_label(tz, at if isinstance(at, dt.datetime) else None)
    return str(tz) if label == str(tz) else f"{tz}, {label}"  # "UTC", not "UTC, UTC"


@register.filter
def age(seconds) -> str:
    """A waiting time in seconds as people say it: "40 s", "12 min", "5 h", "3 days" (floored)."""
    if seconds is None or seconds == "":
        return ""
    seconds = max(int(float(seconds)), 0)
    if seconds >= 86400:
        n = seconds // 86400
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    for size, unit in ((3600, "h"), (60, "min")):  # unit symbols, the same in the portal's languages
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
