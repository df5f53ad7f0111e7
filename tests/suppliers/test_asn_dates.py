"""Shipment dates by the rules of portal.dates: the ETA is a moment, ship and expiry dates are the
tenant's days; a round trip through the editor or the API changes nothing, on every path."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from portal import dates
from portal.models import Role
from suppliers.models import Asn, PurchaseOrder, rules_for
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_import import asn_import
from suppliers.services.asn_submission import asn_payload, asn_submit
from tests.api.conftest import bearer, issue
from tests.conftest import login
from tests.factories import ProductFactory, PurchaseOrderFactory, member
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages

pytestmark = pytest.mark.django_db
LA = "America/Los_Angeles"
ETA_LA = "2026-12-20T09:00:00-08:00"  # 17:00 UTC


def _tenant(world, zone=LA):
    world.a.time_zone = zone
    world.a.save()
    rules = rules_for(world.a)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    return world.a


def _order(world, name="P40001"):
    resin = ProductFactory(
        tenant=world.a, odoo_id=58, default_code="LAB-LOT-001", name="Resin", tracking="lot", uom_name="kg"
    )
    due = dt.datetime(2026, 12, 21, 3, 0, tzinfo=dt.UTC)  # 20 Dec, 19:00 in Los Angeles
    return PurchaseOrderFactory(
        partner=world.p1, name=name, date_planned=due, lines=[{"product": resin, "quantity": 10}]
    )


def _problem(response, status=400):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _editor_form(page: str) -> dict:
    """What a browser sends when the editor is saved untouched: every input as the page shows it."""
    form = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="file"' not in tag and 'type="checkbox"' not in tag:
            form[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = body
    for name, options in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        form[name] = chosen.group(1) if chosen else ""
    form.pop("csrfmiddlewaretoken", None)
    return {**form, "action": "save"}


def _eta_field(page: str) -> str:
    return re.search(r'<input type="datetime-local" id="eta" name="eta" value="([^"]*)"', page).group(1)


# --- The repro (t09b): a tenant west of UTC --------------------------------------------------


def test_an_eta_from_the_api_survives_plain_saves_in_the_editor_and_reaches_odoo_unchanged(world, client):
    _tenant(world)
    po = _order(world)
    _, secret = issue(world.p1_admin)
    api = bearer(secret)
    created = api.post("/api/v1/asns/", {"orders": [po.pk]}, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/asns/{created.json()['id']}/"
    patched = api.patch(url, {"eta": ETA_LA, "ship_date": "2026-12-18"}, format="json")
    assert patched.status_code == 200 and patched.json()["eta"] == "2026-12-20T17:00:00Z"
    asn = Asn.objects.get()

    login(client, world.p1_user)  # no zone of their own: the tenant's
    page_url = reverse("asn_detail", args=["alpha", asn.pk])
    page = client.get(page_url).content.decode()
    assert _eta_field(page) == "2026-12-20T09:00"  # shown in Los Angeles time, as it is read back
    assert "America/Los_Angeles, PST" in page
    for _ in range(3):
        page = client.get(page_url).content.decode()
        saved = client.post(page_url, _editor_form(page))
        assert saved.status_code == 302, saved.content.decode()[:2000]
    assert api.get(url).json()["eta"] == "2026-12-20T17:00:00Z"
    assert api.get(url).json()["ship_date"] == "2026-12-18"
    asn.refresh_from_db()
    assert asn.eta == dt.datetime(2026, 12, 20, 17, tzinfo=dt.UTC)
    payload = asn_payload(asn)
    assert payload["eta"] == "2026-12-20 17:00:00" and payload["time_zone"] == LA  # Odoo's naive UTC


def test_a_person_with_a_zone_of_their_own_edits_in_it_and_a_plain_save_keeps_seconds(world, client):
    _tenant(world)
    po = _order(world)
    asn = asn_create(
        membership=world.p1_user,
        po_ids=[po.pk],
        header=asn_header(world.p1_user, {"eta": "2026-12-20T09:00:30-08:00", "ship_date": ""}),
    )
    world.p1_user.user.time_zone = "Europe/Berlin"
    world.p1_user.user.save()
    login(client, world.p1_user)
    page_url = reverse("asn_detail", args=["alpha", asn.pk])
    page = client.get(page_url).content.decode()
    assert _eta_field(page) == "2026-12-20T18:00" and "Europe/Berlin, CET" in page
    assert client.post(page_url, _editor_form(page)).status_code == 302
    asn.refresh_from_db()
    assert asn.eta == dt.datetime(2026, 12, 20, 17, 0, 30, tzinfo=dt.UTC)  # not even the seconds moved
    form = _editor_form(client.get(page_url).content.decode())
    assert client.post(page_url, {**form, "eta": "2026-12-21T08:15"}).status_code == 302
    asn.refresh_from_db()
    assert asn.eta == dt.datetime(2026, 12, 21, 7, 15, tzinfo=dt.UTC)  # typed in Berlin time
    shown = client.get(reverse("asn_list", args=["alpha"])).content.decode()
    assert "21 Dec 2026 08:15 CET" in shown


def test_the_editor_refuses_impossible_times_next_to_the_field_and_keeps_the_rest(world, client):
    _tenant(world)
    asn = asn_create(
        membership=world.p1_user, po_ids=[_order(world).pk], header=asn_header(world.p1_user, {"eta": ETA_LA})
    )
    login(client, world.p1_user)
    page_url = reverse("asn_detail", args=["alpha", asn.pk])
    form = _editor_form(client.get(page_url).content.decode())
    cases = {
        "9999-12-31T23:00": "between 2000-01-01 and 2099-12-31",
        "2027-03-14T02:30": "does not exist in America/Los_Angeles",  # clocks go forward at 02:00
        "tomorrow": "is not a date and time",
    }
    for typed, message in cases.items():
        bad = client.post(page_url, {**form, "eta": typed, "carrier": "UPS"})
        body = bad.content.decode()
        assert bad.status_code == 400 and message in body and 'id="eta-error"' in body
        assert 'value="UPS"' in body and f'value="{typed}"' in body  # what was typed stays
    far = client.post(page_url, {**form, "ship_date": "9999-12-31"})
    assert far.status_code == 400 and "9999-12-31 is out of range" in far.content.decode()
    asn.refresh_from_db()
    assert asn.eta == dt.datetime(2026, 12, 20, 17, tzinfo=dt.UTC) and asn.carrier == ""


def test_an_ambiguous_wall_clock_time_is_the_first_of_the_two(world, client):
    _tenant(world)
    asn = asn_create(membership=world.p1_user, po_ids=[_order(world).pk])
    login(client, world.p1_user)
    page_url = reverse("asn_detail", args=["alpha", asn.pk])
    form = _editor_form(client.get(page_url).content.decode())
    assert client.post(page_url, {**form, "eta": "2026-11-01T01:30"}).status_code == 302
    asn.refresh_from_db()
    assert asn.eta == dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)  # 01:30 PDT, before the clocks go back
    # The second 01:30 (PST) comes from the API with its offset; a plain save keeps it.
    asn.eta = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
    asn.save()
    assert client.post(page_url, _editor_form(client.get(page_url).content.decode())).status_code == 302
    asn.refresh_from_db()
    assert asn.eta == dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)


# --- The API: offsets, wall-clock time and days alone ---------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (ETA_LA, "2026-12-20T17:00:00Z"),
        ("2026-12-20T17:00:00Z", "2026-12-20T17:00:00Z"),
        ("2026-12-20T09:00:00", "2026-12-20T17:00:00Z"),  # no offset: the dock's wall clock
        ("2026-12-20", "2026-12-20T20:00:00Z"),  # a day alone: noon at the dock
        ("2026-07-20", "2026-07-20T19:00:00Z"),  # ... in summer time too
    ],
)
def test_the_api_reads_an_eta_by_the_rules_and_answers_in_utc(world, sent, stored):
    _tenant(world)
    po = _order(world)
    _, secret = issue(world.p1_admin)
    api = bearer(secret)
    created = api.post("/api/v1/asns/", {"orders": [po.pk], "eta": sent}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["eta"] == stored
    again = api.patch(f"/api/v1/asns/{created.json()['id']}/", {"eta": stored}, format="json")
    assert again.json()["eta"] == stored  # what it answered, sent back, is the same moment


def test_a_day_alone_is_the_same_day_in_odoo_for_the_tenant(world):
    _tenant(world, "Asia/Tokyo")
    asn = asn_create(
        membership=world.p1_user, po_ids=[_order(world).pk], header=asn_header(world.p1_user, {"eta": "2026-12-20"})
    )
    assert asn_payload(asn)["eta"] == "2026-12-20 03:00:00"  # noon in Tokyo; never the evening before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"eta": "9999-12-31T23:00:00"}, "eta", "between 2000-01-01 and 2099-12-31"),
        ({"eta": "9999-12-31T23:59:59-08:00"}, "eta", "between 2000-01-01 and 2099-12-31"),
        ({"eta": "0001-01-01T00:00:00+14:00"}, "eta", "between 2000-01-01 and 2099-12-31"),
        ({"eta": "2026-12-20T25:00"}, "eta", "is not a date and time"),
        ({"eta": "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0662\u0660"}, "eta", "is not a date and time"),
        ({"eta": 20261220}, "eta", "as text"),
        ({"eta": "2027-03-14T02:30:00"}, "eta", "does not exist in America/Los_Angeles"),
        ({"ship_date": "9999-12-31"}, "ship_date", "between 2000-01-01 and 2099-12-31"),
        ({"ship_date": "2026-12-20T00:00:00"}, "ship_date", "YYYY-MM-DD"),
        ({"ship_date": "20.12.2026"}, "ship_date", "YYYY-MM-DD"),
    ],
)
def test_the_api_refuses_dates_out_of_range_or_shape_with_a_problem_never_a_500(world, body, field, message):
    _tenant(world)
    po = _order(world)
    _, secret = issue(world.p1_admin)
    api = bearer(secret)
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    errors = _problem(api.patch(f"/api/v1/asns/{asn.pk}/", body, format="json"))
    assert message in errors[field]
    errors = _problem(api.post("/api/v1/asns/", {"orders": [po.pk], **body}, format="json"))
    assert message in errors[field]
    assert Asn.objects.count() == 1


def test_expiry_and_promised_days_over_the_api_are_bounded(world):
    _tenant(world)
    po = _order(world)
    _, secret = issue(world.p1_admin)
    api = bearer(secret)
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    line = po.lines.get()
    lines = [
        {
            "order_line": line.pk,
            "quantity": "10",
            "items": [{"lot_name": "L-1", "quantity": "10", "expiry_date": "9999-12-31"}],
        }
    ]
    errors = _problem(api.patch(f"/api/v1/asns/{asn.pk}/", {"lines": lines}, format="json"))
    assert "between 2000-01-01 and 2099-12-31" in errors["lines.0.items.0.expiry_date"]
    ack = {"lines": [{"line_id": line.pk, "decision": "change", "promised_date": "9999-12-31"}]}
    errors = _problem(api.post(f"/api/v1/purchase-orders/{po.pk}/acknowledgements/", ack, format="json"))
    assert "between 2000-01-01 and 2099-12-31" in errors["lines.0.promised_date"]


def test_updated_since_is_an_instant_by_the_same_rules(world):
    _tenant(world)
    po = _order(world)
    _, secret = issue(world.p1_admin)
    api = bearer(secret)
    assert (
        "between 2000-01-01"
        in _problem(api.get("/api/v1/purchase-orders/", {"updated_since": "9999-12-31T23:00:00-08:00"}))[
            "updated_since"
        ]
    )
    PurchaseOrder.objects.filter(pk=po.pk).update(pulled_at=dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC))
    # 2026-11-23 at the dock starts at 08:00 UTC: the pull at 07:30 UTC was the day before there.
    assert api.get("/api/v1/purchase-orders/", {"updated_since": "2026-11-23"}).json()["results"] == []
    found = api.get("/api/v1/purchase-orders/", {"updated_since": "2026-11-22T23:00:00"}).json()["results"]
    assert [row["id"] for row in found] == [po.pk]


# --- Days: the tenant's today, files, documents ----------------------------------------------


def _zone_whose_day_differs_from_utc() -> tuple[str, int]:
    """A zone whose date now is not UTC's, and by how many days (UTC+14 or UTC-11 always is one)."""
    utc_today = dates.local(dt.datetime.now(dt.UTC), dt.UTC).date()
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        delta = (dates.tenant_today(name) - utc_today).days
        if delta:
            return name, delta
    raise AssertionError("one of the two zones is always on another day")


