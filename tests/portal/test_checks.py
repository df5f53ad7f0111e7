"""The system checks on the portal's settings: a retention window under a day stops the start."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from portal.checks import check_retention_windows


def test_the_shipped_windows_pass():
    assert check_retention_windows() == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORTAL_RECONCILE_FULL_DAYS", -3),
        ("PORTAL_RECONCILE_FULL_DAYS", 0),
        ("PORTAL_IDEMPOTENCY_KEEP_DAYS", 0),
        ("PORTAL_IDEMPOTENCY_KEEP_DAYS", -1),
    ],
)
def test_a_window_under_a_day_is_an_error(settings, name, value):
    setattr(settings, name, value)
    [error] = check_retention_windows()
    assert error.id == "portal.E001" and error.msg.startswith(f"{name} is {value}: it must be")
    # Registered: manage.py check (and so every start) refuses it.
    with pytest.raises(SystemCheckError, match=name):
        call_command("check")


def test_a_window_of_a_day_is_enough(settings):
    settings.PORTAL_RECONCILE_FULL_DAYS = 1
    settings.PORTAL_IDEMPOTENCY_KEEP_DAYS = 1
    assert check_retention_windows() == []
