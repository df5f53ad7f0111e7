"""One quantity limit on every path and backend, a maximum on every list, values of the wrong kind as
field errors, NUL refused everywhere, and web pages throttled like the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers import limits
from suppliers.api import serializers as api
from suppliers.models import AcknowledgementLine, Asn, AsnItem, AsnLine, Package, PurchaseOrderLine, ReceiptMove
from suppliers.quantities import (
    QUANTITY_DIGITS,
    QUANTITY_MAX,
    QUANTITY_PLACES,
    WEIGHT_DIGITS,
    WEIGHT_PLACES,
    NumberError,
    parse_number,
    parse_quantity,
    quantity_from_odoo,
)
from suppliers.services.asn_checks import on_asns
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_submit
from tests.api.conftest import bearer, issue
from tests.conftest import login
from tests.suppliers.inputs import asn_header, asn_lines
from tests.suppliers.test_asn_import_files import desk_order, draft

pytestmark = pytest.mark.django_db
POISON = "999999999999.9999"  # 16 digits: what SQLite cannot hold (it keeps 15)


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


# --- one definition of a quantity ------------------------------------------------------------------


def test_models_serializers_and_schema_hold_the_same_digits(client):
    quantity_fields = [
        AsnLine._meta.get_field("quantity"),
        AsnLine._meta.get_field("received_before"),
        AsnItem._meta.get_field("quantity"),
        PurchaseOrderLine._meta.get_field("quantity"),
        PurchaseOrderLine._meta.get_field("qty_received"),
        AcknowledgementLine._meta.get_field("promised_qty"),
        AcknowledgementLine._meta.get_field("requested_qty"),
        ReceiptMove._meta.get_field("quantity_expected"),
    ]
    assert {(f.max_digits, f.decimal_places) for f in quantity_fields} == {(QUANTITY_DIGITS, QUANTITY_PLACES)}
    weight = Package._meta.get_field("weight_kg")
    assert (weight.max_digits, weight.decimal_places) == (WEIGHT_DIGITS, WEIGHT_PLACES)
    inputs = [
        api.AsnLineInputSerializer().fields["quantity"],
        api.AsnItemInputSerializer().fields["quantity"],
        api.AckLineInputSerializer().fields["promised_qty"],
    ]
    assert {(f.max_digits, f.decimal_places) for f in inputs} == {(QUANTITY_DIGITS, QUANTITY_PLACES)}
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    pattern = r"^-?\d{0,11}(?:\.\d{0,4})?$"
    assert schema["AsnLineInputRequest"]["properties"]["quantity"]["pattern"] == pattern
    assert schema["AsnItemInputRequest"]["properties"]["quantity"]["pattern"] == pattern
    assert schema["AsnLine"]["properties"]["quantity"]["pattern"] == pattern
    # Every list a client sends says its maximum.
    assert schema["PatchedAsnWriteRequest"]["properties"]["lines"]["maxItems"] == limits.MAX_ASN_LINES
    assert schema["PatchedAsnWriteRequest"]["properties"]["packages"]["maxItems"] == limits.MAX_ASN_PACKAGES
    assert schema["AsnLineInputRequest"]["properties"]["items"]["maxItems"] == limits.MAX_ASN_ITEMS
    assert schema["AsnCreateRequest"]["properties"]["orders"]["maxItems"] == limits.MAX_ASN_ORDERS
    assert schema["AcknowledgementInputRequest"]["properties"]["lines"]["maxItems"] == limits.MAX_ACK_LINES


def test_the_largest_quantity_reads_back_unchanged_and_sums_of_them_too(world):
    po, asn = draft(world, nut_qty=QUANTITY_MAX)
    nut = po.lines.get(product__default_code="M8-NUT")
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        lines=asn_lines([{"order_line": nut.pk, "quantity": str(QUANTITY_MAX)}]),
    )
    assert AsnLine.objects.get(asn=asn).quantity == QUANTITY_MAX
    assert PurchaseOrderLine.objects.get(pk=nut.pk).quantity == QUANTITY_MAX
    # Three open shipments whose sum has more digits than one quantity holds: on SQLite the sum came
    # back through the quantity's own field and failed; it must read back (exactly, within the 15
    # digits SQLite keeps of any number).
    part = Decimal("60000000000.5")
    for _ in range(3):
        other = asn_create(membership=world.p1_user, po_ids=[po.pk])
        asn_update(
            membership=world.p1_user, asn_id=other.pk, lines=asn_lines([{"order_line": nut.pk, "quantity": str(part)}])
        )
    Asn.objects.exclude(pk=asn.pk).update(status=Asn.Status.SUBMITTED)
    assert on_asns([nut], exclude=asn)[nut.pk] == Decimal("180000000001.5")


def test_a_quantity_past_the_limit_is_a_field_error_on_the_api_and_poisons_nothing(world, client):
    po, asn = draft(world)
    nut = po.lines.get(product__default_code="M8-NUT")
    _, secret = issue(world.p1_admin)
    api_client = bearer(secret)
    body = {"lines": [{"order_line": nut.pk, "quantity": POISON}]}
    problem = _problem(api_client.patch(f"/api/v1/asns/{asn.pk}/", body, format="json"), 400)
    assert problem["errors"][0]["field"] == "lines.0.quantity"
    assert "The largest quantity is 99,999,999,999.9999" in problem["errors"][0]["message"]
    as_number = _problem(
        api_client.patch(
            f"/api/v1/asns/{asn.pk}/", {"lines": [{"order_line": nut.pk, "quantity": 1e12}]}, format="json"
        ),
        400,
    )
    assert as_number["errors"][0]["field"] == "lines.0.quantity"
    largest = api_client.patch(
        f"/api/v1/asns/{asn.pk}/", {"lines": [{"order_line": nut.pk, "quantity": str(QUANTITY_MAX)}]}, format="json"
    )
    assert largest.status_code == 200 and largest.json()["lines"][0]["quantity"] == str(QUANTITY_MAX)
    # What the API accepted reads back everywhere: the page, the list, the documents.
    login(client, world.p1_user)
    assert client.get(reverse("asn_detail", args=["alpha", asn.pk])).status_code == 200
    assert client.get(reverse("asn_list", args=["alpha"])).status_code == 200
    assert api_client.get("/api/v1/asns/").status_code == 200
    assert client.get(reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"])).status_code == 200


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (POISON, "The largest quantity is 99,999,999,999.9999"),
        ("١٢", "write it with the digits 0 to 9"),
        ("1e5", "scientific notation"),
        ("12.34567", "at most 4 decimals"),
        ("lots", "“lots” is not a number."),
    ],
)
def test_the_web_editor_answers_a_wrong_quantity_next_to_the_field(world, client, value, message):
    po, asn = draft(world)
    nut = po.lines.get(product__default_code="M8-NUT")
    before = list(asn.lines.values_list("order_line", "quantity"))
    login(client, world.p1_user)
    page = client.post(
        reverse("asn_detail", args=["alpha", asn.pk]),
        {"action": "save", "line-0-order_line": nut.pk, "line-0-quantity": value},
    )
    assert page.status_code == 400 and message in page.content.decode()
    assert list(asn.lines.values_list("order_line", "quantity")) == before


def test_the_web_editor_reads_numbers_in_the_pages_language_and_round_trips_them(world, client):
    po, asn = draft(world)
    resin = po.lines.get(product__default_code="LAB-LOT-001")
    url = reverse("asn_detail", args=["alpha", asn.pk])
    login(client, world.p1_user)
    form = {
        "action": "save",
        "pkg-0-kind": "pallet",
        "pkg-0-weight_kg": "1.250,5",  # German: one thousand two hundred fifty and a half
        "pkg-0-sscc": "",
        "line-0-order_line": resin.pk,
        "line-0-quantity": "1,234",  # German: one point two three four
        "line-0-item-0-lot_name": "R-1",
        "line-0-item-0-quantity": "1,234",
        "line-0-item-0-package": "1",
        "line-0-item-0-expiry_date": "",
    }
    saved = client.post(url, form, HTTP_ACCEPT_LANGUAGE="de")
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    assert asn.lines.get().quantity == Decimal("1.234") and asn.items.get().quantity == Decimal("1.234")
    assert asn.packages.get().weight_kg == Decimal("1250.5")
    shown = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'value="1,2340"' in shown  # four decimals as the page shows them: nothing to misread
    # The same value typed on an English page means a thousand two hundred thirty-four.
    client.post(
        url, {**form, "pkg-0-weight_kg": "12.5", "pkg-0-sscc": asn.packages.get().sscc}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert asn.lines.get().quantity == Decimal("1234")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("line-0-item-0-package", "²", "There is no package"),  # a digit to str.isdigit, not to int()
        ("pkg-0-weight_kg", "100000000", "The largest weight is 9,999,999.999"),  # was a 500 on PostgreSQL
        ("pkg-0-weight_kg", "12.3456", "at most 3 decimals"),
    ],
)
def test_other_numbers_of_the_editor_are_field_errors_not_server_errors(world, client, field, value, message):
    po, asn = draft(world)
    resin = po.lines.get(product__default_code="LAB-LOT-001")
    login(client, world.p1_user)
    form = {
        "action": "save",
        "pkg-0-kind": "carton",
        "pkg-0-weight_kg": "",
        "pkg-0-sscc": "",
        "line-0-order_line": resin.pk,
        "line-0-quantity": "10",
        "line-0-item-0-lot_name": "R-1",
        "line-0-item-0-quantity": "10",
        "line-0-item-0-package": "1",
        "line-0-item-0-expiry_date": "",
        field: value,
    }
    page = client.post(reverse("asn_detail", args=["alpha", asn.pk]), form)
    assert page.status_code == 400 and message in page.content.decode()


def test_the_acknowledgement_page_reads_the_promised_quantity_in_the_pages_language(world, client):
    po = desk_order(world)
    login(client, world.p1_user)
    url = reverse("po_acknowledge", args=["alpha", po.pk])
    form = {f"line-{line.pk}-decision": "accept" for line in po.lines.all()}
    nut = po.lines.get(product__default_code="M8-NUT")
    form[f"line-{nut.pk}-decision"] = "change"
    form[f"line-{nut.pk}-promised_qty"] = POISON
    page = client.post(url, form, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 400 and "Die größte Menge ist 99.999.999.999,9999" in page.content.decode()
    form[f"line-{nut.pk}-promised_qty"] = "1.999.999,5"
    assert client.post(url, form, HTTP_ACCEPT_LANGUAGE="de").status_code == 302
    assert AcknowledgementLine.objects.get(order_line=nut).promised_qty == Decimal("1999999.5")


def test_the_parse_rules_in_one_place():
    assert parse_quantity("1,234", decimal_mark=".") == 1234
    assert parse_quantity("1,234", decimal_mark=",") == Decimal("1.234")
    with pytest.raises(NumberError, match=r"could be 1234 or 1\.234"):
        parse_number("1.234")
    assert parse_quantity("0.5") == Decimal("0.5") and parse_quantity(2999.125) == Decimal("2999.125")
    for wrong in ("", "1.2.3,4,5", "--1", "1 2", "½", "Infinity", "NaN", True, None):
        with pytest.raises(NumberError):
            parse_quantity(wrong)
    # What Odoo sends (floats) is read to the same digits, and refused beyond them.
    assert quantity_from_odoo(0.1 + 0.2) == Decimal("0.3") and quantity_from_odoo(None) == 0
    with pytest.raises(NumberError, match="The largest quantity"):
        quantity_from_odoo(1e12)


# --- every list has a maximum -----------------------------------------------------------------------


def test_api_lists_past_their_maximum_are_refused_before_their_entries_are_read(world):
    po, asn = draft(world)
    _, secret = issue(world.p1_admin)
    client = bearer(secret)
    url = f"/api/v1/asns/{asn.pk}/"
    # Entries of the wrong kind past the limit: the answer names the limit, not 1,001 entry errors.
    too_many_lines = {"lines": [{"order_line": "x"}] * (limits.MAX_ASN_LINES + 1)}
    problem = _problem(client.patch(url, too_many_lines, format="json"), 400)
    assert problem["errors"] == [{"field": "lines", "message": "Ensure this field has no more than 1000 elements."}]
    problem = _problem(client.patch(url, {"packages": [{}] * (limits.MAX_ASN_PACKAGES + 1)}, format="json"), 400)
    assert problem["errors"][0]["field"] == "packages"
    nut = po.lines.get(product__default_code="M8-NUT")
    items = [{"quantity": "x"}] * (limits.MAX_ASN_ITEMS + 1)
    problem = _problem(
        client.patch(url, {"lines": [{"order_line": nut.pk, "quantity": "1", "items": items}]}, format="json"), 400
    )
    assert problem["errors"] == [
        {"field": "lines.0.items", "message": "Ensure this field has no more than 5000 elements."}
    ]
    orders = {"orders": [{"not": "an id"}] * (limits.MAX_ASN_ORDERS + 1)}
    problem = _problem(client.post("/api/v1/asns/", orders, format="json"), 400)
    assert problem["errors"] == [{"field": "orders", "message": "Ensure this field has no more than 50 elements."}]
    ack = f"/api/v1/purchase-orders/{po.pk}/acknowledgements/"
    problem = _problem(client.post(ack, {"lines": [{"line_id": 1}] * (limits.MAX_ACK_LINES + 1)}, format="json"), 400)
    assert problem["errors"][0]["field"] == "lines"


def test_a_shipment_page_refuses_more_orders_than_a_shipment_holds(world, client):
    po = desk_order(world)
    login(client, world.p1_user)
    page = client.post(reverse("asn_new", args=["alpha"]), {"orders": [po.pk] * (limits.MAX_ASN_ORDERS + 1)})
    assert page.status_code == 400 and "at most 50 purchase orders" in page.content.decode()
    assert not Asn.objects.exists()


def test_items_of_all_lines_together_have_a_maximum(world, client):
    po, asn = draft(world)
    serial = po.lines.get(product__default_code="SER-100")
    resin = po.lines.get(product__default_code="LAB-LOT-001")
    half = limits.MAX_ASN_ITEMS // 2 + 1
    lines = [
        {
            "order_line": serial.pk,
            "quantity": "1",
            "items": [{"lot_name": f"S{i}", "quantity": "1"} for i in range(half)],
        },
        {
            "order_line": resin.pk,
            "quantity": "1",
            "items": [{"lot_name": f"L{i}", "quantity": "1"} for i in range(half)],
        },
    ]
    _, secret = issue(world.p1_admin)
    problem = _problem(bearer(secret).patch(f"/api/v1/asns/{asn.pk}/", {"lines": lines}, format="json"), 400)
    assert "at most 1,000 lines and 5,000 lots" in problem["errors"][0]["message"]
    # The web editor's box of scanned serial numbers: the same limit, on the page.
    login(client, world.p1_user)
    serials = "\n".join(f"SN-{i}" for i in range(limits.MAX_ASN_ITEMS + 1))
    page = client.post(
        reverse("asn_detail", args=["alpha", asn.pk]),
        {"action": "save", "line-0-order_line": serial.pk, "line-0-quantity": "10", "line-0-serials": serials},
    )
    assert page.status_code == 400 and "5,000 lots, serial numbers and package rows" in page.content.decode()
    assert not AsnItem.objects.filter(asn=asn, lot_name__startswith="SN-").exists()


def test_submitting_costs_the_same_queries_for_ten_serials_or_five_thousand(world):
    def submit(count: int) -> int:
        po = desk_order(world, name=f"P{count:05d}")
        PurchaseOrderLine.objects.filter(order=po, product__default_code="SER-100").update(quantity=count)
        serial = po.lines.get(product__default_code="SER-100")
        asn = asn_create(
            membership=world.p1_user,
            po_ids=[po.pk],
            header=asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-03 08:00"}),
        )
        items = [{"lot_name": f"{po.name}-SN-{i}", "quantity": "1"} for i in range(count)]
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            lines=asn_lines([{"order_line": serial.pk, "quantity": str(count), "items": items}]),
        )
        with CaptureQueriesContext(connection) as queries:
            asn_submit(membership=world.p1_user, asn_id=asn.pk)
        return len(queries)

    small, large = submit(10), submit(limits.MAX_ASN_ITEMS)
    # Serial numbers are looked up in chunks (SQLite binds a few thousand parameters at most).
    assert large <= small + limits.MAX_ASN_ITEMS // 500, (small, large)


# --- NUL and other characters no field holds --------------------------------------------------------


def test_nul_is_refused_on_every_web_form_and_nothing_is_stored(world, client):
    po, asn = draft(world)
    login(client, world.p1_user)
    editor = client.post(reverse("asn_detail", args=["alpha", asn.pk]), {"action": "save", "carrier": "DH\x00L"})
    assert editor.status_code == 400 and "NUL character" in editor.content.decode()
    asn.refresh_from_db()
    assert asn.carrier == ""
    message = client.post(reverse("po_message", args=["alpha", po.pk]), {"body": "Hello\x00"})
    assert message.status_code == 400 and not po.messages.exists()
    ack = client.post(reverse("po_acknowledge", args=["alpha", po.pk]), {"accept_all": "1", "comment": "ok\x00"})
    assert ack.status_code == 400 and not po.acknowledgements.exists()
    search = client.get(reverse("asn_list", args=["alpha"]), {"status": "draft\x00"})
    assert search.status_code == 400


def test_nul_is_refused_by_the_services_and_the_api_as_field_errors(world):
    from django.core.exceptions import ValidationError

    from suppliers.services.po_messages import po_message_post

    po, asn = draft(world)
    with pytest.raises(ValidationError) as caught:
        po_message_post(membership=world.p1_user, po_id=po.pk, body="Truck at 9\x00")
    assert "control character (U+0000)" in caught.value.message_dict["body"][0]
    _, secret = issue(world.p1_admin)
    problem = _problem(bearer(secret).patch(f"/api/v1/asns/{asn.pk}/", {"carrier": "DH\x00L"}, format="json"), 400)
    assert problem["errors"][0]["field"] == "carrier"


# --- web pages throttled like the API ---------------------------------------------------------------


@pytest.fixture
def tight_rates(settings):
    settings.PORTAL_WEB_RATES = {"pages": "5/min", "documents": "2/min", "imports": "1/min"}


def test_pages_answer_429_past_the_budget_with_when_to_come_back(world, client, tight_rates):
    login(client, world.p1_user)
    url = reverse("asn_list", args=["alpha"])
    assert [client.get(url).status_code for _ in range(5)] == [200] * 5
    refused = client.get(url)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert "Try again in" in refused.content.decode()
    # Another person is not held up by the first one's budget, and the API keeps its own.
    other = login(type(client)(), world.p1_admin)
    assert other.get(url).status_code == 200
    _, secret = issue(world.p1_admin)
    assert all(bearer(secret).get("/api/v1/asns/").status_code == 200 for _ in range(6))


def test_pdfs_and_imports_spend_budgets_of_their_own_and_404s_spend_nothing(world, client, tight_rates):
    _po, asn = draft(world)
    intruder = login(type(client)(), world.p2_user)
    for _ in range(3):
        assert intruder.get(reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"])).status_code == 404
    login(client, world.p1_user)
    slip = reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"])
    assert [client.get(slip).status_code for _ in range(3)] == [200, 200, 429]
    import io

    upload = io.BytesIO(b"po,product_code,quantity\nP00011,M8-NUT,5\n")
    upload.name = "lines.csv"
    assert client.post(reverse("asn_import", args=["alpha", asn.pk]), {"file": upload}).status_code == 302
    upload.seek(0)
    assert client.post(reverse("asn_import", args=["alpha", asn.pk]), {"file": upload}).status_code == 429


# --- values of the wrong kind, anywhere ----------------------------------------------------------------

WRONG = ["a\x00b", "²", "١٢", "abc", "9" * 40, "1" * 5000, "-1", "1e400", "NaN", "\u00a0", "\u200b", "", "1,5"]


def test_no_value_of_the_wrong_kind_gets_a_server_error_from_a_page(world):
    from django.test import Client

    po, asn = draft(world)
    line = po.lines.first()
    client = login(Client(raise_request_exception=False), world.p1_user)
    detail = reverse("asn_detail", args=["alpha", asn.pk])
    answers = []
    for v in WRONG:
        editor = {f"line-0-{f}": v for f in ("order_line", "quantity", "serials", "serials_package")}
        editor |= {f"line-0-item-0-{f}": v for f in ("quantity", "package", "lot_name", "expiry_date")}
        editor |= {
            "action": "save",
            "ship_date": v,
            "eta": v,
            "carrier": v,
            "pkg-0-kind": "carton",
            "pkg-0-weight_kg": v,
        }
        answers += [
            client.post(reverse("asn_new", args=["alpha"]), {"orders": [v]}),
            client.post(detail, editor),
            client.post(detail, {"action": "attach", "line": v, "kind": v, "lot_name": v}),
            client.post(detail, {"action": v}),
            client.post(
                reverse("po_acknowledge", args=["alpha", po.pk]),
                {f"line-{line.pk}-decision": "change", f"line-{line.pk}-promised_qty": v, "comment": v},
            ),
            client.post(reverse("po_message", args=["alpha", po.pk]), {"body": v}),
            client.get(reverse("asn_list", args=["alpha"]), {"q": v, "status": v, "page": v}),
            client.get(reverse("po_list", args=["alpha"]), {"q": v, "status": v, "sort": v, "page": v}),
            client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]), {"size": v}),
        ]
    assert [a.status_code for a in answers if a.status_code >= 500] == []


def test_no_value_of_the_wrong_kind_gets_a_server_error_from_the_api(world):
    import io

    po, asn = draft(world)
    line = po.lines.first()
    _, secret = issue(world.p1_admin)
    client = bearer(secret)
    answers = []
    for v in [*WRONG, 1e308, True, None, [], {}, 10**30]:
        for body in (
            {"lines": [{"order_line": line.pk, "quantity": v}]},
            {"lines": [{"order_line": v, "quantity": "1"}]},
            {"lines": [{"order_line": line.pk, "quantity": "1", "items": [{"quantity": v, "package": v}]}]},
            {"packages": [{"kind": "carton", "weight_kg": v}]},
            {"carrier": v, "note": v},
        ):
            answers.append(client.patch(f"/api/v1/asns/{asn.pk}/", body, format="json"))
        ack = {"lines": [{"line_id": line.pk, "decision": "change", "promised_qty": v}]}
        answers.append(client.post(f"/api/v1/purchase-orders/{po.pk}/acknowledgements/", ack, format="json"))
        answers.append(client.post("/api/v1/asns/", {"orders": [v]}, format="json"))
        if isinstance(v, str):
            upload = io.BytesIO(
                f"po,product_code,quantity,package,lot,expiry_date\nP00011,M8-NUT,{v},{v},{v},{v}\n".encode()
            )
            upload.name = "lines.csv"
            answers.append(client.post(f"/api/v1/asns/{asn.pk}/import/", {"file": upload}, format="multipart"))
    assert [(a.status_code, a.content[:200]) for a in answers if a.status_code >= 500] == []
    assert {a.status_code for a in answers} <= {200, 201, 400, 404, 409}
