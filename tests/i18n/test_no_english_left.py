"""A supplier who works in German or French finds no English word on the day's pages.

The order desk's world (``tests/browser/order_desk_world.py``): POs to acknowledge, an
acknowledgement awaiting the buyer, a submitted and a draft shipment, messages. Each page the
supplier's day goes through is fetched in the language and its words checked against the
catalogue (``visible_text.english_left``); numbers and days are checked in the language's form.
"""

from __future__ import annotations

import re
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from portal.api.scopes import api_scopes
from suppliers.models import Asn
from tests.browser.order_desk_world import build_order_desk
from tests.i18n.visible_text import english_left

pytestmark = pytest.mark.django_db

_WORD = re.compile(r"[^\W\d_]{2,}")


def _data_words(desk) -> set[str]:
    """The world's own words (names, products, codes, free text people typed): never translated."""
    from portal.models import Partner, Tenant, User
    from suppliers.models import Product, PurchaseOrder
    from suppliers.models.messages import PurchaseOrderMessage

    texts = [*Tenant.objects.values_list("name", flat=True), *Partner.objects.values_list("name", flat=True)]
    for user in User.objects.all():
        texts += [user.first_name, user.last_name, user.email]
    for product in Product.objects.all():
        texts += [product.name, product.default_code, product.uom_name]
    texts += [po.buyer_name for po in PurchaseOrder.objects.all()]
    texts += list(PurchaseOrderMessage.objects.values_list("body", flat=True))
    texts += [a.carrier for a in Asn.objects.all()] + ["Zinc plating line is full until week 48."]
    # Codes of the machine world: API scope names (po:acknowledge) and IANA zone names (America/New_York).
    texts += list(api_scopes()) + [zone.replace("_", " ") for zone in zoneinfo.available_timezones()]
    return set(_WORD.findall(" ".join(t for t in texts if t)))


def _supplier_pages(desk) -> dict[str, str]:
    slug = desk.tenant.slug
    submitted = Asn.objects.exclude(status=Asn.Status.DRAFT).get()
    draft = Asn.objects.filter(status=Asn.Status.DRAFT).get()
    return {
        "dashboard": reverse("dashboard", args=[slug]),
        "po_list": reverse("po_list", args=[slug]),
        "po_to_acknowledge": reverse("po_detail", args=[slug, desk.to_acknowledge.pk]),
        "po_awaiting_buyer": reverse("po_detail", args=[slug, desk.awaiting_buyer.pk]),
        "po_shipping": reverse("po_detail", args=[slug, desk.shipping.pk]),
        "acknowledge": reverse("po_acknowledge", args=[slug, desk.to_acknowledge.pk]),
        "asn_list": reverse("asn_list", args=[slug]),
        "asn_new": reverse("asn_new", args=[slug]),
        "asn_submitted": reverse("asn_detail", args=[slug, submitted.pk]),
        "asn_draft": reverse("asn_detail", args=[slug, draft.pk]),
        "asn_import": reverse("asn_import", args=[slug, draft.pk]),
        "profile": reverse("profile", args=[slug]),
        "api_tokens": reverse("api_tokens", args=[slug]),
        "scar_list": reverse("supplier_scar_list", args=[slug]),
        "scorecard": reverse("supplier_scorecard", args=[slug]),
        "results": reverse("supplier_result_list", args=[slug]),
    }


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_suppliers_day_has_no_english_word_left(language):
    desk = build_order_desk()
    supplier = desk.members["supplier_admin"].user
    supplier.language = language
    supplier.save(update_fields=["language"])
    client = Client()
    client.force_login(supplier)
    data = _data_words(desk)
    left = {}
    for name, url in _supplier_pages(desk).items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, (name, response.status_code)
        assert response["Content-Language"] == language
        words = english_left(response.content.decode(), language, data)
        if words:
            left[name] = sorted(words)
    assert left == {}


@pytest.mark.parametrize(
    ("language", "quantity", "money", "day"),
    [
        ("de", "1.200", "1.230,00\u00a0€", r"\d{2}\.\d{2}\.20\d{2}"),
        ("fr", "1\u202f200", "1\u202f230,00\u00a0€", r"\d{1,2} \w+\.? 20\d{2}"),
    ],
)
def test_numbers_money_and_days_in_the_languages_form(language, quantity, money, day):
    desk = build_order_desk()
    supplier = desk.members["supplier_admin"].user
    supplier.language = language
    supplier.save(update_fields=["language"])
    client = Client()
    client.force_login(supplier)
    page = client.get(reverse("po_detail", args=[desk.tenant.slug, desk.awaiting_buyer.pk])).content.decode()
    assert quantity in page  # the ordered 1200 bolts
    listing = client.get(reverse("po_list", args=[desk.tenant.slug])).content.decode()
    assert re.search(day, listing), "no day in the language's form"
    shipping = client.get(reverse("po_detail", args=[desk.tenant.slug, desk.to_acknowledge.pk])).content.decode()
    assert money in shipping or money in listing  # 10 x 11 + 500 x 2.24 = 1,230.00 EUR
