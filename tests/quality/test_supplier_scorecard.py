"""The supplier's own scorecard (quality.views.supplier_scorecard): its partner's stored score, standing, trend
and figures against their targets, what pulls the score down (worst first, with the records behind it) and
what it can do (8D steps to answer, order lines past their promised day, shipment notices to correct); the
drill page with links only to the supplier's own pages; never another partner's figures, no costs unless the
tenant shares them; staff, other partners' people and other tenants refused.

The stored rows are what the batch run writes: inputs built by hand, figures and score derived from them by
the catalogue as the engine does, and the values the page must show worked out here by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal import l10n
from portal.dates import tenant_today
from quality.models import PartnerScore, QualityRules, ScorecardPeriod, ScorecardRules
from quality.scorecards import catalogue
from quality.scorecards import drill as drills
from quality.scorecards.months import add_months, current_month
from quality.scorecards.standings import standings_for
from suppliers.models import Acknowledgement, AcknowledgementLine, Asn
from tests.conftest import login
from tests.factories import AcknowledgementFactory, AsnFactory, PurchaseOrderFactory

pytestmark = pytest.mark.django_db

OTD = {"lines": 3, "lines_on_time": 2, "quantity": "200", "quantity_on_time": "150", "early": 0, "late": 1}
LOTS = {"lots": 2, "accepted": 1, "rejected": 1}


def otd(quantity: str, on_time: str) -> dict:
    return {**OTD, "quantity": quantity, "quantity_on_time": on_time, "undated": 0}


def store(partner, by_month: dict[dt.date, dict], *, standing=None, window: int = 3) -> PartnerScore:
    """Store ``partner``'s periods and its score as the engine would: the score over the last ``window`` months
    of the current one, the figures over 12."""
    tenant = partner.tenant
    now = timezone.now()
    for month, inputs in by_month.items():
        ScorecardPeriod.objects.create(
            tenant=tenant,
            partner=partner,
            month=month,
            inputs=inputs,
            figures=catalogue.figures(catalogue.complete(inputs)),
            digest="0" * 40,
            computed_at=now,
        )
    last = current_month(tenant)
    rules = ScorecardRules.objects.filter(tenant=tenant).first()
    measures = rules.measures if rules else {}

    def summed(n: int) -> dict:
        span = {add_months(last, -i) for i in range(n)}
        return catalogue.combine([catalogue.complete(i) for m, i in by_month.items() if m in span])

    score, figures = catalogue.weighted_score(summed(window), measures)
    _, figures_12 = catalogue.weighted_score(summed(12), measures)
    return PartnerScore.objects.create(
        tenant=tenant,
        partner=partner,
        as_of=last,
        score=score,
        previous_score=Decimal("91.5"),
        trend=-1,
        figures=figures,
        figures_12=figures_12,
        worst_measure=catalogue.worst_measure(figures),
        standing=standing,
        standing_since=now if standing else None,
        computed_at=now,
    )


def p1_scorecard(world) -> PartnerScore:
    """P1: this month 150 of 200 on time, 1 of 2 lots accepted, 1 part in 200 rejected, an NCR costing 123.40 EUR;
    two months ago 100 of 100 on time; 13 months ago 10 of 40 on time (outside the 12 months)."""
    this = current_month(world.a)
    return store(
        world.p1,
        {
            this: {
                "otd": otd("200", "150"),
                "lots": LOTS,
                "ppm": {"received": "200", "rejected": "1"},
                "ncrs": {"total": 1, "minor": 0, "major": 1, "critical": 0},
                "copq": {"by_currency": {"EUR": "123.4"}},
            },
            add_months(this, -2): {"otd": otd("100", "100"), "ppm": {"received": "100", "rejected": "0"}},
            add_months(this, -13): {"otd": otd("40", "10")},
        },
        standing=standings_for(world.a)[2],  # Conditional
    )


def page(world, membership, name="supplier_scorecard", *args, **params):
    client = login(Client(), membership)
    return client.get(reverse(name, args=["alpha", *args]), params)


def test_the_supplier_sees_its_score_standing_trend_and_each_figure_against_its_target(world):
    p1_scorecard(world)

    response = page(world, world.p1_user)

    html = response.content.decode()
    assert response.status_code == 200
    # On time over the 3-month window: (150 + 100) / (200 + 100) = 83.33 %; over 12 months the same (the
    # 13th month back is outside); lots 1 of 2 = 50 %; PPM 1 / (200 + 100) x 1,000,000 = 3333.33. Written as
    # everywhere (catalogue.format_figure): % to one place, PPM whole with a thousands separator.
    rows = {row.key: row for row in response.context["rows"]}
    assert rows["otd"].value_text == "83.3 %" and rows["otd"].value_12_text == "83.3 %"
    assert rows["otd"].target_text == "at least 95 %" and rows["otd"].below_target
    assert rows["lots"].value_text == "50 %"
    assert rows["ppm"].value_text == "3,333 PPM" and rows["ppm"].target_text == "at most 500 PPM"
    assert "83.3 %" in html and "3,333 PPM" in html and "3333.33" not in html
    assert rows["asn"].value_text == "no data" and not rows["asn"].below_target  # no data is neither 0 nor 100 %
    # The trend in the staff's words (selectors.TREND_WORDS), not "▼ Down".
    assert "Conditional" in html and "↓</span> Declining" in html and "Down" not in html and "(91.5)" in html
    # The score: otd 83.333/95 = 87.72 (weight 25), lots 50/98 = 51.02 (15), PPM 500/3333.33 = 15 (15), NCRs
    # weigh 0: (87.72 x 25 + 51.02 x 15 + 15 x 15) / 55 = 3183.3 / 55 = 57.88.
    assert response.context["score"].score == Decimal("57.88") and "57.88" in html
    assert reverse("supplier_scorecard_drill", args=["alpha", "otd"]) in html


def test_what_pulls_the_score_down_comes_worst_first_with_the_points_it_costs(world, monkeypatch):
    p1_scorecard(world)
    asked = []

    def fake_drill(*, tenant, partner, key, months, limit):
        asked.append((partner.pk, key, len(months), limit))
        found = drills.Drill(key, ("Opened", "What"), total=2, bad_total=1)
        found.rows = [drills.DrillRow(("2026-03-02", f"bad {key}"), True, ("po", 41))]
        return found

    monkeypatch.setattr(drills, "drill", fake_drill)

    response = page(world, world.p1_user)

    # Points lost over the 55 weight of the measures with data: PPM (100 - 15) x 15 / 55 = 23.2, lots
    # (100 - 51.02) x 15 / 55 = 13.4, on time (100 - 87.72) x 25 / 55 = 5.6.
    pulling = response.context["pulling"]
    assert [(p["row"].key, p["row"].points) for p in pulling] == [
        ("ppm", Decimal("23.2")),
        ("lots", Decimal("13.4")),
        ("otd", Decimal("5.6")),
    ]
    assert asked == [(world.p1.pk, key, 3, 5) for key in ("ppm", "lots", "otd")]  # its own partner, the window
    html = response.content.decode()
    assert "It costs your score 23.2 points" in html and "bad ppm" in html
    assert reverse("po_detail", args=["alpha", 41]) in html


def test_no_scorecard_yet_says_so_kindly(world):
    response = page(world, world.p1_admin)

    assert response.status_code == 200
    assert "Your first scorecard appears after your first delivery." in response.content.decode()


def test_another_partners_figures_names_and_the_ranking_are_never_shown(world):
    p1_scorecard(world)
    store(world.p2, {current_month(world.a): {"otd": otd("300", "297")}})  # P2: 99 %

    mine = page(world, world.p1_user).content.decode()
    theirs = page(world, world.p2_user).content.decode()

    assert "99 %" not in mine and world.p2.name not in mine and "scorecards/" not in mine.replace("my-scorecard/", "")
    assert "99 %" in theirs and "83.3 %" not in theirs and world.p1.name not in theirs


def test_costs_show_only_when_the_tenant_shares_them(world):
    p1_scorecard(world)

    hidden = page(world, world.p1_user)
    assert "copq" not in [row.key for row in hidden.context["rows"]]
    assert "Cost of poor quality" not in hidden.content.decode() and "123.4" not in hidden.content.decode()
    assert page(world, world.p1_user, "supplier_scorecard_drill", "copq").status_code == 404

    QualityRules.objects.create(tenant=world.a, share_costs=True)
    shown = page(world, world.p1_user)
    [copq] = [row for row in shown.context["rows"] if row.key == "copq"]
    # Read from the stored detail (catalogue.details), window and 12 months alike.
    assert copq.detail["costs"] == {"EUR": "123.4"} and copq.detail_12["costs"] == {"EUR": "123.4"}
    assert copq.value_text == copq.value_12_text == "123.40 EUR" and "123.40 EUR" in shown.content.decode()
    assert page(world, world.p1_user, "supplier_scorecard_drill", "copq").status_code == 200


def test_what_you_can_do_lists_its_own_open_steps_late_lines_and_shipment_notices(world):
    from tests.quality.test_scar_services import issue

    p1_scorecard(world)
    scar = issue(world)
    issue(world, partner=world.p2, ncrs=[])
    past = timezone.now() - dt.timedelta(days=10)
    late = PurchaseOrderFactory(partner=world.p1, name="P-LATE-1", lines=[{"date_planned": past, "quantity": 80}])
    late_line = late.lines.get()
    late_line.qty_received = 30
    late_line.save()
    # Promised later by an accepted acknowledgement: not late.
    promised = PurchaseOrderFactory(partner=world.p1, name="P-PROMISED", lines=[{"date_planned": past}])
    ack = AcknowledgementFactory(order=promised)
    AcknowledgementLine.objects.create(
        tenant=world.a,
        acknowledgement=ack,
        order_line=promised.lines.get(),
        line_odoo_id=1,
        description="x",
        decision=AcknowledgementLine.Decision.CHANGE,
        requested_qty=100,
        promised_date=tenant_today(world.a) + dt.timedelta(days=5),
    )
    PurchaseOrderFactory(partner=world.p1, name="P-ALL-IN", lines=[{"date_planned": past, "qty_received": 100}])
    PurchaseOrderFactory(partner=world.p2, name="P-THEIRS", lines=[{"date_planned": past}])
    draft = AsnFactory(partner=world.p1)
    AsnFactory(partner=world.p1, status=Asn.Status.SUBMITTED)  # announced, nothing to correct
    mismatched = AsnFactory(partner=world.p1, status=Asn.Status.IN_TRANSIT, odoo_mismatches=["lot L-9 missing"])
    AsnFactory(partner=world.p2)

    response = page(world, world.p1_user)

    actions = response.context["actions"]
    assert {s.scar_id for s in actions["steps"]} == {scar.pk} and actions["steps_total"] == 8
    assert [line.order.name for line in actions["lines"]] == ["P-LATE-1"]
    assert [a.pk for a in actions["asns"]] == [draft.pk, mismatched.pk]
    html = response.content.decode()
    assert reverse("supplier_scar_step", args=["alpha", scar.pk, actions["steps"][0].code]) in html
    assert reverse("po_detail", args=["alpha", late.pk]) in html and ">50 Units" in html  # 80 ordered - 30 received
    assert reverse("asn_detail", args=["alpha", mismatched.pk]) in html
    assert "P-THEIRS" not in html and "P-PROMISED" not in html


def test_a_line_the_supplier_rejected_is_not_late(world):
    past = timezone.now() - dt.timedelta(days=3)
    po = PurchaseOrderFactory(partner=world.p1, lines=[{"date_planned": past}])
    ack = AcknowledgementFactory(order=po, status=Acknowledgement.Status.APPROVED)
    AcknowledgementLine.objects.create(
        tenant=world.a,
        acknowledgement=ack,
        order_line=po.lines.get(),
        line_odoo_id=1,
        description="x",
        decision=AcknowledgementLine.Decision.REJECT,
        requested_qty=100,
    )

    assert page(world, world.p1_user).context["actions"]["lines"] == []


def test_the_drill_page_links_only_to_pages_the_supplier_has(world, monkeypatch):
    p1_scorecard(world)

    def fake_drill(*, tenant, partner, key, months, limit):
        assert partner == world.p1 and key == "otd" and len(months) == 12 and limit == 200
        found = drills.Drill(key, ("Record", "Why"), total=6, bad_total=4)
        kinds = ("po", "asn", "scar", "receipt", "inspection", "ncr")
        found.rows = [drills.DrillRow((f"{kind}-row", "late"), i < 4, (kind, 70 + i)) for i, kind in enumerate(kinds)]
        return found

    monkeypatch.setattr(drills, "drill", fake_drill)

    response = page(world, world.p1_user, "supplier_scorecard_drill", "otd", span="12")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{reverse("po_detail", args=["alpha", 70])}">po-row</a>' in html
    assert f'<a href="{reverse("asn_detail", args=["alpha", 71])}">asn-row</a>' in html
    assert f'<a href="{reverse("supplier_scar_detail", args=["alpha", 72])}">scar-row</a>' in html
    for kind in ("receipt", "inspection", "ncr"):
        assert f"<td>{kind}-row</td>" in html
    assert "4 of 6 counted against you" in html


def test_the_drill_of_the_window_reads_the_real_records_of_its_own_partner(world):
    p1_scorecard(world)

    response = page(world, world.p1_user, "supplier_scorecard_drill", "ncrs")

    assert response.status_code == 200 and response.context["drill"]["total"] == 0
    assert "No records in these months." in response.content.decode()
    assert page(world, world.p1_user, "supplier_scorecard_drill", "nonsense").status_code == 404


def test_staff_other_partners_and_other_tenants_get_404(world):
    p1_scorecard(world)

    for who in (world.a_admin, world.a_buyer, world.a_engineer, world.a_inspector, world.b_admin, world.q1_admin):
        for name, args in (("supplier_scorecard", []), ("supplier_scorecard_drill", ["otd"])):
            assert page(world, who, name, *args).status_code == 404, (who.role, who.tenant.slug, name)
    # P2's people reach only P2's scorecard: none yet, so its drill says "no data yet", never P1's records.
    none_yet = page(world, world.p2_user, "supplier_scorecard_drill", "otd")
    assert none_yet.status_code == 200 and none_yet.context["drill"]["total"] == 0
    assert "83.3" not in none_yet.content.decode() and "83.3" not in page(world, world.p2_admin).content.decode()


def test_it_is_in_the_suppliers_navigation(world):
    html = page(world, world.p1_user, "dashboard").content.decode()

    assert f'href="{reverse("supplier_scorecard", args=["alpha"])}"' in html and "My scorecard" in html


# --- what a supplier sees of NCRs, before its first run, and how a day is written ------------------------

TITLE = "Forklift driver says Pinewood crates always arrive crushed"  # the tenant's own words


def two_ncrs(world):
    """P1's NCRs of this month: NCR-00001 major, codes DM-02 and CR-01, lots of 12 and 3 affected; NCR-00002
    minor, no code, nothing affected. Both titled in the quality staff's own words."""
    from quality.models import DefectClass, DefectCode, NcrLot
    from tests.quality.test_scorecard_quality_inputs import ncr

    now = timezone.now()
    first = ncr(world.p1, now, severity=DefectClass.MAJOR, affected="12")
    NcrLot.objects.create(tenant=world.a, ncr=first, lot_name="L2", affected=Decimal("3"))
    codes = [DefectCode.objects.create(tenant=world.a, code=c, description=f"{c} words") for c in ("DM-02", "CR-01")]
    first.defect_codes.add(*codes)
    second = ncr(world.p1, now, severity=DefectClass.MINOR)
    for item in (first, second):
        type(item).objects.filter(pk=item.pk).update(title=TITLE)
    return first, second


