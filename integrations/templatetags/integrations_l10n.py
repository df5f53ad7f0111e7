"""What the integration pages show of texts kept in the database, in the viewer's language.

A connection check (``Tenant.odoo_check``) is written by a worker and read by whoever opens the page
later, so each of its messages keeps its English ``message`` (logs, older checks) and, since issue 16,
the untranslated ``text`` with its ``params``: ``{{ warning|check_says }}`` translates it then.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext

from portal import l10n

register = template.Library()


@register.filter
def check_says(entry) -> str:
    """A connection check's error or warning in the active language (its English ``message`` when it has
    no ``text``: a check written before the texts were kept, or a message of Odoo itself)."""
    if not isinstance(entry, dict):
        return ""
    text = entry.get("text")
    if not text:
        return entry.get("message") or ""
    params = dict(entry.get("params") or {})
    if isinstance(params.get("what"), str):  # what could not be read: a phrase of the portal's own
        params["what"] = gettext(params["what"])
    try:
        return gettext(text) % params
    except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a placeholder: the English one
        return entry.get("message") or ""


@register.filter
def paused_why(tenant) -> str:
    """Why the tenant's sync is paused, as ``Tenant.odoo_sync_paused`` picks it, in the active language."""
    check = getattr(tenant, "odoo_check", None) or {}
    error = check.get("error") or {}
    if error.get("kind") in ("permanent", "credentials", "config"):
        return check_says(error) or gettext("the connection check failed")
    blocking = [w for w in check.get("warnings") or [] if w.get("blocking")]
    return check_says(blocking[0]) if blocking else ""


@register.filter
def places(found) -> str:
    """The Odoo locations of a hold drift (``{location: quantity}``), as a list."""
    return ", ".join(str(location) for location in (found or {}))


@register.filter
def iso_day(value) -> str:
    """A day kept in a payload as ISO text ("2026-12-20", or a moment's "2026-12-20 10:00:00") in the
    active language's form; text that is no day is shown as it is."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return l10n.day(value)


@register.filter
def utc_instant(value) -> str:
    """A moment in UTC, labelled, in the active language's form (a chatter note's "20.12.2026 09:00 UTC")."""
    return l10n.instant(value, dt.UTC)


@register.filter(is_safe=True)
def isolate(value) -> str:
    """``value`` in its own bidi isolate (FSI ... PDI, ``notes.isolated``): a name, lot or text of a person
    that holds a right-to-left override cannot reverse the note's words after it. Empty stays empty."""
    from integrations.handlers.notes import isolated

    if value is None or value == "":
        return ""
    return isolated(str(value))


@register.filter
def isolate_each(values) -> list[str]:
    """Each item of ``values`` in its own bidi isolate (``isolate``), for a list joined in a note."""
    return [isolate(value) for value in values or []]
