"""Where a language is chosen: a person's profile (beside the time zone), a partner's page (staff), and,
signed out, the switcher of every page; the page says which language it is in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_a_person_picks_the_language_beside_the_time_zone_and_the_pages_follow(world, client):
    supplier = world.p1_user
    login(client, supplier)
    url = reverse("profile", args=["alpha"])
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page and 'name="language"' in page
    assert '<option value="" selected>Browser&#x27;s language</option>' in page
    assert '<option value="de">Deutsch</option>' in page and '<option value="fr">Français</option>' in page
    bad = client.post(url, {"language": "tlh", "time_zone": ""})
    assert bad.status_code == 200 and "tlh is not one of the available choices" in bad.content.decode()
    client.post(url, {"language": "de", "time_zone": ""})
    supplier.user.refresh_from_db()
    assert supplier.user.language == "de" and supplier.user.time_zone == ""
    entry = AuditEntry.objects.get(action="user.language_set")
    assert entry.actor == supplier.user and entry.changes == {"language": [None, "de"]}
    dashboard = client.get(reverse("dashboard", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="de">' in dashboard.content.decode()  # the profile wins over the browser
    client.post(url, {"language": "", "time_zone": ""})
    supplier.user.refresh_from_db()
    assert supplier.user.language == ""
    follows_browser = client.get(reverse("dashboard", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr">' in follows_browser.content.decode()


def test_a_form_without_the_language_leaves_it_as_it_is(world, client):
    supplier = world.p1_user
    supplier.user.language = "fr"
    supplier.user.save()
    login(client, supplier)
    client.post(reverse("profile", args=["alpha"]), {"time_zone": "Asia/Tokyo"})
    supplier.user.refresh_from_db()
    assert (supplier.user.language, supplier.user.time_zone) == ("fr", "Asia/Tokyo")


def test_a_tenant_admin_sets_a_partners_language_and_nobody_else_can(world, client):
    detail = reverse("partner_detail", args=["alpha", world.p1.pk])
    url = reverse("partner_language", args=["alpha", world.p1.pk])
    login(client, world.a_buyer)
    page = client.get(detail).content.decode()
    assert "The tenant's (English)" in page and url not in page  # a buyer reads it, has no form
    assert client.post(url, {"language": "de"}).status_code in (403, 404)
    login(client, world.a_admin)
    assert url in client.get(detail).content.decode()
    done = client.post(url, {"language": "de"}, follow=True)
    assert "documents and API answers are now in Deutsch" in done.content.decode()
    world.p1.refresh_from_db()
    assert world.p1.language == "de"
    entry = AuditEntry.objects.get(action="partner.language_set")
    assert entry.changes == {"language": [None, "de"]}
    assert client.post(url, {"language": "xx"}).status_code == 400
    world.p1.refresh_from_db()
    assert world.p1.language == "de"


def test_signed_out_pages_offer_a_language_switch_that_sticks(client):
    login_url = reverse("account_login")
    page = client.get(login_url).content.decode()
    assert '<html lang="en">' in page
    assert f'action="{reverse("set_language")}"' in page and 'name="language"' in page
    client.post(reverse("set_language"), {"language": "fr", "next": login_url})
    assert '<html lang="fr">' in client.get(login_url).content.decode()


def test_another_tenant_or_partner_cannot_set_a_partners_language(world, client):
    """The partner's language is its tenant admins' alone: another tenant's admin and a supplier admin
    (of this partner or another) get a refusal, and the language stays as it was."""
    url = reverse("partner_language", args=["alpha", world.p1.pk])
    for outsider in (world.b_admin, world.p1_admin, world.p2_admin):
        login(client, outsider)
        assert client.post(url, {"language": "de"}).status_code in (403, 404), outsider
    login(client, world.b_admin)  # its own tenant's URL does not reach a partner of alpha either
    assert client.post(reverse("partner_language", args=["beta", world.p1.pk]), {"language": "de"}).status_code == 404
    world.p1.refresh_from_db()
    assert world.p1.language == ""
