"""Right-to-left text, bidi controls, combining marks and emoji in names, lots, carriers and messages
(issue 16: "nothing may break for a user whose name or lot number contains RTL characters")."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from suppliers.models import rules_for
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_import import asn_import
from suppliers.services.asn_submission import asn_submit
from tests.conftest import login
from tests.factories import ProductFactory, PurchaseOrderFactory
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages

pytestmark = pytest.mark.django_db
SOON = datetime.now(UTC) + timedelta(days=10)
HEBREW = "שלום"
ARABIC = "مرحبا"
RLO = "\u202e"
NAME = f"{HEBREW} {RLO}Evil Corp"  # an override left open
ODD = "Ame\u0301lie \U0001f4e6 " + ARABIC  # combining acute, an emoji, Arabic


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _overrides_left_open(html: str) -> list[str]:
    """Each embedding/override/isolate that is not closed before the next tag or the end: the text of
    the note that follows it would be shown reordered."""
    found = []
    html = html.replace("<br>", "\n")  # a line break inside one text is still that text
    for match in re.finditer("[\u202a-\u202e\u2066-\u2068]", html):
        rest = html[match.end() :]
        end = rest.find("<")
        segment = rest if end < 0 else rest[:end]
        if "\u202c" not in segment and "\u2069" not in segment:
            found.append(segment[:60])
    return found


def _order(world):
    tenant = world.a
    rules = rules_for(tenant)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    world.p1.name = NAME
    world.p1.language = "de"
    world.p1.save()
    user = world.p1_admin.user
    user.first_name, user.last_name = ARABIC, f"{HEBREW}{RLO}"
    user.save()
    resin = ProductFactory(
        tenant=tenant, odoo_id=58, default_code="RESIN", name=f"Harz {ARABIC}", tracking="lot", uom_name="kg"
    )
    return PurchaseOrderFactory(
        partner=world.p1,
        odoo_id=441,
        name="P00441",
        date_planned=SOON,
        lines=[{"product": resin, "description": "Resin", "quantity": 30}],
    )


def _asn(world, po, lot):
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    asn_update(
        membership=world.p1_admin,
        asn_id=asn.pk,
        header=asn_header(
            world.p1_admin,
            {
                "ship_date": SOON.date().isoformat(),
                "eta": SOON.date().isoformat() + "T09:30",
                "carrier": f"{ARABIC} Express",  # an override in a carrier is refused (it prints on labels)
                "tracking_number": "1Z999",
                "note": f"{HEBREW} {ODD}",
            },
        ),
        packages=asn_packages([{"kind": "pallet"}]),
        lines=asn_lines(
            [
                {
                    "order_line": po.lines.get().pk,
                    "quantity": "30",
                    "items": [{"lot_name": lot, "quantity": "30", "package": "1"}],
                }
            ]
        ),
    )
    return asn


@pytest.mark.parametrize("lot", [f"{HEBREW}-17", f"LOT{RLO}71", "LOT-e\u0301-\U0001f4e6", f"\u2067{ARABIC}\u2069-9"])
def test_an_rtl_or_odd_lot_is_kept_or_refused_as_a_field_never_a_crash(client, world, lot):
    po = _order(world)
    try:
        asn = _asn(world, po, lot)
        asn = asn_submit(membership=world.p1_admin, asn_id=asn.pk)
    except ValidationError as exc:  # a clear field error is fine
        assert any("lot" in key for key in exc.message_dict), exc.message_dict
        return
    login(client, world.p1_admin)
    for kind in ("packing-slip", "labels"):
        response = client.get(reverse("asn_pdf", args=["alpha", asn.pk, kind]))
        assert response.status_code == 200, (kind, response.content[:300])
        assert response.content.startswith(b"%PDF")
    detail = client.get(reverse("asn_detail", args=["alpha", asn.pk]))
    assert detail.status_code == 200
    assert lot in detail.content.decode()


def test_rtl_names_carrier_and_note_render_on_pages_and_in_german_pdfs(client, world):
    po = _order(world)
    asn = asn_submit(membership=world.p1_admin, asn_id=_asn(world, po, "LOT-1").pk)
    login(client, world.p1_admin)
    page = client.get(reverse("asn_detail", args=["alpha", asn.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{ARABIC} Express" in html
    slip = client.get(reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"]))
    assert slip.status_code == 200
    text = _text(slip.content)
    assert "Lieferschein" in text or "Packliste" in text, text[:300]
    assert "LOT-1" in text and "1Z999" in text
    labels = client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]))
    assert labels.status_code == 200


@pytest.mark.parametrize(
    "query", [HEBREW, ARABIC, RLO, f"{RLO}P00441", "\u2066", "e\u0301", "\U0001f4e6", "\x00", "%", "\ud800"[:0] + "_"]
)
def test_the_search_box_takes_rtl_and_controls(client, world, query):
    _order(world)
    login(client, world.p1_admin)
    for name in ("po_list", "asn_list"):
        response = client.get(reverse(name, args=["alpha"]), {"q": query}, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code in (200, 400), (name, query, response.status_code)


def test_a_hebrew_po_list_shows_the_partner_and_product(client, world):
    _order(world)
    login(client, world.a_buyer)
    response = client.get(reverse("po_list", args=["alpha"]), {"q": HEBREW})
    assert response.status_code == 200
    assert "P00441" in response.content.decode()


def test_csv_import_with_arabic_lots_and_a_decimal_comma(world):
    po = _order(world)
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    data = (
        "po;product_code;quantity;uom;lot;expiry_date;package;values\n"
        f"P00441;RESIN;12,5;kg;{ARABIC}-1;;1;\n"
        f"P00441;RESIN;17,5;kg;{HEBREW}-2;;1;\n"
    ).encode("utf-8-sig")
    assert asn_import(membership=world.p1_admin, asn_id=asn.pk, data=data, filename="lines.csv") == 2
    lots = sorted(item.lot_name for line in asn.lines.all() for item in line.items.all())
    assert lots == sorted([f"{ARABIC}-1", f"{HEBREW}-2"])
    total = sum(line.quantity for line in asn.lines.all())
    assert str(total).startswith("30")


def test_an_import_row_without_a_quantity_says_so_in_german(world):
    """``asn_import._Plan._quantity`` writes the bare English "Required." into a German supplier's errors."""
    from django.utils import translation

    po = _order(world)
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    data = b"po,product_code,quantity,lot,package\nP00441,RESIN, ,LOT-1,1\n"
    with translation.override("de"), pytest.raises(ValidationError) as caught:
        asn_import(membership=world.p1_admin, asn_id=asn.pk, data=data, filename="lines.csv")
    messages = [m for ms in caught.value.message_dict.values() for m in ms]
    assert "Required." not in messages, caught.value.message_dict
    assert "This field is required." not in messages


