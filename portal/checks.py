"""System checks on the portal's own settings (``manage.py check``, and every start of the server).

The windows that decide what retention removes (``integrations.services.retention``) must be at
least a day: ``PORTAL_RECONCILE_FULL_DAYS=-3`` would purge an event delivered minutes ago, and
``PORTAL_IDEMPOTENCY_KEEP_DAYS=0`` every stored Idempotency-Key answer. Retention refuses such a
window too (a second guard, for a process that skipped the checks).
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

# The settings that set a retention window, in days.
WINDOW_SETTINGS = ("PORTAL_RECONCILE_FULL_DAYS", "PORTAL_IDEMPOTENCY_KEEP_DAYS")


def window_problems() -> list[str]:
    """What is wrong with the window settings (each a whole number of days, at least 1); empty when fine."""
    problems = []
    for name in WINDOW_SETTINGS:
        value = getattr(settings, name, None)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{name} is {value!r}: it must be a whole number of days, at least 1.")
    return problems


@checks.register(checks.Tags.compatibility)
def check_retention_windows(app_configs=None, **kwargs) -> list[checks.Error]:
    """An Error (id ``portal.E001``) per window setting under a day."""
    return [
        checks.Error(problem, hint="Set it in the environment to 1 or more.", id="portal.E001")
        for problem in window_problems()
    ]
