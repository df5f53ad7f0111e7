"""An inspector on a tablet (768x1024 portrait, then 1024x768 landscape, touch) in real headless Chromium:
scans a package's SSCC, records a measurement out of tolerance and a photo, loses the connection,
records more (kept on the tablet and counted), comes back online (all sent, once each), and signs.
Screenshots land in test-artifacts/inspection_*.png."""

from __future__ import annotations

import io
import json

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from PIL import Image
from playwright.sync_api import expect

from portal.models import Role
from quality.models import Inspection, InspectionResult
from tests.browser.order_desk_world import sign_in
from tests.factories import (
    AsnItemFactory,
    AsnLineFactory,
    PackageFactory,
    PartnerFactory,
    TenantFactory,
    UserFactory,
    member,
)
from tests.factories.portal import PASSWORD
from tests.quality.test_recording import make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SSCC = "006141410000000017"
TOUCH_TARGETS = "main a.button, main button, main input:not([type=hidden]):not([type=radio]), main select, main .pf"


def _axe_violations(page) -> list[str]:
    """axe-core's findings (WCAG 2.x A/AA and best practices), as the accessibility crawl runs it."""
    page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
    found = page.evaluate(f"axe.run(document, {json.dumps(options)})")
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in found["violations"]]


def _small_targets(page) -> list:
    return page.eval_on_selector_all(
        TOUCH_TARGETS,
        """els => els.filter(e => e.offsetParent !== null)
                   .map(e => [e.tagName + ' ' + (e.name || e.innerText || '').trim().slice(0, 30),
                              Math.round(e.getBoundingClientRect().height)])
                   .filter(([, h]) => h < 44)""",
    )


def _world():
    tenant = TenantFactory(name="Acme Manufacturing", slug="acme", accent_color="#0b6e4f")
    partner = PartnerFactory(tenant=tenant, name="Nordic Fasteners AB")
    member(
        tenant, Role.INSPECTOR, user=UserFactory(email="inspector@acme.test", first_name="Ivo", last_name="Inspector")
    )
    inspection, length, finish = make_inspection(partner, lot="LOT-A-2611", quantity=100)
    line = AsnLineFactory(asn__partner=partner, order_line__product=inspection.product)
    AsnItemFactory(line=line, lot_name="LOT-A-2611", package=PackageFactory(asn=line.asn, sscc=SSCC))
    return inspection, length, finish


def _photo(path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())


def test_record_offline_come_back_and_sign_on_a_tablet(live_server, tablet, artifacts, tmp_path):
    inspection, length, finish = _world()
    base, page = live_server.url, tablet
    sign_in(page, base, "inspector@acme.test")
    page.wait_for_url(f"{base}/t/acme/")
    page.get_by_role("link", name="Inspections").first.click()
    page.wait_for_url(f"{base}/t/acme/inspections/")

    # The scanner types the label's GS1-128 code and presses Enter.
    page.get_by_label("Scan or type").fill(f"(00){SSCC}")
    page.get_by_label("Scan or type").press("Enter")
    page.wait_for_url(f"{base}/t/acme/inspections/{inspection.pk}/")
    assert _small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
    assert _axe_violations(page) == []

    # Unit 1 is too long: flagged as typed, then by the server once sent.
    cell = page.locator(f'[data-cell="r-1-{length.pk}"]')
    page.fill(f"#r-1-{length.pk}", "10,35")
    assert "Out of tolerance" in cell.inner_text()
    page.locator(f"#r-2-{length.pk}").click()  # leaving the field sends it
    expect(page.locator("[data-queue-state]")).to_have_text("All results sent.")
    assert "cell-defect" in cell.get_attribute("class")
    assert page.locator('[data-defective="major"]').inner_text() == "1"

    # A photo of the unit, from the camera.
    photo = tmp_path / "unit1.jpg"
    _photo(photo)
    page.set_input_files("#photo", str(photo))
    page.fill("#photo-unit", "1")
    page.get_by_role("button", name="Add photo").click()
    page.wait_for_url(f"{base}/t/acme/inspections/{inspection.pk}/")
    assert "Photo added" in page.locator("main").inner_text()

    # The connection drops: what is typed now waits on the tablet.
    page.context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False
    page.fill(f"#r-2-{length.pk}", "10.1")
    page.fill(f"#r-3-{length.pk}", "9,95")
    page.locator(f'[data-cell="r-1-{finish.pk}"] .pf-pass').tap()
    page.locator(f'[data-cell="r-2-{finish.pk}"] .pf-pass').tap()
    state = page.locator("[data-queue-state]")
    assert state.inner_text().startswith("4 results waiting to be sent")
    assert page.evaluate(f"JSON.parse(localStorage.getItem('quality.queue.acme-{inspection.pk}')).length") == 4
    assert InspectionResult.objects.filter(inspection=inspection).count() == 1
    page.screenshot(path=artifacts / "inspection_offline_768x1024.png", full_page=True)

    # Back online: the queue empties, each result recorded once.
    page.context.set_offline(False)
    expect(page.locator("[data-queue-state]")).to_have_text("All results sent.")
    assert InspectionResult.objects.filter(inspection=inspection).count() == 5
    assert page.locator("[data-verdict-label]").inner_text() == "Accepted"  # 1 major defective, Ac 1
    page.reload()  # nothing left to resend after a reload
    assert page.evaluate(f"localStorage.getItem('quality.queue.acme-{inspection.pk}')") == "[]"
    assert InspectionResult.objects.filter(inspection=inspection).count() == 5

    # Landscape, then the signature.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=artifacts / "inspection_recorded_1024x768.png", full_page=True)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the result").click()
    page.wait_for_url(f"{base}/t/acme/inspections/{inspection.pk}/")
    text = page.locator("main").inner_text()
    assert "Inspected and found accepted" in text and "Ivo Inspector" in text
    assert page.locator("input.measure").count() == 0  # read-only
    assert _axe_violations(page) == []
    page.screenshot(path=artifacts / "inspection_signed_1024x768.png", full_page=True)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.SIGNED and inspection.verdict == "accept"
