"""The API's date fields, holding the rules of ``portal.dates``.

``InstantField``: ISO 8601 in, UTC out. With an offset it is that moment; without one,
wall-clock time at the tenant's dock; a day alone, noon of that day there. The field
checks form and limits and hands the value on as it was meant (aware, naive or a
date), and the service, which knows the tenant, places it.

``DayField``: a calendar day, ``YYYY-MM-DD``, within the same limits.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal import dates

INSTANT_HELP = (
    "ISO 8601. With an offset (2026-12-20T09:00:00-08:00 or ...Z) it is that moment; without one, "
    "wall-clock time in the tenant's time zone; a date alone (2026-12-20) is 12:00 that day in the "
    f"tenant's time zone. Between {dates.EARLIEST} and {dates.LATEST}. Answers are in UTC (Z)."
)
DAY_HELP = f"A calendar day in the tenant's time zone, YYYY-MM-DD, between {dates.EARLIEST} and {dates.LATEST}."


@extend_schema_field(OpenApiTypes.DATETIME)
class InstantField(serializers.Field):
    """A moment: read as ``portal.dates`` says, answered in UTC."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", INSTANT_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> dt.datetime | dt.date:
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Give a date and time as text, e.g. 2026-12-20T09:00:00-08:00."))
        try:
            return dates.read_instant_text(data)
        except dates.DateInputError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value: dt.datetime) -> str:
        text = value.astimezone(dt.UTC).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


@extend_schema_field(OpenApiTypes.DATE)
class DayField(serializers.Field):
    """A calendar day, ``YYYY-MM-DD``, within the portal's limits."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", DAY_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> dt.date:
        if not isinstance(data, str) or not dates.ISO_DAY.match(data.strip()):
            raise serializers.ValidationError(_("Give a date as YYYY-MM-DD, e.g. 2026-12-20."))
        try:
            return dates.parse_day(data)
        except dates.DateInputError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value: dt.date) -> str:
        return value.isoformat()