def test_ships_today_means_today_where_the_tenant_is(world):
    zone, delta = _zone_whose_day_differs_from_utc()
    tenant = _tenant(world, zone)
    today = dates.tenant_today(tenant)
    utc_today = today - dt.timedelta(days=delta)
    po = _order(world)
    statuses = {}
    for ship_date in sorted({today, utc_today}):
        asn = asn_create(
            membership=world.p1_user,
            po_ids=[po.pk],
            header=asn_header(
                world.p1_user, {"ship_date": ship_date.isoformat(), "eta": (today + dt.timedelta(days=2)).isoformat()}
            ),
        )
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            lines=asn_lines(
                [
                    {
                        "order_line": po.lines.get().pk,
                        "quantity": "1",
                        "items": [{"lot_name": f"L{ship_date}", "quantity": "1"}],
                    }
                ]
            ),
        )
        statuses[ship_date] = asn_submit(membership=world.p1_user, asn_id=asn.pk).status
    assert statuses[today] == Asn.Status.IN_TRANSIT  # it leaves today, there
    if utc_today > today:
        assert statuses[utc_today] == Asn.Status.SUBMITTED  # tomorrow, there: not on its way yet


def test_imported_expiry_dates_follow_the_day_rule(world):
    _tenant(world)
    po = _order(world)
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    csv = (
        "po,product_code,quantity,lot,expiry_date\n"
        f"{po.name},LAB-LOT-001,4,L-1,31.01.2028\n"
        f"{po.name},LAB-LOT-001,3,L-2,2028-02-29 00:00:00\n"
        f"{po.name},LAB-LOT-001,3,L-3,2028-03-01\n"
    ).encode()
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=csv, filename="lines.csv") == 3
    assert sorted(asn.items.values_list("lot_name", "expiry_date")) == [
        ("L-1", dt.date(2028, 1, 31)),
        ("L-2", dt.date(2028, 2, 29)),
        ("L-3", dt.date(2028, 3, 1)),
    ]
    for cell, message in (("9999-12-31", "between 2000-01-01 and 2099-12-31"), ("01/31/2028", "YYYY-MM-DD")):
        bad = f"po,product_code,quantity,lot,expiry_date\n{po.name},LAB-LOT-001,10,L-1,{cell}\n".encode()
        with pytest.raises(ValidationError) as caught:
            asn_import(membership=world.p1_user, asn_id=asn.pk, data=bad, filename="lines.csv")
        assert message in " ".join(caught.value.message_dict["row 2, expiry_date"])
    assert asn.items.count() == 3  # nothing of a refused file is kept


