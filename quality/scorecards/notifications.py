"""Emails about a partner's change of standing: to the tenant's buyers who see the partner, and to the
partner's supplier admins.

Sent by a worker after the run's transaction commits (``quality.tasks.standing_notify_task``), so a slow
mail server never holds the batch run. People only: API clients get no email (the recipient helpers of
``quality.scar_notifications``). Each email names the new standing, the score, the measures that pull it
down, and links the scorecard on the reader's own pages: the partner's scorecard for a buyer, "My
scorecard" for the supplier.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal.models import Partner
from portal.services.mail import readers, send_localized
from quality.models import StandingChange, scorecard_rules_for
from quality.scar_notifications import buyer_recipients, supplier_recipients

from .engine import window_length

# Rendered in each reader's language when the email is (portal.services.mail.send_localized).
SUBJECT_STAFF = gettext_lazy("%(partner)s: scorecard standing %(to_name)s (was %(from_name)s)")
SUBJECT_SUPPLIER = gettext_lazy("Your scorecard standing at %(tenant)s: %(to_name)s")


def standing_notify_on_commit(change_id: int) -> None:
    """Send the emails of a standing change once the caller's transaction commits."""
    from quality.tasks import standing_notify_task

    transaction.on_commit(lambda: standing_notify_task.delay(change_id))


def scorecard_url(partner: Partner, *, supplier: bool) -> str:
    """The absolute link to the partner's scorecard: the staff's ``scorecard_detail`` or the supplier's
    ``supplier_scorecard``; the tenant's dashboard while those pages are not in the URL conf."""
    slug = partner.tenant.slug
    name, args = ("supplier_scorecard", [slug]) if supplier else ("scorecard_detail", [slug, partner.pk])
    try:
        return settings.PORTAL_BASE_URL + reverse(name, args=args)
    except NoReverseMatch:
        return settings.PORTAL_BASE_URL + reverse("dashboard", args=[slug])


def odoo_sentence(change: StandingChange, *, push: bool) -> str:
    """What the change does in Odoo, for the buyers' email, true in each case: the warning set (and whether
    it blocks new POs), the portal's warning cleared (the new standing does not warn), nothing because the
    tenant does not push purchase warnings (``push``: ``ScorecardRules.push_purchase_warning``) or because
    the partner is not in Odoo. The event's payload says what was sent (contract 3)."""
    event = change.outbox_event
    if event is not None:
        payload = event.payload or {}
        if payload.get("block"):
            return _("Within minutes the partner's purchase warning in Odoo shows the new standing and blocks new POs.")
        if payload.get("warn"):
            return _("Within minutes the partner's purchase warning in Odoo shows the new standing.")
        return _("Within minutes the purchase warning the portal put on the partner in Odoo is cleared.")
    if not push:
        return _("Odoo is not changed: the scorecard rules do not push standings to Odoo as purchase warnings.")
    if not change.partner.odoo_id:
        return _("Odoo is not changed: the partner is not linked to a partner in Odoo.")
    return ""


def _context(change: StandingChange, *, supplier: bool) -> dict:
    rules = scorecard_rules_for(change.tenant)
    return {
        "change": change,
        "partner": change.partner,
        "tenant": change.tenant,
        "supplier": supplier,
        "score": change.score,  # formatted by the template in the reader's locale
        "months": window_length(rules.standing_months),
        "in_odoo": change.outbox_event_id is not None,
        # A callable, so that the template words it in each reader's language as it renders.
        "odoo_sentence": "" if supplier else partial(odoo_sentence, change, push=rules.push_purchase_warning),
        "url": scorecard_url(change.partner, supplier=supplier),
    }


def send(change_id: int) -> int:
    """Send the standing change's emails (one to the buyers, one to the supplier admins); answers how
    many people they went to (0 when the change is gone or nobody is to be told)."""
    change = (
        StandingChange.objects.select_related("tenant", "partner__tenant", "outbox_event").filter(pk=change_id).first()
    )
    if change is None:
        return 0
    sent = 0
    for supplier, to, subject in (
        (False, buyer_recipients(change.partner), SUBJECT_STAFF),
        (True, supplier_recipients(change.partner, admins_only=True), SUBJECT_SUPPLIER),
    ):
        if not to:
            continue
        sent += send_localized(
            readers(to, change.tenant),
            subject=lambda subject=subject: str(subject) % _names(change),
            template="emails/standing_changed.txt",
            context=_context(change, supplier=supplier),
        )
    return sent


def _names(change: StandingChange) -> dict[str, str]:
    """The subject's names, in the language active when the subject is rendered."""
    none = pgettext("standing", "none")
    return {
        "partner": change.partner.name,
        "tenant": change.tenant.name,
        "to_name": change.to_name or none,
        "from_name": change.from_name or none,
    }
