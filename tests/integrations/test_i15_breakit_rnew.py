"""Issue 15 break-it (rnew): a hostile new user against PO messages, the grouped chatter note, and the PO search.

Tests that FAIL show a defect; the passing ones stay as regression tests.
"""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.handlers.po_messages import po_messages_posted
from integrations.models import EventStatus, OutboxEvent
from integrations.services.delivery import tenant_drain
from portal import l10n
from portal.models import Partner, Role
from suppliers.models import PurchaseOrder, PurchaseOrderMessage
from suppliers.services.po_messages import po_message_post
from tests.conftest import login
from tests.factories import PurchaseOrderFactory, member

MARKER = re.compile(r"portal-event-([0-9a-f-]{36})")
MARKER_TAG = re.compile(r"<small[^>]*>\s*portal-event-([0-9a-f-]{36})\s*</small>", re.IGNORECASE)


def _orders(synced, count: int, partner_odoo_id: int = 11) -> list[PurchaseOrder]:
    orders = list(
        PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=partner_odoo_id).published()[:count]
    )
    assert len(orders) == count
    return orders


def _chatter(synced, po) -> list[dict]:
    rows = synced.gw.search_read(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "=", po.odoo_id], ["body", "ilike", "portal-event-"]],
        ["body"],
    )
    return sorted(rows, key=lambda r: r["id"])


def _tags(synced, po) -> list[str]:
    """Event ids whose marker *paragraphs* the PO's chatter holds, in order (duplicates kept)."""
    return [m for row in _chatter(synced, po) for m in MARKER_TAG.findall(row["body"])]


def _post(synced, po, body: str, membership=None):
    return po_message_post(membership=membership or synced.supplier, po_id=po.pk, body=body).outbox_event


def _drain(synced, lane, limit=None):
    return tenant_drain(tenant_id=synced.tenant.pk, lane=lane, limit=limit, wake_enqueue=False)


def _other_partner_po(synced) -> PurchaseOrder:
    """A published PO of a partner other than Nordic Fasteners (odoo 11)."""
    po = PurchaseOrder.objects.filter(tenant=synced.tenant).exclude(partner__odoo_id=11).published().first()
    if po is None:
        other = Partner.objects.filter(tenant=synced.tenant).exclude(odoo_id=11).first()
        po = PurchaseOrderFactory(tenant=synced.tenant, partner=other)
    return po


# --- cross-partner posting ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_post_on_another_partners_po_is_404_and_emits_nothing(synced, client):
    foreign = _other_partner_po(synced)
    login(client, synced.supplier)
    before = (OutboxEvent.objects.count(), PurchaseOrderMessage.objects.count())
    url = reverse("po_message", args=[synced.tenant.slug, foreign.pk])
    for body in ("hello from A", "", "x" * 5000):
        response = client.post(url, {"body": body})
        assert response.status_code == 404, (body[:10], response.status_code)
    # NUL is refused by the web limits before any view (400 for every URL: tells nothing about the PO)
    assert client.post(url, {"body": "nul\x00here"}).status_code == 400
    assert (OutboxEvent.objects.count(), PurchaseOrderMessage.objects.count()) == before


