"""What a new user's trial of the scorecards found, each fixed where every page reads it: the cost of poor
quality per currency stored beside the figures (window and 12 months, page and drill); charts without a
target line across "no data", the last value's label off the grey band, 0 cost in months with receipts;
"misses target" for both directions; the same measures, in the same order, pulling the score down on the
page, in the emails and in Odoo; confirmations that say what really happens; NCRs by severity, ASN before
arrival, the PDF's month; drill links on the cell naming what they open; the ranking's row width.

Values are worked out by hand in each test.
"""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from quality.models import QualityRules
from quality.scorecards import catalogue, charts
from quality.scorecards import drill as drills
from quality.scorecards.months import KEPT_MONTHS, add_months, current_month
from quality.scorecards.notifications import odoo_sentence
from quality.scorecards.rules_service import rules_saved_message
from quality.scorecards.standings import standing_reasons
from tests.conftest import login
from tests.quality.test_scorecard_rules_page import form_data, queued, rows_of  # noqa: F401 (fixture)
from tests.quality.test_supplier_scorecard import p1_scorecard, page, store

pytestmark = pytest.mark.django_db


def staff(world, membership, name, *args, **params):
    return login(Client(), membership).get(reverse(name, args=["alpha", *args]), params)


# --- 1. The cost of poor quality, one way everywhere -------------------------------------------------------


def test_the_detail_stores_costs_severities_and_asns_before_arrival():
    inputs = {
        "copq": {"by_currency": {"USD": "80", "EUR": "120.55"}},
        "ncrs": {"total": 2, "minor": 1, "major": 1, "critical": 0},
        "asn": {"asns": 3, "accurate": 2, "receipts": 16, "announced_before": 0},
    }
    _, detail = catalogue.weighted_score(inputs, {})

    assert detail["copq"]["costs"] == {"EUR": "120.55", "USD": "80"} and detail["copq"]["value"] is None
    assert detail["ncrs"]["severity"] == {"critical": 0, "major": 1, "minor": 1}
    assert detail["asn"]["before_arrival"] == {"receipts": 16, "announced_before": 0}
    assert "costs" not in detail["otd"] and "severity" not in detail["otd"]
    assert catalogue.format_detail("copq", detail["copq"]) == "120.55 EUR, 80.00 USD"
    assert catalogue.format_detail("ncrs", detail["ncrs"]) == "2 (1 major, 1 minor)"
    # 2 of 3 ASNs accurate = 66.7 %; none of the 16 receipts announced before the goods arrived.
    assert catalogue.format_detail("asn", detail["asn"]) == "66.7 % · 0 of 16 receipts announced before arrival"
    assert catalogue.format_detail("copq", {}) == "no data"  # no NCRs and no receipts
    assert catalogue.format_detail("copq", {"costs": {}}) == "0.00"  # receipts, no NCR: it cost nothing


def test_a_month_with_receipts_and_no_ncr_costs_nothing_and_one_without_receipts_is_no_data():
    assert catalogue.complete({"ppm": {"received": "10", "rejected": "0"}})["copq"] == {"by_currency": {}}
    assert "copq" not in catalogue.complete({"otd": {"lines": 1}})
    kept = {"ppm": {"received": "10", "rejected": "0"}, "copq": {"by_currency": {"EUR": "5"}}}
    assert catalogue.complete(kept)["copq"] == {"by_currency": {"EUR": "5"}}


def test_staff_page_and_drill_show_the_stored_cost_for_the_window_and_the_year(world):
    p1_scorecard(world)  # this month an NCR costing 123.40 EUR; nothing costs anything two months ago

    html = staff(world, world.a_engineer, "scorecard_detail", world.p1.pk).content.decode()
    row = re.search(r"Cost of poor quality</th>(.*?)</tr>", html, re.S).group(1)
    # Window and 12 months alike (the year holds the same NCR): never an empty 12-month cell.
    assert row.count("123.40 EUR") == 2
    drill = staff(world, world.a_engineer, "scorecard_drill", world.p1.pk, "copq").content.decode()
    assert "Stored figure for this window: 123.40 EUR." in drill and "no data" not in drill.split("Records")[1][:300]


