"""Issue 16 review ("screens"): a German, then a French supplier doing the day's work in the browser
at tablet (768x1024) and desktop (1280x800) size. Every page is screenshotted to test-artifacts/
(i16_screens_<lang>_<w>_<step>.png) and checked: no horizontal scroll, no text spilling out of
buttons/cells, no English word the catalogue would have translated, touch targets >= 44 px.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.models import User
from suppliers.models import Asn
from tests.browser.order_desk_world import build_order_desk
from tests.browser.test_order_desk import _small_targets
from tests.factories import PASSWORD
from tests.i18n.visible_text import english_left

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPPLIER = "orders@nordic.test"
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
    "Pressure",
    "sensor",
    "Borealis",
    "Pumps",
    "Schenker",
    "Can",
    "we",
    "ship",
    "the",
    "in",
    "two",
    "lots",
    "Yes",
    "are",
    "fine",
    "Zinc",
    "plating",
    "line",
    "is",
    "full",
    "until",
    "week",
    "Carl",
    "Clerk",
    "Europe",
    "Berlin",
    "Paris",
    "America",
    "Los_Angeles",
    "UTC",
    "orders",
    "nordic",
    "test",
    "ASN",
    "arrive",
    "visible",
    "cause",
    # the time-zone select lists IANA names (America/Lower_Princes, Isle_of_Man, America/New_York, ...)
    "Lower",
    "Princes",
    "Man",
    "New",
    "York",
    "Tell",
    "City",
    "of",
    "English",
    "Deutsch",
    "Français",
    "Español",
    "fran",
    "ais",
    "Espa",
    "ol",
}
OVERFLOWING = """() => Array.from(document.querySelectorAll(
    'main th, main td, main button, main a.button, main label, main .badge, nav a, main h1, main h2, main dt, main dd,'
    + ' header a, header button, header select'))
  .filter(e => e.offsetParent !== null && !e.closest('.sr-only, .visually-hidden') && e.scrollWidth > e.clientWidth + 1
               && getComputedStyle(e).overflowX !== 'auto' && getComputedStyle(e).overflowX !== 'scroll')
  .map(e => e.tagName + ' ' + e.innerText.trim().slice(0, 40))"""
VIEWPORTS = {"tablet": {"width": 768, "height": 1024}, "desktop": {"width": 1280, "height": 800}}


def tr(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


class Tour:
    """Screenshots every step and collects what is wrong on it."""

    def __init__(self, page, artifacts: Path, language: str, size: str):
        self.page, self.artifacts, self.language, self.size = page, artifacts, language, size
        self.problems: list[str] = []

    def shot(self, step: str) -> Path:
        path = self.artifacts / f"i16_screens_{self.language}_{self.size}_{step}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    def look(self, step: str, *, targets: bool = True) -> None:
        path = self.shot(step)
        page = self.page
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            self.problems.append(f"{step}: horizontal scroll ({path.name})")
        spilled = page.evaluate(OVERFLOWING)
        if spilled:
            self.problems.append(f"{step}: text overflowing its box {spilled} ({path.name})")
        left = english_left(page.content(), self.language, DATA_WORDS)
        if left:
            self.problems.append(f"{step}: English left {sorted(left)} ({path.name})")
        if page.locator("html").get_attribute("lang") != self.language:
            self.problems.append(f"{step}: html lang={page.locator('html').get_attribute('lang')} ({path.name})")
        if targets and self.size == "tablet":
            small = _small_targets(page)
            if small:
                self.problems.append(f"{step}: touch targets under 44 px {small} ({path.name})")


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if page.locator("input[name=code]").count():
        from portal.demo import current_totp_code

        page.fill("input[name=code]", current_totp_code(User.objects.get(email=email)))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    if "/tenants/" in page.url:
        page.goto(f"{base}/t/acme/")


def _main(page) -> str:
    return page.locator("main").inner_text().replace("\u00a0", " ").replace("\u202f", " ")


def _pdf_pages(pdf: bytes, stem: Path) -> list[Path]:
    stem.with_suffix(".pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(stem.with_suffix(".pdf")), str(stem)], check=True)
    return sorted(stem.parent.glob(stem.name + "-*.png"))


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_suppliers_day_in_the_browser(live_server, browser, artifacts, language, size):
    desk = build_order_desk()
    desk.nordic.__class__.objects.filter(pk=desk.nordic.pk).update(language=language)
    zone = {"de": "Europe/Berlin", "fr": "Europe/Paris"}[language]
    User.objects.filter(email=SUPPLIER).update(language=language, time_zone=zone)
    context = browser.new_context(viewport=VIEWPORTS[size], has_touch=size == "tablet", locale="en-GB")
    page = context.new_page()
    tour, base, t = Tour(page, artifacts, language, size), live_server.url, (lambda s: tr(language, s))
    po = desk.to_acknowledge
    try:
        _sign_in(page, base, SUPPLIER)
        tour.look("after_sign_in")
        page.goto(f"{base}/t/acme/")
        tour.look("dashboard")
        page.goto(f"{base}/t/acme/orders/")
        tour.look("po_list")
        page.goto(f"{base}/t/acme/orders/{po.pk}/")
        tour.look("po_detail")
        money = {"de": "1.230,00 €", "fr": "1 230,00 €"}[language]
        if money not in _main(page):
            tour.problems.append(f"po_detail: total not written as {money!r}")

        # Acknowledge: a bad quantity and a bad date first, then a real change with a decimal comma.
        page.goto(f"{base}/t/acme/orders/{po.pk}/acknowledge/")
        resin = page.locator("fieldset.ack-line").nth(0)
        resin.get_by_text(t("Promise another date or quantity")).click()
        resin.locator("input[name$=promised_qty]").fill("1,2,3")
        resin.locator("input[name$=promised_date]").evaluate("e => { e.type = 'text'; e.value = '31.02.2026'; }")
        resin.locator("input[name$=reason]").fill("Kapazität")
        tour.look("acknowledge")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state()
        tour.look("acknowledge_errors")
        errors = page.locator(".errorlist").all_inner_texts()
        if not errors:
            tour.problems.append("acknowledge: no field error for '1,2,3' / a bad date")
        for text in errors:
            left = english_left(f"<p>{text}</p>", language, DATA_WORDS)
            if left:
                tour.problems.append(f"acknowledge_errors: English in field error {text!r}")
        resin = page.locator("fieldset.ack-line").nth(0)
        resin.get_by_text(t("Promise another date or quantity")).click()
        resin.locator("input[name$=promised_qty]").fill("9,5")
        resin.locator("input[name$=promised_date]").evaluate("e => { e.type = 'date'; }")
        later = (timezone.now() + timedelta(days=24)).date().isoformat()
        resin.locator("input[name$=promised_date]").fill(later)
        resin.locator("input[name$=reason]").fill("Kapazität")
        page.fill("#id_supplier_ref", "NF-SO-7781")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state()
        tour.look("acknowledged")
        if f"/orders/{po.pk}/" not in page.url or page.locator(".errorlist").count():
            tour.problems.append(f"acknowledge with '9,5' refused: {page.locator('.errorlist').all_inner_texts()}")
        if "9,5" not in _main(page):
            tour.problems.append("acknowledged: promised quantity 9,5 not shown with a decimal comma")

        # The PO's thread: read it, post a message.
        page.fill("#id_body", {"de": "Wir liefern am Dienstag.", "fr": "Nous livrons mardi."}[language])
        page.locator("form[action$='/messages/'] button[type=submit]").click()
        page.wait_for_load_state()
        tour.look("message_posted")

        # Announce a shipment on the acknowledged shipping PO's draft (made by the world).
        page.goto(f"{base}/t/acme/orders/{po.pk}/")
        page.locator("main a[href*='/shipments/new/']").first.click()
        page.wait_for_load_state()
        tour.look("asn_new")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(f"{base}/t/acme/shipments/*/")
        draft = Asn.objects.filter(status="draft").order_by("-pk").first()
        tour.look("asn_draft")
        page.fill("#ship_date", timezone.localdate().isoformat())
        page.fill("#eta", (timezone.localdate() + timedelta(days=2)).isoformat() + "T09:30")
        page.fill("#carrier", "DHL Freight")
        page.select_option("#pkg-0-kind", "pallet")
        page.fill("#pkg-0-weight_kg", "310,5")
        for i in range(page.locator("input[id$='-item-0-quantity']").count()):
            amount = "2,5" if i == 0 else "100"  # the resin in kg with a decimal comma
            page.fill(f"#line-{i}-quantity", amount)
            page.fill(f"#line-{i}-item-0-lot_name", f"LOT-{i}-2612")
            page.fill(f"#line-{i}-item-0-quantity", amount)
            page.select_option(f"#line-{i}-item-0-package", "1")
        page.locator("button[name=action][value=save]").first.click()
        page.wait_for_load_state()
        tour.look("asn_saved")
        if page.locator("#cert-file").count():
            page.set_input_files(
                "#cert-file", {"name": "3.1-Zeugnis.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
            )
            page.locator("button[name=action][value=attach]").click()
            page.wait_for_load_state()
            tour.look("asn_certificate")
        page.locator("button[name=action][value=submit]").first.click()
        page.wait_for_load_state()
        tour.look("asn_submitted")
        draft.refresh_from_db()
        if draft.status == "draft":
            tour.problems.append(f"asn not submitted: {page.locator('.errorlist').all_inner_texts()}")
        for kind, query in (("packing-slip", ""), ("labels", "?size=a6")):
            answer = page.request.get(f"{base}/t/acme/shipments/{draft.pk}/{kind}.pdf{query}")
            if answer.headers.get("content-type") != "application/pdf":
                tour.problems.append(f"{kind}.pdf: {answer.status} {answer.headers.get('content-type')}")
                continue
            _pdf_pages(answer.body(), artifacts / f"i16_screens_{language}_{size}_{kind}")

        page.goto(f"{base}/t/acme/corrective-actions/")
        tour.look("scar_list")
        page.goto(f"{base}/t/acme/my-scorecard/")
        tour.look("scorecard")
        page.goto(f"{base}/t/acme/shipments/")
        tour.look("asn_list")

        # Profile: switch to the other language, see it apply.
        other = {"de": "fr", "fr": "de"}[language]
        page.goto(f"{base}/t/acme/profile/")
        tour.look("profile")
        page.select_option("main select[name=language]", other)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        tour.language = other
        tour.look("profile_switched")
    finally:
        context.close()
    assert tour.problems == [], "\n".join(tour.problems)


def _context(browser, size="tablet", locale="en-GB"):
    return browser.new_context(viewport=VIEWPORTS[size], has_touch=size == "tablet", locale=locale)


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_sign_in_flash_speaks_the_profiles_language(live_server, browser, artifacts, language):
    """A supplier whose profile says German signs in from an English browser: the first page is German,
    and so must be its "Successfully signed in as ..." flash (allauth writes it during the login
    request, before the profile's language is switched on)."""
    build_order_desk()
    User.objects.filter(email=SUPPLIER).update(language=language)
    context = _context(browser)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, SUPPLIER)
        page.screenshot(path=artifacts / f"i16_screens_{language}_tablet_signin_flash.png", full_page=True)
        flash = " ".join(page.locator(".messages, [role=status], .alert, .flash").all_inner_texts())
        html = page.content()
    finally:
        context.close()
    assert "Successfully signed in" not in html, flash
    assert english_left(html, language, DATA_WORDS) == set()


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_signed_out_login_page_switches_language(live_server, browser, artifacts, language):
    context = _context(browser)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.select_option("#language-switch", language)
        page.locator("form.language-switch button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/accounts/login/")
        path = artifacts / f"i16_screens_{language}_tablet_login.png"
        page.screenshot(path=path, full_page=True)
        assert page.locator("html").get_attribute("lang") == language
        assert english_left(page.content(), language, DATA_WORDS) == set(), path
        assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
        # a wrong password: the error in the chosen language
        page.fill("input[name=login]", SUPPLIER)
        page.fill("input[name=password]", "wrong-password")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        page.screenshot(path=artifacts / f"i16_screens_{language}_tablet_login_error.png", full_page=True)
        assert english_left(page.content(), language, DATA_WORDS) == set()
    finally:
        context.close()