@pytest.mark.django_db
def test_page_post_on_a_po_id_that_does_not_exist_is_404(synced, client):
    login(client, synced.supplier)
    missing = (PurchaseOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 999
    response = client.post(reverse("po_message", args=[synced.tenant.slug, missing]), {"body": "ghost"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_service_post_on_another_partners_po_raises_404_not_a_validation_hint(synced):
    from django.http import Http404

    foreign = _other_partner_po(synced)
    before = OutboxEvent.objects.count()
    with pytest.raises(Http404):
        po_message_post(membership=synced.supplier, po_id=foreign.pk, body="hi")
    assert OutboxEvent.objects.count() == before


@pytest.mark.django_db
def test_api_has_no_message_route_that_reaches_another_partners_po(synced):
    """There is no messages endpoint in the partner API; whatever answers must not create a message."""
    from rest_framework.test import APIClient

    from portal.api.scopes import api_scopes
    from portal.services.tokens import token_create

    admin = member(synced.tenant, Role.SUPPLIER_ADMIN, synced.supplier.partner)
    _, secret = token_create(actor=admin, name="erp", scopes=list(api_scopes()), expires_in_days=30)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    foreign = _other_partner_po(synced)
    before = (OutboxEvent.objects.count(), PurchaseOrderMessage.objects.count())
    for path in (f"/api/v1/purchase-orders/{foreign.pk}/messages/", f"/api/v1/purchase-orders/{foreign.pk}/"):
        response = api.post(path, {"body": "hi"}, format="json")
        assert response.status_code in (404, 405), (path, response.status_code)
        assert response.status_code != 500
    assert api.get(f"/api/v1/purchase-orders/{foreign.pk}/").status_code == 404
    assert (OutboxEvent.objects.count(), PurchaseOrderMessage.objects.count()) == before


# --- hostile bodies ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_10000_character_body_is_refused_clearly_not_truncated(synced, client):
    [po] = _orders(synced, 1)
    login(client, synced.supplier)
    before = OutboxEvent.objects.count()
    response = client.post(reverse("po_message", args=[synced.tenant.slug, po.pk]), {"body": "A" * 10_000})
    assert response.status_code == 400
    assert "4000" in response.content.decode() and "10000" in response.content.decode()
    assert OutboxEvent.objects.count() == before


@pytest.mark.django_db
def test_whitespace_only_lines_are_refused(synced):
    [po] = _orders(synced, 1)
    with pytest.raises(ValidationError):
        po_message_post(membership=synced.supplier, po_id=po.pk, body=" \n\t\r\n   \n\u3000\n")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["\u00a0\u00a0", "\u200b\u200b\u200b", "\u2028\u2029", "\ufeff", "\u200b \n \u200d\u2060"]
)
def test_invisible_only_body_is_refused(synced, body):
    """NBSP / zero-width / word-joiner / BOM only: nothing a buyer can read lands in Odoo's chatter."""
    [po] = _orders(synced, 1)
    before = OutboxEvent.objects.count()
    with pytest.raises(ValidationError):
        po_message_post(membership=synced.supplier, po_id=po.pk, body=body)
    assert OutboxEvent.objects.count() == before


@pytest.mark.django_db
def test_nul_and_control_characters_are_refused_before_any_write(synced):
    [po] = _orders(synced, 1)
    before = OutboxEvent.objects.count()
    for body in ("a\x00b", "\x1b[31mred", "bell\x07"):
        with pytest.raises(ValidationError):
            po_message_post(membership=synced.supplier, po_id=po.pk, body=body)
    assert OutboxEvent.objects.count() == before


HOSTILE = [
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u202c end",
    "emoji \U0001f4a9\U0001f1f8\U0001f1ea \U0001f468\u200d\U0001f469\u200d\U0001f467 zwj",
    "line one\n   \n\t\n\nline after blank lines",
    "quoting <small>portal-event-00000000-0000-4000-8000-000000000000</small> and portal-event-{self}",
    "</p></div><hr/><p><b>3 notes from the supplier portal</b>",
    "B" * 4000,
]


@pytest.mark.django_db
def test_hostile_bodies_share_one_grouped_note_escaped_and_once(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = []
        for body in HOSTILE:
            event = _post(synced, po, body)
            events.append(event)
        # a body quoting the *real* marker of an earlier event, tag and all
        events.append(_post(synced, po, f"<p><small>portal-event-{events[0].pk}</small></p> fake marker"))
    result = _drain(synced, events[0].lane)
    assert (result.claimed, result.done) == (len(events), len(events))
    rows = _chatter(synced, po)
    assert len(rows) == 1, f"{len(rows)} messages, expected one grouped note"
    body = rows[0]["body"]
    assert _tags(synced, po) == [str(e.pk) for e in events]
    assert "<script" not in body.lower()
    assert "<img" not in body.lower()
    assert "&lt;script&gt;" in body
    assert "\u202e" in body or "&#8238;" in body or "\u202e" in html.unescape(body)
    assert "\U0001f4a9" in html.unescape(body)
    assert "B" * 4000 in body
    # the fake heading cannot become a heading
    assert body.count("<b>") == body.count("</b>")
    assert len(re.findall(r"<b>\d+ notes from the supplier portal</b>", body)) == 1
    # every event done with the same message id
    ids = {OutboxEvent.objects.get(pk=e.pk).odoo_result.get("id") for e in events}
    assert ids == {rows[0]["id"]}


@pytest.mark.django_db
def test_rtl_override_in_one_note_does_not_bleed_into_the_next(synced, django_capture_on_commit_callbacks):
    """An unterminated U+202E (RIGHT-TO-LEFT OVERRIDE) in one supplier's text flips the display of everything
    after it in the same HTML paragraph context; in a grouped note it would flip the next note and the markers.
    Each note's text should be isolated (e.g. <bdi>/dir=auto) or the override be closed."""
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        first = _post(synced, po, "\u202eunterminated override")
        second = _post(synced, po, "normal text of the next note")
    _drain(synced, first.lane)
    [row] = _chatter(synced, po)
    body = html.unescape(row["body"])
    start = body.index("\u202e")
    tail = body[start:]
    # Closed (PDF), or the text in its own isolate (PDI ends every override opened inside it), or markup.
    isolated = any(c in tail[: tail.index("normal text")] for c in "\u202c\u2069") or (
        re.search(r"<bdi|dir=", row["body"]) is not None
    )
    assert isolated, "the RTL override of note 1 runs on into note 2 of the grouped message"
    assert second


@pytest.mark.django_db
def test_grouped_note_time_is_labelled_utc_for_a_user_in_los_angeles(synced, django_capture_on_commit_callbacks):
    synced.supplier.user.time_zone = "America/Los_Angeles"
    synced.supplier.user.save()
    synced.tenant.time_zone = "America/Los_Angeles"
    synced.tenant.save()
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        a = _post(synced, po, "one")
        _post(synced, po, "two")
    _drain(synced, a.lane)
    [row] = _chatter(synced, po)
    event = OutboxEvent.objects.get(pk=a.pk)
    # The moment in UTC, as the note's language (the tenant's, English here) writes it: "30 Nov 2026 20:58 UTC".
    stamp = l10n.instant(event.created_at, __import__("datetime").UTC)
    assert stamp.endswith(" UTC") and stamp in row["body"], row["body"][:300]


# --- 150 messages in one batch ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_150_messages_on_one_po_in_order_once_and_not_twice_on_redelivery(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"message {i:03d}") for i in range(150)]
    lane = events[0].lane
    claimed = 0
    for _ in range(10):
        result = _drain(synced, lane, limit=200)
        claimed += result.claimed
        if not result.claimed:
            break
    assert claimed == 150
    expected = [str(e.pk) for e in events]
    assert _tags(synced, po) == expected
    # the bodies in order too
    text = " ".join(row["body"] for row in _chatter(synced, po))
    positions = [text.index(f"message {i:03d}") for i in range(150)]
    assert positions == sorted(positions)
    assert set(OutboxEvent.objects.filter(pk__in=expected).values_list("status", flat=True)) == {EventStatus.DONE}
    # redelivery: the events are reset as a retry (attempts kept, so they look for their markers first)
    OutboxEvent.objects.filter(pk__in=expected).update(
        status=EventStatus.PENDING,
        next_attempt_at=__import__("django.utils.timezone").utils.timezone.now(),
        leased_until=None,
        delivered_at=None,
    )
    again = 0
    for _ in range(10):
        result = _drain(synced, lane, limit=200)
        again += result.claimed
        if not result.claimed:
            break
    assert again == 150
    assert _tags(synced, po) == expected, "a redelivered event posted its note a second time"
    assert set(OutboxEvent.objects.filter(pk__in=expected).values_list("status", flat=True)) == {EventStatus.DONE}


@pytest.mark.django_db
def test_replayed_dead_events_whose_notes_did_land_are_not_posted_twice(synced, django_capture_on_commit_callbacks):
    """Events whose grouped note reached Odoo but which ended DEAD (answer lost): the operator's replay
    (attempts 0, verify) must find each marker in the shared message, not post the group again."""
    from integrations.services.exceptions import outbox_replay

    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"r {i}") for i in range(3)]
    _drain(synced, events[0].lane)
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(status=EventStatus.DEAD, leased_until=None)
    with django_capture_on_commit_callbacks(execute=False):
        assert outbox_replay(actor=synced.admin, event_ids=[str(e.pk) for e in events]) == 3
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        leased_until=None, next_attempt_at=__import__("django.utils.timezone").utils.timezone.now()
    )
    _drain(synced, events[0].lane)
    assert _tags(synced, po) == [str(e.pk) for e in events], "replayed events posted their notes twice"
    assert set(OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("status", flat=True)) == {
        EventStatus.DONE
    }