# -- notes posted in Odoo: an override in a supplier's text stays inside it -------------------------


def _payload(partner=NAME, carrier=f"{ARABIC} {RLO}Express", lot=f"LOT{RLO}71"):
    return {
        "number": "ASN-00001",
        "partner": partner,
        "ship_date": SOON.date().isoformat(),
        "eta": SOON.strftime("%Y-%m-%d %H:%M:%S"),
        "time_zone": "Europe/Berlin",
        "carrier": carrier,
        "tracking_number": f"1Z{RLO}999",
        "packages": [f"PKG{RLO}1"],
        "lines": [
            {"po_name": "P00441", "quantity": "30", "uom": "kg", "product": f"Harz{RLO}", "lots": [{"name": lot}]}
        ],
    }


def _isolated(body: str, value: str) -> bool:
    """Whether ``value`` (text with an override) appears only inside its own bidi isolate (FSI ... PDI),
    so that the note's words after it are not reordered (as ``po_messages`` does with ``notes.isolated``)."""
    from django.utils.html import escape

    shown = escape(value)
    return shown in body and body.count(shown) == body.count(f"\u2068{shown}\u2069")


def test_the_asn_note_isolates_a_partner_name_carrier_and_lot_with_an_override(world):
    """``integrations/handlers/shipments.py`` ``_submitted_note``: "<b>שלום \u202eEvil Corp announced shipment
    ASN-00001</b>" displays the words after the name reversed in Odoo's chatter."""
    from integrations.handlers.shipments import _submitted_note

    payload = _payload()
    body = _submitted_note(payload, [])
    assert "ASN-00001" in body
    for value in (payload["partner"], payload["carrier"], payload["tracking_number"], "LOT\u202e71", "PKG\u202e1"):
        assert _isolated(body, value), (value, body)


