"""Issue 15 break-it (rpages): one membership read per request, the session written on a change only,
the tenant switcher, stale memberships mid-session, MFA for staff, and no write on a plain GET."""

from __future__ import annotations

import re
from collections import deque

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Membership, Role, Tenant
from portal.services.memberships import membership_deactivate
from tests.conftest import login
from tests.factories import PurchaseOrderFactory, member
from tests.quality.test_page_scope_walk import scene  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    sql = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    return response.status_code, sql


def _session_row(client) -> str:
    return Session.objects.get(session_key=client.session.session_key).session_data


# --- two tenants: switching -----------------------------------------------------------------


def test_switching_between_two_tenants_writes_the_session_on_each_change_only(world, client):
    member(world.b, Role.SUPPLIER_USER, world.q1, user=world.p1_user.user)
    login(client, world.p1_user)
    alpha, beta = reverse("dashboard", args=["alpha"]), reverse("dashboard", args=["beta"])
    for url, slug in ((alpha, "alpha"), (beta, "beta"), (alpha, "alpha"), (beta, "beta")):
        status, writes = _writes(client, url)
        assert status == 200
        assert client.session["tenant_slug"] == slug
        assert any("django_session" in w for w in writes), (url, writes)  # a change is written
        status, writes = _writes(client, url)
        assert status == 200 and writes == [], (url, writes)
        assert client.get(reverse("home"))["Location"] == url
    body = client.get(beta).content.decode()
    assert "Switch tenant" in body
    assert re.search(r'href="/t/beta/" aria-current="true"', body)
    assert 'href="/t/alpha/"' in body and 'href="/t/alpha/" aria-current' not in body


def test_a_404_tenant_does_not_change_the_remembered_tenant(world, client):
    login(client, world.p1_user)
    client.get(reverse("dashboard", args=["alpha"]))
    assert client.get(reverse("dashboard", args=["beta"])).status_code == 404
    assert client.session["tenant_slug"] == "alpha"


def test_switcher_shows_only_active_memberships_and_roles_of_now(world, client):
    second = member(world.b, Role.SUPPLIER_USER, world.q1, user=world.p1_user.user)
    login(client, world.p1_user)
    assert "Beta Works" in client.get(reverse("dashboard", args=["alpha"])).content.decode()
    Membership.objects.filter(pk=second.pk).update(is_active=False)
    body = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    assert "Switch tenant" not in body and "Beta Works" not in body
    Membership.objects.filter(pk=second.pk).update(is_active=True)
    Tenant.objects.filter(pk=world.b.pk).update(is_active=False)
    assert "Beta Works" not in client.get(reverse("dashboard", args=["alpha"])).content.decode()


# --- stale memberships mid-session ----------------------------------------------------------


def test_membership_deactivated_mid_session_is_404_on_the_next_request(world, client):
    login(client, world.p1_user)
    po = PurchaseOrderFactory(tenant=world.a, partner=world.p1, name="P1DEACT")
    assert client.get(reverse("po_detail", args=["alpha", po.pk])).status_code == 200
    membership_deactivate(actor=world.p1_admin, membership=world.p1_user)
    for url in (reverse("po_detail", args=["alpha", po.pk]), reverse("po_list", args=["alpha"])):
        response = client.get(url)
        assert response.status_code == 404 and b"P1DEACT" not in response.content


def test_partner_suspended_mid_session_is_404(world, client):
    login(client, world.p1_user)
    assert client.get(reverse("po_list", args=["alpha"])).status_code == 200
    from portal.services.partners import partner_deactivate

    partner_deactivate(actor=world.a_admin, partner_id=world.p1.pk, reason="break-it")
    assert client.get(reverse("po_list", args=["alpha"])).status_code == 404


def test_role_changed_mid_session_takes_effect_on_the_next_request(world, client):
    """A tenant admin made a buyer loses the admin pages at once."""
    login(client, world.a_admin)
    assert client.get(reverse("member_list", args=["alpha"])).status_code == 200
    Membership.objects.filter(pk=world.a_admin.pk).update(role=Role.BUYER)
    assert client.get(reverse("member_list", args=["alpha"])).status_code == 404
    assert client.get(reverse("po_list", args=["alpha"])).status_code == 200


def test_staff_scope_narrowed_mid_session_shows_counts_of_the_new_scope(
    world, client, django_capture_on_commit_callbacks
):
    """po_counts is cached per membership id for 30 s (suppliers/selectors.py): an engineer narrowed
    from every partner to P2 must not keep seeing P1's orders counted (list total, tabs, pages)."""
    from portal.services.memberships import membership_scope_set

    for _ in range(3):
        PurchaseOrderFactory(tenant=world.a, partner=world.p1)
    PurchaseOrderFactory(tenant=world.a, partner=world.p2)
    login(client, world.a_buyer)
    assert client.get(reverse("po_list", args=["alpha"])).context["paginator"].count == 4
    with django_capture_on_commit_callbacks(execute=True):  # the change commits, as a real request's does
        membership_scope_set(actor=world.a_admin, membership=world.a_buyer, all_partners=False, partners=[world.p2])
    response = client.get(reverse("po_list", args=["alpha"]))
    assert len(response.context["orders"]) == 1  # the rows follow the new scope at once
    assert response.context["counts"]["all"] == 1, "counts of partners no longer in scope"
    assert response.context["paginator"].count == 1


