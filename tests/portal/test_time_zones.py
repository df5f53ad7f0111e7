"""Time zones: one rule per date field (portal.dates), each person's own zone on every page,
and the tenant's zone for its days, documents and Odoo."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.db import models
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import dates
from portal.models import AuditEntry, Role
from suppliers.models import PurchaseOrder
from tests.api.conftest import bearer, issue, make_order
from tests.conftest import login
from tests.factories import member
from tests.scope import ScopeCase, assert_scoped

LA = dates.zone("America/Los_Angeles")
UTC = dt.UTC


# --- The rules, written once ---------------------------------------------------------------


def test_every_day_field_has_a_rule_and_every_rule_names_a_field():
    for app in ("portal", "suppliers", "integrations", "quality"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.DateField):
                    rule = dates.rule_of(field)  # a day without a rule raises
                    assert rule in (dates.INSTANT, dates.DAY, dates.ODOO_DAY)
                    assert (rule == dates.DAY) == (not isinstance(field, models.DateTimeField)), field
    for key in dates.FIELDS:
        app, model, name = key.split(".")
        apps.get_model(app, model)._meta.get_field(name)  # raises for a field that does not exist


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-20T09:00:00-08:00", dt.datetime(2026, 12, 20, 17, tzinfo=UTC)),
        ("2026-12-20T17:00:00Z", dt.datetime(2026, 12, 20, 17, tzinfo=UTC)),
        ("2026-12-20t17:00z", dt.datetime(2026, 12, 20, 17, tzinfo=UTC)),
        ("2026-12-20T22:30+0530", dt.datetime(2026, 12, 20, 17, tzinfo=UTC)),
        ("2026-12-20T09:00", dt.datetime(2026, 12, 20, 17, tzinfo=UTC)),  # wall clock where read
        ("2026-12-20 09:00:30.25", dt.datetime(2026, 12, 20, 17, 0, 30, 250000, tzinfo=UTC)),
        ("2026-12-20", dt.datetime(2026, 12, 20, 20, tzinfo=UTC)),  # a day alone: noon
        ("2026-06-20", dt.datetime(2026, 6, 20, 19, tzinfo=UTC)),  # noon in summer time
        ("2026-11-01T01:30", dt.datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),  # twice that night: the first
        ("2000-01-01T00:00", dt.datetime(2000, 1, 1, 8, tzinfo=UTC)),
        ("2099-12-31T23:59-08:00", dt.datetime(2100, 1, 1, 7, 59, tzinfo=UTC)),
        ("", None),
    ],
)
def test_an_instant_is_read_by_the_rules(text, expected):
    assert dates.parse_instant(text, wall_zone=LA) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999-12-31T23:00", "out of range"),
        ("1999-12-31T23:00Z", "out of range"),
        ("2027-03-14T02:30", "does not exist in America/Los_Angeles"),
        ("2026-02-30T10:00", "is not a date and time"),
        ("20.12.2026 10:00", "is not a date and time"),
        ("\u0662\u0660\u0662\u0666-\u0661\u0662-\u0662\u0660T09:00", "is not a date and time"),  # ASCII digits only
        ("2026-12-20T09:00+25:00", "is not a date and time"),
        ("2026-W51", "is not a date and time"),
    ],
)
def test_an_instant_out_of_shape_or_range_is_refused_with_what_to_give(text, message):
    with pytest.raises(dates.DateInputError, match=message):
        dates.parse_instant(text, wall_zone=LA)


def test_a_form_keeps_the_moment_it_showed_when_the_text_is_unchanged():
    stored = dt.datetime(2026, 11, 1, 9, 30, 45, tzinfo=UTC)  # 01:30:45 PST, the second 01:30 that night
    shown = dates.form_value(stored, LA)
    assert shown == "2026-11-01T01:30"
    assert dates.parse_instant(shown, wall_zone=LA, keep=stored) == stored
    assert dates.parse_instant(shown, wall_zone=LA) == dt.datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(dates.DateInputError, match="not readable"):
        dates.parse_instant(dates.Refused("x", "not readable"), wall_zone=LA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2028-01-31", dt.date(2028, 1, 31)),
        ("2028-01-31 00:00:00", dt.date(2028, 1, 31)),  # as ERP exports write a day
        ("2028-01-31T00:00", dt.date(2028, 1, 31)),
        ("31.01.2028", dt.date(2028, 1, 31)),
        (dt.date(2028, 1, 31), dt.date(2028, 1, 31)),
        (dt.datetime(2028, 1, 31, 0, 0), dt.date(2028, 1, 31)),  # an Excel cell
        (dt.datetime(2028, 1, 31, 6, 0, tzinfo=UTC), dt.date(2028, 1, 30)),  # 30 Jan where the tenant is
        (" ", None),
    ],
)
def test_a_day_is_read_by_the_rules(text, expected):
    assert dates.parse_day(text, tenant="America/Los_Angeles") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999-12-31", "9999-12-31 is out of range; give a date between 2000-01-01 and 2099-12-31"),
        ("1900-01-01", "out of range"),
        ("2028-01-31T10:00", "is not a date"),
        ("01/31/2028", "use YYYY-MM-DD"),
        ("2027-02-29", "is not a date"),
        ("\u0662\u0660\u0662\u0668-\u0660\u0661-\u0663\u0661", "is not a date"),
    ],
)
def test_a_day_out_of_shape_or_range_is_refused(text, message):
    with pytest.raises(dates.DateInputError, match=message):
        dates.parse_day(text)


def test_days_and_instants_travel_to_and_from_odoo_in_utc():
    assert dates.odoo_noon(dt.date(2026, 12, 20), "America/Los_Angeles") == "2026-12-20 20:00:00"
    assert dates.odoo_noon(dt.date(2026, 12, 20), "Asia/Tokyo") == "2026-12-20 03:00:00"
    assert dates.odoo_noon("2026-12-20", "Pacific/Kiritimati") == "2026-12-19 22:00:00"
    assert dates.odoo_noon(None, "UTC") is None
    moment = dt.datetime(2026, 12, 20, 9, tzinfo=LA)
    assert dates.to_odoo(moment) == "2026-12-20 17:00:00"
    assert dates.from_odoo("2026-12-20 17:00:00") == moment and dates.from_odoo(False) is None
    # The day an Odoo date_planned means is the tenant's day, not UTC's.
    assert dates.day_of(dates.from_odoo("2026-12-21 03:00:00"), "America/Los_Angeles") == dt.date(2026, 12, 20)


def test_a_bad_zone_name_never_breaks_a_page_and_is_refused_where_it_is_set():
    assert dates.zone("Mars/Olympus_Mons") is UTC and dates.zone("") is UTC
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not a time zone"):
        dates.validate_time_zone("Mars/Olympus_Mons")
    dates.validate_time_zone("US/Pacific")  # old names are still zones
    assert "Europe/Berlin" in dates.zone_names() and "UTC" in dates.zone_names()


def test_template_filters_show_moments_in_the_viewers_zone_and_survive_year_9999():
    template = Template(
        "{% load portal_dates %}{{ when|instant }}|{{ when|instant:'H:i' }}|{{ odoo|day_of:tenant|date:'Y-m-d' }}|"
        "{{ when|datetime_local }}|{{ far|instant:'Y-m-d H:i' }}|{{ stamp|instant:'Y-m-d H:i' }}"
    )
    context = Context(
        {
            "when": dt.datetime(2026, 12, 20, 17, tzinfo=UTC),
            "odoo": dt.datetime(2026, 12, 21, 3, tzinfo=UTC),
            "tenant": type("T", (), {"time_zone": "America/Los_Angeles"})(),
            "far": dt.datetime(9999, 12, 31, 20, tzinfo=UTC),
            "stamp": "2026-12-20T17:00:00+00:00",
        }
    )
    with timezone.override(dates.zone("Asia/Tokyo")):
        assert template.render(context) == (
            "21 Dec 2026 02:00 JST|02:00 JST|2026-12-20|2026-12-21T02:00|9999-12-31 20:00 UTC|2026-12-21 02:00 JST"
        )


# --- Each person's zone on the pages; UTC on the API -------------------------------------------


@pytest.fixture
def la_world(world):
    world.a.time_zone = "America/Los_Angeles"
    world.a.save()
    return world


@pytest.mark.django_db
def test_people_see_times_in_their_own_zone_else_the_tenants(la_world, client):
    po = make_order(la_world.a, la_world.p1, "P50003")
    PurchaseOrder.objects.filter(pk=po.pk).update(date_approve=dt.datetime(2026, 12, 20, 17, tzinfo=UTC))
    url = reverse("po_detail", args=["alpha", po.pk])
    admin = la_world.a_admin
    login(client, admin)
    assert "20 Dec 2026 09:00 PST" in client.get(url).content.decode()
    admin.user.time_zone = "Europe/Berlin"
    admin.user.save()
    assert "20 Dec 2026 18:00 CET" in client.get(url).content.decode()
    audit = client.get(reverse("audit_list", args=["alpha"])).content.decode()
    assert re.search(r"[0-9] CES?T</a>", audit) and "(UTC)" not in audit  # the trail names its zone
    assert timezone.get_current_timezone_name() == "UTC"  # nothing leaks out of the request


@pytest.mark.django_db
def test_the_zone_is_named_in_the_account_menu_and_set_on_the_profile_page(la_world, client):
    supplier = la_world.p1_user
    login(client, supplier)
    url = reverse("profile", args=["alpha"])
    menu = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    assert f'href="{url}"' in menu and "Time zone: America/Los_Angeles" in menu
    page = client.get(url).content.decode()
    assert "Same as Alpha Industries (America/Los_Angeles)" in page and "America/Los_Angeles" in page
    bad = client.post(url, {"time_zone": "Mars/Olympus_Mons"})
    assert bad.status_code == 200 and "Mars/Olympus_Mons is not one of the available choices" in bad.content.decode()
    done = client.post(url, {"time_zone": "Asia/Tokyo"}, follow=True)
    assert "Times are now shown in Asia/Tokyo." in done.content.decode()
    supplier.user.refresh_from_db()
    assert supplier.user.time_zone == "Asia/Tokyo"
    entry = AuditEntry.objects.get(action="user.time_zone_set")
    assert entry.actor == supplier.user and entry.changes == {"time_zone": [None, "Asia/Tokyo"]}
    assert "Time zone: Asia/Tokyo" in client.get(url).content.decode()
    client.post(url, {"time_zone": ""})  # back to the tenant's
    supplier.user.refresh_from_db()
    assert supplier.user.time_zone == "" and AuditEntry.objects.filter(action="user.time_zone_set").count() == 2


@pytest.mark.django_db
def test_the_tenant_admin_sets_the_tenants_zone_and_nobody_else_does(la_world, client):
    url = reverse("collaboration_settings", args=["alpha"])
    login(client, la_world.a_admin)
    form = {
        "ack_days_early": 3,
        "ack_days_late": 1,
        "ack_qty_under_pct": 0,
        "ack_qty_over_pct": 0,
        "asn_qty_over_pct": 5,
        "gs1_company_prefix": "",
    }
    assert client.post(url, {**form, "time_zone": "Mars/Olympus_Mons"}).status_code == 200
    la_world.a.refresh_from_db()
    assert la_world.a.time_zone == "America/Los_Angeles"
    assert client.post(url, {**form, "time_zone": "Europe/Berlin"}).status_code == 302
    la_world.a.refresh_from_db()
    assert la_world.a.time_zone == "Europe/Berlin"
    login(client, la_world.p1_admin)
    assert client.post(url, {**form, "time_zone": "UTC"}).status_code == 404


@pytest.mark.django_db
def test_the_api_answers_in_utc_whatever_zone_its_user_or_tenant_has(la_world):
    po = make_order(la_world.a, la_world.p1, "P50001")
    PurchaseOrder.objects.filter(pk=po.pk).update(date_planned=dt.datetime(2026, 12, 21, 3, tzinfo=UTC))
    token, secret = issue(la_world.p1_admin)
    token.membership.user.time_zone = "Asia/Tokyo"
    token.membership.user.save()
    body = bearer(secret).get(f"/api/v1/purchase-orders/{po.pk}/").json()
    assert body["date_planned"] == "2026-12-21T03:00:00Z"


@pytest.mark.django_db
def test_a_moment_from_odoo_near_year_9999_is_shown_not_a_500(la_world, client):
    po = make_order(la_world.a, la_world.p1, "P50002")
    far = dt.datetime(9999, 12, 31, 20, tzinfo=UTC)
    PurchaseOrder.objects.filter(pk=po.pk).update(date_planned=far, date_approve=far)
    po.lines.update(date_planned=far)
    tokyo = member(la_world.a, Role.SUPPLIER_USER, la_world.p1)
    tokyo.user.time_zone = "Asia/Tokyo"  # 05:00 on 1 January 10000 there
    tokyo.user.save()
    login(client, tokyo)
    for name in ("po_detail", "po_acknowledge"):
        assert client.get(reverse(name, args=["alpha", po.pk])).status_code == 200, name
    assert client.get(reverse("po_list", args=["alpha"])).status_code == 200
    la_world.a.time_zone = "Pacific/Kiritimati"
    la_world.a.save()
    assert client.get(reverse("po_detail", args=["alpha", po.pk])).status_code == 200
    pdf = client.get(reverse("po_pdf", args=["alpha", po.pk]))  # the tenant's zone, past 9999 too
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_the_profile_page_is_each_persons_own_and_another_tenants_people_get_404(la_world):
    owner = la_world.p1_user
    owner.user.time_zone = "Asia/Kolkata"
    owner.user.save()
    assert_scoped(
        ScopeCase(
            reverse("profile", args=["alpha"]),
            owner,
            [la_world.b_admin, la_world.q1_admin],
            ["Asia/Kolkata", owner.user.email],
            swap_tenant=False,
        )
    )
    # A colleague's own page shows their own settings, never another person's.
    client = login(Client(), la_world.p1_admin)
    page = client.get(reverse("profile", args=["alpha"])).content.decode()
    assert "Asia/Kolkata" not in page.split("<select")[0] and owner.user.email not in page
