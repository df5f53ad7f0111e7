"""The zone label printed beside a time field: the zone and its abbreviation, never the same word twice."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal.templatetags.portal_dates import zone_label

WINTER = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "at", "label"),
    [
        ("UTC", WINTER, "UTC"),  # was "UTC, UTC" on the ASN's expected arrival
        ("Europe/Berlin", WINTER, "Europe/Berlin, CET"),
        ("Europe/Berlin", SUMMER, "Europe/Berlin, CEST"),
        ("America/Los_Angeles", WINTER, "America/Los_Angeles, PST"),
        ("Asia/Dubai", WINTER, "Asia/Dubai, +04"),
    ],
)
def test_zone_label_names_the_zone_and_its_abbreviation_once(zone, at, label):
    with timezone.override(ZoneInfo(zone)):
        assert zone_label(at) == label
