"""The supplier's order desk in German on a tablet: acknowledge, announce a shipment with a decimal
comma, print labels; no English word on the way, no long German word breaking the layout.

Button and field names are looked up in the catalogue (``gettext`` under German), so the test
follows the translation rather than repeating it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from suppliers.models import Asn
from tests.browser.test_order_desk import _small_targets, _world
from tests.factories import PASSWORD
from tests.i18n.visible_text import english_left

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA_WORDS = {
    "Acme",
    "Manufacturing",
    "Nordic",
    "Fasteners",
    "AB",
    "Lot",
    "resin",
    "Hex",
    "bolt",
    "Units",
    "Bea",
    "Buyer",
    "Sara",
    "Lind",
    "DHL",
    "Freight",
    "kg",
    "EUR",
}

# Cells, buttons and labels whose text must fit their box (a long German word must wrap or fit, not spill).
OVERFLOWING = """() => Array.from(document.querySelectorAll(
    'main th, main td, main button, main a.button, main label, main .badge, nav a, main h1, main h2, main dt, main dd'))
  .filter(e => e.offsetParent !== null && e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1
               && getComputedStyle(e).overflowX !== 'auto' && getComputedStyle(e).overflowX !== 'scroll')
  .map(e => e.tagName + ' ' + e.innerText.trim().slice(0, 40))"""


def de(text: str) -> str:
    with translation.override("de"):
        return gettext(text)


def _look(page, artifacts, name: str) -> None:
    page.screenshot(path=artifacts / f"order_desk_de_{name}_768x1024.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False, name
    assert page.evaluate(OVERFLOWING) == [], name
    assert english_left(page.content(), "de", DATA_WORDS) == set(), name
    assert _small_targets(page) == [], name


@pytest.fixture
def tablet(browser):
    """A German tablet: the browser asks for German (the person's setting decides anyway)."""
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True, locale="de-DE")
    page = context.new_page()
    yield page
    context.close()


def test_the_order_desk_in_german_on_a_tablet(live_server, tablet, artifacts):
    _tenant, po, soon = _world()
    from portal.models import User

    User.objects.filter(email="orders@nordic.test").update(language="de", time_zone="Europe/Berlin")
    base, page = live_server.url, tablet
    page.goto(f"{base}/accounts/login/")  # the browser asks for German: the login page speaks it
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label(de("Email")).fill("orders@nordic.test")
    page.get_by_label(de("Password")).fill(PASSWORD)
    page.get_by_role("button", name=de("Sign in")).click()
    page.wait_for_url(f"{base}/t/acme/")
    assert page.locator("html").get_attribute("lang") == "de"
    _look(page, artifacts, "dashboard")

    page.goto(f"{base}/t/acme/orders/")
    _look(page, artifacts, "po_list")
    page.get_by_role("link", name="P00441").click()
    page.wait_for_url(f"{base}/t/acme/orders/{po.pk}/")
    _look(page, artifacts, "po_detail")
    assert "1.230,00 €" in page.locator("main").inner_text().replace("\u00a0", " ")

    page.get_by_role("link", name=de("Change dates or quantities…")).click()
    bolts = page.locator("fieldset.ack-line").nth(1)
    bolts.get_by_text(de("Promise another date or quantity")).click()
    bolts.get_by_label(de("Promised date")).fill((soon + timedelta(days=10)).date().isoformat())
    page.get_by_label(de("Your order reference")).fill("NF-SO-7781")
    _look(page, artifacts, "acknowledge")
    page.get_by_role("button", name=de("Send acknowledgement")).click()
    page.wait_for_url(f"{base}/t/acme/orders/{po.pk}/")

    page.get_by_role("link", name=de("Announce a shipment")).click()
    page.get_by_role("button", name=de("Start the draft")).click()
    page.wait_for_url(f"{base}/t/acme/shipments/*/")
    page.get_by_label(de("Ship date")).fill(date.today().isoformat())
    page.get_by_label(de("Expected arrival")).fill(f"{(date.today() + timedelta(days=2)).isoformat()}T09:30")
    page.get_by_label(de("Carrier")).fill("DHL Freight")
    page.select_option("#pkg-0-kind", "pallet")
    page.fill("#pkg-0-weight_kg", "310,5")  # the German decimal comma
    page.fill("#line-0-item-0-lot_name", "LOT-A-2611")
    page.fill("#line-0-item-0-quantity", "10")
    page.select_option("#line-0-item-0-package", "1")
    page.fill("#line-1-item-0-quantity", "500")
    page.select_option("#line-1-item-0-package", "1")
    _look(page, artifacts, "asn_draft")
    page.get_by_role("button", name=de("Submit shipment")).click()
    page.wait_for_load_state()
    asn = Asn.objects.get()
    assert asn.status == "in_transit", page.locator("main").inner_text()[:500]
    assert asn.packages.get().weight_kg == Decimal("310.5")
    _look(page, artifacts, "asn_submitted")
    labels = page.request.get(f"{base}/t/acme/shipments/{asn.pk}/labels.pdf?size=a6")
    assert labels.headers["content-type"] == "application/pdf"