def test_the_supplier_sees_its_ncrs_as_its_corrective_actions_show_them_never_the_staffs_title(world):
    first, second = two_ncrs(world)
    ScorecardRules.objects.create(tenant=world.a, measures={"ncrs": {"weight": 20, "target": 0}})
    p1_scorecard(world)  # 1 NCR stored against a target of 0: the measure scores 0 and pulls the score down
    today = tenant_today(world.a).isoformat()

    response = page(world, world.p1_user, "supplier_scorecard_drill", "ncrs")

    html = response.content.decode()
    drill = response.context["drill"]
    assert drill["columns"] == ["Opened", "NCR", "Product", "Severity", "Defect codes", "Affected"]
    assert [r["cells"] for r in drill["rows"]] == [
        (today, "NCR-00001", first.product.name, "Major", "CR-01, DM-02", "15"),  # 12 + 3 affected
        (today, "NCR-00002", second.product.name, "Minor", "—", "0"),
    ]
    assert drill["total"] == drill["bad_total"] == 2 and TITLE not in html
    assert "ncrs" in [p["row"].key for p in page(world, world.p1_user).context["pulling"]]
    assert TITLE not in page(world, world.p1_user).content.decode()  # the pulling-down summary's rows
    # The PPM and cost lists carry no title either (costs shared, so the supplier has that list too).
    QualityRules.objects.create(tenant=world.a, share_costs=True)
    for key in ("ppm", "copq"):
        listed = page(world, world.p1_user, "supplier_scorecard_drill", key)
        assert listed.status_code == 200 and "NCR-00001" in listed.content.decode(), key
        assert TITLE not in listed.content.decode(), key
    # The staff's list keeps the title: the difference is the reader.
    staff = login(Client(), world.a_engineer).get(reverse("scorecard_drill", args=["alpha", world.p1.pk, "ncrs"]))
    assert TITLE in staff.content.decode()