def test_the_supplier_sees_the_same_cost_in_the_window_the_year_and_its_drill(world):
    p1_scorecard(world)
    QualityRules.objects.create(tenant=world.a, share_costs=True)

    html = page(world, world.p1_user).content.decode()
    row = re.search(r"Cost of poor quality<br>(.*?)</tr>", html, re.S).group(1)
    assert row.count("123.40 EUR") == 2
    drill = page(world, world.p1_user, "supplier_scorecard_drill", "copq").content.decode()
    assert "<h1>Cost of poor quality: 123.40 EUR</h1>" in drill


# --- 2. Charts ---------------------------------------------------------------------------------------------


def months_of(world, n=3):
    last = current_month(world.a)
    return [add_months(last, -i) for i in range(n - 1, -1, -1)]


def test_a_chart_without_data_has_no_target_line_across_its_caption(world):
    svg = charts.measure_chart_svg(
        key="otd", months=months_of(world), values=[None] * 3, target=Decimal(95), label="On-time", unit="%"
    )
    assert 'id="chart-otd-target' not in svg  # no dashed line
    assert "No data in these months · target 95 %" in svg
    drawn = charts.measure_chart_svg(
        key="otd", months=months_of(world), values=[None, Decimal(90), None], target=Decimal(95), label="x", unit="%"
    )
    assert 'id="chart-otd-target' in drawn  # with data the target is drawn


def test_the_last_label_goes_above_its_point_when_months_without_data_follow():
    nan = float("nan")
    assert charts.last_label_place([1.0, 2.0]) == "right"
    assert charts.last_label_place([1.0, 2.0, nan]) == "above"  # the grey band lies on its right
    assert charts.last_label_place([nan, nan]) == ""


def test_the_cost_chart_draws_0_in_months_with_receipts_and_no_ncr(world):
    a, b, c = months_of(world)
    periods = {
        a: {"ppm": {"received": "10", "rejected": "0"}},  # stored before copq was completed: still 0
        b: {"ppm": {"received": "10", "rejected": "1"}, "copq": {"by_currency": {"EUR": "12.5"}}},
    }
    assert charts._copq_series(periods, [a, b, c]) == ("EUR", [Decimal(0), Decimal("12.5"), None])
    assert charts._copq_series({a: periods[a]}, [a, c]) == ("money", [Decimal(0), None])


def test_the_ncr_chart_says_the_severities_in_its_description(world):
    p1_scorecard(world)

    [ncrs] = [c for c in charts.partner_charts(world.p1, months=months_of(world, 12)) if c.key == "ncrs"]
    this = current_month(world.a)
    assert f"{this:%B %Y}: 1 (1 major)" in ncrs.svg
    assert f"{add_months(this, -2):%B %Y}: 0;" in ncrs.svg  # receipts and no NCR: 0, without severities


# --- 3. "misses target" --------------------------------------------------------------------------------------


def test_a_lower_is_better_measure_misses_its_target_on_the_supplier_page(world):
    p1_scorecard(world)  # PPM 3,333 against at most 500

    html = page(world, world.p1_user).content.decode()
    ppm = re.search(r"Defective parts per million<br>(.*?)</tr>", html, re.S).group(1)
    assert "Misses target" in ppm and "Below target" not in html and "below target" not in html


# --- 4. What pulls the score down, the same everywhere --------------------------------------------------------


def test_standing_reasons_are_the_pages_measures_most_points_first():
    # Weights 25 / 15 / 15 / 10 with data: total 65. Points lost: otd (100 - 90) x 25 / 65 = 3.8,
    # lots (100 - 50) x 15 / 65 = 11.5, ppm (100 - 20) x 15 / 65 = 18.5, ack (100 - 80) x 10 / 65 = 3.1.
    # By score the order was ppm, lots, ack, otd; by points it is ppm, lots, otd (ack 4th: left out).
    figures = {
        "otd": {"value": "85.5", "score": "90", "target": "95", "weight": "25"},
        "lots": {"value": "49", "score": "50", "target": "98", "weight": "15"},
        "ppm": {"value": "2500", "score": "20", "target": "500", "weight": "15"},
        "ack": {"value": "76", "score": "80", "target": "95", "weight": "10"},
    }
    assert [k for k, _ in catalogue.points_lost(figures)] == ["ppm", "lots", "otd", "ack"]
    assert standing_reasons(figures) == [
        "Defective parts per million 2,500 PPM (target 500 PPM)",
        "Lot acceptance 49 % (target 98 %)",
        "On-time delivery 85.5 % (target 95 %)",
    ]