# --- MFA --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.QUALITY_ENGINEER, Role.BUYER, Role.TENANT_ADMIN, Role.INSPECTOR])
def test_staff_without_totp_are_sent_to_set_it_up(world, client, role):
    staff = member(world.a, role, mfa=False)
    login(client, staff)
    for url in (reverse("dashboard", args=["alpha"]), reverse("home"), reverse("po_list", args=["alpha"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp"), url


def test_supplier_with_a_staff_role_in_another_tenant_needs_totp_in_both(world, client):
    supplier = world.p1_user
    member(world.b, Role.BUYER, user=supplier.user, mfa=False)
    login(client, supplier)
    response = client.get(reverse("dashboard", args=["alpha"]))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_django_staff_without_membership_needs_totp(world, client):
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_supplier_is_not_asked_for_totp_and_staff_role_in_inactive_tenant_does_not_count(world, client):
    supplier = world.p1_user
    member(world.b, Role.BUYER, user=supplier.user, mfa=False)
    Tenant.objects.filter(pk=world.b.pk).update(is_active=False)
    login(client, supplier)
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 200


# --- no write on a plain GET: every page reachable by links, for each role --------------------

SKIP = re.compile(r"/logout/?")


def _links(body: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in re.findall(r'href="(/t/alpha/[^"#]*)"', body)}


# Documented first-visit writes; quality_standing (the default standings seeded on a tenant's first
# view of the scorecard rules) has its own test below.
ALLOWED_FIRST = ("supplier_seen_at", '"django_session"', '"quality_standing"')


def _crawl(client, start: str, limit: int = 250) -> tuple[list[str], dict[str, list[str]]]:
    """Pages reached by links from ``start`` (200, HTML), and the writes their first visit made
    besides the documented ones (a supplier's first view of a PO, the session on a tenant change)."""
    seen, queue, pages, first_writes = {start}, deque([start]), [], {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        writes = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].lstrip().upper().startswith(WRITES) and not any(a in q["sql"] for a in ALLOWED_FIRST)
        ]
        if writes:
            first_writes[url] = writes
        if response.status_code != 200:
            continue
        pages.append(url)  # PDFs and files too: read again below
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in _links(response.content.decode()):
            if link not in seen and not SKIP.search(link):
                seen.add(link)
                queue.append(link)
    return pages, first_writes


@pytest.fixture
def walk_scene(world, request):
    """The quality walk's records (NCR, SCAR, inspections, scorecards) plus orders and a shipment."""
    from tests.factories import AsnFactory

    request.getfixturevalue("scene")
    po = PurchaseOrderFactory(tenant=world.a, partner=world.p1, lines=[{"quantity": 5}])
    AsnFactory(tenant=world.a, partner=world.p1, orders=[po])


@pytest.mark.parametrize("who", ["p1_user", "p1_admin", "a_buyer", "a_engineer", "a_inspector", "a_admin"])
def test_every_linked_page_second_visit_writes_nothing(world, client, who, request):
    request.getfixturevalue("walk_scene")
    login(client, getattr(world, who))
    pages, first_writes = _crawl(client, reverse("dashboard", args=["alpha"]))
    assert len(pages) > 5, pages
    offenders = {}
    for url in [*pages, reverse("home"), reverse("tenant_choose")]:
        _status, writes = _writes(client, url)
        if writes:
            offenders[url] = writes
    assert offenders == {}, offenders
    assert first_writes == {}, first_writes


def test_api_get_endpoints_second_call_writes_nothing(world, client, request):
    """Every list the API router registers, and the first record of each, read twice with a partner token."""
    from portal.api.scopes import api_scopes
    from portal.services.tokens import token_create

    request.getfixturevalue("walk_scene")
    _, secret = token_create(actor=world.p1_admin, name="crawl", scopes=list(api_scopes()), expires_in_days=1)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    from portal.api.routes import api_router

    urls = [f"/api/v1/{prefix}/" for prefix, _, _ in api_router().registry if "(" not in prefix and "<" not in prefix]
    for url in list(urls):
        first = client.get(url, **headers)
        if first.status_code != 200:  # a viewset without a list (acknowledgements: by id only)
            urls.remove(url)
            continue
        body = first.json()
        rows = body.get("results", []) if isinstance(body, dict) else []
        if rows and "id" in rows[0]:
            urls.append(f"{url}{rows[0]['id']}/")
    assert len(urls) > 3, urls
    offenders = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        writes = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
        assert response.status_code == 200, (url, response.status_code, urls)
        if writes:
            offenders[url] = writes
    assert offenders == {}, offenders


def test_first_view_of_scorecard_rules_writes_nothing(world, client):
    """The scorecard rules page seeds the default standings on a tenant's first GET (standings_for)."""
    login(client, world.a_admin)
    client.get(reverse("dashboard", args=["alpha"]))
    status, writes = _writes(client, reverse("scorecard_rules", args=["alpha"]))
    assert status == 200
    assert writes == [], writes


def test_an_active_users_session_is_still_renewed_before_it_expires(world, client):
    """Before issue 15 every tenant page saved the session, so its expiry slid with use (14 days after
    the last page). Saving on a tenant change only, a user who stays in one tenant is signed out 14 days
    after sign-in however active. Renewing a session in its last half keeps GETs write-free otherwise."""
    from datetime import timedelta

    from django.utils import timezone

    login(client, world.p1_user)
    url = reverse("dashboard", args=["alpha"])
    client.get(url)
    key = client.session.session_key
    # The session as it is 13 days after its last renewal: one day left.
    store = client.session
    store["renewed_at"] = int((timezone.now() - timedelta(days=13)).timestamp())
    store.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(days=1))
    assert client.get(url).status_code == 200
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + timedelta(days=13)
    with CaptureQueriesContext(connection) as captured:  # renewed: the next view writes nothing again
        assert client.get(url).status_code == 200
    assert not [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