def test_los_angeles_and_berlin_see_one_eta_at_their_own_wall_times(live_server, browser, artifacts):
    from zoneinfo import ZoneInfo

    desk = build_order_desk()
    User.objects.filter(email=SUPPLIER).update(language="de", time_zone="Europe/Berlin")
    User.objects.filter(email="clerk@nordic.test").update(language="de", time_zone="America/Los_Angeles")
    asn = Asn.objects.exclude(status="draft").get()
    assert asn.eta is not None
    seen = {}
    for email, zone, size in (
        (SUPPLIER, "Europe/Berlin", "desktop"),
        ("clerk@nordic.test", "America/Los_Angeles", "tablet"),
    ):
        context = _context(browser, size)
        page = context.new_page()
        try:
            _sign_in(page, live_server.url, email)
            page.goto(f"{live_server.url}/t/acme/shipments/{asn.pk}/")
            page.screenshot(path=artifacts / f"i16_screens_tz_{zone.replace('/', '_')}_asn.png", full_page=True)
            seen[zone] = _main(page)
            page.goto(f"{live_server.url}/t/acme/orders/{desk.shipping.pk}/")
            page.screenshot(path=artifacts / f"i16_screens_tz_{zone.replace('/', '_')}_po.png", full_page=True)
            seen[zone + " po"] = _main(page)
        finally:
            context.close()
    berlin = asn.eta.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    la = asn.eta.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%H:%M")
    assert berlin != la
    assert berlin in seen["Europe/Berlin"] and la not in seen["Europe/Berlin"]
    assert la in seen["America/Los_Angeles"]
    # the ETA is labelled with its zone for each of them
    assert "MEZ" in seen["Europe/Berlin"] or "CET" in seen["Europe/Berlin"]
    assert "PST" in seen["America/Los_Angeles"] or "Los Angeles" in seen["America/Los_Angeles"]
    approved = desk.shipping.date_approve
    assert approved.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") in seen["Europe/Berlin po"]
    assert approved.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%H:%M") in seen["America/Los_Angeles po"]


