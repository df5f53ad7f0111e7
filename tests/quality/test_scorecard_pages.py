"""The staff's scorecard pages: the ranking (worst first, filters, pagination, bounded queries), a partner's
scorecard (figures, what pulls it down, history, category, "Recompute now") and a figure's records; the
scope matrix over all three. Scores are stored rows built here, their values worked out by hand."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry, Role
from portal.services.memberships import membership_scope_set
from quality.models import PartnerScore, ScorecardPeriod, Standing, StandingChange
from quality.scorecards import catalogue
from quality.scorecards.months import add_months, current_month
from tests.conftest import login
from tests.factories import PartnerFactory, member

pytestmark = pytest.mark.django_db

# P1: 80 of 100 units on time (80 %, target 95: scores 80/95 = 84.21, weight 25) and 9 of 10 lots accepted
# (90 %, target 98: 91.84, weight 15): (84.21 x 25 + 91.84 x 15) / 40 = 3482.85 / 40 = 87.07.
P1_INPUTS = {
    "otd": {
        "lines": 4,
        "lines_on_time": 3,
        "quantity": 100,
        "quantity_on_time": 80,
        "early": 0,
        "late": 1,
        "undated": 0,
    },
    "lots": {"lots": 10, "accepted": 9, "rejected": 1},
}
# P2: everything on time: 100.
P2_INPUTS = {
    "otd": {"lines": 2, "lines_on_time": 2, "quantity": 50, "quantity_on_time": 50, "early": 0, "late": 0, "undated": 0}
}


def _standings(tenant) -> dict[str, Standing]:
    rows = [("Preferred", 90, False), ("Approved", 75, False), ("Conditional", 60, True), ("Probation", 0, True)]
    return {
        name: Standing.objects.create(tenant=tenant, name=name, rank=i, min_score=score, warns=warns)
        for i, (name, score, warns) in enumerate(rows, start=1)
    }


def _score(partner, inputs: dict, *, standing=None, category="", trend=0, previous=None, ago=dt.timedelta(hours=4)):
    """The rows the batch run would store for ``inputs`` in the current month."""
    month = current_month(partner.tenant)
    now = timezone.now() - ago
    ScorecardPeriod.objects.create(
        tenant=partner.tenant,
        partner=partner,
        month=month,
        inputs=inputs,
        figures=catalogue.figures(inputs),
        digest="x" * 40,
        computed_at=now,
    )
    score, detail = catalogue.weighted_score(inputs, {})
    return PartnerScore.objects.create(
        tenant=partner.tenant,
        partner=partner,
        as_of=month,
        score=score,
        previous_score=previous,
        trend=trend,
        figures=detail,
        figures_12=detail,
        worst_measure=catalogue.worst_measure(detail),
        standing=standing,
        standing_since=now if standing else None,
        category=category,
        computed_at=now,
    )


@pytest.fixture
def scene(world):
    s = _standings(world.a)
    p1 = _score(world.p1, P1_INPUTS, standing=s["Approved"], category="Castings", trend=-1, previous=Decimal("91.5"))
    p2 = _score(world.p2, P2_INPUTS, standing=s["Preferred"], category="Fasteners", trend=1)
    p3 = PartnerFactory(tenant=world.a, name="Silent Springs")  # no data yet
    _score(world.q1, P2_INPUTS)  # tenant B's, never shown to A
    StandingChange.objects.create(
        tenant=world.a,
        partner=world.p1,
        from_name="Preferred",
        to_name="Approved",
        score=Decimal("87.07"),
        reasons=["On-time delivery 80 % (target 95 %)"],
        changed_at=timezone.now() - dt.timedelta(days=3),
    )
    return type("Scene", (), {"standings": s, "p1": p1, "p2": p2, "p3": p3})


def _ranking(client, membership, **params):
    login(client, membership)
    return client.get(reverse("scorecard_ranking", args=[membership.tenant.slug]), params)


def _names(html: str, world) -> list[str]:
    names = ["Pinewood Parts", "Quarry Metals", "Silent Springs", "Riverside Plastics"]
    return sorted((n for n in names if n in html), key=html.index)


# --- The ranking ----------------------------------------------------------------------------------------


def test_the_ranking_shows_the_worst_first_with_standing_trend_and_worst_measure(client, world, scene):
    assert scene.p1.score == Decimal("87.07")  # the hand-worked score above
    html = _ranking(client, world.a_buyer).content.decode()
    assert _names(html, world) == ["Pinewood Parts", "Quarry Metals", "Silent Springs"]  # no data last, B never
    assert "87.07" in html and "100" in html
    assert "Approved" in html and "Preferred" in html
    assert '<span class="sr-only">declining</span>' in html and '<span class="sr-only">improving</span>' in html
    assert "from 91.5" in html
    # P1's worst: on-time delivery (84.21) below lot acceptance (91.84).
    assert 'On-time delivery <span class="muted">80 %</span>' in html
    assert "No data yet" in html


def test_best_first_and_by_name_orders(client, world, scene):
    assert _names(_ranking(client, world.a_buyer, sort="best").content.decode(), world) == [
        "Quarry Metals",
        "Pinewood Parts",
        "Silent Springs",
    ]
    assert _names(_ranking(client, world.a_buyer, sort="name").content.decode(), world) == [
        "Pinewood Parts",
        "Quarry Metals",
        "Silent Springs",
    ]


def test_filters_by_standing_category_buyer_and_name(client, world, scene):
    from tests.factories import PurchaseOrderFactory

    PurchaseOrderFactory(partner=world.p2, buyer_name="Ada Buyer")
    PurchaseOrderFactory(partner=world.p1, buyer_name="Ben Buyer")
    PurchaseOrderFactory(partner=world.q1, buyer_name="Cy Other")  # another tenant's buyer: never a choice

    def names(**params):
        return _names(_ranking(client, world.a_engineer, **params).content.decode(), world)

    assert names(standing=scene.standings["Preferred"].pk) == ["Quarry Metals"]
    assert names(standing="none") == ["Silent Springs"]
    assert names(category="Castings") == ["Pinewood Parts"]
    assert names(buyer="Ada Buyer") == ["Quarry Metals"]
    assert names(q="pinew") == ["Pinewood Parts"]
    assert names(q="nothing like it") == []
    html = _ranking(client, world.a_engineer).content.decode()
    assert "Ada Buyer" in html and "Ben Buyer" in html and "Cy Other" not in html
    assert '<option value="Castings"' in html and '<option value="Fasteners"' in html
    assert "No supplier matches." in _ranking(client, world.a_engineer, q="zzz").content.decode()
    assert names(standing="not-a-number") == ["Pinewood Parts", "Quarry Metals", "Silent Springs"]  # ignored


def _many(world, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        _score(PartnerFactory(tenant=world.a, name=f"Bulk {i:03d}"), P2_INPUTS)


def _count_queries(client, membership, **params) -> int:
    login(client, membership)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("scorecard_ranking", args=[membership.tenant.slug]), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_ranking_paginates_and_its_queries_do_not_grow_with_rows(client, world, scene):
    _count_queries(client, world.a_buyer)  # the first request of a session reads what later ones keep
    few = _count_queries(client, world.a_buyer)
    _many(world, 30)  # 33 partners in all: 25 on the first page, 8 on the second
    many = _count_queries(client, world.a_buyer)
    assert many == few
    html = _ranking(client, world.a_buyer).content.decode()
    assert len(re.findall(r'<td><a href="/t/alpha/scorecards/\d+/"', html)) == 25
    assert "Page 1 of 2 · 33 in all" in html
    second = _ranking(client, world.a_buyer, page=2).content.decode()
    assert len(re.findall(r'<td><a href="/t/alpha/scorecards/\d+/"', second)) == 8
    assert "Silent Springs" in second  # no data: after every scored partner


def test_the_empty_ranking_says_what_will_appear(client, world):
    html = _ranking(client, world.b_admin).content.decode()
    assert "Riverside Plastics" in html  # tenant B's own partner, no score: listed as no data
    assert "No data yet" in html


# --- A partner's scorecard -----------------------------------------------------------------------------


def _detail(client, membership, partner, **params):
    login(client, membership)
    return client.get(reverse("scorecard_detail", args=[membership.tenant.slug, partner.pk]), params)


def test_the_scorecard_shows_figures_targets_what_pulls_it_down_and_history(client, world, scene):
    response = _detail(client, world.a_engineer, world.p1)
    html = response.content.decode()
    assert response.status_code == 200
    assert "87.07" in html and "Approved" in html and "since" in html
    assert "computed 4\xa0hours ago" in html
    assert "Declining" in html and "from 91.5" in html
    # Each measure: figure, target, score, weight; on-time delivery below its target.
    assert re.search(r"On-time delivery</th>\s*<td class=\"num\">80 %", html)
    assert "95 %" in html and "84.21" in html and "91.84" in html
    # "misses target", not "below target": a measure where lower is better misses it by being above it.
    assert html.count("misses target") == 2 and "below target" not in html
    # Points lost: on-time (100 - 84.21) x 25 / 40 = 9.9, lots (100 - 91.84) x 15 / 40 = 3.1.
    assert "costs 9.9 points" in html and "costs 3.1 points" in html
    assert html.index("costs 9.9 points") < html.index("costs 3.1 points")
    assert "On-time delivery 80 % (target 95 %)" in html  # the standing change's reason
    assert reverse("scorecard_drill", args=["alpha", world.p1.pk, "otd"]) in html
    assert "<svg" in html and 'role="img"' in html  # the charts, from charts.partner_charts
    assert "Recompute now" in html


def test_a_partner_without_a_scorecard_says_so(client, world, scene):
    html = _detail(client, world.a_buyer, scene.p3).content.decode()
    assert "No scorecard yet" in html and "A category can be set once the first scorecard is computed." in html


def test_recompute_now_queues_the_partners_run_on_commit(
    client, world, scene, monkeypatch, django_capture_on_commit_callbacks
):
    from quality import tasks

    queued = []
    monkeypatch.setattr(tasks.scorecard_partner_task, "delay", lambda *args: queued.append(args))
    login(client, world.a_buyer)
    url = reverse("scorecard_detail", args=["alpha", world.p1.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"action": "recompute"})
    assert response.status_code == 302 and response.url == url
    assert len(callbacks) == 1 and queued == [(world.a.pk, world.p1.pk)]
    assert "Recompute of Pinewood Parts" in client.get(url).content.decode()


def test_the_category_is_set_audited_and_checked(client, world, scene):
    login(client, world.a_buyer)
    url = reverse("scorecard_detail", args=["alpha", world.p1.pk])
    response = client.post(url, {"action": "category", "category": "  Strategic   castings "})
    assert response.status_code == 302
    scene.p1.refresh_from_db()
    assert scene.p1.category == "Strategic castings"
    entry = AuditEntry.objects.get(action="scorecard.category_set")
    assert entry.changes == {"category": ["Castings", "Strategic castings"]}
    client.post(url, {"action": "category", "category": "Strategic castings"})  # unchanged: no second entry
    assert AuditEntry.objects.filter(action="scorecard.category_set").count() == 1
    too_long = "x" * 81
    response = client.post(url, {"action": "category", "category": too_long})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Use at most 80 characters (got 81)." in html and f'value="{too_long}"' in html
    scene.p1.refresh_from_db()
    assert scene.p1.category == "Strategic castings"
    assert client.post(url, {"action": "nothing"}).status_code == 404


# --- A figure's records --------------------------------------------------------------------------------


def test_the_drill_lists_the_late_line_first_with_a_link_to_its_po(client, world, scene):
    from tests.factories import ReceiptMoveFactory

    # Last month, so both deliveries are in the past whatever today is: requested on the 10th (no
    # acknowledgement promised another day), one received that day (on time: 8th to 10th with the default
    # window of 2 days early, 0 late), one on the 15th (5 days late).
    last_month = add_months(current_month(world.a), -1)
    due = dt.datetime.combine(last_month.replace(day=10), dt.time(12), tzinfo=dt.UTC)
    on_time = ReceiptMoveFactory(receipt__order__partner=world.p1)
    late = ReceiptMoveFactory(receipt__order__partner=world.p1)
    for move, days in ((on_time, 0), (late, 5)):
        move.order_line.date_planned = due
        move.order_line.save(update_fields=["date_planned"])
        move.quantity_done, move.state = Decimal(10), "done"
        move.save(update_fields=["quantity_done", "state"])
        move.receipt.state, move.receipt.date_done = "done", due + dt.timedelta(days=days)
        move.receipt.save(update_fields=["state", "date_done"])
    login(client, world.a_buyer)
    url = reverse("scorecard_drill", args=["alpha", world.p1.pk, "otd"])
    html = client.get(url, {"months": 12}).content.decode()
    assert "2 in all, 1 counted against the supplier" in html
    late_po = reverse("po_detail", args=["alpha", late.receipt.order.pk])
    on_time_po = reverse("po_detail", args=["alpha", on_time.receipt.order.pk])
    assert html.index("drill-bad") < html.index(late_po) < html.index(on_time_po)
    assert html.count("drill-bad") == 1
    # The standing window (3 months by default) holds them too; 1 month (this one) does not.
    assert "2 in all" in client.get(url).content.decode()
    assert "No data." in client.get(url, {"months": 1}).content.decode()


def test_a_measure_without_records_says_no_data_and_an_unknown_one_is_404(client, world, scene):
    login(client, world.a_engineer)
    html = client.get(reverse("scorecard_drill", args=["alpha", world.p2.pk, "ncrs"])).content.decode()
    assert "No data." in html and "0 in all" in html
    assert client.get(reverse("scorecard_drill", args=["alpha", world.p2.pk, "nope"])).status_code == 404


# --- Scope ---------------------------------------------------------------------------------------------


def test_scope_matrix_of_the_staff_pages(client, world, scene):
    from tests.scope import ScopeCase, assert_scoped

    buyer_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.BUYER), all_partners=False, partners=[world.p2]
    )
    intruders = [buyer_p2, world.p1_admin, world.p1_user, world.p2_admin, world.a_inspector, world.b_admin]
    # Markers of P1's figures, not its name: P1's own people see their company's name in the account menu.
    cases = {
        reverse("scorecard_detail", args=["alpha", world.p1.pk]): ["87.07", "Castings"],
        reverse("scorecard_drill", args=["alpha", world.p1.pk, "otd"]): ["Stored figure for this window: 80 %"],
    }
    for url, markers in cases.items():
        assert_scoped(ScopeCase(url, owner=world.a_buyer, intruders=intruders, markers=markers))
    # POSTs from the intruders change nothing.
    for who in intruders:
        login(client, who)
        url = reverse("scorecard_detail", args=["alpha", world.p1.pk])
        assert client.post(url, {"action": "category", "category": "Stolen"}).status_code == 404
    scene.p1.refresh_from_db()
    assert scene.p1.category == "Castings"
    # The ranking: suppliers and inspectors get 404; a buyer scoped to P2 sees P2 only.
    for who in (world.p1_admin, world.p1_user, world.a_inspector):
        assert _ranking(client, who).status_code == 404
    html = _ranking(client, buyer_p2).content.decode()
    assert _names(html, world) == ["Quarry Metals"] and "87.07" not in html
    html = _ranking(client, world.b_admin).content.decode()
    assert "Pinewood Parts" not in html and "Castings" not in html
