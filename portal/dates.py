"""Dates and times: one rule per field, for every path that shows, reads, stores or sends one.

Two kinds of value, and nothing in between:

- **Instant** (a ``DateTimeField``): one moment, the same everywhere. Stored aware
  (UTC in the database). A page shows it in the viewer's time zone, named next to
  it (the user's own setting, else the tenant's; ``portal.middleware.TimeZoneMiddleware``
  activates it per request). The API answers in UTC (``...Z``). To Odoo it goes as
  Odoo stores datetimes: naive UTC text, ``YYYY-MM-DD HH:MM:SS`` (``to_odoo``), and
  comes back the same way (``from_odoo``). Input:

  - with an offset (``2026-12-20T09:00:00-08:00``, ``...Z``): that moment;
  - without one (``2026-12-20T09:00``): wall-clock time in the zone of the path that
    reads it. A web form reads it in the zone it showed it in (the viewer's); the
    API and file imports read it in the tenant's zone (the buyer's dock);
  - a day alone (``2026-12-20``): that day at ``DAY_HOUR`` (12:00) in the tenant's
    zone, the same hour Odoo's vendor portal gives a promised day. An ETA "on the
    20th" is then the 20th in Odoo and for everyone less than 12 hours from the
    tenant (UTC midnight would be the 19th everywhere west of UTC);
  - a wall-clock time the zone skips (spring forward) is refused; one it repeats
    (fall back) is the first of the two.

- **Day** (a ``DateField``): a calendar day in the tenant's time zone, shown as it
  is to everyone (no conversion), ``YYYY-MM-DD`` over the API. "Today" for a day
  rule is the tenant's today (``tenant_today``). To an Odoo datetime field a day goes
  as noon in the tenant's zone, in UTC (``odoo_noon``); to an Odoo date field, as is.

Odoo datetimes that mean a day (a line's ``date_planned``: the day the buyer
expects the goods) are instants in storage and shown as their day in the tenant's
zone (``day_of``), so the acknowledgement form, the PO pages and the PDFs agree.

Every value a person or a partner's system gives lies between ``EARLIEST`` and
``LATEST``; anything else is a field error naming the limits (``DateInputError``),
never a 500 from a conversion that overflows.

``FIELDS`` names each field and its rule, as each app registers them (``rules_register``, from
its ``AppConfig.ready()``); ``tests/portal/test_time_zones.py`` holds the models to it, so a new
date field cannot be added without choosing.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

INSTANT = "instant"
DAY = "day"
ODOO_DAY = "odoo_day"  # an Odoo datetime that means a day: shown as its day in the tenant's zone

DAY_HOUR = 12
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
ODOO_FORMAT = "%Y-%m-%d %H:%M:%S"

# The rule of each date field people or Odoo give, "app_label.Model.field": rule. Every ``DateField``
# must be here (a day needs its zone said); a ``DateTimeField`` not listed is an instant the portal
# stamps itself (created_at, expires_at, ...), shown in the viewer's zone (``rule_of``). Each app
# names its own fields from its ``AppConfig.ready()`` (``rules_register``).
FIELDS: dict[str, str] = {}


def rules_register(rules: dict[str, str]) -> None:
    """Add an app's date fields and their rules (``{"suppliers.Asn.ship_date": DAY, ...}``).

    Raises ``ValueError`` for an unknown rule, a key not shaped ``app_label.Model.field``, or a
    field given another rule than it already has.
    """
    for key, rule in rules.items():
        if rule not in (INSTANT, DAY, ODOO_DAY):
            raise ValueError(f"{key}: {rule!r} is no date rule (one of {INSTANT}, {DAY}, {ODOO_DAY})")
        if key.count(".") != 2:
            raise ValueError(f"{key!r} does not name a field as app_label.Model.field")
        if FIELDS.get(key, rule) != rule:
            raise ValueError(f"{key} has the rule {FIELDS[key]!r} already, not {rule!r}")
    FIELDS.update(rules)


def rule_of(field: Any) -> str:
    """The rule of a model field: ``FIELDS``, else an instant for a ``DateTimeField``."""
    from django.db import models

    key = f"{field.model._meta.app_label}.{field.model.__name__}.{field.name}"
    if key in FIELDS:
        return FIELDS[key]
    if isinstance(field, models.DateTimeField):
        return INSTANT
    raise KeyError(f"{key} is a day without a rule: register one (portal.dates.rules_register)")


class DateInputError(ValueError):
    """A date or time that cannot be read, or lies outside the limits; the message says what to give."""


@dataclass(frozen=True)
class Refused:
    """What a form could not read, carried to the service so that every error of the form shows at once."""

    text: str
    message: str


# --- Zones ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    """The IANA zones people choose from (``Area/City`` and UTC), sorted."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    }
    return sorted(names | {"UTC"})


