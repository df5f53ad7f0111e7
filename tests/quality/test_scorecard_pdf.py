"""The scorecard PDF (quality.scorecard_documents, quality.views.scorecard_pdf): letterhead, the partner, the
stored score, standing and trend, the measures' table, what pulls the score down with the drill's worst rows,
the charts, page numbers; a past month scored from its stored periods; the supplier's own copy without costs
unless shared; another partner's or another tenant's: 404, nothing leaked.
The first page is kept as test-artifacts/scorecard_page1.png to look at."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.models import QualityRules, StandingChange
from quality.scorecards import catalogue
from quality.scorecards.months import add_months, current_month
from quality.scorecards.standings import standings_for
from tests.factories import PurchaseOrderFactory, PurchaseOrderLineFactory, ReceiptFactory, ReceiptMoveFactory, member
from tests.quality.test_scorecard_charts import otd, periods, stored_score

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return " ".join("".join(page.extract_text() for page in reader.pages).split()), len(reader.pages)


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def staff_url(partner, slug="alpha", month: dt.date | None = None) -> str:
    url = reverse("scorecard_report", args=[slug, partner.pk])
    return f"{url}?month={month:%Y-%m}" if month else url


def supplier_url(month: dt.date | None = None) -> str:
    url = reverse("supplier_scorecard_report", args=["alpha"])
    return f"{url}?month={month:%Y-%m}" if month else url


def three_months(world):
    """p1's last three stored months (the default 3-month window ends with the month before the current one),
    its score as the batch run stored it, a late delivery behind on-time delivery, and the standing it fell to.

    Window inputs: on-time 360 of 400 units (90 %), 1 part in 400 rejected (2,500 PPM), 3 of 4 lots accepted
    (75 %), 150.50 EUR of poor quality."""
    month = add_months(current_month(world.a), -1)
    m1, m2 = add_months(month, -2), add_months(month, -1)
    periods(
        world.p1,
        {
            m1: {"otd": otd(100, 100), "ppm": {"received": "100", "rejected": "0"}, "lots": lots(1, 1)},
            m2: {"otd": otd(200, 180), "ppm": {"received": "200", "rejected": "1"}, "lots": lots(2, 1)},
            month: {
                "otd": otd(100, 80),
                "ppm": {"received": "100", "rejected": "0"},
                "lots": lots(1, 1),
                "copq": {"by_currency": {"EUR": "150.5"}},
            },
        },
    )
    summed = {
        "otd": otd(400, 360),
        "ppm": {"received": "400", "rejected": "1"},
        "lots": lots(4, 3),
        "copq": {"by_currency": {"EUR": "150.5"}},
    }
    standings = {s.name: s for s in standings_for(world.a)}
    score = stored_score(
        world.p1,
        summed,
        as_of=month,
        trend=-1,
        previous_score=Decimal("80.1"),
        standing=standings["Conditional"],
        standing_since=timezone.now(),
    )
    line = PurchaseOrderLineFactory(
        order=PurchaseOrderFactory(partner=world.p1, name="PO-LATE-77"),
        date_planned=dt.datetime.combine(month.replace(day=5), dt.time(12), tzinfo=dt.UTC),
        quantity=100,
    )
    receipt = ReceiptFactory(
        order=line.order,
        state="done",
        date_done=dt.datetime.combine(month.replace(day=9), dt.time(12), tzinfo=dt.UTC),
        name="WH/IN/LATE-4",
    )
    ReceiptMoveFactory(receipt=receipt, order_line=line, quantity_done=80, state="done")
    return month, score


def lots(total: int, accepted: int) -> dict:
    return {"lots": total, "accepted": accepted, "rejected": total - accepted}


def test_the_staff_pdf_prints_score_table_drill_rows_charts_and_page_numbers(world):
    month, score = three_months(world)
    # Worked by hand: otd 90 / 95 -> 94.74; ppm 500 / 2,500 -> 20; lots 75 / 98 -> 76.53;
    # weighted (25, 15, 15): (94.74 x 25 + 20 x 15 + 76.53 x 15) / 55 = 3,816.45 / 55 = 69.39.
    by_hand = (Decimal("94.74") * 25 + Decimal(20) * 15 + Decimal("76.53") * 15) / 55
    assert score.score == by_hand.quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("69.39")

    response = client_of(world.a_buyer).get(staff_url(world.p1, month=month))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="scorecard-pinewood-parts-{month:%Y-%m}.pdf"'
    text, pages = _text(response.content)
    for expected in (
        "Alpha Industries",
        "Supplier scorecard",
        "Scorecard · Pinewood Parts",
        "69.39",
        "Conditional",
        "↓ declining",
        "previous window 80.1",
        "On-time delivery 90 % at least 95 % 94.74 25",
        "Defective parts per million 2,500 PPM at most 500 PPM 20 15",
        "Lot acceptance 75 % at least 98 % 76.53 15",
        "Cost of poor quality: 3 months 150.50 EUR",
        # What pulls the score down: ppm (80 x 15 / 55 = 21.8 points), lots (23.47 x 15 / 55 = 6.4), otd (2.4).
        "Defective parts per million: 2,500 PPM (21.8 points lost)",
        "Lot acceptance: 75 % (6.4 points lost)",
        "On-time delivery: 90 % (2.4 points lost)",
        "WH/IN/LATE-4",  # the drill's late delivery: due on the 5th, received on the 9th
        "PO-LATE-77",
        "4 days late",
        "Last 12 months",
        "target 95 %",  # the charts' text stays text: the legend of on-time delivery's chart
        f"Page 1 of {pages}",
    ):
        assert expected in text, expected
    assert text.index("21.8 points") < text.index("6.4 points") < text.index("2.4 points")
    assert pages >= 1 and "A past month" not in text

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "scorecard.pdf").write_bytes(response.content)
    # pages as images, to look at (make system-deps installs pdftoppm; its absence fails here)
    for page in range(1, pages + 1):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile",
             str(ARTIFACTS / "scorecard.pdf"), str(ARTIFACTS / f"scorecard_page{page}")],
            check=True,
        )  # fmt: skip
    assert (ARTIFACTS / "scorecard_page1.png").stat().st_size > 0


def test_the_supplier_copy_is_its_own_partners_and_shows_costs_only_when_shared(world):
    month, _ = three_months(world)

    own = client_of(world.p1_user).get(supplier_url(month))

    assert own.status_code == 200
    text, _ = _text(own.content)
    assert "Pinewood Parts" in text and "69.39" in text and "WH/IN/LATE-4" in text
    assert "Cost of poor quality" not in text and "150.50" not in text
    QualityRules.objects.update_or_create(tenant=world.a, defaults={"share_costs": True})
    shared, _ = _text(client_of(world.p1_user).get(supplier_url(month)).content)
    assert "Cost of poor quality: 3 months 150.50 EUR" in shared
    # p2's people get p2's scorecard (no data yet), never p1's.
    other, _ = _text(client_of(world.p2_admin).get(supplier_url(month)).content)
    assert "Quarry Metals" in other and "no figures yet" in other
    assert "Pinewood" not in other and "69.39" not in other and "LATE" not in other


def test_a_past_month_is_scored_from_its_stored_periods_with_the_standing_it_had(world):
    month, _ = three_months(world)
    before = add_months(month, -1)
    end_of_before = dt.datetime.combine(month, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=2)
    StandingChange.objects.create(
        tenant=world.a, partner=world.p1, from_name="", to_name="Approved", changed_at=end_of_before
    )
    StandingChange.objects.create(
        tenant=world.a, partner=world.p1, from_name="Approved", to_name="Conditional", changed_at=timezone.now()
    )

    text, _ = _text(client_of(world.a_engineer).get(staff_url(world.p1, month=before)).content)

    # The window ending the month before: otd 280 of 300 (100 + 200 units) = 93.33 % -> 93.33 / 95 = 98.25;
    # ppm 1 in 300 = 3,333.33 PPM -> 500 / 3,333.33 = 15; lots 2 of 3 = 66.67 % -> 68.03;
    # (98.25 x 25 + 15 x 15 + 68.03 x 15) / 55 = 3,701.7 / 55 = 67.30.
    assert "67.3" in text and "69.39" not in text
    assert "On-time delivery 93.3 % at least 95 % 98.25 25" in text
    assert "Approved" in text and "Conditional" not in text
    assert "A past month" in text


@pytest.mark.parametrize("month", ["2026-13", "1999-01", "next", "9999-01"])
def test_a_month_without_a_scorecard_is_404(world, month):
    three_months(world)
    response = client_of(world.a_buyer).get(
        reverse("scorecard_report", args=["alpha", world.p1.pk]) + f"?month={month}"
    )
    assert response.status_code == 404


def test_another_partner_or_tenant_gets_404_and_nothing_of_it(world):
    month, _ = three_months(world)
    buyer_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.BUYER), all_partners=False, partners=[world.p2]
    )
    refused = [
        (world.b_admin, staff_url(world.p1, slug="beta", month=month)),  # tenant b asking for a's partner
        (world.b_admin, staff_url(world.p1, month=month)),  # tenant b under a's address
        (buyer_p2, staff_url(world.p1, month=month)),  # a buyer scoped away from p1
        (world.a_inspector, staff_url(world.p1, month=month)),  # no scorecards for inspectors
        (world.p2_admin, staff_url(world.p1, month=month)),  # a supplier on the staff's address
        (world.p1_admin, staff_url(world.p1, month=month)),  # even its own: suppliers have their own address
        (world.a_buyer, supplier_url(month)),  # staff on the supplier's address
        (world.q1_admin, supplier_url(month)),  # another tenant's supplier
    ]
    for membership, url in refused:
        response = client_of(membership).get(url)
        assert response.status_code == 404, (membership, url)
        assert b"69.39" not in response.content and b"LATE-4" not in response.content
        if membership.partner_id != world.p1.pk:  # p1's own people see their organisation's name in the menu
            assert b"Pinewood" not in response.content
    # The owner's and an unscoped buyer's reach it, so each refusal above can fail.
    assert client_of(buyer_p2).get(staff_url(world.p2, month=month)).status_code == 200
    assert client_of(world.a_buyer).get(staff_url(world.p1, month=month)).status_code == 200


def test_the_default_month_is_the_current_one(world):
    three_months(world)  # stored up to the month before

    response = client_of(world.a_admin).get(staff_url(world.p1))

    text, _ = _text(response.content)
    current = current_month(world.a)
    assert f'filename="scorecard-pinewood-parts-{current:%Y-%m}.pdf"' in response["Content-Disposition"]
    assert f"{current:%B %Y}" in text
    # The window now ends with the current month (no data in it): the two months before score it.
    # otd 260 of 300 = 86.67 % -> 91.23; ppm 1 in 300 -> 15; lots 2 of 3 -> 68.03;
    # (91.23 x 25 + 15 x 15 + 68.03 x 15) / 55 = 3,526.2 / 55 = 64.11
    figure = catalogue.weighted_score(
        {"otd": otd(300, 260), "ppm": {"received": "300", "rejected": "1"}, "lots": lots(3, 2)}, {}
    )[0]
    assert figure == Decimal("64.11") and "64.11" in text