# Selects whose chosen option is wider than the box (a select does not scroll: the word is cut off).
CLIPPED_SELECTS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  return Array.from(document.querySelectorAll('main select')).filter(s => s.offsetParent !== null).map(s => {
    const st = getComputedStyle(s);
    ctx.font = st.font || (st.fontWeight + ' ' + st.fontSize + ' ' + st.fontFamily);
    const text = s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : '';
    const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - 20;  // 20: the arrow
    return [s.id || s.name, text, Math.round(ctx.measureText(text).width), Math.round(room)];
  }).filter(([, , need, room]) => need > room);
}"""


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_certificate_kind_is_not_cut_off_in_german(live_server, browser, artifacts, size):
    """ASN draft, certificate form: "Konformitätsbescheinigung" shows as "Konformitätsbescheini" in its
    select at 768 and at 1280 px (the four fields share a row of fixed-width columns)."""
    build_order_desk()
    User.objects.filter(email=SUPPLIER).update(language="de")
    draft = Asn.objects.filter(status="draft").get()
    context = _context(browser, size)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, SUPPLIER)
        page.goto(f"{live_server.url}/t/acme/shipments/{draft.pk}/")
        page.locator("#cert-kind").scroll_into_view_if_needed()
        page.locator("#cert-kind").screenshot(path=artifacts / f"i16_screens_de_{size}_cert_kind_select.png")
        clipped = page.evaluate(CLIPPED_SELECTS)
    finally:
        context.close()
    assert clipped == []


@pytest.mark.parametrize(("language", "wrong"), [("de", "Bestellt am"), ("fr", "Commandé le")])
def test_the_ordered_quantity_column_is_not_labelled_as_a_date(live_server, browser, artifacts, language, wrong):
    """PO detail, lines table: the column of ordered quantities ("10 kg") is headed "Bestellt am" /
    "Commandé le" ("ordered on"): one msgid "Ordered" serves the order date (templates/suppliers/
    po_detail.html:22) and the quantity column (:32, also quality/scorecards/delivery_receipts.py:356),
    and the catalogues translated the date sense. Needs a context (pgettext) or two msgids."""
    desk = build_order_desk()
    User.objects.filter(email=SUPPLIER).update(language=language)
    context = _context(browser, "desktop")
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, SUPPLIER)
        page.goto(f"{live_server.url}/t/acme/orders/{desk.shipping.pk}/")
        page.screenshot(path=artifacts / f"i16_screens_{language}_desktop_ordered_column.png", full_page=True)
        headers = [h.strip() for h in page.locator("main table").first.locator("thead th").all_inner_texts()]
    finally:
        context.close()
    assert wrong.upper() not in [h.upper() for h in headers], headers


@pytest.mark.parametrize(("language", "opening"), [("de", ("„", "»")), ("fr", ("«",))])
def test_the_dashboards_message_excerpt_uses_the_languages_quotes(live_server, browser, artifacts, language, opening):
    """Dashboard card "Messages from Acme": the excerpt sits in English quotes “…” hard-coded in
    templates/suppliers/cards/messages.html:10; German writes „…“, French « … »."""
    build_order_desk()
    User.objects.filter(email=SUPPLIER).update(language=language)
    context = _context(browser)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, SUPPLIER)
        page.goto(f"{live_server.url}/t/acme/")
        page.locator(".message-excerpt").first.screenshot(
            path=artifacts / f"i16_screens_{language}_tablet_message_excerpt.png"
        )
        excerpt = page.locator(".message-excerpt").first.inner_text().strip()
    finally:
        context.close()
    assert excerpt.startswith(opening), excerpt
