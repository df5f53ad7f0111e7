"""Issue 16 fixes (supplier): identifiers with invisible direction controls are refused everywhere they are typed,
import errors keep the file's order whatever the language, status labels stand as they are, and names people
typed are isolated in the pages' sentences and cells."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.bidi import BIDI_CONTROLS, identifier_refusal
from quality.services import ncr_inputs
from suppliers.models import Asn
from suppliers.services.asn_certificates import asn_attach_certificate
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_import import asn_import
from suppliers.services.asn_submission import asn_submit
from suppliers.services.asn_values import check_values, parse_values
from tests.api.conftest import bearer, issue
from tests.conftest import login
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages
from tests.suppliers.test_i16_breakit_rtl import ARABIC, HEBREW, NAME, RLO, _asn, _order, _page_isolates

pytestmark = pytest.mark.django_db
SOON = datetime.now(UTC) + timedelta(days=10)
RLM, LRM, ALM = "\u200f", "\u200e", "\u061c"


def test_ncr_texts_and_identifiers_share_one_definition_of_the_controls():
    assert ncr_inputs.BIDI_CONTROLS is BIDI_CONTROLS
    assert identifier_refusal(f"{ARABIC}-17") == "" and identifier_refusal("LOT-e\u0301-\U0001f4e6") == ""
    for mark in (RLM, LRM, ALM, RLO, "\u2066", "\t", "\n"):
        assert identifier_refusal(f"LOT{mark}71"), repr(mark)


@pytest.mark.parametrize("mark", [RLM, LRM, ALM])
def test_a_lot_with_a_direction_mark_is_refused(world, mark):
    po = _order(world)
    with pytest.raises(ValidationError) as caught:
        _asn(world, po, f"LOT{mark}71")
    assert "lines.0.items.0.lot_name" in caught.value.message_dict, caught.value.message_dict


@pytest.mark.parametrize("field", ["carrier", "tracking_number"])
@pytest.mark.parametrize("control", [RLO, "\u2067", RLM])
def test_a_carrier_or_tracking_number_with_a_direction_control_is_refused(world, field, control):
    """Both print on the labels and the packing slip as they are."""
    po = _order(world)
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    with pytest.raises(ValidationError) as caught:
        asn_update(
            membership=world.p1_admin, asn_id=asn.pk, header=asn_header(world.p1_admin, {field: f"X{control}12"})
        )
    assert field in caught.value.message_dict, caught.value.message_dict
    asn.refresh_from_db()
    assert control not in getattr(asn, field)


def test_a_package_reference_and_a_certificate_value_with_an_override_are_refused(world):
    po = _order(world)
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    line = po.lines.get()
    with pytest.raises(ValidationError) as caught:
        asn_update(
            membership=world.p1_admin,
            asn_id=asn.pk,
            packages=asn_packages([{"kind": "pallet"}]),
            lines=asn_lines(
                [
                    {
                        "order_line": line.pk,
                        "quantity": "30",
                        "items": [
                            {"lot_name": "L-1", "quantity": "10", "package": f"1{RLO}"},
                            {"lot_name": "L-2", "quantity": "20", "package": "1"},
                        ],
                    }
                ]
            ),
        )
    errors = caught.value.message_dict
    assert "U+202E" in errors["lines.0.items.0.package"][0], errors
    for values in (f"Hard{RLO}ness = 42 HRC", f"Hardness = 42 HR{RLM}C"):
        problems: dict = {}
        check_values(parse_values(values), "values", problems)
        assert "direction" in problems.get("values", ""), (values, problems)


def test_a_certificate_for_a_lot_with_an_override_is_refused_as_a_lot_error(world):
    po = _order(world)
    asn = _asn(world, po, "LOT-1")
    upload = SimpleUploadedFile("coc.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        asn_attach_certificate(membership=world.p1_admin, asn_id=asn.pk, upload=upload, lot_name=f"LOT{RLO}-1")
    assert "U+202E" in caught.value.message_dict["lot_name"][0]


def test_the_api_refuses_a_lot_with_an_override_under_its_field(world):
    po = _order(world)
    _, secret = issue(world.p1_admin)
    line = po.lines.get()
    lines = [{"order_line": line.pk, "quantity": "30", "items": [{"lot_name": f"LOT{RLO}71", "quantity": "30"}]}]
    response = bearer(secret).post("/api/v1/asns/", {"orders": [po.name], "lines": lines}, format="json")
    assert response.status_code == 400, response.content
    assert "lines.0.items.0.lot_name" in response.content.decode()
    assert not Asn.objects.filter(items__lot_name__contains=RLO).exists()


def test_the_import_refuses_a_lot_with_an_override_or_a_mark(world):
    po = _order(world)
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    for control in (RLO, RLM):
        data = f"po,product_code,quantity,lot,package\nP00441,RESIN,30,LOT{control}71,1\n".encode()
        with pytest.raises(ValidationError) as caught:
            asn_import(membership=world.p1_admin, asn_id=asn.pk, data=data, filename="lines.csv")
        assert any(key.endswith(", lot") for key in caught.value.message_dict), caught.value.message_dict


def test_an_ncr_lot_with_a_direction_mark_is_refused():
    from quality.services.ncrs import _lots

    errors: dict = {}
    _lots(None, [{"lot_name": f"LOT{RLM}71"}], None, None, errors)
    assert "lots.0.lot_name" in errors, errors


@pytest.mark.parametrize("language", ["de", "fr"])
def test_service_errors_of_an_import_keep_the_files_row_order(world, language):
    """Errors the ASN services find (here: lots the label would print reversed) are listed in row order, not in
    the order of their translated keys' text ("Zeile 10" before "Zeile 2")."""
    po = _order(world)
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    rows = "".join(f"P00441,RESIN,1,LOT{RLO}{n},1\n" for n in range(2, 12))
    with translation.override(language), pytest.raises(ValidationError) as caught:
        asn_import(
            membership=world.p1_admin,
            asn_id=asn.pk,
            data=f"po,product_code,quantity,lot,package\n{rows}".encode(),
            filename="lines.csv",
        )
    numbers = [int(re.search(r"(\d+), lot$", key).group(1)) for key in caught.value.message_dict]
    assert numbers == list(range(2, 12)), list(caught.value.message_dict)


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_status_in_a_refusal_is_its_label_as_it_is(world, language):
    """German nouns keep their capital: "ASN-00001 hat den Status „Übermittelt“", never "übermittelt"."""
    po = _order(world)
    asn = asn_submit(membership=world.p1_admin, asn_id=_asn(world, po, "LOT-1").pk)
    with translation.override(language):
        label = str(Asn.Status.SUBMITTED.label)
        with pytest.raises(ValidationError) as caught:
            asn_update(membership=world.p1_admin, asn_id=asn.pk, header=asn_header(world.p1_admin, {"note": "x"}))
        with pytest.raises(ValidationError) as again:
            asn_submit(membership=world.p1_admin, asn_id=asn.pk)
    assert label in caught.value.message_dict["__all__"][0], caught.value.message_dict
    assert label in again.value.messages[0], again.value.messages


