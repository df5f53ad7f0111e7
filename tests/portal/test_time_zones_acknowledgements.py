"""Acknowledgement days are the tenant's: the requested day is Odoo's date_planned where the
tenant is, "past" is the tenant's yesterday, and a promised day reaches Odoo as noon there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import dates
from suppliers.models import PurchaseOrder, PurchaseOrderLine, rules_for
from suppliers.services.acknowledgements import LineAnswer, ack_submit
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _po(tenant, partner, due: dt.datetime) -> PurchaseOrder:
    po = PurchaseOrder.objects.create(
        tenant=tenant,
        partner=partner,
        odoo_id=PurchaseOrder.objects.count() + 800,
        name=f"P0{PurchaseOrder.objects.count() + 8000}",
        state="purchase",
        receipt_status="pending",
        date_planned=due,
    )
    PurchaseOrderLine.objects.create(
        tenant=tenant,
        order=po,
        odoo_id=po.odoo_id * 10,
        description="Hex bolt M8",
        quantity=500,
        uom_name="Units",
        date_planned=due,
    )
    return po


def _evening_in_los_angeles(days_ahead: int) -> dt.datetime:
    """19:00 in Los Angeles, some days ahead: 03:00 UTC of the next day."""
    day = dates.tenant_today("America/Los_Angeles") + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(19), tzinfo=dates.zone("America/Los_Angeles")).astimezone(dt.UTC)


def test_the_requested_day_is_the_tenants_and_a_promised_day_reaches_odoo_at_noon_there(world, client):
    tenant = world.a
    tenant.time_zone = "America/Los_Angeles"
    tenant.save()
    rules = rules_for(tenant)
    rules.ack_days_late = 5
    rules.save()
    due = _evening_in_los_angeles(20)
    requested = dates.day_of(due, tenant)
    assert requested != due.date()  # UTC is already on the next day
    po = _po(tenant, world.p1, due)
    line = po.lines.get()
    login(client, world.p1_user)
    form = client.get(reverse("po_acknowledge", args=["alpha", po.pk])).content.decode()
    assert f"{requested:%a} {requested.day} {requested:%b %Y}" in form
    promised = requested + dt.timedelta(days=2)
    sent = client.post(
        reverse("po_acknowledge", args=["alpha", po.pk]),
        {f"line-{line.pk}-decision": "change", f"line-{line.pk}-promised_date": promised.isoformat()},
    )
    assert sent.status_code == 302, sent.content.decode()[:3000]
    ack = po.acknowledgements.get()
    ack_line = ack.lines.get()
    assert (ack_line.requested_date, ack_line.promised_date) == (requested, promised)
    assert ack_line.within_tolerance  # two days late, five allowed: the tenant's days, not UTC's
    payload = ack.outbox_event.payload
    noon_utc = dt.datetime.combine(promised, dt.time(12), tzinfo=dates.zone("America/Los_Angeles")).astimezone(dt.UTC)
    assert payload["line_dates"] == {str(line.odoo_id): noon_utc.strftime("%Y-%m-%d %H:%M:%S")}
    assert payload["confirmed_date"] == promised.isoformat()


def test_a_promised_day_is_past_when_the_tenants_yesterday_is_over(world):
    utc_today = dt.datetime.now(dt.UTC).date()
    zone = next(z for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago") if dates.tenant_today(z) != utc_today)
    tenant = world.a
    tenant.time_zone = zone
    tenant.save()
    rules = rules_for(tenant)
    rules.ack_days_early = 400
    rules.save()
    today = dates.tenant_today(tenant)
    po = _po(tenant, world.p1, dt.datetime.combine(today + dt.timedelta(days=30), dt.time(12), tzinfo=dt.UTC))
    line = po.lines.get()

    def answer(day):
        return ack_submit(
            membership=world.p1_user,
            po_id=po.pk,
            answers=[LineAnswer(line_id=line.pk, decision="change", promised_date=day)],
        )

    with pytest.raises(ValidationError) as caught:
        answer(today - dt.timedelta(days=2))
    assert "is in the past" in caught.value.message_dict["lines.0.promised_date"][0]
    assert answer(today - dt.timedelta(days=1)).lines.get().promised_date == today - dt.timedelta(days=1)


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31", "2026-02-30", "next week"])
def test_a_promised_day_out_of_range_or_shape_is_a_field_error(world, client, day):
    tenant = world.a
    tenant.time_zone = "Pacific/Kiritimati"  # noon there is 22:00 UTC the day before: no overflow either way
    tenant.save()
    po = _po(tenant, world.p1, _evening_in_los_angeles(20))
    line = po.lines.get()
    login(client, world.p1_user)
    page = client.post(
        reverse("po_acknowledge", args=["alpha", po.pk]),
        {f"line-{line.pk}-decision": "change", f"line-{line.pk}-promised_date": day},
    )
    body = page.content.decode()
    assert page.status_code == 400 and ("out of range" in body or "is not a date" in body)
    assert not po.acknowledgements.exists()