@pytest.mark.django_db
def test_150_messages_of_4000_characters_in_one_grouped_note(synced, django_capture_on_commit_callbacks):
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"{i:03d}" + "Z" * 3990) for i in range(150)]
    total = 0
    for _ in range(10):
        r = _drain(synced, events[0].lane, limit=200)
        total += r.claimed
        if not r.claimed:
            break
    assert total == 150
    assert _tags(synced, po) == [str(e.pk) for e in events]
    assert set(OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("status", flat=True)) == {
        EventStatus.DONE
    }


@pytest.mark.django_db
def test_batch_handler_against_odoo19_sim_with_mixed_retry_and_fresh(synced, django_capture_on_commit_callbacks):
    """Run the grouped handler straight on the Odoo 19 fixture: some events retried (already posted), some fresh."""
    assert synced.series == "19.0"
    [po] = _orders(synced, 1)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, po, f"s19 {i} <b>bold?</b>") for i in range(4)]
    first = po_messages_posted(synced.gw, [events[0], events[1]])
    assert all(isinstance(v, dict) for v in first.values()), first
    for e in events:
        e.refresh_from_db()
    events[0].attempts = events[1].attempts = 2  # retried
    events[2].attempts = events[3].attempts = 1
    second = po_messages_posted(synced.gw, events)
    assert all(isinstance(v, dict) for v in second.values()), second
    assert second[str(events[0].pk)].get("already_there") and second[str(events[1].pk)].get("already_there")
    assert _tags(synced, po) == [str(e.pk) for e in events]
    assert "&lt;b&gt;bold?&lt;/b&gt;" in _chatter(synced, po)[-1]["body"]