def test_documents_show_the_tenants_times_whoever_prints_them(world, client):
    _tenant(world)
    po = _order(world)
    asn = asn_create(
        membership=world.p1_user,
        po_ids=[po.pk],
        header=asn_header(world.p1_user, {"eta": ETA_LA, "ship_date": "2026-12-18"}),
    )
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        packages=asn_packages([{"kind": "carton"}]),
        lines=asn_lines(
            [
                {
                    "order_line": po.lines.get().pk,
                    "quantity": "10",
                    "items": [{"lot_name": "L-9", "quantity": "10", "package": "1", "expiry_date": "2028-01-31"}],
                }
            ]
        ),
    )
    world.p1_user.user.time_zone = "Asia/Tokyo"
    world.p1_user.user.save()
    login(client, world.p1_user)
    for kind in ("packing-slip", "labels"):
        pdf = client.get(reverse("asn_pdf", args=["alpha", asn.pk, kind]))
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "20 Dec 2026 09:00 PST" in text or "20 DEC 2026 09:00 PST" in text, text  # labels print capitals
    page = client.get(reverse("asn_detail", args=["alpha", asn.pk])).content.decode()
    assert _eta_field(page) == "2026-12-21T02:00" and "Asia/Tokyo, JST" in page  # the page is the reader's


