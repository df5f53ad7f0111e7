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

The order desk's world (``build_order_desk``) gets quality records here (``_quality_records``): an NCR with
containment and a disposition awaiting a second signature, and a SCAR from it with steps accepted, sent back
and to review (with a file), so the NCR and SCAR pages are crawled with data in them.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect

from portal.models import ApiToken, Role
from quality.services.ncrs import containment_add, containment_done
from quality.services.scar_answers import scar_evidence_add, scar_step_answer
from quality.services.scars import scar_issue, scar_step_accept, scar_step_send_back
from suppliers.models import Product
from tests.browser.order_desk_world import ROLE_LOGINS, OrderDesk, build_order_desk, sign_in
from tests.browser.scorecard_world import build_scorecards, late_deliveries
from tests.quality.ncr_scenes import awaiting, open_ncr
from tests.quality.test_scar_services import ANSWERS, pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "tablet": {"width": 768, "height": 1024}}
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
# Downloads (uploaded files and photos included) and things that are not pages of the portal.
NOT_PAGES = re.compile(
    r"\.pdf|/pdf/|import-template|/certificates/|/files/\d+/|/photos/\d+/|^/admin/|^/api/|^/static/|/logout/"
)
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
    path = re.sub(r"\d+", "N", path)
    # A figure's records are one page whatever the measure (``M``): ten measures are not ten kinds of page.
    return re.sub(r"^(/t/[^/]+/(?:scorecards/N|my-scorecard)/)[a-z]+/$", r"\1M/", path)


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


def _quality_records(desk: OrderDesk) -> None:
    """An NCR of Nordic's resin (containment half done, a scrap awaiting a second signature) and a SCAR from
    it: D1 accepted, D2 sent back with a comment, D3 answered with a file and waiting for review."""
    engineer, supplier = desk.members[Role.QUALITY_ENGINEER], desk.members[Role.SUPPLIER_USER]
    resin = Product.objects.get(tenant=desk.tenant, default_code="LAB-LOT-001")
    ncr = open_ncr(engineer, desk.nordic, product=resin, lot="LOT-A-2611-0001234567", title="Resin lumps in the drum")
    done = containment_add(membership=engineer, ncr=ncr, action="Quarantine the drums in WH/Stock", owner="Dock team")
    containment_done(membership=engineer, containment=done)
    containment_add(membership=engineer, ncr=ncr, action="Check the drums in production", owner="Line 2")
    awaiting(engineer, ncr, quantity="12")
    scar = scar_issue(membership=engineer, partner=desk.nordic, ncrs=[ncr], title="Lumps in the resin drums")
    steps = {step.code: step for step in scar.steps.all()}
    for code in ("D1", "D2", "D3"):
        if code == "D3":
            scar_evidence_add(membership=supplier, step=steps[code], upload=pdf("sorting-report.pdf"))
        scar_step_answer(membership=supplier, step=steps[code], content=ANSWERS[code])
    scar_step_accept(membership=engineer, step=steps["D1"])
    scar_step_send_back(membership=engineer, step=steps["D2"], comment="Say which drums and batches are affected.")


# What each role must reach of the NCR and SCAR pages.
QUALITY_PAGES = {
    Role.QUALITY_ENGINEER: {
        "/t/acme/ncrs/",
        "/t/acme/ncrs/N/",
        "/t/acme/ncrs/new/",
        "/t/acme/defect-codes/",
        "/t/acme/scars/",
        "/t/acme/scars/N/",
        "/t/acme/scars/N/steps/DN/",
    },
    Role.BUYER: {"/t/acme/ncrs/", "/t/acme/ncrs/N/"},
    Role.SUPPLIER_ADMIN: {
        "/t/acme/corrective-actions/",
        "/t/acme/corrective-actions/N/",
        "/t/acme/corrective-actions/N/steps/DN/",
    },
}
# The scorecard pages (tests.browser.scorecard_world): the ranking, a scorecard and its drill-downs, the rules;
# the supplier's own scorecard and its drill-downs.
SCORECARD_STAFF_PAGES = {"/t/acme/scorecards/", "/t/acme/scorecards/N/", "/t/acme/scorecards/N/M/"}
QUALITY_PAGES[Role.QUALITY_ENGINEER] |= SCORECARD_STAFF_PAGES
QUALITY_PAGES[Role.BUYER] |= SCORECARD_STAFF_PAGES
QUALITY_PAGES[Role.SUPPLIER_ADMIN] |= {"/t/acme/my-scorecard/", "/t/acme/my-scorecard/M/"}
QUALITY_PAGES[Role.TENANT_ADMIN] = QUALITY_PAGES[Role.QUALITY_ENGINEER] | {
    "/t/acme/quality-rules/",
    "/t/acme/scorecard-rules/",
}
QUALITY_PAGES[Role.SUPPLIER_USER] = QUALITY_PAGES[Role.SUPPLIER_ADMIN]


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
    _quality_records(desk)
    build_scorecards(desk)
    late_deliveries(desk)
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
    assert QUALITY_PAGES.get(role, set()) <= keys, sorted(QUALITY_PAGES[role] - keys)
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
