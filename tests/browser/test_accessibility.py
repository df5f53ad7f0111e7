"""Every page of every role, at desktop and tablet size, checked with axe-core in Chromium.

axe-core comes from the PyPI package axe-playwright-python (requirements-dev.txt), which ships
axe.min.js; nothing is fetched at run time. Each role signs in and the test follows every link
it is offered (navigation, account menu, tables, actions), so a new page is checked without being
listed here. On every page it asserts:

- no axe finding of any impact under WCAG 2.x A/AA and axe's best practices (heading order
  included);
- no Content-Security-Policy violation (no inline script or style attribute slipped back in);
- no meta refresh;
- at 768 px, nothing scrolls sideways: neither the page nor a table inside it.

Screenshots of every page at both sizes land in test-artifacts/pages/.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect

from portal.models import ApiToken, Role
from tests.browser.order_desk_world import ROLE_LOGINS, build_order_desk, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "tablet": {"width": 768, "height": 1024}}
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
# Downloads and things that are not pages of the portal.
NOT_PAGES = re.compile(r"\.pdf|/pdf/|import-template|/certificates/|^/admin/|^/api/|^/static/|/logout/")
MAX_PAGES_PER_ROLE = 80
VISITS_PER_RECORD_PAGE = 3

# Collects what the Content-Security-Policy refused, before any script of the page runs.
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));
"""


def _page_key(url: str) -> str:
    """One visit per kind of page: ids become N, the query is dropped."""
    path = urlsplit(url).path
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "N", path)
    return re.sub(r"\d+", "N", path)


def _audit(page, url: str, *, viewport: str, shot: str, artifacts, expect_error: bool = False) -> list[str]:
    """Everything wrong with the page at ``url``, as readable lines."""
    response = page.goto(url)
    page.wait_for_load_state("load")
    problems = []
    where = f"{viewport} {urlsplit(url).path}"
    if response is not None and response.status >= 400 and not expect_error:
        problems.append(f"{where}: answered {response.status}")
    results = _axe(page)
    for v in results["violations"]:
        targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        problems.append(f"{where}: axe {v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']} at {targets}")
    for violation in page.evaluate("window.__csp || []"):
        problems.append(f"{where}: CSP refused {violation}")
    if page.locator("meta[http-equiv=refresh i]").count():
        problems.append(f"{where}: meta refresh reloads the whole page")
    if viewport == "tablet":
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            problems.append(f"{where}: the page scrolls sideways at 768 px")
        cut = page.eval_on_selector_all(
            ".table-wrap",
            "els => els.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)"
            ".map(e => (e.querySelector('th') || e).innerText.trim().slice(0, 40))",
        )
        for first_header in cut:
            problems.append(f"{where}: a table (first column '{first_header}') is cut off at 768 px")
    page.screenshot(path=artifacts / f"{shot}-{viewport}.png", full_page=True)
    return problems


def _axe(page) -> dict:
    page.evaluate(AXE_SCRIPT)
    return page.evaluate(f"axe.run(document, {json.dumps(AXE_OPTIONS)})")


def _links(page, base: str, tenant: str) -> list[str]:
    """Links to pages of the portal, within the tenant under test (another tenant's are the same pages)."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or NOT_PAGES.search(parts.path):
            continue
        if parts.path.startswith("/t/") and not parts.path.startswith(f"/t/{tenant}/"):
            continue
        out.append(f"{base}{parts.path}" + (f"?{parts.query}" if parts.query else ""))
    return out


def _crawl_and_audit(
    page, base: str, tenant: str, start: list[str], label: str, artifacts
) -> tuple[list[tuple[str, str]], list[str]]:
    """Visit every kind of page reachable from ``start`` at desktop size; answers the URLs and problems."""
    seen: dict[str, int] = {}
    done, queue, visited, problems = set(), list(start), [], []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        key = _page_key(url)
        path = urlsplit(url).path
        # A kind of page is visited once; a record's page up to three times (a draft and a
        # submitted shipment, an order to acknowledge and one awaiting the buyer look different).
        if path in done or seen.get(key, 0) >= (VISITS_PER_RECORD_PAGE if "N" in key else 1):
            continue
        seen[key] = seen.get(key, 0) + 1
        done.add(path)
        shot = f"{label}-{len(visited):02d}-" + (re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "home")
        problems += _audit(page, url, viewport="desktop", shot=shot, artifacts=artifacts)
        visited.append((url, shot))
        queue += [u for u in _links(page, base, tenant) if urlsplit(u).path not in done]
    return visited, problems


@pytest.fixture
def pages_dir(artifacts):
    path = artifacts / "pages"
    path.mkdir(exist_ok=True)
    return path


def _fresh(pages_dir, label: str) -> None:
    """Screenshots of an earlier run of this role would mix with this run's."""
    for old in pages_dir.glob(f"{label}-*.png"):
        old.unlink()


def _context(browser):
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="en-GB")
    context.add_init_script(CSP_PROBE)
    return context


