"""What each app adds to the pages the core draws: its tenant pages' URLs, navigation entries and
dashboard cards.

The core names no domain app. Each app registers its own entries from its ``AppConfig.ready()``
(``portal`` its own too), and the core shows, for a membership, the entries its role sees, in
``order``. Quality adds its entries the same way, without touching ``portal/``.

Both registries are keyed by ``name``: registering a name again replaces the entry, so a
module that registers on import can be imported twice without doubling anything.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.models import Membership, Role

EVERY_ROLE: frozenset[str] = frozenset(Role.values)


def tenant_args(membership: Membership) -> Sequence[Any]:
    """The URL arguments of most tenant pages: the tenant's slug alone."""
    return [membership.tenant.slug]


@dataclass(frozen=True)
class NavEntry:
    """One link of the main navigation.

    ``key`` is the ``nav_key`` of the pages it leads to (that link is marked current there; two
    entries may share one). ``badge`` answers how many things there need this person (0 shows none).
    """

    name: str
    label: str
    url_name: str
    key: str
    order: int
    roles: Collection[str] = EVERY_ROLE
    url_args: Callable[[Membership], Sequence[Any]] = tenant_args
    badge: Callable[[Membership], int] | None = None
    visible: Callable[[Membership], bool] | None = None  # a finer test than the role, when one is needed

    def shown_to(self, membership: Membership) -> bool:
        return membership.role in self.roles and (self.visible is None or self.visible(membership))


# The dashboard's sections, in page order; a section shows when one of its cards does. A grid
# section lays its cards side by side; the others stack them under the heading.
NOW = "now"
TEAM = "team"
SETUP = "setup"


@dataclass(frozen=True)
class Section:
    key: str
    grid: bool = True


SECTIONS: tuple[Section, ...] = (Section(NOW), Section(TEAM, grid=False), Section(SETUP))


@dataclass(frozen=True)
class DashboardCard:
    """One card of the dashboard: a template and what it reads.

    ``context`` answers the variables the template reads (a dict merged into the page's
    context, so two cards may read the same ones); it runs only for members who see the card.
    """

    name: str
    template: str
    order: int
    roles: Collection[str] = EVERY_ROLE
    section: str = NOW
    context: Callable[[Membership], dict[str, Any]] | None = None
    visible: Callable[[Membership], bool] | None = None

    def shown_to(self, membership: Membership) -> bool:
        return membership.role in self.roles and (self.visible is None or self.visible(membership))


@dataclass
class Registry:
    """Entries by name; ``for_member`` answers those a membership sees, by ``order`` then name."""

    entries: dict[str, Any] = field(default_factory=dict)

    def register(self, *entries: Any) -> None:
        for entry in entries:
            self.entries[entry.name] = entry

    def unregister(self, name: str) -> None:
        self.entries.pop(name, None)

    def for_member(self, membership: Membership) -> list[Any]:
        shown = [entry for entry in self.entries.values() if entry.shown_to(membership)]
        return sorted(shown, key=lambda entry: (entry.order, entry.name))


navigation = Registry()
dashboard = Registry()


def nav_register(*entries: NavEntry) -> None:
    """Add (or replace, by name) navigation entries; call from ``AppConfig.ready()``."""
    for entry in entries:
        if not isinstance(entry, NavEntry):
            raise TypeError(f"{entry!r} is not a NavEntry")
    navigation.register(*entries)


def card_register(*cards: DashboardCard) -> None:
    """Add (or replace, by name) dashboard cards; call from ``AppConfig.ready()``."""
    known = {section.key for section in SECTIONS}
    for card in cards:
        if not isinstance(card, DashboardCard):
            raise TypeError(f"{card!r} is not a DashboardCard")
        if card.section not in known:
            raise ValueError(f"{card.name}: no dashboard section {card.section!r} (one of {sorted(known)})")
    dashboard.register(*cards)


# The URL modules of the apps' tenant pages, in the order the apps registered them; portal/urls.py
# mounts each under /t/<tenant_slug>/. Dotted paths, so the core names no module of theirs.
tenant_url_modules: list[str] = []


def tenant_urls_register(module: str) -> None:
    """Mount an app's tenant pages (``"app.urls"``, a module with ``urlpatterns``) under
    ``/t/<tenant_slug>/``; call from ``AppConfig.ready()``. Registering a module again does nothing.
    Its patterns read the URL's ``tenant_slug`` like portal's own pages."""
    if not isinstance(module, str) or not module:
        raise TypeError(f"{module!r} is not a dotted module path")
    if module not in tenant_url_modules:
        tenant_url_modules.append(module)