# --- 5. Messages that say what happens ---------------------------------------------------------------------


def test_the_saved_message_says_which_figures_are_computed_again():
    assert "on-time delivery figures" in rules_saved_message({"on_time_days_late"})
    assert "computed again from the records" in rules_saved_message({"on_time_days_late"})
    both = rules_saved_message({"quantity_over_pct", "ack_target_hours", "measures"})
    assert "acknowledgement on time and quantity accuracy figures" in both
    assert "figures stay as they are" in rules_saved_message({"measures", "standings"})
    assert "next change of standing" in rules_saved_message({"push_purchase_warning"})
    assert rules_saved_message(set()).startswith("Nothing changed")


def test_the_rules_page_confirms_a_changed_on_time_window_as_a_recompute(world, queued):  # noqa: F811
    client = login(Client(), world.a_admin)
    url = reverse("scorecard_rules", args=["alpha"])
    after = client.post(url, form_data(rows_of(world), on_time_days_late="1"), follow=True).content.decode()

    assert "on-time delivery figures of every month are computed again" in after
    assert "the figures themselves stay as they are" not in after
    assert after.count("Odoo 19 has no blocking warning") == 1  # once, as the blocking switch's help


def change_with(payload=None, odoo_id=7):
    event = SimpleNamespace(payload=payload) if payload is not None else None
    return SimpleNamespace(outbox_event=event, partner=SimpleNamespace(odoo_id=odoo_id))


def test_the_buyers_email_says_what_happens_in_odoo_in_each_case():
    warned = odoo_sentence(change_with({"warn": True, "block": False}), push=True)
    assert warned == "Within minutes the partner's purchase warning in Odoo shows the new standing."
    assert "blocks new POs" in odoo_sentence(change_with({"warn": True, "block": True}), push=True)
    assert "is cleared" in odoo_sentence(change_with({"warn": False, "block": False}), push=True)
    assert "do not push standings" in odoo_sentence(change_with(), push=False)
    assert "not linked to a partner in Odoo" in odoo_sentence(change_with(odoo_id=None), push=True)


# --- 6. Severities, ASN before arrival, the PDF's month --------------------------------------------------------


def test_the_staff_page_shows_ncrs_by_severity_asns_before_arrival_and_the_pdf_month(world):
    this = current_month(world.a)
    store(
        world.p1,
        {
            this: {
                "ppm": {"received": "100", "rejected": "0"},
                "ncrs": {"total": 2, "minor": 1, "major": 1, "critical": 0},
                "asn": {"asns": 3, "accurate": 2, "receipts": 16, "announced_before": 0},
            }
        },
    )

    html = staff(world, world.a_engineer, "scorecard_detail", world.p1.pk).content.decode()
    # The note on a line of its own under the figure (catalogue.detail_parts), window and 12 months.
    ncrs = re.search(r"NCRs</th>(.*?)</tr>", html, re.S).group(1)
    assert ncrs.count('2 <span class="figure-note">1 major, 1 minor</span>') == 2
    asn = re.search(r"ASN accuracy</th>(.*?)</tr>", html, re.S).group(1)
    assert '66.7 % <span class="figure-note">0 of 16 receipts announced before arrival</span>' in asn
    pdf = reverse("scorecard_report", args=["alpha", world.p1.pk])
    assert f'<form method="get" action="{pdf}"' in html
    options = re.findall(r'<option value="(\d{4}-\d{2})">', html.split('id="pdf-month"')[1].split("</select>")[0])
    assert len(options) == KEPT_MONTHS and options[0] == f"{this:%Y-%m}"
    assert options[-1] == f"{add_months(this, 1 - KEPT_MONTHS):%Y-%m}"  # the oldest month the PDF view takes