def test_the_asn_cancelled_note_isolates_the_partner(world):
    from integrations.handlers.notes import render_note

    body = render_note("asn_cancelled.html", partner=NAME, number="ASN-00001", reason="late")
    assert _isolated(body, NAME), body


def test_the_ack_review_activity_isolates_the_supplier(world):
    from integrations.handlers.notes import render_note

    body = render_note("po_ack_review.html", supplier=NAME, version=2, summary=[])
    assert _isolated(body, NAME), body


def test_the_po_message_note_isolates_author_and_text(world):
    from integrations.handlers.notes import isolated, render_note

    body = render_note("po_message.html", author=isolated(NAME), text=isolated(f"{RLO}hello"), at=None)
    assert _isolated(body, NAME) and _isolated(body, f"{RLO}hello"), body
    assert _overrides_left_open(body) == [], body


# -- 3. decimal marks typed on pages -------------------------------------------------------------

from decimal import Decimal  # noqa: E402

from django.utils import translation  # noqa: E402


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("de", "1.234,5", "1234.5"),
        ("de", "1,234", "1.234"),  # the German decimal comma
        ("de", "1.234", "1234"),
        ("de", "1234,5", "1234.5"),
        ("fr", "1\u00a0234,5", "1234.5"),
        ("fr", "1\u202f234,5", "1234.5"),
        ("fr", "1 234,5", "1234.5"),
        ("fr", "1,234", "1.234"),
        ("fr", "1\u202f234", "1234"),
        ("en", "1,234.5", "1234.5"),
        ("en", "1,234", "1234"),
        ("en", "1.234", "1.234"),
        ("es", "1.234,5", "1234.5"),
        ("es", "1,234", "1.234"),
    ],
)
def test_a_quantity_typed_as_the_page_language_writes_it(language, typed, expected):
    from suppliers.forms.fields import QuantityField

    with translation.override(language):
        assert QuantityField().clean(typed) == Decimal(expected)


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
@pytest.mark.parametrize("value", ["2.125", "1234.5", "1500", "0.0005", "99999999999.9999", "12345.678"])
def test_a_quantity_shown_in_a_form_reads_back_as_itself(language, value):
    """The editor fills its inputs with ``asn_views._number``; posting them unchanged must not change them."""
    from suppliers.asn_views import _number
    from suppliers.forms.fields import QuantityField

    with translation.override(language):
        shown = _number(Decimal(value))
        assert QuantityField().clean(shown) == Decimal(value), shown


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
@pytest.mark.parametrize("value", ["2.125", "1234.5", "12345.678"])
def test_a_quantity_shown_grouped_reads_back_as_itself(language, value):
    """What ``|qty`` shows (grouped, e.g. as a placeholder or in a table) pasted back into an input."""
    from portal import l10n
    from suppliers.forms.fields import QuantityField

    with translation.override(language):
        shown = l10n.qty(value)
        assert QuantityField().clean(shown) == Decimal(value), shown


# -- 4. a supplier west of UTC -------------------------------------------------------------------


