"""The core knows no domain app: tenant pages, navigation entries, dashboard cards and date rules come
from each app's ``AppConfig.ready()`` (portal.registry, portal.dates), and nothing under portal/
imports or names one. The other dependency rules between the apps are checked here too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from integrations.backlogs import monitor
from portal import dates
from portal.models import STAFF_ROLES, SUPPLIER_ROLES, Role
from portal.navigation import nav_for
from portal.registry import (
    SETUP,
    DashboardCard,
    NavEntry,
    Registry,
    card_register,
    dashboard,
    nav_register,
    navigation,
    tenant_url_modules,
)
from tests.conftest import login

# Apps that hold the portal's business (orders, shipments, quality). integrations is not one of
# them: it is the Odoo gateway and sync engine the tenant's connection belongs to (portal.models
# builds the gateway's config; portal/urls.py serves its metrics as the project's URL root). It
# registers its pages, entries and card from its own ready() all the same.
DOMAIN_APPS = ("suppliers", "quality")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _importers(folder: str, apps: tuple[str, ...]) -> list[str]:
    """The modules under ``folder`` (relative to the project) that import one of ``apps``."""
    base = Path(settings.BASE_DIR)
    return [
        f"{path.relative_to(base)}: {name}"
        for path in sorted((base / folder).rglob("*.py"))
        for name in sorted(_imports(path))
        if name.split(".")[0] in apps
    ]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _module_paths(path: Path, apps: tuple[str, ...]) -> set[str]:
    """The strings (docstrings aside) that name one of ``apps`` as code does: ``"suppliers"``,
    ``"suppliers.urls"``, ``"suppliers/cards/x.html"``, ``"suppliers:po_list"``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        if any(node.value == app or node.value.startswith((f"{app}.", f"{app}/", f"{app}:")) for app in apps)
    }


def test_no_module_under_portal_imports_a_domain_app():
    assert _importers("portal", DOMAIN_APPS) == []


# The project's settings list every installed app; a migration that moved data to an app depends
# on that app's migration (history, not code that runs the app).
NAMES_APPS = ("portal/settings.py", "portal/migrations/")


def test_no_module_under_portal_names_a_domain_app_even_in_a_string():
    base = Path(settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(base)}: {value!r}"
        for path in sorted((base / "portal").rglob("*.py"))
        if not str(path.relative_to(base)).startswith(NAMES_APPS)
        for value in sorted(_module_paths(path, DOMAIN_APPS))
    ]
    assert offenders == []


def test_the_order_desk_never_imports_quality():
    assert _importers("suppliers", ("quality",)) == []


def test_the_odoo_gateway_and_the_simulated_odoo_import_no_domain_app():
    # The gateway speaks Odoo's protocol and nothing else; what the portal makes of the records is
    # the pull's and the handlers' business (integrations/services, integrations/handlers).
    assert _importers("integrations/odoo", DOMAIN_APPS) == []
    assert _importers("integrations/odoo_sim", DOMAIN_APPS) == []


