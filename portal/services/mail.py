"""Emails in each reader's language and time zone.

An email is rendered once per (language, time zone) among its recipients, so each person reads it
in the language of their profile (else their partner's, else the tenant's: ``portal.l10n.language_of``)
and sees times in their own zone (else the tenant's), while people who read alike still share one
message as before. A recipient the portal does not know as a user (an invitation's address) reads
it in the language the caller gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal import dates
from portal.models import Membership, Tenant, User


@dataclass(frozen=True)
class Reader:
    """One recipient and how they read: a language code and an IANA zone name."""

    email: str
    language: str
    zone: str


def readers(emails: Iterable[str], tenant: Tenant) -> list[Reader]:
    """The readers of ``emails`` in ``tenant``: each user's language and zone (their partner's
    language when they chose none), the tenant's for an address that is no user."""
    from portal import l10n

    emails = sorted(set(emails))
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    partners = {
        m.user_id: m.partner
        for m in Membership.objects.filter(tenant=tenant, user__email__in=emails, partner__isnull=False)
        .select_related("partner")
        .order_by("is_active", "pk")  # an active membership comes last and is the one kept
    }
    found = []
    for email in emails:
        user = users.get(email)
        partner = partners.get(user.pk) if user else None
        found.append(
            Reader(
                email=email,
                language=l10n.language_of(user=user, partner=partner, tenant=tenant),
                zone=dates.viewer_zone_name(user, tenant),
            )
        )
    return found


def send_localized(
    recipients: Iterable[Reader],
    *,
    subject: Callable[[], str],
    template: str,
    context: dict,
) -> int:
    """Send ``template`` to ``recipients``, one message per language and zone, rendered (``subject()``
    too) with that language and zone active; answers how many people it went to."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for reader in recipients:
        groups[(reader.language, reader.zone)].append(reader.email)
    for (language, zone), emails in sorted(groups.items()):
        with translation.override(language), timezone.override(dates.zone(zone)):
            send_mail(
                subject=str(subject()),
                message=render_to_string(template, context),
                from_email=None,
                recipient_list=sorted(emails),
            )
    return sum(len(emails) for emails in groups.values())
