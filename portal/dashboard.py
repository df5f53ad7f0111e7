"""The dashboard: the cards every app registers (``portal.registry``), by section, and what they read.

Portal registers its own cards here (``register``, from ``PortalConfig.ready()``): the tenant
admin's set-up cards (partners, members) and a supplier admin's team. The other apps register
theirs from their own ``ready()``: integrations the Odoo connection, the domain apps what needs
a person now (orders, shipments, inspections...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from portal.models import Invitation, Membership, Partner, Role
from portal.registry import SECTIONS, SETUP, TEAM, DashboardCard, card_register, dashboard


@dataclass(frozen=True)
class ShownSection:
    key: str
    grid: bool
    cards: list[DashboardCard]


def dashboard_for(membership: Membership) -> tuple[list[ShownSection], dict[str, Any]]:
    """The sections this member sees (those with a card for them, in page order) and the
    variables their cards read. Every card may read ``partners_in_scope``: the active
    partners this member works with."""
    cards = dashboard.for_member(membership)
    context: dict[str, Any] = {
        "partners_in_scope": Partner.objects.visible_to(membership).filter(is_active=True).count()
    }
    for card in cards:
        if card.context is not None:
            context.update(card.context(membership))
    sections = [
        ShownSection(section.key, section.grid, [card for card in cards if card.section == section.key])
        for section in SECTIONS
    ]
    return [section for section in sections if section.cards], context


def _people(membership: Membership) -> dict[str, Any]:
    # People only: API clients are counted on the tokens page; a disabled account is no user.
    members = Membership.objects.visible_to(membership).aggregate(
        active=Count("pk", filter=Q(is_active=True, user__is_active=True, user__is_api_client=False)),
    )
    return {
        "active_members": members["active"],
        "pending_invitations": Invitation.objects.visible_to(membership).pending().count(),
    }


ADMIN = {Role.TENANT_ADMIN}


def register() -> None:
    """Portal's own cards: setting up the tenant (its admin; integrations' Odoo connection card
    comes first, at 10) and a supplier admin's team."""
    card_register(
        DashboardCard("portal.partners", "portal/cards/partners.html", order=20, roles=ADMIN, section=SETUP),
        DashboardCard(
            "portal.members", "portal/cards/members.html", order=30, roles=ADMIN, section=SETUP, context=_people
        ),
        DashboardCard(
            "portal.team",
            "portal/cards/team.html",
            order=10,
            roles={Role.SUPPLIER_ADMIN},
            section=TEAM,
            context=_people,
        ),
    )
