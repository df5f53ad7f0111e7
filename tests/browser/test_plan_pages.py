"""A quality engineer opens an inspection plan on a desktop (1280x900): the preview for a typical lot and
the OC curve drawn as inline SVG, with its screen-reader table; the screenshot is kept to be looked at."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.models import Role
from tests.browser.order_desk_world import sign_in
from tests.factories import (
    CharacteristicFactory,
    InspectionPlanFactory,
    InspectionPlanVersionFactory,
    PartnerFactory,
    ProductFactory,
    TenantFactory,
    UserFactory,
    member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_engineer_reads_a_plan_with_its_oc_curve(live_server, browser, artifacts):
    tenant = TenantFactory(name="Acme Manufacturing", slug="acme", accent_color="#0b6e4f")
    partner = PartnerFactory(tenant=tenant, name="Nordic Fasteners AB")
    bolt = ProductFactory(tenant=tenant, name="Hex bolt M8x40", default_code="HB-M8-40")
    member(tenant, Role.QUALITY_ENGINEER, user=UserFactory(email="quality@acme.test"))
    version = InspectionPlanVersionFactory(
        plan=InspectionPlanFactory(product=bolt, partner=partner),
        rules=[
            {"defect_class": "critical", "mode": "hundred_percent"},
            {"defect_class": "major", "aql": Decimal("1.0")},
            {"defect_class": "minor", "aql": Decimal("2.5"), "level": "I"},
        ],
    )
    CharacteristicFactory(version=version, name="Thread length", nominal=Decimal("40"))
    CharacteristicFactory(version=version, name="Head height", nominal=Decimal("5.3"), gauge="Micrometer")
    CharacteristicFactory(version=version, name="Zinc plating", kind="visual", nominal=None, unit="")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "quality@acme.test")
        page.goto(f"{live_server.url}/t/acme/plans/")
        page.get_by_role("link", name="Hex bolt M8x40").click()
        assert page.get_by_role("heading", name="Preview: as the inspector will see it").is_visible()
        page.get_by_label("Typical lot size (items)").fill("1000")
        page.get_by_role("button", name="Show").click()
        page.wait_for_load_state()
        chart = page.get_by_role("img", name="Operating characteristic curves").first
        assert chart.is_visible()
        assert page.locator("svg polyline").count() == 6  # major and minor, three severities each
        assert "code letter J" in page.content()  # 1000 items at level II
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        wide = page.evaluate(
            """[...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 5)
                 .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
        )
        assert overflow is False, f"the page scrolls sideways at 1280 px: {wide}"
        page.screenshot(path=artifacts / "plan_page_1280x900.png", full_page=False)
        page.locator("#preview").scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "plan_oc_curve_1280x900.png", full_page=True)
    finally:
        context.close()