@lru_cache(maxsize=1)
def _all_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def validate_time_zone(value: str) -> None:
    """Model and form validator: an IANA zone name such as Europe/Berlin."""
    if value and value not in _all_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone; choose one like Europe/Berlin or America/Chicago.") % {"value": value}
        )


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def zone(name: str | None) -> dt.tzinfo:
    """The zone of that name; UTC for an empty or unknown one (a bad name never breaks a page)."""
    return _zone(name) if name else dt.UTC


def tenant_zone(tenant: Any) -> dt.tzinfo:
    """The tenant's zone: where its dock and its buyers are (a tenant, or its zone's name)."""
    return zone(tenant if isinstance(tenant, str) else getattr(tenant, "time_zone", None))


def viewer_zone_name(user: Any, tenant: Any) -> str:
    """The zone a person sees times in: their own setting, else the tenant's, else UTC."""
    own = getattr(user, "time_zone", "") if user is not None else ""
    if own:
        return own
    return getattr(tenant, "time_zone", "") or "UTC"


def zone_label(tz: dt.tzinfo, at: dt.datetime | None = None) -> str:
    """What to print next to a time: ``PST``, ``CET`` or ``+03`` (the abbreviation at that moment)."""
    when = at or timezone.now()
    try:
        return when.astimezone(tz).tzname() or str(tz)
    except OverflowError:
        return str(tz)


# --- Reading --------------------------------------------------------------------

ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DAY = re.compile(r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_DOTTED_DAY = re.compile(r"^(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})$")
_INSTANT = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r"(?P<offset>Z|[+-][0-9]{2}:?[0-9]{2})?)?$",
    re.IGNORECASE,
)


def _limits(day: dt.date, what: str) -> dt.date:
    """``day`` within the limits; ``what`` is "day" or "moment" (the message names a date, or a date and time)."""
    if not EARLIEST <= day <= LATEST:
        names = {"day": day.isoformat(), "earliest": EARLIEST, "latest": LATEST}
        if what == "moment":
            message = _("%(day)s is out of range; give a date and time between %(earliest)s and %(latest)s.")
        else:
            message = _("%(day)s is out of range; give a date between %(earliest)s and %(latest)s.")
        raise DateInputError(message % names)
    return day


