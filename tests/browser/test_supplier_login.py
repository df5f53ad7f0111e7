"""A supplier signs in on a tablet, sees the dashboard, signs out."""

from __future__ import annotations

import pytest

from portal.models import Role
from tests.factories import PASSWORD, PartnerFactory, TenantFactory, UserFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Controls a finger must hit; inline links inside sentences are exempt (WCAG 2.5.8).
TOUCH_TARGETS = "header a, header summary, main a.button, main button, main input, main select, nav a"


def test_supplier_signs_in_on_a_tablet_and_out_again(live_server, tablet, artifacts):
    tenant = TenantFactory(name="Acme Manufacturing", slug="acme", accent_color="#0b6e4f")
    partner = PartnerFactory(tenant=tenant, name="Nordic Fasteners AB")
    user = UserFactory(email="orders@nordic.test", first_name="Sara", last_name="Lind")
    member(tenant, Role.SUPPLIER_ADMIN, partner, user=user)
    page = tablet

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill("orders@nordic.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.screenshot(path=artifacts / "login_768x1024.png", full_page=True)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/t/acme/")
    assert page.get_by_role("heading", level=1).inner_text() == "Nordic Fasteners AB"
    assert page.get_by_role("heading", name="Open purchase orders").is_visible()
    assert page.get_by_text("No open orders.").is_visible()
    assert page.get_by_role("link", name="Invite a colleague").is_visible()

    too_small = page.eval_on_selector_all(
        TOUCH_TARGETS,
        """els => els.filter(e => e.offsetParent !== null && e.type !== 'hidden')
                   .map(e => [e.tagName + ' ' + (e.innerText || e.name || '').trim().slice(0, 30),
                              Math.round(e.getBoundingClientRect().height)])
                   .filter(([, h]) => h < 44)""",
    )
    assert too_small == [], f"touch targets under 44 px: {too_small}"
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False, "the page scrolls sideways at 768 px"
    page.screenshot(path=artifacts / "supplier_dashboard_768x1024.png", full_page=True)

    page.locator("summary:has(.avatar)").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/t/acme/")
    assert "/accounts/login/" in page.url
