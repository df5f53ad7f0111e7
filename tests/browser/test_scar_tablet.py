"""The SCAR loop in real headless Chromium: an engineer issues a SCAR from an NCR (through the services);
the supplier's clerk, on a tablet (768x1024, touch), opens "Corrective actions", answers D3 containment with
its actions and a PDF; the engineer (desktop) accepts D3; the clerk answers D4 root cause (whys and fishbone)
in landscape; the engineer sends D4 back with a comment; the clerk reads the comment above the D4 form and
answers again (version 2); the engineer sees both versions (who, when, what changed).

Screenshots land in test-artifacts/scar_*.png (supplier_list, d3_answered, d4_sent_back, d4_again,
engineer_versions)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal import l10n
from portal.dates import tenant_zone
from portal.models import Role
from quality.models import Scar, ScarAnswer, ScarEvidence, ScarStep
from quality.services.scars import scar_issue
from tests.browser.order_desk_world import sign_in
from tests.browser.test_inspection_tablet import _axe_violations
from tests.factories import PartnerFactory, ProductFactory, TenantFactory, UserFactory, member
from tests.quality.ncr_scenes import open_ncr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
DESKTOP = {"width": 1280, "height": 900}
# What a finger must hit on the supplier's pages: buttons, inputs, the rows that open a SCAR or a step.
TOUCH_TARGETS = (
    "main a.button, main button, main input:not([type=hidden]):not([type=radio]), main select, main textarea,"
    " main .scar-row, main .step-row, main summary"
)
ENGINEER = "quality@acme.test"
CLERK = "clerk@nordic.test"
SEND_BACK = "Why 3 stops at the tool: say why the tool-life limit was missing, and how the final check will see a burr."


def _world() -> Scar:
    tenant = TenantFactory(name="Acme Manufacturing", slug="acme", accent_color="#0b6e4f")
    nordic = PartnerFactory(tenant=tenant, name="Nordic Fasteners AB")
    engineer = member(
        tenant, Role.QUALITY_ENGINEER, user=UserFactory(email=ENGINEER, first_name="Quinn", last_name="Quality")
    )
    member(tenant, Role.SUPPLIER_USER, nordic, user=UserFactory(email=CLERK, first_name="Carl", last_name="Clerk"))
    product = ProductFactory(tenant=tenant, default_code="BR-7", name="Alu bracket 7", uom_name="Units")
    ncr = open_ncr(engineer, nordic, product=product)
    return scar_issue(
        membership=engineer, partner=nordic, ncrs=[ncr], title="Burrs on the bracket edges after deburring"
    )


def _context(browser, *, tablet: bool):
    size = PORTRAIT if tablet else DESKTOP
    return browser.new_context(viewport=size, has_touch=tablet, locale="en-GB")


def _small_targets(page) -> list:
    return page.eval_on_selector_all(
        TOUCH_TARGETS,
        """els => els.filter(e => e.offsetParent !== null)
                   .map(e => [e.tagName + ' ' + (e.name || e.innerText || '').trim().slice(0, 30),
                              Math.round(e.getBoundingClientRect().height)])
                   .filter(([, h]) => h < 44)""",
    )


def _fits(page) -> None:
    """Nothing scrolls sideways, neither the page nor a table in it; no control too small for a finger."""
    assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1") is False
    cut = page.eval_on_selector_all(".table-wrap", "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length")
    assert cut == 0
    assert _small_targets(page) == []


def _pdf(path) -> None:
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _steps(scar) -> dict[str, str]:
    return dict(ScarStep.objects.filter(scar=scar).values_list("code", "status"))


def _supplier_answers_d3(page, base, scar, artifacts, tmp_path) -> None:
    page.get_by_role("link", name="Corrective actions").first.tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/")
    main = page.locator("main")
    expect(main).to_contain_text(f"{scar.number} · Burrs on the bracket edges")
    expect(main).to_contain_text("Next: D1 Team")
    _fits(page)
    assert _axe_violations(page) == []
    page.screenshot(path=artifacts / "scar_supplier_list.png", full_page=True)

    # The row opens the step asked next; its back link opens the SCAR, whose steps list D3.
    page.locator(".scar-row").first.tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/steps/D1/")
    page.get_by_role("link", name=f"← {scar.number}").tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/")
    expect(main).to_contain_text("The problem as Acme Manufacturing sees it")
    _fits(page)
    page.locator(".step-row", has_text="D3 Containment").tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/steps/D3/")
    _fits(page)
    assert _axe_violations(page) == []

    page.get_by_label("What").first.fill("Quarantined all brackets at our dispatch and sorted them 100 %")
    page.get_by_label("Who").first.fill("Lena Berg, QA")
    page.locator("#f-actions-0-done_on").fill("2026-03-02")
    page.get_by_label("Quantity checked").first.fill("400")
    page.get_by_label("Nonconforming found").fill("12")
    pdf = tmp_path / "sorting-report.pdf"
    _pdf(pdf)
    page.set_input_files("#f-file", str(pdf))
    page.get_by_role("button", name="Send D3 to Acme Manufacturing").tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/")
    expect(page.locator(".messages")).to_contain_text(f"Your answer to {scar.number} D3 Containment was sent")
    expect(page.locator(".step-row", has_text="D3 Containment")).to_contain_text("To review")

    # The step again: the answer as sent (still editable until reviewed) and the file attached to it.
    page.locator(".step-row", has_text="D3 Containment").tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/steps/D3/")
    expect(page.get_by_label("What").first).to_have_value(
        "Quarantined all brackets at our dispatch and sorted them 100 %"
    )
    expect(page.get_by_label("Nonconforming found")).to_have_value("12")
    expect(page.get_by_role("link", name="sorting-report.pdf")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("To review")
    _fits(page)
    page.screenshot(path=artifacts / "scar_d3_answered.png", full_page=True)


def _engineer_reviews(page, base, scar, code: str, decision: str, comment: str = "") -> None:
    page.goto(f"{base}/t/acme/scars/{scar.pk}/")
    page.locator(".step-row", has_text=code).click()
    page.wait_for_url(f"{base}/t/acme/scars/{scar.pk}/steps/{code}/")
    assert _axe_violations(page) == []
    if comment:
        page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name=decision).click()
    page.wait_for_url(f"{base}/t/acme/scars/{scar.pk}/")


def _supplier_answers_d4(page, base, scar) -> None:
    """D4 in landscape: the whys of the occurrence and of the non-detection, the fishbone, the root causes."""
    page.set_viewport_size(LANDSCAPE)
    page.goto(f"{base}/t/acme/corrective-actions/{scar.pk}/steps/D4/")
    for i, why in enumerate(["Burrs left on the edge", "Deburring tool worn", "No tool-life limit"]):
        page.locator(f"#f-occurrence_whys-{i}").fill(why)
    page.locator("#f-detection_whys-0").fill("Final check is visual, at arm's length")
    page.get_by_label("Machine").fill("Worn deburring tool\nSpindle play")
    page.get_by_label("Method").fill("No tool-life limit")
    page.get_by_label("Root cause of the occurrence").fill("No tool-life limit on the deburring tool.")
    page.get_by_label("Root cause of the non-detection").fill("The final check does not look at the edge.")
    _fits(page)
    assert _axe_violations(page) == []
    page.get_by_role("button", name="Send D4 to Acme Manufacturing").tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/")
    page.set_viewport_size(PORTRAIT)


def _supplier_answers_d4_again(page, base, scar, artifacts) -> None:
    page.goto(f"{base}/t/acme/corrective-actions/{scar.pk}/")
    expect(page.locator(".step-row", has_text="D4 Root cause")).to_contain_text("Sent back")
    page.locator(".step-row", has_text="D4 Root cause").tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/steps/D4/")
    note, form = page.locator(".sent-back"), page.locator("form.answer-form")
    expect(note).to_contain_text("Sent back by Acme Manufacturing")
    expect(note).to_contain_text(SEND_BACK)
    assert note.bounding_box()["y"] < form.bounding_box()["y"]  # read before the form, not under it
    expect(page.locator("#f-occurrence_whys-2")).to_have_value("No tool-life limit")  # version 1 to start from
    _fits(page)
    assert _axe_violations(page) == []
    page.screenshot(path=artifacts / "scar_d4_sent_back.png", full_page=True)

    page.locator("#f-occurrence_whys-3").fill("Tool changes are left to the operator's judgement")
    page.locator("#f-detection_whys-1").fill("Edge burrs are not a characteristic of the final check")
    page.get_by_label("Measurement").fill("No gauge for burr height")
    page.get_by_label("Root cause of the non-detection").fill(
        "The control plan's final check lists no burr characteristic and no gauge for it."
    )
    page.get_by_role("button", name="Send D4 to Acme Manufacturing").tap()
    page.wait_for_url(f"{base}/t/acme/corrective-actions/{scar.pk}/")
    expect(page.locator(".step-row", has_text="D4 Root cause")).to_contain_text("To review")
    page.goto(f"{base}/t/acme/corrective-actions/{scar.pk}/steps/D4/")
    assert page.locator(".sent-back").count() == 0
    history = page.locator("details.history")
    expect(history.locator("summary")).to_have_text("Versions (2)")
    history.locator("summary").tap()
    expect(history).to_contain_text("Version 2 · Carl Clerk")
    _fits(page)
    page.screenshot(path=artifacts / "scar_d4_again.png", full_page=True)


def test_the_supplier_answers_on_a_tablet_and_the_engineer_reviews(live_server, browser, artifacts, tmp_path):
    scar, base = _world(), live_server.url
    supplier_context, engineer_context = _context(browser, tablet=True), _context(browser, tablet=False)
    supplier, engineer = supplier_context.new_page(), engineer_context.new_page()
    sign_in(supplier, base, CLERK)
    sign_in(engineer, base, ENGINEER)

    _supplier_answers_d3(supplier, base, scar, artifacts, tmp_path)
    d3 = ScarStep.objects.get(scar=scar, code="D3")
    assert d3.status == ScarStep.Status.ANSWERED
    (answer,) = ScarAnswer.objects.filter(step=d3)
    assert answer.version == 1 and answer.author.email == CLERK and answer.via == "portal"
    assert answer.content["stock_at_supplier"] == {"checked": 400, "found": 12}
    assert answer.content["actions"] == [
        {"what": "Quarantined all brackets at our dispatch and sorted them 100 %", "who": "Lena Berg, QA",
         "done_on": "2026-03-02"}
    ]  # fmt: skip
    (evidence,) = ScarEvidence.objects.filter(step=d3)
    assert (evidence.name, evidence.content_type, evidence.uploaded_by.email) == (
        "sorting-report.pdf",
        "application/pdf",
        CLERK,
    )

    _engineer_reviews(engineer, base, scar, "D3", "Accept D3")
    expect(engineer.locator(".messages")).to_contain_text(f"{scar.number} D3 accepted")
    assert _steps(scar)["D3"] == ScarStep.Status.ACCEPTED

    _supplier_answers_d4(supplier, base, scar)
    assert _steps(scar)["D4"] == ScarStep.Status.ANSWERED
    _engineer_reviews(engineer, base, scar, "D4", "Send back", comment=SEND_BACK)
    d4 = ScarStep.objects.get(scar=scar, code="D4")
    assert (d4.status, d4.review_comment, d4.reviewed_by.email) == (ScarStep.Status.RETURNED, SEND_BACK, ENGINEER)

    _supplier_answers_d4_again(supplier, base, scar, artifacts)
    first, second = ScarAnswer.objects.filter(step=d4).order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.content["fishbone"] == {
        "machine": ["Worn deburring tool", "Spindle play"],
        "method": ["No tool-life limit"],
    }
    assert len(first.content["occurrence_whys"]) == 3 and len(second.content["occurrence_whys"]) == 4
    assert second.content["fishbone"]["measurement"] == ["No gauge for burr height"]
    assert _steps(scar) == {
        "D1": "open", "D2": "open", "D3": "accepted", "D4": "answered",
        "D5": "open", "D6": "open", "D7": "open", "D8": "open",
    }  # fmt: skip

    # The engineer: version 2 on top, and both versions with who, when and what changed.
    engineer.goto(f"{base}/t/acme/scars/{scar.pk}/steps/D4/")
    main = engineer.locator("main")
    expect(main.locator("#answer-h")).to_have_text("Answer, version 2")
    expect(main).to_contain_text("No gauge for burr height")
    expect(main).to_contain_text("Sent back earlier by Quinn Quality")
    engineer.locator("details.history summary").click()
    versions = engineer.locator("details.history li")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("Version 2 · Carl Clerk")
    changed = versions.nth(0).locator(".muted").inner_text()
    assert changed.startswith("Changed: ")
    assert sorted(changed.removeprefix("Changed: ").split(", ")) == [
        "Cause categories (fishbone)",
        "Root cause of the non-detection",
        "Why did it occur? (5 whys)",
        "Why was it not detected? (5 whys)",
    ]  # the root cause of the occurrence stayed as it was
    expect(versions.nth(1)).to_contain_text("Version 1 · Carl Clerk")
    expect(versions.nth(1)).to_contain_text("First answer")
    for answer in (first, second):
        local = answer.created_at.astimezone(tenant_zone(scar.tenant))
        expect(main).to_contain_text(f"{l10n.day(local.date())} {local:%H:%M}")  # "30 Nov 2026 21:36", English
    assert _axe_violations(engineer) == []
    engineer.screenshot(path=artifacts / "scar_engineer_versions.png", full_page=True)
    supplier_context.close()
    engineer_context.close()
