"""The ``age`` filter (portal_dates): waiting times on the sync monitor as people say them."""

from __future__ import annotations

import pytest

from portal.templatetags.portal_dates import age


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (None, ""),
        (0, "0 s"),
        (59.9, "59 s"),
        (60, "1 min"),
        (3599, "59 min"),
        (3600, "1 h"),
        (86399, "23 h"),
        (86400, "1 day"),
        (3 * 86400 + 5, "3 days"),
        (-4, "0 s"),
    ],
)
def test_waiting_times_read_as_people_say_them(seconds, said):
    assert age(seconds) == said