def test_the_expected_day_of_an_order_is_the_tenants_day_for_every_reader(world, client):
    _tenant(world)
    po = _order(world)  # Odoo: 21 Dec 03:00 UTC = 20 Dec in Los Angeles
    tokyo = member(world.a, Role.SUPPLIER_USER, world.p1)
    tokyo.user.time_zone = "Asia/Tokyo"
    tokyo.user.save()
    login(client, tokyo)
    for name in ("po_detail", "po_acknowledge"):
        page = client.get(reverse(name, args=["alpha", po.pk])).content.decode()
        assert "20 Dec 2026" in page and "21 Dec 2026" not in page, name
    listing = client.get(reverse("po_list", args=["alpha"])).content.decode()
    assert "20 Dec 2026" in listing and "21 Dec 2026" not in listing


def test_odoo_gets_the_eta_in_utc_and_the_note_says_it_in_the_tenants_time(synced):
    from integrations.models import OutboxEvent
    from integrations.services.delivery import event_deliver

    tenant = synced.tenant
    tenant.time_zone = LA
    tenant.save()
    rules = rules_for(tenant)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    po = (
        PurchaseOrder.objects.filter(tenant=tenant, state="purchase", lines__product__default_code="M8-BOLT-50")
        .exclude(receipt_status="partial")
        .distinct()
        .first()
    )
    bolt = po.lines.get(product__default_code="M8-BOLT-50")
    asn = asn_create(
        membership=synced.supplier,
        po_ids=[po.pk],
        header=asn_header(synced.supplier, {"eta": ETA_LA, "ship_date": "2026-12-18"}),
    )
    asn_update(
        membership=synced.supplier,
        asn_id=asn.pk,
        lines=asn_lines([{"order_line": bolt.pk, "quantity": bolt.quantity, "items": []}]),
    )
    asn_submit(membership=synced.supplier, asn_id=asn.pk)
    assert [event_deliver(event_id=str(e.id)) for e in OutboxEvent.objects.filter(tenant=tenant, status="pending")]
    gw = synced.gw
    pickings = gw.read("purchase.order", [po.odoo_id], ["picking_ids"])[0]["picking_ids"]
    receipts = gw.read("stock.picking", pickings, ["scheduled_date", "state"])
    assert "2026-12-20 17:00:00" in {r["scheduled_date"] for r in receipts}  # 09:00 in Los Angeles
    notes = gw.search_read("mail.message", [["model", "=", "stock.picking"], ["res_id", "in", pickings]], ["body"])
    [note] = [n["body"] for n in notes if asn.number in n["body"]]
    assert "ships 18 Dec 2026, expected 20 Dec 2026 09:00 PST" in note and " UTC" not in note
