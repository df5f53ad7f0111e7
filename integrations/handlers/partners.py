"""What the handlers that touch a partner (``res.partner``) in Odoo share: the contact rights they need.

A SCAR's notes (``scar.noted``), an overdue SCAR step's To-Do (``scar.overdue``) and a scorecard standing's
purchase warning and note (``scorecard.standing_changed``) change the partner in Odoo or post on it. Odoo
checks write access on the partner for each: a write, and a message or an activity alike (mail.thread's
``_mail_post_access``, "write" unless a model lowers it, and res.partner does not). The recorded
integration user (Purchase/User and Inventory/User) may not write contacts: Odoo refuses it naming the
contact groups (access_error.json of each series, internal_employee_write_company_partner). That refusal
is a permanent failure saying which group to give, not Odoo's bare words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integrations.odoo import OdooPermanentError

from . import HandlerError

PARTNER = "res.partner"
# The groups Odoo named when it refused a contact write (access_error.json, internal_employee_write_company_
# partner): 18 lists Contact Creation and three administrator groups; 19 named Contact/Creation only.
CONTACT_RIGHTS = {
    18: "Extra Rights/Contact Creation (or Purchase/Administrator)",
    19: "Contact/Creation",
}
# Everything the portal does on partners in Odoo, said in each refusal: one group serves them all.
NEEDED_FOR = "SCAR notes, overdue SCAR activities, scorecard notes and purchase warnings on partners"


class ContactRightsMissing(HandlerError):
    """Odoo refused the integration user's write, note or activity on a partner: it lacks the contact rights."""

    name = "portal.ContactRightsMissing"


def _on_partner(exc: OdooPermanentError) -> bool:
    """Whether Odoo's error is an access refusal on contacts: 18 names res.partner, 19 answered a contact
    write with its bank accounts' rule, res.partner.bank (access_error.json of each series)."""
    return exc.name == "odoo.exceptions.AccessError" and "(res.partner" in (exc.message or "")


@contextmanager
def contact_rights_needed(
    series: int, *, doing: str, partner: str, partner_id: int, remedy: str = ""
) -> Iterator[None]:
    """Within the block, Odoo's access refusal on a partner becomes ``ContactRightsMissing``.

    ``doing`` says what was refused, followed by the partner ("post the SCAR note on"); ``partner`` is its
    name ("" when unknown); ``remedy`` is another way out, appended after the group ("or turn off ...").
    The message names the group of the ``series`` (18 or 19; a later one as 19), what needs it, and Odoo's
    own first line. Any other error passes unchanged.
    """
    try:
        yield
    except OdooPermanentError as exc:
        if not _on_partner(exc):
            raise
        group = CONTACT_RIGHTS.get(series, CONTACT_RIGHTS[19])
        said = (exc.message or "").splitlines()[:1]
        raise ContactRightsMissing(
            f"Odoo {series} refused to {doing} {partner or partner_id} (res.partner {partner_id}): the integration "
            f"user may not modify contacts, which {NEEDED_FOR} need. In Odoo, give it the group '{group}'"
            f"{', ' + remedy if remedy else ''}. Odoo said: {said[0] if said else exc.name}"
        ) from exc
