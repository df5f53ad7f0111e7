"""Whose language and time zone a page is in (``portal.l10n``, ``portal.middleware``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db


def _page(user, url, **headers):
    client = Client()
    client.force_login(user)
    return client.get(url, **headers)


def test_the_persons_own_language_beats_the_browsers(world):
    user = world.p1_user.user
    user.language = "fr"
    user.save(update_fields=["language"])
    response = _page(user, reverse("po_list", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]


def test_without_a_setting_the_browsers_first_spoken_language(world):
    response = _page(
        world.p1_user.user, reverse("po_list", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="ja, de-AT;q=0.8, fr;q=0.5"
    )
    assert response["Content-Language"] == "de"


def test_a_browser_asking_for_no_spoken_language_gets_the_tenants(world):
    world.a.language = "es"
    world.a.save(update_fields=["language"])
    response = _page(world.p1_user.user, reverse("po_list", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="ja, zh;q=0.8")
    assert response["Content-Language"] == "es"
    response = _page(world.p1_user.user, reverse("po_list", args=["alpha"]))
    assert response["Content-Language"] == "es"


def test_no_setting_no_header_no_tenant_language_is_english(world):
    response = Client().get(reverse("account_login"))
    assert response["Content-Language"] == "en"


def test_the_switchers_cookie_sets_a_signed_out_page(world):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "de", "next": reverse("account_login")})
    assert response.status_code == 302
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page["Content-Language"] == "de"


def test_an_unknown_language_in_the_cookie_or_header_is_ignored(world):
    client = Client()
    client.cookies["django_language"] = "xx"
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="x" * 5000)
    assert page.status_code == 200 and page["Content-Language"] == "en"


def test_los_angeles_and_berlin_see_one_instant_at_their_own_wall_times(world):
    """The same approval moment, 08:00 UTC on 20 December 2026: midnight in LA, 09:00 in Berlin."""
    po = PurchaseOrderFactory(partner=world.p1, date_approve=dt.datetime(2026, 12, 20, 8, 0, tzinfo=dt.UTC))
    la, berlin = world.p1_user.user, world.p1_admin.user
    la.time_zone, berlin.time_zone = "America/Los_Angeles", "Europe/Berlin"
    la.save(update_fields=["time_zone"])
    berlin.language = "de"
    berlin.save(update_fields=["time_zone", "language"])
    url = reverse("po_detail", args=["alpha", po.pk])
    seen_in_la = _page(la, url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    seen_in_berlin = _page(berlin, url).content.decode()
    assert "20 Dec 2026 00:00 PST" in seen_in_la
    assert "20.12.2026 09:00 CET" in seen_in_berlin
    assert "09:00" not in seen_in_la and "00:00 PST" not in seen_in_berlin
