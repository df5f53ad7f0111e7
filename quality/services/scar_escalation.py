"""Escalating overdue 8D steps: each reminder once, never a flood.

A step waiting for the supplier (open or sent back) of an open SCAR whose due date has passed
climbs a ladder (the tenant's ``QualityRules``):

- level 1, the day after the due date: the partner's people are reminded;
- level 2, at ``due date + scar_escalate_after_days``: the partner's supplier admins and the
  tenant's buyers who see the partner;
- level 3, at ``due date + scar_mark_after_days``: ``scar.overdue`` for a To-Do activity of the
  buyer in Odoo; the level-3 ``ScarReminder`` is what the scorecard counts as "marked".

A ``ScarReminder`` row per (step, level, due date) is the proof a level was reached: its unique
constraint makes a concurrent or repeated run create nothing twice (only the run that created the
row acts on it), and a new due date starts the ladder over (a step sent back gets one:
``quality.services.scars.scar_step_send_back``). A run climbs at most one level per step: a step
found far past its due date (a beat that did not run, a due date moved back) is reminded, then
escalated on the next runs, never told to everyone at once. Each person gets one digest email per
run listing all their overdue steps, sent after the run's transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal.dates import tenant_today
from portal.models import Tenant
from quality.models import Scar, ScarReminder, ScarStep, quality_rules_for
from quality.scar_notifications import buyer_recipients, digest_on_commit, supplier_recipients
from quality.services.scars import scar_payload_head, step_title_for_odoo


def _waiting_steps(tenant: Tenant, today: dt.date):
    return (
        ScarStep.objects.filter(
            tenant=tenant,
            status__in=ScarStep.WAITING_SUPPLIER,
            scar__status=Scar.Status.OPEN,
            due_date__lt=today,
        )
        .select_related("scar__partner")
        .order_by("scar_id", "code")
    )


def levels_reached(due_date: dt.date, today: dt.date, rules) -> list[int]:
    """The escalation levels a step due ``due_date`` has reached on ``today``."""
    overdue = (today - due_date).days
    if overdue <= 0:
        return []
    levels = [1]
    if overdue >= rules.scar_escalate_after_days:
        levels.append(2)
    if overdue >= rules.scar_mark_after_days:
        levels.append(3)
    return levels


def _reminder_once(step: ScarStep, level: int) -> ScarReminder | None:
    """The new reminder row, or None when this (step, level, due date) was reached before."""
    if ScarReminder.objects.filter(step=step, level=level, due_date=step.due_date).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: the constraint refusing a concurrent run's row
            return ScarReminder.objects.create(tenant_id=step.tenant_id, step=step, level=level, due_date=step.due_date)
    except IntegrityError:
        return None


def _next_reminder(step: ScarStep, levels: list[int]) -> ScarReminder | None:
    """The reminder of the lowest level reached and not yet sent for the step's due date, or None:
    one level per run."""
    sent = set(ScarReminder.objects.filter(step=step, due_date=step.due_date).values_list("level", flat=True))
    for level in levels:
        if level not in sent:
            return _reminder_once(step, level)
    return None


def _overdue_emit(step: ScarStep, buyers: list[str]) -> None:
    scar = Scar.objects.select_for_update(of=("self",)).select_related("partner", "tenant").get(pk=step.scar_id)
    outbox_emit(
        tenant=scar.tenant,
        topic=topics.SCAR_OVERDUE,
        aggregate=scar,
        payload={
            **scar_payload_head(scar),
            "step": step.code,
            "step_title": step_title_for_odoo(step),
            "due_date": step.due_date.isoformat(),
            "buyer_names": buyers,
        },
    )


def _buyer_names(partner) -> list[str]:
    from portal.models import Membership, Partner, Role

    buyers = Membership.objects.active().filter(tenant_id=partner.tenant_id, role=Role.BUYER).select_related("user")
    return sorted(
        m.user.get_full_name() or m.user.email
        for m in buyers
        if not m.user.is_api_client and Partner.objects.visible_to(m).filter(pk=partner.pk).exists()
    )


@transaction.atomic
def scars_escalate_tenant(*, tenant: Tenant, today: dt.date | None = None) -> int:
    """Run the ladder for one tenant on ``today`` (its today by default); answers the reminders created."""
    today = today or tenant_today(tenant)
    rules = quality_rules_for(tenant)
    digests: dict[str, list[int]] = defaultdict(list)
    recipients: dict[tuple[int, int], list[str]] = {}
    created = 0
    for step in _waiting_steps(tenant, today):
        partner = step.scar.partner
        reminder = _next_reminder(step, levels_reached(step.due_date, today, rules))
        if reminder is None:
            continue
        created += 1
        if reminder.level == 3:
            _overdue_emit(step, _buyer_names(partner))
            continue
        key = (partner.pk, reminder.level)
        if key not in recipients:
            recipients[key] = (
                supplier_recipients(partner)
                if reminder.level == 1
                else supplier_recipients(partner, admins_only=True) + buyer_recipients(partner)
            )
        for email in recipients[key]:
            digests[email].append(reminder.pk)
    for email, reminder_ids in sorted(digests.items()):
        digest_on_commit(tenant.pk, email, reminder_ids)
    return created


def scars_escalate(*, today: dt.date | None = None) -> int:
    """Beat's escalation over every active tenant with overdue steps (each in its own transaction);
    ``today`` replaces each tenant's today (tests). Answers the reminders created."""
    horizon = today or (timezone.now().date() + dt.timedelta(days=1))  # no zone is ahead of UTC by more than a day
    tenant_ids = (
        ScarStep.objects.filter(
            status__in=ScarStep.WAITING_SUPPLIER, scar__status=Scar.Status.OPEN, due_date__lt=horizon
        )
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    total = 0
    for tenant in Tenant.objects.filter(pk__in=list(tenant_ids), is_active=True).order_by("pk"):
        total += scars_escalate_tenant(tenant=tenant, today=today)
    return total