def test_the_import_check_would_see_one(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from suppliers.selectors import po_counts\n    import quality.models\n")
    assert {"suppliers.selectors", "quality.models"} <= _imports(module)


def test_the_name_check_would_see_one_in_a_string_but_not_in_a_docstring_or_a_word(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        '"""Mounts ``suppliers.urls``."""\n'
        'URLS = "suppliers.urls"\n'
        'APP = "quality"\n'
        'CARD = "quality/cards/scars.html"\n'
        'HELP = "two suppliers"\n'
        'ROLE = "quality_engineer"\n'
        "def f():\n"
        '    """Reads ``quality.models``."""\n'
    )
    assert _module_paths(module, DOMAIN_APPS) == {"suppliers.urls", "quality", "quality/cards/scars.html"}


# What each role sees in the navigation, in order: the same links as when portal drew them itself.
NAV = {
    Role.TENANT_ADMIN: [
        "Dashboard",
        "Purchase orders",
        "Shipments",
        "Inspection plans",
        "NCRs",
        "SCARs",
        "Suppliers",
        "Scorecards",
        "Members",
        "Audit trail",
        "Odoo",
        "Rules",
        "Quality rules",  # the scorecard rules are linked from its page, not from here
        "Sync",
    ],
    Role.BUYER: ["Dashboard", "Purchase orders", "Shipments", "NCRs", "SCARs", "Suppliers", "Scorecards"],
    Role.QUALITY_ENGINEER: [
        "Dashboard",
        "Shipments",
        "Inspections",
        "Inspection plans",
        "NCRs",
        "SCARs",
        "Suppliers",
        "Scorecards",
    ],
    Role.INSPECTOR: ["Dashboard", "Shipments", "Inspections", "NCRs", "Suppliers"],
    Role.SUPPLIER_ADMIN: [
        "Dashboard",
        "Purchase orders",
        "Shipments",
        "Inspection results",
        "Corrective actions",
        "My scorecard",
        "Company & users",
        "API tokens",
    ],
    Role.SUPPLIER_USER: [
        "Dashboard",
        "Purchase orders",
        "Shipments",
        "Inspection results",
        "Corrective actions",
        "My scorecard",
    ],
}


@pytest.mark.django_db
def test_every_role_sees_its_links_in_order(world):
    members = {
        Role.TENANT_ADMIN: world.a_admin,
        Role.BUYER: world.a_buyer,
        Role.QUALITY_ENGINEER: world.a_engineer,
        Role.INSPECTOR: world.a_inspector,
        Role.SUPPLIER_ADMIN: world.p1_admin,
        Role.SUPPLIER_USER: world.p1_user,
    }
    for role, membership in members.items():
        assert [item.label for item in nav_for(membership)] == NAV[role], role
    own = next(item for item in nav_for(world.p1_admin) if item.label == "Company & users")
    assert own.url == reverse("partner_detail", args=["alpha", world.p1.pk]) and own.key == "partners"


@pytest.mark.django_db
def test_each_app_registers_its_own_entries():
    assert {name.split(".")[0] for name in navigation.entries} == {"portal", "integrations", "suppliers", "quality"}
    assert {name.split(".")[0] for name in dashboard.entries} == {"portal", "integrations", "suppliers", "quality"}
    assert {name.split(".")[0] for name in monitor.entries} == {"integrations", "suppliers", "quality"}
    assert tenant_url_modules == ["suppliers.urls", "quality.urls", "integrations.urls"]  # in INSTALLED_APPS' order
    assert navigation.entries["suppliers.orders"].badge is not None  # what needs this person there
    assert all(card.template.startswith(f"{card.name.split('.')[0]}/cards/") for card in dashboard.entries.values())


@pytest.fixture
def extra_entries():
    """An app's entries, registered the way its ready() would, and removed afterwards."""
    nav_register(
        NavEntry(
            "extra.inspections",
            "Inspections",
            "profile",
            "inspections",
            order=25,
            roles=STAFF_ROLES,
            badge=lambda membership: 7,
        )
    )
    card_register(DashboardCard("extra.card", "portal/cards/partners.html", order=99, roles={Role.TENANT_ADMIN}))
    yield
    navigation.unregister("extra.inspections")
    dashboard.unregister("extra.card")


@pytest.mark.django_db
def test_a_new_app_adds_a_link_a_badge_and_a_card_without_touching_portal(client, world, extra_entries):
    labels = [item.label for item in nav_for(world.a_buyer)]
    assert labels == [
        "Dashboard",
        "Purchase orders",
        "Shipments",
        "Inspections",
        "NCRs",
        "SCARs",
        "Suppliers",
        "Scorecards",
    ]
    assert "Inspections" not in [item.label for item in nav_for(world.p1_user)]  # not for its role
    login(client, world.a_buyer)
    html = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    assert 'aria-label="7 need you">7</span>' in html
    login(client, world.a_admin)
    html = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    assert html.count("active supplier") == 2  # portal's own card and the app's second one


def test_a_name_registered_again_replaces_its_entry_and_order_decides_the_place():
    registry = Registry()
    first = NavEntry("a.one", "One", "dashboard", "one", order=20)
    registry.register(first, NavEntry("a.two", "Two", "dashboard", "two", order=10, roles=SUPPLIER_ROLES))
    registry.register(NavEntry("a.one", "One again", "dashboard", "one", order=5))
    assert [entry.label for entry in registry.entries.values()] == ["One again", "Two"]

    class Member:
        role = Role.SUPPLIER_USER

    assert [entry.label for entry in registry.for_member(Member())] == ["One again", "Two"]
    Member.role = Role.BUYER
    assert [entry.label for entry in registry.for_member(Member())] == ["One again"]


def test_registering_refuses_what_is_not_an_entry_or_a_section_that_does_not_exist():
    with pytest.raises(TypeError):
        nav_register(DashboardCard("x.card", "x.html", order=1))
    with pytest.raises(ValueError, match="no dashboard section"):
        card_register(DashboardCard("x.card", "x.html", order=1, section="sidebar"))
    assert "x.card" not in dashboard.entries
    assert SETUP in {card.section for card in dashboard.entries.values()}


def test_each_app_names_its_own_date_fields_and_a_rule_cannot_change_behind_its_back():
    assert dates.FIELDS["suppliers.Asn.ship_date"] == dates.DAY  # registered by suppliers' ready()
    dates.rules_register({"suppliers.Asn.ship_date": dates.DAY})  # the same again: nothing changes
    with pytest.raises(ValueError, match="already"):
        dates.rules_register({"suppliers.Asn.ship_date": dates.INSTANT})
    with pytest.raises(ValueError, match="no date rule"):
        dates.rules_register({"quality.Inspection.done_on": "someday"})
    with pytest.raises(ValueError, match=r"app_label\.Model\.field"):
        dates.rules_register({"Inspection.done_on": dates.DAY})
    assert dates.FIELDS["suppliers.Asn.ship_date"] == dates.DAY and "quality.Inspection.done_on" not in dates.FIELDS