def test_the_supplier_page_offers_the_pdf_month_too(world):
    p1_scorecard(world)

    html = page(world, world.p1_user).content.decode()
    assert f'<form method="get" action="{reverse("supplier_scorecard_report", args=["alpha"])}"' in html
    assert f'<option value="{current_month(world.a):%Y-%m}">' in html


# --- 7. Drill links on the cell naming what they open -----------------------------------------------------------


def fake(columns, rows):
    def fake_drill(*, tenant, partner, key, months, limit):
        return drills.Drill(key, columns, rows=rows, total=len(rows), bad_total=len(rows))

    return fake_drill


def test_an_ncr_row_links_its_number_not_its_date(world, monkeypatch):
    p1_scorecard(world)
    row = drills.DrillRow(("2026-03-02", "NCR-0007", "Burr"), True, ("ncr", 55))
    monkeypatch.setattr(drills, "drill", fake(("Opened", "NCR", "Title"), [row]))

    html = staff(world, world.a_buyer, "scorecard_drill", world.p1.pk, "ncrs").content.decode()
    assert f'<a href="{reverse("ncr_detail", args=["alpha", 55])}">NCR-0007</a>' in html
    assert '<span class="day">2 Mar 2026</span></td>' in html  # the date is plain text, by the locale


def test_a_receipt_row_links_its_po_name_to_the_po(world, monkeypatch):
    from tests.factories import PurchaseOrderFactory, ReceiptFactory

    p1_scorecard(world)
    po = PurchaseOrderFactory(partner=world.p1, name="P00042")
    receipt = ReceiptFactory(order=po, partner=world.p1)
    row = drills.DrillRow(("WH/IN/0001", "P00042", "Bolt"), True, ("receipt", receipt.pk))
    monkeypatch.setattr(drills, "drill", fake(("Receipt", "PO", "Product"), [row]))

    html = staff(world, world.a_buyer, "scorecard_drill", world.p1.pk, "otd").content.decode()
    assert f'<a href="{reverse("po_detail", args=["alpha", po.pk])}">P00042</a>' in html
    assert "<td>WH/IN/0001</td>" in html


def test_a_rejected_lot_opens_its_inspection_for_an_engineer_and_is_text_for_a_buyer(world, monkeypatch):
    # The inspection page is for inspectors and quality engineers (quality.services.recording.RECORDER_ROLES).
    p1_scorecard(world)
    row = drills.DrillRow(("2026-03-02", "LOT-9", "Bolt", "WH/IN/1", "rejected"), True, ("inspection", 9))
    monkeypatch.setattr(drills, "drill", fake(("Signed", "Lot", "Product", "Receipt", "Verdict"), [row]))
    url = reverse("inspection_detail", args=["alpha", 9])

    engineer = staff(world, world.a_engineer, "scorecard_drill", world.p1.pk, "lots").content.decode()
    buyer = staff(world, world.a_buyer, "scorecard_drill", world.p1.pk, "lots").content.decode()
    assert f'<a href="{url}">LOT-9</a>' in engineer
    assert url not in buyer and "<td>LOT-9</td>" in buyer


# --- 8. Small things ----------------------------------------------------------------------------------------


def test_a_ranking_row_without_data_has_as_many_cells_as_the_header(world):
    html = staff(world, world.a_buyer, "scorecard_ranking").content.decode()
    table = html.split('<table class="ranking">')[1].split("</table>")[0]
    header = table.count('<th scope="col"')
    for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        spans = [int(n) for n in re.findall(r'colspan="(\d+)"', tr)]
        assert tr.count("<td") - len(spans) + sum(spans) == header


def test_quantities_in_drill_notes_have_thousands_separators():
    assert catalogue.format_quantity(Decimal("14428")) == "14,428"
    assert catalogue.format_quantity("1250.50") == "1,250.5"
    assert catalogue.format_quantity(Decimal("0.000")) == "0"