def test_the_suppliers_pdf_lists_its_ncrs_without_the_staffs_title(world):
    from quality.scorecard_documents import scorecard_report_context

    two_ncrs(world)
    ScorecardRules.objects.create(tenant=world.a, measures={"ncrs": {"weight": 20, "target": 0}})
    p1_scorecard(world)
    month = current_month(world.a)

    def ncr_rows(membership):
        context = scorecard_report_context(membership=membership, partner=world.p1, month=month)
        [item] = [p for p in context["pulling"] if p["key"] == "ncrs"]
        # each printed cell is (wrapping kind, leading day, the rest): put the text back together
        return item["drill"].columns, [[day + rest for _kind, day, rest in row] for row in item["rows"]]

    columns, rows = ncr_rows(world.p1_user)
    assert "Title" not in columns and [cells[1] for cells in rows] == ["NCR-00001", "NCR-00002"]
    assert not any(TITLE in cell for cells in rows for cell in cells)
    staff_columns, staff_rows = ncr_rows(world.a_engineer)
    assert "Title" in staff_columns and staff_rows[0][2] == TITLE


def test_before_the_first_run_a_drill_says_no_data_yet_and_a_real_unknown_measure_is_404(world):
    response = page(world, world.p1_user, "supplier_scorecard_drill", "otd")

    html = response.content.decode()
    assert response.status_code == 200 and response.context["no_score"]
    assert "On-time delivery: no data yet" in html and "No data yet." in html
    assert page(world, world.p1_user, "supplier_scorecard_drill", "nonsense").status_code == 404
    assert page(world, world.p1_user, "supplier_scorecard_drill", "copq").status_code == 404  # costs not shared


