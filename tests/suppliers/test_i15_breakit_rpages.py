"""Issue 15 break-it (rpages): the ids-first PO search, the po_status tag, scope of PO ids and searches."""

from __future__ import annotations

import itertools
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone

from suppliers import selectors
from suppliers.models import AckStatus, PurchaseOrder
from suppliers.templatetags.orders import po_status
from suppliers.views import PurchaseOrderListView
from tests.conftest import login
from tests.factories import PartnerFactory, ProductFactory, PurchaseOrderFactory, TenantFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SORTS = ["action", "newest", "expected", "name", "total", "bogus"]
STATUSES = ["", *selectors.PO_FILTERS]


def _old_template() -> str:
    return subprocess.run(
        ["git", "show", "12fb26e:templates/suppliers/_po_status.html"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


# --- po_status: same HTML as the template it replaced -----------------------------------------


def test_po_status_tag_matches_the_previous_template_for_every_combination():
    old = Engine(libraries={}).from_string(_old_template())
    states = [s for s, _ in PurchaseOrder.State.choices] + ["weird"]
    receipts = [r for r, _ in PurchaseOrder.ReceiptStatus.choices] + [""]
    acks = [a for a, _ in AckStatus.choices] + ["other"]
    lates = [True, False, None, "absent"]
    for state, receipt, ack, late in itertools.product(states, receipts, acks, lates):
        fields = {"state": state, "receipt_status": receipt, "ack_status": ack}
        if late != "absent":
            fields["is_late"] = late
        po = SimpleNamespace(**fields)
        expected = old.render(Context({"po": po})).strip()
        assert str(po_status(po)) == expected, fields


def test_po_status_tag_on_a_model_without_the_annotation(world):
    po = PurchaseOrderFactory(tenant=world.a, partner=world.p1, receipt_status="partial")
    old = Engine(libraries={}).from_string(_old_template())
    assert str(po_status(po)) == old.render(Context({"po": po})).strip()


def test_names_and_references_are_escaped_on_the_list_and_page(world, client):
    po = PurchaseOrderFactory(
        tenant=world.a, partner=world.p1, name='<script>alert("n")</script>', partner_ref="\"'><img src=x>"
    )
    login(client, world.p1_user)
    for url in (reverse("po_list", args=["alpha"]), reverse("po_detail", args=["alpha", po.pk])):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x>" not in body, url
        assert "&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;" in body, url


# --- ids-first search == broad search ----------------------------------------------------------


@pytest.fixture
def searchable(world):
    """17 matching orders of P1 and 9 of P2 (names, references, line texts, product codes, partner
    name), with varied states, dates and totals, and 5 of tenant B that match the same words."""
    now = timezone.now()
    product = ProductFactory(tenant=world.a, default_code="ZK-BOLT-9")
    states = ["purchase", "purchase", "done", "sent", "cancel", "purchase"]
    receipts = ["pending", "partial", "full", "pending"]
    acks = ["", "pending", "accepted", "declined", "outdated", "rejected"]
    made = []
    for n in range(26):
        partner = world.p1 if n < 17 else world.p2
        kind = n % 4
        made.append(
            PurchaseOrderFactory(
                tenant=world.a,
                partner=partner,
                name=f"ZK{n:04d}" if kind == 0 else f"P9{n:04d}",
                partner_ref="ref-zk" if kind == 1 else "",
                state=states[n % len(states)],
                receipt_status=receipts[n % len(receipts)],
                ack_status=acks[n % len(acks)],
                amount_total=(n * 37) % 11,  # many equal totals: ties must break the same way
                date_planned=now + timedelta(days=(n % 5) - 2),
                date_order=now - timedelta(days=n % 3),
                date_approve=None if n % 5 == 0 else now - timedelta(days=n % 4),
                open_due_date=now + timedelta(days=(n % 7) - 3) if n % 2 else None,
                lines=[
                    {"description": "zk washer" if kind == 2 else "plain", "product": product if kind == 3 else None}
                ],
            )
        )
    for n in range(5):
        PurchaseOrderFactory(tenant=world.b, partner=world.q1, name=f"ZK9{n:03d}", lines=[{"description": "zk"}])
    # Unpublished orders (drafts) that match must stay out in both paths too.
    PurchaseOrderFactory(tenant=world.a, partner=world.p1, name="ZKDRAFT", state="draft")
    return made


def _names(membership, query, status, sort):
    return [po.name for po in selectors.po_list(membership=membership, query=query, status=status, sort=sort)]


def _path_of(membership, query):
    matches = selectors._search_matches(membership.tenant_id, query)
    from django.db.models import QuerySet

    return "broad" if isinstance(matches, QuerySet) else "ids"  # a list, or on PostgreSQL one array parameter


@pytest.mark.parametrize("who", ["p1_user", "a_buyer", "a_admin"])
def test_ids_first_and_broad_search_give_the_same_rows_in_the_same_order(world, searchable, monkeypatch, who):
    membership = getattr(world, who)
    for query in ("zk", "ZK00", "ref-zk", "ZK-BOLT", "Pinewood", "nothing-at-all"):
        monkeypatch.setattr(selectors, "SEARCH_IDS_MAX", 2000)
        assert _path_of(membership, query) == "ids"
        ids_first = {(s, o): _names(membership, query, s, o) for s in STATUSES for o in SORTS}
        monkeypatch.setattr(selectors, "SEARCH_IDS_MAX", 0)
        if query != "nothing-at-all":
            assert _path_of(membership, query) == "broad"
        broad = {(s, o): _names(membership, query, s, o) for s in STATUSES for o in SORTS}
        assert ids_first == broad, query


def test_exactly_at_and_one_over_the_limit(world, searchable, monkeypatch):
    """'zk' matches 26 orders of tenant A (P1 and P2, drafts too: the union is the tenant's)."""
    tenant_matches = selectors._search_ids(world.a.pk, "zk").count()
    reference = _names(world.a_buyer, "zk", "", "name")
    for limit, path in ((tenant_matches, "ids"), (tenant_matches - 1, "broad"), (tenant_matches + 1, "ids")):
        monkeypatch.setattr(selectors, "SEARCH_IDS_MAX", limit)
        assert _path_of(world.a_buyer, "zk") == path, limit
        assert _names(world.a_buyer, "zk", "", "name") == reference, limit
        assert _names(world.p1_user, "zk", "", "name") == [n for n in reference if n in _p1_names(world)], limit


def _p1_names(world) -> set[str]:
    return set(PurchaseOrder.objects.filter(partner=world.p1).values_list("name", flat=True))


def _page_rows(body: str) -> list[str]:
    return re.findall(r'<td><a href="/t/alpha/orders/\d+/">([^<]+)</a>', body) or re.findall(
        r'<td><a href="[^"]+">([^<]+)</a>', body
    )


@pytest.mark.parametrize("who", ["p1_user", "a_buyer"])
def test_pages_and_counts_are_identical_between_paths(world, searchable, client, monkeypatch, who):
    monkeypatch.setattr(PurchaseOrderListView, "paginate_by", 4)
    login(client, getattr(world, who))
    url = reverse("po_list", args=["alpha"])
    seen = {}
    for limit in (2000, 0):
        monkeypatch.setattr(selectors, "SEARCH_IDS_MAX", limit)
        pages = {}
        for sort in ("action", "name", "total"):
            for status in ("", "open"):
                for page in ("1", "2", "last"):
                    response = client.get(url, {"q": "zk", "sort": sort, "status": status, "page": page})
                    assert response.status_code == 200
                    ctx = response.context
                    pages[(sort, status, page)] = (
                        _page_rows(response.content.decode()),
                        ctx["paginator"].count,
                        ctx["paginator"].num_pages,
                    )
        seen[limit] = pages
    assert seen[2000] == seen[0]
    # and a page past the end is a 404 both ways
    for limit in (2000, 0):
        monkeypatch.setattr(selectors, "SEARCH_IDS_MAX", limit)
        assert client.get(url, {"q": "zk", "page": "99"}).status_code == 404


# --- nothing of other partners / tenants through search or ids --------------------------------


@pytest.mark.parametrize("limit", [2000, 0])
def test_supplier_search_for_another_partners_orders_finds_nothing(world, client, monkeypatch, limit):
    monkeypatch.setattr(selectors, "SEARCH_IDS_MAX", limit)
    secret = ProductFactory(tenant=world.a, default_code="SECRET-P2")
    PurchaseOrderFactory(
        tenant=world.a, partner=world.p2, name="P2ONLY1", partner_ref="P2REF", lines=[{"product": secret}]
    )
    PurchaseOrderFactory(tenant=world.b, partner=world.q1, name="BONLY1", partner_ref="BREF")
    mine = PurchaseOrderFactory(tenant=world.a, partner=world.p1, name="P1MINE")
    login(client, world.p1_user)
    url = reverse("po_list", args=["alpha"])
    for query in ("P2ONLY1", "P2REF", "SECRET-P2", "Quarry", "BONLY1", "BREF", "Riverside"):
        response = client.get(url, {"q": query})
        body = response.content.decode()
        assert response.context["paginator"].count == 0, query
        assert "No order matches" in body, query
        rows = _page_rows(body)
        assert rows == [], (query, rows)
        assert "P2ONLY1" not in body.replace(f"q={query}", "").replace(f'value="{query}"', ""), query
    assert client.get(url, {"q": "P1MINE"}).context["paginator"].count == 1
    assert mine.pk


def test_other_partners_and_tenants_po_ids_answer_404(world, client):
    theirs = PurchaseOrderFactory(tenant=world.a, partner=world.p2, name="P2HIDDEN")
    other_tenant = PurchaseOrderFactory(tenant=world.b, partner=world.q1, name="BHIDDEN")
    login(client, world.p1_user)
    for po in (theirs, other_tenant):
        for name in ("po_detail", "po_pdf"):
            url = reverse(name, args=["alpha", po.pk])
            response = client.get(url)
            assert response.status_code == 404, url
            assert b"HIDDEN" not in response.content
    # the other tenant's own URL with its id: not a member of beta
    response = client.get(reverse("po_detail", args=["beta", other_tenant.pk]))
    assert response.status_code == 404


def test_search_with_a_nul_or_a_long_query_is_not_a_server_error(world, client):
    PurchaseOrderFactory(tenant=world.a, partner=world.p1, name="P1NUL")
    login(client, world.p1_user)
    url = reverse("po_list", args=["alpha"])
    assert client.get(url, {"q": "P1\x00NUL"}).status_code in (200, 400)  # NulRefusalMiddleware answers 400
    assert client.get(url, {"q": "x" * 5000}).status_code == 200


def test_search_in_one_tenant_does_not_use_another_tenants_matches(world, monkeypatch):
    """The ids list is the tenant's: a second tenant with many matches keeps the first on the ids path."""
    monkeypatch.setattr(selectors, "SEARCH_IDS_MAX", 3)
    other = TenantFactory(slug="gamma")
    partner = PartnerFactory(tenant=other)
    for n in range(5):
        PurchaseOrderFactory(tenant=other, partner=partner, name=f"QQ{n}")
    PurchaseOrderFactory(tenant=world.a, partner=world.p1, name="QQA")
    assert _path_of(world.p1_user, "QQ") == "ids"
    assert _names(world.p1_user, "QQ", "", "name") == ["QQA"]


def test_full_size_limit_on_this_database(world, client):
    """SEARCH_IDS_MAX itself (2,000 ids bound in the page's and the count's IN lists) and one more."""
    PurchaseOrder.objects.bulk_create(
        PurchaseOrder(tenant=world.a, partner=world.p1 if n % 2 else world.p2, odoo_id=900_000 + n, name=f"BIG{n:05d}")
        for n in range(selectors.SEARCH_IDS_MAX)
    )
    login(client, world.p1_user)
    url = reverse("po_list", args=["alpha"])
    assert _path_of(world.p1_user, "BIG") == "ids"
    at_limit = client.get(url, {"q": "BIG", "sort": "name", "page": "last"})
    assert at_limit.status_code == 200 and at_limit.context["paginator"].count == selectors.SEARCH_IDS_MAX // 2
    PurchaseOrder.objects.create(tenant=world.a, partner=world.p1, odoo_id=899_999, name="BIGXTRA")
    assert _path_of(world.p1_user, "BIG") == "broad"
    over = client.get(url, {"q": "BIG", "sort": "name", "page": "last"})
    assert over.status_code == 200 and over.context["paginator"].count == selectors.SEARCH_IDS_MAX // 2 + 1
    assert _page_rows(over.content.decode())[-1] == "BIG00001"