def parse_day(value: Any, *, tenant: Any = None) -> dt.date | None:
    """A calendar day from what a form, the API or a file gives: ``YYYY-MM-DD`` (a time of exactly
    midnight, as ERP exports add it, is ignored), ``DD.MM.YYYY``, or a date. An aware datetime
    counts as its day in the tenant's zone. Raises ``DateInputError``; empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Refused):
        raise DateInputError(value.message)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = local(value, tenant_zone(tenant))
        return _limits(value.date(), "day")
    if isinstance(value, dt.date):
        return _limits(value, "day")
    text = str(value).strip()
    match = _DAY.match(text) or _DOTTED_DAY.match(text)
    try:
        if match is None:
            raise ValueError
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise DateInputError(
            _("“%(text)s” is not a date; use YYYY-MM-DD, e.g. 2026-12-20.") % {"text": text[:40]}
        ) from None
    return _limits(day, "day")


def read_instant_text(text: str) -> dt.datetime | dt.date:
    """ISO 8601 text as it was meant: an aware datetime (with an offset), a naive one (wall-clock
    time, zone to be said by the reader) or a date (a day alone). Checks form and limits only."""
    text = text.strip()
    match = _INSTANT.match(text)
    try:
        if match is None:
            raise ValueError
        if match["time"] is None:
            value: dt.datetime | dt.date = dt.date.fromisoformat(match["date"])
        else:
            value = dt.datetime.fromisoformat(text.upper().replace(" ", "T", 1))
    except ValueError:
        raise DateInputError(
            _(
                "“%(text)s” is not a date and time; use YYYY-MM-DD HH:MM, e.g. 2026-12-20 09:00, "
                "or ISO 8601 with an offset (2026-12-20T09:00:00-08:00)."
            )
            % {"text": text[:40]}
        ) from None
    _limits(value.date() if isinstance(value, dt.datetime) else value, "moment")
    return value


def parse_instant(
    value: Any,
    *,
    wall_zone: dt.tzinfo,
    day_zone: dt.tzinfo | None = None,
    keep: dt.datetime | None = None,
    day_hour: int = DAY_HOUR,
) -> dt.datetime | None:
    """A moment from what a form, the API or a file gives (rules in the module docstring).

    ``wall_zone`` reads a time without an offset; ``day_zone`` (default: ``wall_zone``) puts
    a day alone at ``day_hour`` (``DAY_HOUR``; a filter's "since" takes 0, the day's start).
    ``keep`` is the value the form showed: when the text is what that value looks like
    (``YYYY-MM-DDTHH:MM`` in ``wall_zone``), it is kept as it was, seconds and DST fold
    included, so saving a form unchanged changes nothing.
    Answers an aware datetime in UTC; raises ``DateInputError``; empty is None.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Refused):
        raise DateInputError(value.message)
    day_zone = day_zone or wall_zone
    if not isinstance(value, dt.date):
        text = str(value).strip()
        if keep is not None and text == form_value(keep, wall_zone):
            return keep
        value = read_instant_text(text)
    if isinstance(value, dt.datetime):
        parsed, naive_zone = value, wall_zone
    else:
        parsed, naive_zone = dt.datetime.combine(value, dt.time(day_hour)), day_zone
    _limits(parsed.date(), "moment")
    if timezone.is_aware(parsed):
        moment = parsed
    else:
        moment = parsed.replace(tzinfo=naive_zone)
        back = moment.astimezone(dt.UTC).astimezone(naive_zone).replace(tzinfo=None)
        if back != parsed:
            raise DateInputError(
                _("%(time)s does not exist in %(zone)s (the clocks go forward); give the time after the change.")
                % {"time": f"{parsed:%Y-%m-%d %H:%M}", "zone": naive_zone}
            )
    return moment.astimezone(dt.UTC)  # one spelling of a moment (a fold's time never equals another zone's)


# --- Showing and sending ------------------------------------------------------


def local(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The instant in that zone; in UTC when the zone would push it past year 9999."""
    try:
        return value.astimezone(tz)
    except OverflowError:
        return value.astimezone(dt.UTC)


def day_of(value: dt.datetime | None, tenant: Any) -> dt.date | None:
    """The calendar day of an instant where the tenant is (the day an Odoo ``date_planned`` means)."""
    if value is None:
        return None
    return local(value, tenant_zone(tenant)).date()


def tenant_today(tenant: Any) -> dt.date:
    """Today where the tenant is: what "past" and "already shipped" mean for a day."""
    return local(timezone.now(), tenant_zone(tenant)).date()


def form_value(value: dt.datetime | None, tz: dt.tzinfo) -> str:
    """An instant as a ``datetime-local`` input shows it: ``YYYY-MM-DDTHH:MM`` in ``tz``."""
    if value is None:
        return ""
    return local(value, tz).strftime("%Y-%m-%dT%H:%M")


def to_odoo(value: dt.datetime | None) -> str | None:
    """An instant as Odoo stores datetimes: naive UTC, ``YYYY-MM-DD HH:MM:SS``."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime(ODOO_FORMAT)


def from_odoo(value: Any) -> dt.datetime | None:
    """An Odoo datetime (naive UTC text, ``False`` when empty) as an aware instant."""
    if not value:
        return None
    return dt.datetime.strptime(str(value)[:19], ODOO_FORMAT).replace(tzinfo=dt.UTC)


def odoo_noon(day: dt.date | str | None, tenant: Any) -> str | None:
    """A day as an Odoo datetime field holds it: noon in the tenant's zone, in UTC (as Odoo's vendor
    portal writes a promised day), so the day reads the same in Odoo for the buyers of that zone."""
    if day in (None, ""):
        return None
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    moment = dt.datetime.combine(day, dt.time(DAY_HOUR), tzinfo=tenant_zone(tenant))
    return moment.astimezone(dt.UTC).strftime(ODOO_FORMAT)


def in_words(value: dt.datetime | None, tz: dt.tzinfo) -> str:
    """An instant for a note or an email: ``2026-12-20 09:00 PST`` in that zone."""
    if value is None:
        return "—"
    moment = local(value, tz)
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"