def test_names_people_typed_are_isolated_in_the_pages(client, world):
    po = _order(world)
    po.partner_ref = f"REF{RLO}9"
    po.save()
    asn = asn_submit(membership=world.p1_admin, asn_id=_asn(world, po, "LOT-1").pk)
    Asn.objects.filter(pk=asn.pk).update(tracking_number=f"1Z{RLO}9", note=f"{HEBREW} {RLO}x")
    login(client, world.a_buyer)
    orders = client.get(reverse("po_list", args=["alpha"])).content.decode()
    assert _page_isolates(orders, NAME) and _page_isolates(orders, po.partner_ref), orders
    shipments = client.get(reverse("asn_list", args=["alpha"])).content.decode()
    assert _page_isolates(shipments, NAME) and _page_isolates(shipments, f"1Z{RLO}9")
    detail = client.get(reverse("asn_detail", args=["alpha", asn.pk])).content.decode()
    lede = re.search(r'<p class="lede">.*?</p>', detail, re.S).group(0)
    assert _page_isolates(lede, NAME), lede
    assert _page_isolates(detail, f"1Z{RLO}9") and _page_isolates(detail, f"{HEBREW} {RLO}x")
    po_page = client.get(reverse("po_detail", args=["alpha", po.pk])).content.decode()
    assert _page_isolates(po_page, f"Harz {ARABIC}") or f"Harz {ARABIC}" not in po_page


def test_the_dashboard_cards_isolate_the_partner_before_the_date(client, world):
    """``cards/arriving.html``: "{{ partner }}, expected {{ when }}" reversed the moment after an override."""
    po = _order(world)
    asn_submit(membership=world.p1_admin, asn_id=_asn(world, po, "LOT-1").pk)
    login(client, world.a_buyer)
    html = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    card = re.search(r'<section class="card" aria-labelledby="arriving-h">.*?</section>', html, re.S).group(0)
    assert _page_isolates(card, NAME), card
