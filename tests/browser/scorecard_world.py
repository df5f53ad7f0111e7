"""Scorecards for the order desk's world (``build_order_desk``): a year of stored periods and the scores the batch
run would keep, so the scorecard pages are seen with charts, a warning standing and a history of changes.

Nordic Fasteners is good for nine months and slips in the last three (late, short, a rejected lot, an NCR):
a warning standing, its trend down. Precision Castings is on time with a gap of two months without data.
The rows are what the batch run writes (``ScorecardPeriod``, ``PartnerScore``, ``StandingChange``); their
figures come from ``quality.scorecards.catalogue`` as the engine's do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from django.utils import timezone

from quality.models import PartnerScore, ScorecardPeriod, StandingChange
from quality.scorecards import catalogue
from quality.scorecards.months import add_months, current_month, months_back
from quality.scorecards.standings import standing_of, standings_for
from tests.factories import ReceiptMoveFactory

WINDOW = 3


def _month(good: bool, n: int) -> dict:
    """One month's inputs of every measure: a good month or a bad one (``n`` varies the figures a little)."""
    quantity = 400 + 10 * n
    on_time = quantity - (n % 3) * 4 if good else quantity * 7 // 10
    return {
        "otd": {"lines": 8, "lines_on_time": 8 if good else 5, "quantity": str(quantity),
                "quantity_on_time": str(on_time), "early": 0, "late": 0 if good else 3, "undated": 0},
        "quantity": {"lines": 8, "accurate": 8 if good else 6, "over": 0, "under": 0 if good else 2},
        "ack": {"orders": 4, "in_time": 4 if good else 2, "acknowledged": 4, "hours_total": "60" if good else "300"},
        "asn": {"asns": 3, "accurate": 3 if good else 2, "receipts": 3, "announced_before": 3 if good else 2},
        "lots": {"lots": 6, "accepted": 6 if good else 4, "rejected": 0 if good else 2},
        "ppm": {"received": str(quantity), "rejected": "0" if good else "6"},
        "ncrs": {"total": 0 if good else 1, "minor": 0, "major": 0 if good else 1, "critical": 0},
        "copq": {"by_currency": {} if good else {"EUR": "240.50"}},
        "scar": {"steps_due": 0 if good else 3, "steps_on_time": 0 if good else 1, "overdue_open": 0 if good else 1,
                 "contained": 0, "containment_days_total": "0", "closed": 0, "closure_days_total": "0"},
        "certificates": {"values": 12, "disagreeing": 0 if good else 1},
    }  # fmt: skip


def _store(partner, by_month: dict[dt.date, dict], *, previous: Decimal | None) -> PartnerScore:
    now = timezone.now()
    for month, inputs in by_month.items():
        inputs = {k: v for k, v in inputs.items() if k in catalogue.INPUT_NAMES}
        ScorecardPeriod.objects.create(
            tenant=partner.tenant,
            partner=partner,
            month=month,
            inputs=inputs,
            figures=catalogue.figures(catalogue.complete(inputs)),
            digest=hashlib.sha1(json.dumps(inputs, sort_keys=True).encode(), usedforsecurity=False).hexdigest(),
            computed_at=now,
        )
    last = current_month(partner.tenant)
    window = [inputs for month, inputs in by_month.items() if month in months_back(last, WINDOW)]
    score, figures = catalogue.weighted_score(catalogue.combine([catalogue.complete(i) for i in window]), {})
    _, figures_12 = catalogue.weighted_score(catalogue.combine([catalogue.complete(i) for i in by_month.values()]), {})
    standing = standing_of(standings_for(partner.tenant), score)
    trend = 0 if previous is None else (1 if score > previous + 1 else -1 if score < previous - 1 else 0)
    return PartnerScore.objects.create(
        tenant=partner.tenant,
        partner=partner,
        as_of=last,
        score=score,
        previous_score=previous,
        trend=trend,
        figures=figures,
        figures_12=figures_12,
        worst_measure=catalogue.worst_measure(figures),
        standing=standing,
        standing_since=now - dt.timedelta(days=12) if standing else None,
        category="Fasteners",
        computed_at=now - dt.timedelta(hours=5),
    )


def build_scorecards(desk) -> dict[str, PartnerScore]:
    """Nordic's and Precision's year, their scores and Nordic's change of standing."""
    months = months_back(current_month(desk.tenant), 12)
    nordic = _store(desk.nordic, {m: _month(i < 9, i) for i, m in enumerate(months)}, previous=Decimal("96.4"))
    castings = _store(
        desk.castings, {m: _month(True, i) for i, m in enumerate(months) if i not in (4, 5)}, previous=Decimal("97")
    )
    if nordic.standing is not None:
        StandingChange.objects.create(
            tenant=desk.tenant,
            partner=desk.nordic,
            from_name="Preferred",
            to_name=nordic.standing.name,
            score=nordic.score,
            reasons=["On-time delivery below its target", "Lot acceptance below its target"],
            changed_at=timezone.now() - dt.timedelta(days=12),
        )
    return {"nordic": nordic, "castings": castings}


def late_deliveries(desk, n: int = 3) -> None:
    """Receipts of Nordic last month, each a line of its own PO due on the 10th: one on time, the others 2, 4...
    days late, so the on-time drill has rows to list (bad ones first, linked to their PO)."""
    month = add_months(current_month(desk.tenant), -1)
    due = dt.datetime.combine(month.replace(day=10), dt.time(12), tzinfo=dt.UTC)
    for i in range(n):
        move = ReceiptMoveFactory(receipt__order__partner=desk.nordic, receipt__order__tenant=desk.tenant)
        move.order_line.date_planned = due
        move.order_line.save(update_fields=["date_planned"])
        move.quantity_done, move.state = Decimal(40 + i), "done"
        move.save(update_fields=["quantity_done", "state"])
        move.receipt.state, move.receipt.date_done = "done", due + dt.timedelta(days=2 * i)
        move.receipt.save(update_fields=["state", "date_done"])
