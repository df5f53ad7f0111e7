"""A tenant's standings (quality.scorecards.standings): the defaults, which standing a score earns, the
reasons in words, when a change is told, and the event's payload (warn, block only where allowed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from integrations import topics
from integrations.models import OutboxEvent
from quality.models import ScorecardRules, Standing, StandingChange
from quality.scorecards.engine import score_window
from quality.scorecards.standings import (
    standing_change_record,
    standing_of,
    standing_reasons,
    standings_for,
    worth_telling,
)

pytestmark = pytest.mark.django_db

APR = dt.date(2026, 4, 1)


def test_a_tenant_without_standings_gets_the_five_defaults_once(world):
    standings = standings_for(world.a)
    assert [(s.rank, s.name, s.min_score, s.warns, s.blocks) for s in standings] == [
        (1, "Preferred", Decimal(90), False, False),
        (2, "Approved", Decimal(75), False, False),
        (3, "Conditional", Decimal(60), True, False),
        (4, "Probation", Decimal(40), True, False),
        (5, "Disqualified", Decimal(0), True, True),
    ]
    assert [s.pk for s in standings_for(world.a)] == [s.pk for s in standings]  # not created twice
    assert Standing.objects.filter(tenant=world.b).count() == 0  # per tenant


def test_a_tenant_keeps_its_own_names_and_thresholds(world):
    Standing.objects.create(tenant=world.a, name="Gold", rank=1, min_score=85)
    Standing.objects.create(tenant=world.a, name="Watch", rank=2, min_score=50, warns=True)
    standings = standings_for(world.a)
    assert [s.name for s in standings] == ["Gold", "Watch"]
    assert standing_of(standings, Decimal("85")).name == "Gold"  # reaching the threshold is enough
    assert standing_of(standings, Decimal("84.99")).name == "Watch"
    assert standing_of(standings, Decimal("49.99")) is None  # below every threshold: none
    assert standing_of(standings, None) is None  # no data: no standing


def test_default_thresholds_at_their_edges(world):
    standings = standings_for(world.a)
    names = [standing_of(standings, Decimal(v)).name for v in ("100", "90", "89.99", "75", "60", "40", "39.99", "0")]
    assert names == [
        "Preferred",
        "Preferred",
        "Approved",
        "Approved",
        "Conditional",
        "Probation",
        "Disqualified",
        "Disqualified",
    ]


def _result(**inputs):
    """The score of one month (April) of ``inputs`` with the catalogue's default weights and targets."""
    return score_window({APR: inputs}, months=[APR], window=1, rules_measures={})


def test_reasons_list_the_missed_targets_worst_first_in_words():
    result = _result(
        otd={"quantity": "300", "quantity_on_time": "245"},  # 81.67 %: scores 85.97
        ppm={"received": "3000", "rejected": "7"},  # 2333.33 PPM against 500: scores 21.43
        lots={"lots": 10, "accepted": 10, "rejected": 0},  # 100 %: meets 98, not a reason
        ncrs={"total": 4},  # weight 0: never a reason
    )
    # Written as every page writes a figure (catalogue.format_figure): % to one place, PPM whole with
    # thousands separators; these go into the emails and Odoo's purchase warning.
    assert standing_reasons(result.figures) == [
        "Defective parts per million 2,333 PPM (target 500 PPM)",
        "On-time delivery 81.7 % (target 95 %)",
    ]
    assert standing_reasons(_result(lots={"lots": 4, "accepted": 4}).figures) == []


def test_which_changes_are_told(world):
    good, ok, warning, blocking = (
        Standing(name="Preferred"),
        Standing(name="Approved"),
        Standing(name="Probation", warns=True),
        Standing(name="Disqualified", warns=True, blocks=True),
    )
    assert worth_telling(good, ok) and worth_telling(ok, good) and worth_telling(ok, warning)
    assert not worth_telling(None, good)  # a partner's first standing, a good one: recorded only
    assert worth_telling(None, warning) and worth_telling(None, blocking)  # a first standing that warns
    assert worth_telling(warning, None)  # data ran out: the warning it set is cleared
    assert not worth_telling(ok, None)


def _record(world, rules, new_name, *, old_name=None, **inputs):
    standings = {s.name: s for s in standings_for(world.a)}
    return standing_change_record(
        tenant=world.a,
        partner=world.p1,
        rules=rules,
        old=standings.get(old_name),
        new=standings[new_name],
        result=_result(**inputs),
        now=timezone.now(),
    )


def test_a_blocking_standing_blocks_only_where_the_tenant_allows_it(world):
    rules = ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    change = _record(
        world, rules, "Disqualified", old_name="Probation", otd={"quantity": "10", "quantity_on_time": "1"}
    )
    payload = OutboxEvent.objects.get(pk=change.outbox_event_id).payload
    # 10 % on time: scores 10/95 = 10.53
    assert payload["score"] == "10.53" and (payload["warn"], payload["block"]) == (True, False)
    assert payload["reasons"] == ["On-time delivery 10 % (target 95 %)"] == change.reasons

    rules.allow_block = True
    rules.save()
    change = _record(
        world, rules, "Disqualified", old_name="Probation", otd={"quantity": "10", "quantity_on_time": "1"}
    )
    assert OutboxEvent.objects.get(pk=change.outbox_event_id).payload["block"] is True


def test_a_first_warning_standing_is_pushed_and_a_first_good_one_is_not(world, django_capture_on_commit_callbacks):
    rules = ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    with django_capture_on_commit_callbacks() as callbacks:
        quiet = _record(world, rules, "Preferred", otd={"quantity": "10", "quantity_on_time": "10"})
    assert (quiet.from_name, quiet.to_name, quiet.outbox_event, callbacks) == ("", "Preferred", None, [])

    with django_capture_on_commit_callbacks() as callbacks:
        loud = _record(world, rules, "Probation", otd={"quantity": "10", "quantity_on_time": "5"})
    event = OutboxEvent.objects.get(topic=topics.SCORECARD_STANDING_CHANGED)
    assert loud.outbox_event == event and event.payload["previous"] == "" and event.payload["warn"] is True
    assert len(callbacks) == 2  # the event's delivery and the emails


def test_a_partner_not_in_odoo_gets_emails_but_no_event(world, celery_eager, django_capture_on_commit_callbacks):
    rules = ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    world.p1.odoo_id = 0  # a partner the portal holds without a res.partner (no id to write to)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change = _record(
            world,
            rules,
            "Conditional",
            old_name="Approved",
            otd={"quantity": "10", "quantity_on_time": "6"},
            ppm={"received": "3000", "rejected": "7"},  # 2333.33 PPM
        )
    assert change.outbox_event is None and not OutboxEvent.objects.exists()
    assert StandingChange.objects.get().to_name == "Conditional"
    assert len(mail.outbox) == 2
    # The emails write the figures as the pages do: PPM whole with a thousands separator.
    for sent in mail.outbox:
        assert "- Defective parts per million 2,333 PPM (target 500 PPM)\n" in sent.body
        assert "- On-time delivery 60 % (target 95 %)\n" in sent.body and "2333.33" not in sent.body