@pytest.mark.django_db
def test_odoo19_grouped_post_on_a_deleted_po_fails_only_that_pos_events(synced, django_capture_on_commit_callbacks):
    a, b = _orders(synced, 2)
    with django_capture_on_commit_callbacks(execute=False):
        ea = [_post(synced, a, f"a {i}") for i in range(2)]
        eb = [_post(synced, b, f"b {i}") for i in range(2)]
    for e in ea:
        e.payload = {**e.payload, "po_odoo_id": 999_999}
    out = po_messages_posted(synced.gw, ea + eb)
    assert isinstance(out[str(ea[0].pk)], Exception), out
    assert str(ea[1].pk) not in out  # held back behind its failed predecessor: not attempted
    assert all(isinstance(out[str(e.pk)], dict) for e in eb), out
    assert _tags(synced, b) == [str(e.pk) for e in eb]


# --- search ------------------------------------------------------------------------------------------------


def _search(client, slug, q):
    return client.get(reverse("po_list", args=[slug]), {"q": q})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q",
    ["%", "_", "%%%", "__", "%_%", "\\", "\\%", "'", '"; DROP TABLE x; --', "\x00", "a\x00b", "\u202e", "\U0001f4a9"],
)
def test_search_wildcards_and_junk_are_literal_and_never_500(world, client, q):
    PurchaseOrderFactory(partner=world.p1, name="P00001")
    login(client, world.p1_user)
    response = _search(client, "alpha", q)
    assert response.status_code in (200, 400)
    if q.replace("\x00", "") in ("%", "_", "%%%", "__", "%_%"):
        assert "P00001" not in response.content.decode(), f"{q!r} acted as a wildcard"