def test_before_the_first_run_a_drill_still_lists_the_records_there_are(world):
    two_ncrs(world)  # NCRs opened this month; no batch run yet, so no PartnerScore

    response = page(world, world.p1_user, "supplier_scorecard_drill", "ncrs")

    html = response.content.decode()
    assert response.status_code == 200 and "NCRs: no data yet" in html
    assert response.context["drill"]["total"] == 2 and "NCR-00001" in html and TITLE not in html


def test_a_day_in_a_drill_table_is_kept_on_one_line(world):
    two_ncrs(world)
    p1_scorecard(world)
    today = l10n.day(tenant_today(world.a))  # written by the page's language (English here)

    html = page(world, world.p1_user, "supplier_scorecard_drill", "ncrs").content.decode()

    # Wrapped in span.day, which scorecards.css keeps from breaking at its hyphens and spaces.
    assert f'<td><span class="day">{today}</span></td>' in html
    assert f"<td>{today}</td>" not in html


def test_cell_parts_split_a_leading_day_from_the_rest():
    # The cells keep ISO days; the parts write them as the active language does.
    assert drills.cell_parts(("2026-10-14", "2026-10-14 (promised)", "NCR-00001", "95-105 Units", "")) == [
        ("14 Oct 2026", ""),
        ("14 Oct 2026", " (promised)"),
        ("", "NCR-00001"),
        ("", "95-105 Units"),
        ("", ""),
    ]

    with translation.override("de"):
        assert drills.cell_parts(("2026-10-14 09:30",)) == [("14.10.2026", " 09:30")]