def test_a_los_angeles_supplier_sees_and_promises_the_tenants_day(world, client):
    """Berlin tenant; the PO is due 00:30 Berlin on day D (23:30 UTC, 15:30 in Los Angeles the day before).
    The supplier in Los Angeles, on a German page, sees day D, promises D+3 with a decimal comma, and
    the buyer in Berlin reads D+3; Odoo gets D+3 at noon Berlin."""
    import datetime as dt
    import zoneinfo

    from suppliers.models import Acknowledgement

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    world.a.time_zone = "Europe/Berlin"
    world.a.save()
    day = (datetime.now(UTC) + timedelta(days=20)).date()
    due = dt.datetime.combine(day, dt.time(0, 30), tzinfo=berlin)
    po = PurchaseOrderFactory(
        partner=world.p1,
        name="P07111",
        date_planned=due,
        lines=[{"product": None, "description": "Hex bolt M8", "quantity": 500, "date_planned": due}],
    )
    supplier = world.p1_user.user
    supplier.time_zone, supplier.language = "America/Los_Angeles", "de"
    supplier.save()
    login(client, world.p1_user)
    german = day.strftime("%d.%m.%Y")
    before = (day - timedelta(days=1)).strftime("%d.%m.%Y")
    for name in ("po_list", "po_detail", "po_acknowledge"):
        args = ["alpha"] if name == "po_list" else ["alpha", po.pk]
        page = client.get(reverse(name, args=args)).content.decode()
        assert german in page, name
        assert before not in page, name
    line = po.lines.get()
    promised = day + timedelta(days=3)
    response = client.post(
        reverse("po_acknowledge", args=["alpha", po.pk]),
        {
            f"line-{line.pk}-decision": "change",
            f"line-{line.pk}-promised_date": promised.isoformat(),
            f"line-{line.pk}-promised_qty": "450,5",
            "comment": f"{HEBREW} {RLO}x",
        },
        follow=True,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    ack = Acknowledgement.objects.get()
    stored = ack.lines.get()
    assert stored.promised_date == promised and str(stored.promised_qty).startswith("450.5")
    assert stored.requested_date == day
    client.logout()
    login(client, world.a_buyer)
    page = client.get(reverse("po_detail", args=["alpha", po.pk])).content.decode()
    assert promised.strftime("%d %b %Y").lstrip("0") in page or promised.strftime("%d %b %Y") in page


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"])
def test_a_lot_with_a_bidi_control_is_refused_because_its_label_would_show_another_lot(world, control):
    """Lot "LOT\\u202e71" is stored, sent to Odoo as that, and printed on the label as "LOT17" (the override
    reverses it): the dock reads a lot that does not exist. NCR texts already refuse bidi controls
    (``quality/services/ncr_inputs.py`` BIDI_CONTROLS); a lot, the one text traceability hangs on, must too."""
    po = _order(world)
    with pytest.raises(ValidationError) as caught:
        asn = _asn(world, po, f"LOT{control}71")
        asn_submit(membership=world.p1_admin, asn_id=asn.pk)
    assert any("lot_name" in key for key in caught.value.message_dict), caught.value.message_dict


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_import_template_is_one_machine_format_in_every_language(client, world, fmt):
    supplier = world.p1_admin.user
    login(client, world.p1_admin)
    bodies = {}
    for language in ("en", "de", "fr", "es"):
        supplier.language = language
        supplier.save()
        response = client.get(reverse("asn_template", args=["alpha", fmt]))
        assert response.status_code == 200
        bodies[language] = response.content
    if fmt == "csv":
        assert len(set(bodies.values())) == 1
        text = bodies["de"].decode("utf-8-sig")
        assert "42.5" in text and "2028-01-31" in text and "42,5" not in text
    else:
        import openpyxl

        sheets = {
            lang: [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(b)).active.iter_rows()]
            for lang, b in bodies.items()
        }
        assert sheets["de"] == sheets["en"] == sheets["fr"]


def _page_isolates(html: str, value: str) -> bool:
    """Every occurrence of ``value`` in ``html`` ends its own isolate (``</bdi>``, an element with
    ``dir``/isolation, or PDI): CSS applies the bidi algorithm to a block's text with the markup
    stripped, so an override in a ``<span>`` or a sentence reorders the words after it."""
    from django.utils.html import escape

    shown = escape(value)
    at = [m.end() for m in re.finditer(re.escape(shown), html)]
    return bool(at) and all(html.startswith(("</bdi>", "\u2069"), end) for end in at)


def test_a_partner_name_with_an_override_does_not_reverse_the_po_pages_sentence(client, world):
    """``templates/suppliers/po_detail.html:8``: "Alpha Industries to שלום \\u202eEvil Corp · your reference
    PIN-7" shows "7-NIP ecnerefer ruoy ·" after the name; the dashboard cards' "{{ partner }}, expected
    {{ day }}" reverse the date. No template isolates a name (no <bdi>, no dir="auto")."""
    po = _order(world)
    po.partner_ref = "PIN-7"
    po.save()
    login(client, world.p1_admin)
    html = client.get(reverse("po_detail", args=["alpha", po.pk])).content.decode()
    lede = re.search(r'<p class="lede">.*?</p>', html, re.S).group(0)
    assert _page_isolates(lede, NAME), lede
