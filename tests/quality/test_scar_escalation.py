"""Escalation of overdue 8D steps (quality.services.scar_escalation) on a frozen clock: level 1 to the
partner's people, level 2 to its admins and the buyers, level 3 the scar.overdue event; each once
per due date, one digest per person per run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from integrations import topics
from integrations.models import OutboxEvent
from portal.dates import tenant_today
from portal.models import Role
from quality.models import ScarReminder, ScarStep
from quality.services.scar_escalation import scars_escalate
from quality.services.scars import scar_step_due_set
from tests.factories import member
from tests.quality.test_scar_services import answer, issue, step

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(celery_eager, django_capture_on_commit_callbacks):
    def go(today):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            created = scars_escalate(today=today)
        return created, list(mail.outbox)

    return go


def test_an_overdue_step_escalates_level_by_level_each_once(world, run):
    scar = issue(world)
    for code in ("D1", "D2", "D4", "D5", "D6", "D7", "D8"):  # only D3 stays overdue when its day passes
        s = step(scar, code)
        s.due_date = tenant_today(world.a) + dt.timedelta(days=90)
        s.save()
    due = step(scar, "D3").due_date
    assert run(due) == (0, [])  # due today is not overdue

    created, emails = run(due + dt.timedelta(days=1))
    assert created == 1
    assert sorted(e.to[0] for e in emails) == sorted([world.p1_admin.user.email, world.p1_user.user.email])
    assert all(len(e.to) == 1 for e in emails)  # one email per person: their own digest
    assert f"{scar.number} D3 is overdue" == emails[0].subject and "D3 Containment" in emails[0].body
    assert run(due + dt.timedelta(days=2)) == (0, [])  # level 1 was sent

    created, emails = run(due + dt.timedelta(days=3))  # the tenant's +3 days: supplier admin and buyer
    assert created == 1
    assert sorted(e.to[0] for e in emails) == sorted([world.p1_admin.user.email, world.a_buyer.user.email])
    assert "Pinewood Parts" in next(e for e in emails if e.to == [world.a_buyer.user.email]).body
    assert not OutboxEvent.objects.filter(topic=topics.SCAR_OVERDUE).exists()

    created, emails = run(due + dt.timedelta(days=7))  # marked: the buyer's activity in Odoo
    assert (created, emails) == (1, [])
    event = OutboxEvent.objects.get(topic=topics.SCAR_OVERDUE)
    assert event.payload["step"] == "D3" and event.payload["due_date"] == due.isoformat()
    assert event.payload["scar_number"] == scar.number and event.payload["partner_odoo_id"] == world.p1.odoo_id
    assert len(event.payload["buyer_names"]) == 1
    assert list(ScarReminder.objects.values_list("level", flat=True).order_by("level")) == [1, 2, 3]

    assert run(due + dt.timedelta(days=8)) == (0, [])  # nothing more, ever, for this due date
    assert OutboxEvent.objects.filter(topic=topics.SCAR_OVERDUE).count() == 1


def test_many_overdue_steps_make_one_digest_per_person_and_a_new_due_date_starts_over(world, run):
    scars = [issue(world), issue(world)]
    ScarStep.objects.filter(scar__in=scars).update(due_date=tenant_today(world.a))
    late = tenant_today(world.a) + dt.timedelta(days=1)
    created, emails = run(late)
    assert created == 16  # 2 SCARs x 8 steps, level 1 each
    assert sorted(e.to[0] for e in emails) == sorted([world.p1_admin.user.email, world.p1_user.user.email])
    assert all(e.subject == "16 corrective action steps are overdue" for e in emails)
    assert emails[0].body.count("http") == 16
    # An answered step waits for the engineer, not the supplier; a moved due date counts again.
    answer(world, scars[0], "D1")
    created, emails = run(late)
    assert (created, emails) == (0, [])
    scar_step_due_set(membership=world.a_engineer, step=step(scars[0], "D2"), due_date=late)
    created, emails = run(late + dt.timedelta(days=1))
    assert created == 1 and len(emails) == 2 and all(e.subject.endswith("D2 is overdue") for e in emails)
    assert ScarReminder.objects.filter(step=step(scars[0], "D2")).count() == 2  # one per due date


def test_a_buyer_who_does_not_see_the_partner_is_not_told(world, run):
    from portal.models import Membership

    Membership.objects.filter(pk=world.a_buyer.pk).update(all_partners=False)  # sees no partner now
    other_buyer = member(world.a, Role.BUYER)
    scar = issue(world)
    due = step(scar, "D1").due_date
    run(due + dt.timedelta(days=1))  # level 1 first: a run climbs one level per step
    _, emails = run(due + dt.timedelta(days=3))
    told = {e.to[0] for e in emails}
    assert other_buyer.user.email in told and world.a_buyer.user.email not in told
    assert world.p2_admin.user.email not in told


def test_beat_runs_the_scar_round_hourly(world, settings, celery_eager):
    from quality.tasks import scars_hourly_task

    assert settings.CELERY_BEAT_SCHEDULE["scars-hourly"]["task"] == "quality.tasks.scars_hourly_task"
    scar = issue(world)
    ScarStep.objects.filter(scar=scar).update(due_date=tenant_today(world.a) - dt.timedelta(days=1))
    scars_hourly_task.apply()
    scars_hourly_task.apply()
    assert ScarReminder.objects.filter(level=1).count() == 8