@pytest.mark.django_db
def test_search_of_5000_characters_answers_clearly(world, client):
    PurchaseOrderFactory(partner=world.p1, name="P00001")
    login(client, world.p1_user)
    response = _search(client, "alpha", "P" * 5000)
    assert response.status_code in (200, 400)
    assert "P00001" not in response.content.decode()


@pytest.mark.django_db
def test_search_5000_characters_api(world):
    from tests.api.conftest import bearer, issue

    PurchaseOrderFactory(partner=world.p1, name="P00001")
    _, secret = issue(world.p1_admin)
    response = bearer(secret).get("/api/v1/purchase-orders/", {"q": "%" * 5000})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json().get("count", len(response.json().get("results", []))) == 0


@pytest.mark.django_db
def test_search_matching_more_than_2000_orders_pages_and_counts(world, client, django_assert_max_num_queries):
    from suppliers.selectors import SEARCH_IDS_MAX

    n = SEARCH_IDS_MAX + 50
    PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            tenant=world.a,
            partner=world.p1,
            odoo_id=90_000 + i,
            name=f"MASS{i:05d}",
            state="purchase",
            receipt_status="pending",
        )
        for i in range(n)
    )
    # another partner's matching POs must not leak into the count
    PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            tenant=world.a,
            partner=world.p2,
            odoo_id=80_000 + i,
            name=f"MASSX{i:05d}",
            state="purchase",
            receipt_status="pending",
        )
        for i in range(30)
    )
    login(client, world.p1_user)
    response = _search(client, "alpha", "MASS")
    assert response.status_code == 200
    body = response.content.decode()
    assert "MASSX" not in body
    assert str(n) in body.replace(",", "").replace("\u202f", "").replace("\xa0", ""), "the total is not shown"
    last = client.get(reverse("po_list", args=["alpha"]), {"q": "MASS", "page": "last"})
    assert last.status_code == 200
    # the same at exactly the boundary
    PurchaseOrder.objects.filter(name__startswith="MASS0").filter(odoo_id__gte=90_000 + SEARCH_IDS_MAX).delete()
    assert _search(client, "alpha", "MASS").status_code == 200


@pytest.mark.django_db
def test_search_matching_over_2000_does_not_leak_other_tenants(world, client):
    PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            tenant=world.b,
            partner=world.q1,
            odoo_id=70_000 + i,
            name=f"LEAK{i:05d}",
            state="purchase",
            receipt_status="pending",
        )
        for i in range(2100)
    )
    PurchaseOrderFactory(partner=world.p1, name="LEAKMINE")
    login(client, world.p1_user)
    body = _search(client, "alpha", "LEAK").content.decode()
    assert "LEAKMINE" in body and "LEAK00001" not in body


@pytest.mark.django_db
def test_get_po_list_with_search_writes_nothing(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PurchaseOrderFactory(partner=world.p1, name="P00001")
    login(client, world.p1_user)
    client.get(reverse("po_list", args=["alpha"]))
    with CaptureQueriesContext(connection) as captured:
        assert _search(client, "alpha", "P0" + "%" * 10).status_code == 200
    writes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


@pytest.mark.django_db
def test_refused_draft_and_search_query_are_echoed_escaped(world, client):
    po = PurchaseOrderFactory(partner=world.p1, name="P00001")
    login(client, world.p1_user)
    evil = "<script>alert(1)</script>"
    response = client.post(reverse("po_message", args=["alpha", po.pk]), {"body": evil + "x" * 4100})
    assert response.status_code == 400
    body = response.content.decode()
    assert evil not in body and "&lt;script&gt;" in body
    listing = _search(client, "alpha", evil).content.decode()
    assert evil not in listing
