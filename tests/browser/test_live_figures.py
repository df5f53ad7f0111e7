"""The sync monitor updates its figures by itself, without reloading the page, and can be paused
(no meta refresh: WCAG 2.2.1 and 2.2.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import EventStatus, OutboxEvent
from portal.models import Role
from tests.browser.order_desk_world import ROLE_LOGINS, build_order_desk, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fail_one_more(tenant) -> None:
    event = OutboxEvent.objects.filter(tenant=tenant).exclude(status=EventStatus.DEAD).order_by("created_at").first()
    OutboxEvent.objects.filter(pk=event.pk).update(
        status=EventStatus.DEAD, last_error="MissingError: Record does not exist", updated_at=timezone.now()
    )


def _failed_figure(page) -> str:
    return page.locator("#sync-figures section", has_text="Failed").locator(".stat").inner_text()


def test_sync_monitor_refreshes_its_figures_in_place_and_pauses(live_server, browser, artifacts):
    desk = build_order_desk()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.clock.install()
    sign_in(page, live_server.url, ROLE_LOGINS[Role.TENANT_ADMIN])
    page.goto(f"{live_server.url}/t/acme/sync/")
    assert page.locator("meta[http-equiv=refresh i]").count() == 0
    assert _failed_figure(page) == "1"
    # Something typed or scrolled would survive: the page itself is never reloaded.
    page.evaluate("window.__sameDocument = true")

    _fail_one_more(desk.tenant)
    page.clock.run_for(31_000)
    # (expect polls without eval, which the Content-Security-Policy forbids the page.)
    expect(page.locator("#sync-figures")).to_contain_text("2 in the exception queue")
    assert page.evaluate("window.__sameDocument") is True
    assert "Updated" in page.locator("[data-live-status]").inner_text()

    # Paused, nothing changes however long one waits; resumed, it catches up at once.
    toggle = page.get_by_role("button", name="Pause updates")
    toggle.click()
    assert page.get_by_role("button", name="Resume updates").get_attribute("aria-pressed") == "true"
    _fail_one_more(desk.tenant)
    page.clock.run_for(120_000)
    page.wait_for_timeout(200)
    assert _failed_figure(page) == "2"
    page.get_by_role("button", name="Resume updates").click()
    expect(page.locator("#sync-figures")).to_contain_text("3 in the exception queue")
    assert page.evaluate("window.__sameDocument") is True
    page.screenshot(path=artifacts / "sync_monitor_live_1280x800.png", full_page=True)
    context.close()


def test_a_running_connection_check_shows_its_result_in_place_without_losing_what_is_typed(
    live_server, browser, artifacts
):
    desk = build_order_desk()
    desk.tenant.odoo_check_requested_at = timezone.now()
    desk.tenant.save(update_fields=["odoo_check_requested_at"])
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="en-GB")
    page = context.new_page()
    page.clock.install()
    sign_in(page, live_server.url, ROLE_LOGINS[Role.TENANT_ADMIN])
    page.goto(f"{live_server.url}/t/acme/settings/odoo/")
    expect(page.locator("#odoo-status")).to_contain_text("Checking…")
    page.locator("input[name=url]").fill("https://erp.acme.example")  # typed while the check runs
    # The worker finishes: the status shows the result, the form keeps what was typed.
    desk.tenant.odoo_check = {
        "ok": True,
        "version": "19.0",
        "transport": "json2",
        "database": "acme",
        "user": {"name": "Integration", "login": "integration"},
        "modules": {},
        "warehouses": [],
        "warnings": [],
        "checked_at": (timezone.now() + timedelta(seconds=1)).isoformat(),
    }
    desk.tenant.save(update_fields=["odoo_check"])
    page.clock.run_for(3_500)
    expect(page.locator("#odoo-status")).to_contain_text("Connected")
    assert page.locator("input[name=url]").input_value() == "https://erp.acme.example"
    context.close()
