"""The demo's scorecards (README's walk-through) against the simulated Odoo 19: the demo tenant seeded and
pulled, its year of history written and scored; the buyer's ranking has scores, Nordic Fasteners sits in a
warning standing whose event sets the purchase warning on res.partner 11 in Odoo, Precision Castings does
not; seeding again writes nothing and changes no standing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from integrations import topics
from integrations.models import EventStatus, OutboxEvent
from integrations.odoo import OdooGateway
from integrations.services.delivery import event_deliver
from integrations.services.pull import tenant_pull
from portal.demo import DEMO_PARTNERS, seed_demo
from portal.models import Membership, Partner
from quality.demo_scorecards import HISTORY_ODOO_ID, demo_scorecards_seed
from quality.models import Ncr, PartnerScore, ScorecardPeriod, StandingChange
from quality.scorecards.months import add_months, current_month
from quality.scorecards.selectors import RankingFilters, scorecard_ranking
from suppliers.models import PurchaseOrder

pytestmark = pytest.mark.django_db

NORDIC = DEMO_PARTNERS["nordic"]["odoo_id"]
PRECISION = DEMO_PARTNERS["precision"]["odoo_id"]


@pytest.fixture
def demo(odoo_sim, django_capture_on_commit_callbacks):
    """The demo tenant on a reset simulated Odoo, pulled once (the products are there), with its history."""
    odoo_sim.control("reset")
    tenant, _ = seed_demo()
    tenant.odoo_url = odoo_sim.url
    tenant.save(update_fields=["odoo_url"])
    # Before the first pull there are no products: nothing is written, the task retries.
    assert demo_scorecards_seed(tenant=tenant) is None
    assert not PurchaseOrder.objects.filter(tenant=tenant, odoo_id__gt=HISTORY_ODOO_ID).exists()
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    with django_capture_on_commit_callbacks(execute=True):
        assert demo_scorecards_seed(tenant=tenant) is True
    return tenant


def test_the_buyer_ranks_the_demo_partners_and_nordic_gets_a_purchase_warning_in_odoo(
    demo, django_capture_on_commit_callbacks
):
    buyer = Membership.objects.get(tenant=demo, user__email="buyer@acme.example")
    ranking = list(scorecard_ranking(buyer, RankingFilters()))
    scored = {p.odoo_id: p.score for p in ranking if hasattr(p, "score") and p.score.score is not None}
    assert {NORDIC, PRECISION} <= scored.keys()
    nordic, precision = scored[NORDIC], scored[PRECISION]
    assert nordic.standing.warns and not precision.standing.warns
    assert nordic.score < precision.score
    assert nordic.trend == -1  # good for nine months, worse in the last three
    assert len(nordic.figures_12) >= 5  # the 12-month figures the charts draw

    # Two months ago (index 9 of the year) Nordic's four lines: 1000 late; 400 split, 280 on time and the
    # backorder of 120 nine days late; 2500 on time; 600 short, 528 delivered on time. On time 280 + 2500 +
    # 528 = 3308 of 1000 + 400 + 2500 + 528 = 4428 received: 74.71 %.
    month = add_months(current_month(demo), -2)
    period = ScorecardPeriod.objects.get(partner=nordic.partner, month=month)
    otd = period.inputs["otd"]
    assert (Decimal(otd["quantity"]), Decimal(otd["quantity_on_time"])) == (Decimal(4428), Decimal(3308))
    assert period.figures["otd"] == "74.71"
    # Five lots inspected (the split line's two), the backorder's rejected.
    assert (period.inputs["lots"]["lots"], period.inputs["lots"]["rejected"]) == (5, 1)
    assert Ncr.objects.filter(tenant=demo, partner=nordic.partner, number__startswith="NCR-H").count() == 2

    # The standing change is an event for Odoo (the tenant pushes warnings; Nordic is res.partner 11).
    change = StandingChange.objects.get(partner=nordic.partner)
    assert (change.from_name, change.to_name) == ("", nordic.standing.name)
    event = OutboxEvent.objects.get(tenant=demo, topic=topics.SCORECARD_STANDING_CHANGED)
    assert change.outbox_event_id == event.pk
    assert event.payload["partner_odoo_id"] == NORDIC and event.payload["warn"] is True
    assert event.payload["standing"] == nordic.standing.name and event.payload["reasons"]

    # The worker delivers it: the purchase warning shows on the partner in the simulated Odoo.
    assert event_deliver(event_id=str(event.pk)) == "done"
    event.refresh_from_db()
    assert event.status == EventStatus.DONE
    gw = OdooGateway(demo.odoo_config())
    [odoo_partner] = gw.read("res.partner", [NORDIC], ["purchase_warn_msg"])
    assert nordic.standing.name in odoo_partner["purchase_warn_msg"]


def test_seeding_again_writes_no_history_and_changes_no_standing(demo, django_capture_on_commit_callbacks):
    orders = PurchaseOrder.objects.filter(tenant=demo, odoo_id__gt=HISTORY_ODOO_ID).count()
    changes = StandingChange.objects.filter(tenant=demo).count()
    scored_at = dict(PartnerScore.objects.filter(tenant=demo).values_list("partner_id", "computed_at"))
    with django_capture_on_commit_callbacks(execute=True):
        assert demo_scorecards_seed(tenant=demo) is False
    assert PurchaseOrder.objects.filter(tenant=demo, odoo_id__gt=HISTORY_ODOO_ID).count() == orders
    assert StandingChange.objects.filter(tenant=demo).count() == changes
    assert dict(PartnerScore.objects.filter(tenant=demo).values_list("partner_id", "computed_at")) == scored_at
    # Twelve months of Nordic's history, none of it in the future.
    nordic = Partner.objects.get(tenant=demo, odoo_id=NORDIC)
    months = sorted(ScorecardPeriod.objects.filter(partner=nordic).values_list("month", flat=True))
    assert months[-1] <= current_month(demo) and months[0] >= add_months(current_month(demo), -12)
    assert len(months) >= 11
    assert not PurchaseOrder.objects.filter(tenant=demo, date_approve__gt=dt.datetime.now(dt.UTC)).exists()