@pytest.mark.parametrize("role", list(ROLE_LOGINS))
def test_every_page_of_the_role_passes_axe_at_desktop_and_tablet_size(live_server, browser, pages_dir, role):
    desk = build_order_desk()
    base = live_server.url
    context = _context(browser)
    page = context.new_page()
    sign_in(page, base, ROLE_LOGINS[role])
    label = role.replace("_", "-")
    _fresh(pages_dir, label)
    # The tenant chooser is linked only when there is more than one tenant to choose.
    start = [f"{base}/t/{desk.tenant.slug}/", f"{base}/tenants/"]
    if role in (Role.SUPPLIER_ADMIN, Role.SUPPLIER_USER, Role.BUYER, Role.TENANT_ADMIN):
        # The order whose acknowledgement table once cut off the promised date on a tablet.
        start.append(f"{base}/t/{desk.tenant.slug}/orders/{desk.awaiting_buyer.pk}/")
    visited, problems = _crawl_and_audit(page, base, desk.tenant.slug, start, label, pages_dir)
    assert len(visited) < MAX_PAGES_PER_ROLE, "pages were left out: raise MAX_PAGES_PER_ROLE"
    # What each role reaches: a link that went missing would silently shrink the audit.
    keys = {_page_key(url) for url, _ in visited}
    assert f"/t/{desk.tenant.slug}/" in keys and "/accounts/email/" in keys
    if role in (Role.SUPPLIER_ADMIN, Role.SUPPLIER_USER, Role.BUYER, Role.TENANT_ADMIN):
        assert {"/t/acme/orders/", "/t/acme/orders/N/", "/t/acme/shipments/", "/t/acme/shipments/N/"} <= keys
    if role == Role.SUPPLIER_ADMIN:
        assert {"/t/acme/api-tokens/", "/t/acme/partners/N/invite/", "/t/acme/orders/N/acknowledge/"} <= keys
        assert {"/tenants/", "/t/acme/shipments/new/", "/t/acme/shipments/N/import/"} <= keys
    if role == Role.TENANT_ADMIN:
        assert {"/t/acme/sync/", "/t/acme/sync/exceptions/", "/t/acme/sync/events/N/", "/t/acme/audit/N/"} <= keys
        assert {"/t/acme/members/N/", "/t/acme/members/invite/", "/t/acme/settings/odoo/"} <= keys
    page.set_viewport_size(VIEWPORTS["tablet"])
    for url, shot in visited:
        problems += _audit(page, url, viewport="tablet", shot=shot, artifacts=pages_dir)
    context.close()
    assert problems == [], "\n".join(problems)


def test_pages_before_sign_in_and_forms_with_errors_pass_axe(live_server, browser, pages_dir):
    desk = build_order_desk()
    base = live_server.url
    context = _context(browser)
    page = context.new_page()
    problems = []
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        for name, path in [
            ("login", "/accounts/login/"),
            ("password-reset", "/accounts/password/reset/"),
            ("invitation", f"/invitations/{desk.invitation_token}/"),
            ("invitation-invalid", "/invitations/not-a-token/"),
            ("not-found", "/t/acme/no-such-page/"),
        ]:
            problems += _audit(
                page,
                f"{base}{path}",
                viewport=viewport,
                shot=f"public-{name}",
                artifacts=pages_dir,
                expect_error=name in ("invitation-invalid", "not-found"),
            )
        # A failed sign-in shows its error next to the form.
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill("orders@nordic.test")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        problems += [f"{viewport} login error: axe {v['id']} ({v['impact']})" for v in _axe(page)["violations"]]

    # The API's interactive docs (third-party pages with a policy of their own) still work under it.
    for path, ready in (("/api/v1/docs/", ".swagger-ui .info"), ("/api/v1/redoc/", "redoc h1, [role=navigation]")):
        page.goto(f"{base}{path}")
        page.wait_for_selector(ready)
        # Only a third-party asset baked into ReDoc's bundle (its badge's logo) may be refused there.
        refused = page.evaluate("window.__csp || []")
        problems += [f"{path} CSP: {v}" for v in refused if "https://cdn.redoc.ly/" not in v]

    sign_in(page, base, ROLE_LOGINS[Role.SUPPLIER_ADMIN])
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        # A token just made: its secret is shown once.
        page.goto(f"{base}/t/acme/api-tokens/")
        page.get_by_label("Name (the system that uses it)").fill(f"Label printer {viewport}")
        page.get_by_label("Read purchase orders").check()
        page.get_by_role("button", name="Create token").click()
        page.wait_for_load_state()
        assert page.locator("#secret").count() == 1
        problems += [f"{viewport} token shown: axe {v['id']} ({v['impact']})" for v in _axe(page)["violations"]]
        page.screenshot(path=pages_dir / f"supplier-admin-token-shown-{viewport}.png", full_page=True)
        # An invitation without an address: the error sits next to the field.
        page.goto(f"{base}/t/acme/partners/{desk.nordic.pk}/invite/")
        page.get_by_role("button", name="Send invitation").click()
        page.wait_for_load_state()
        problems += [f"{viewport} invite errors: axe {v['id']} ({v['impact']})" for v in _axe(page)["violations"]]
        problems += [f"{viewport} CSP: {v}" for v in page.evaluate("window.__csp || []")]

    # Revoking asks once, with what will happen (a static script now, not an onclick): dismissed, nothing
    # happens; accepted, the token is revoked.
    page.goto(f"{base}/t/acme/api-tokens/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Revoke “Nordic ERP connector”").click()
    assert asked == ["Revoke “Nordic ERP connector”? Systems using it are refused at once."]
    assert ApiToken.objects.get(name="Nordic ERP connector").revoked_at is None
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke “Nordic ERP connector”").click()
    expect(page.locator(".messages")).to_contain_text("Token “Nordic ERP connector” revoked")
    assert ApiToken.objects.get(name="Nordic ERP connector").revoked_at is not None
    context.close()
    assert problems == [], "\n".join(problems)
