"""Hostile Accept-Language values, problem details in fr/de, values identical across languages,
idempotent replays in another language, and the language not outliving a request (issue 16)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.utils import translation

from portal.api.problems import BASE

from .conftest import bearer, make_order

pytestmark = pytest.mark.django_db

PO_URL = "/api/v1/purchase-orders/"


def missing(client, **headers):
    response = client.get(f"{PO_URL}999999/", **headers)
    assert response.status_code == 404, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    return response


# -- 1. Accept-Language values a client may send --------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-DE-x-private", "de"),
        ("FR-ch", "fr"),
        ("fR", "fr"),
        ("ja, es;q=0.4", "es"),  # the first one the portal speaks
        ("en;q=0.1, de;q=0.9", "de"),  # by weight, not by order
        ("fr;q=abc", "en"),  # malformed: as if absent
        (";;;,,,", "en"),
        ("de;q=1.5", "en"),  # out of range weight: malformed
        ("\u00e9\u00e8", "en"),
        ("x" * 100_000, "en"),  # huge, one range
        ("fr, " + "xx;q=0.1, " * 10_000, "fr"),  # huge, many ranges: the first ones still read
        ("ja, zh", "en"),  # unsupported only
    ],
)
def test_hostile_accept_language_values_answer_in_a_sane_language(api_world, header, language):
    response = missing(bearer(api_world.p1_secret), HTTP_ACCEPT_LANGUAGE=header)
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    assert response.json()["type"] == f"{BASE}not-found"


def test_q_zero_means_not_acceptable(api_world):
    """RFC 9110 12.4.2: a weight of 0 means "not acceptable". ``fr;q=0`` must not give French."""
    client = bearer(api_world.p1_secret)
    assert missing(client, HTTP_ACCEPT_LANGUAGE="fr;q=0")["Content-Language"] == "en"
    assert missing(client, HTTP_ACCEPT_LANGUAGE="fr;q=0, de;q=0")["Content-Language"] == "en"
    # The partner's language, not a refused one.
    api_world.p1.language = "es"
    api_world.p1.save(update_fields=["language"])
    assert missing(client, HTTP_ACCEPT_LANGUAGE="fr;q=0")["Content-Language"] == "es"


def test_a_star_leaves_the_choice_to_the_partner(api_world):
    api_world.p1.language = "de"
    api_world.p1.save(update_fields=["language"])
    client = bearer(api_world.p1_secret)
    assert missing(client, HTTP_ACCEPT_LANGUAGE="*")["Content-Language"] == "de"
    assert missing(client, HTTP_ACCEPT_LANGUAGE="ja, *;q=0.5")["Content-Language"] == "de"
    assert missing(client, HTTP_ACCEPT_LANGUAGE="ja")["Content-Language"] == "de"
    assert missing(client, HTTP_ACCEPT_LANGUAGE="fr, *;q=0.5")["Content-Language"] == "fr"


def test_a_page_with_q_zero_for_its_only_language_is_not_in_that_language(client, world):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de;q=0")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


# -- problem details in fr and de ----------------------------------------------------------------


def test_another_partners_order_is_the_same_404_in_french_as_a_missing_one(api_world):
    other = make_order(api_world.a, api_world.p2, "P20077")
    client = bearer(api_world.p1_secret)
    theirs = client.get(f"{PO_URL}{other.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    none = client.get(f"{PO_URL}999999/", HTTP_ACCEPT_LANGUAGE="fr")
    assert theirs.status_code == none.status_code == 404
    a, b = theirs.json(), none.json()
    assert a["title"] == b["title"] == "Introuvable"
    assert a["detail"] == b["detail"] and a["type"] == b["type"] == f"{BASE}not-found"
    assert "P20077" not in theirs.content.decode()


@pytest.mark.parametrize("language", ["fr", "de"])
def test_405_in_the_language_asked_for(api_world, language):
    client = bearer(api_world.p1_secret)
    english = client.delete(f"{PO_URL}{api_world.po.pk}/")
    response = client.delete(f"{PO_URL}{api_world.po.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == english.status_code == 405
    assert response["Content-Language"] == language
    body, en = response.json(), english.json()
    assert body["type"] == en["type"] == f"{BASE}method-not-allowed"
    assert body["title"] != en["title"] and body["detail"] != en["detail"]
    assert "DELETE" in body["detail"]
    assert response["Allow"] == english["Allow"]


@pytest.mark.parametrize("language", ["fr", "de"])
def test_413_in_the_language_asked_for_with_or_without_a_token(api_world, settings, language):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"orders": [api_world.po.pk], "note": "x" * 5000})
    for client in (bearer(api_world.p1_secret), bearer(None)):
        english = client.post("/api/v1/asns/", body, content_type="application/json")
        answer = client.post("/api/v1/asns/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
        assert english.status_code == answer.status_code == 413
        assert answer["Content-Language"] == language
        assert answer.json()["type"] == english.json()["type"] == f"{BASE}too-large"
        assert answer.json()["title"] != english.json()["title"]
        assert answer.json()["detail"] != english.json()["detail"]


def test_429_in_german_and_its_type_is_the_same_as_in_english(api_world, monkeypatch):
    from portal.api.throttling import TokenRateThrottle

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "rate", "1/min", raising=False)
    client = bearer(api_world.p1_secret)
    assert client.get(PO_URL).status_code == 200
    english = client.get(PO_URL)
    german = client.get(PO_URL, HTTP_ACCEPT_LANGUAGE="de")
    assert english.status_code == german.status_code == 429
    assert german.json()["type"] == english.json()["type"]
    assert german["Content-Language"] == "de" and german.json()["title"] != english.json()["title"]
    assert german["Retry-After"] == english["Retry-After"]
    cache.clear()


def test_field_messages_in_german_keep_their_field_paths(api_world):
    client = bearer(api_world.p1_secret)
    body = {"lines": [{"line_id": "x", "shade": "blue"}]}
    url = f"{PO_URL}{api_world.po.pk}/acknowledgements/"
    en = client.post(url, body, format="json").json()
    de = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="de").json()
    assert en["type"] == de["type"]
    assert [e["field"] for e in en["errors"]] == [e["field"] for e in de["errors"]]
    assert [e["message"] for e in en["errors"]] != [e["message"] for e in de["errors"]]


# -- values identical across languages -----------------------------------------------------------


def test_every_list_and_detail_is_byte_identical_across_languages(api_world):
    api_world.po.amount_total = "1234567.89"
    api_world.po.save(update_fields=["amount_total"])
    line = api_world.po.lines.get()
    line.quantity = "1234.5"
    line.save(update_fields=["quantity"])
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json")
    assert asn.status_code == 201, asn.content[:300]
    for url in (PO_URL, f"{PO_URL}{api_world.po.pk}/", "/api/v1/asns/", f"/api/v1/asns/{asn.json()['id']}/"):
        bodies = {lang: client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content for lang in ("en", "de", "fr", "es")}
        assert len(set(bodies.values())) == 1, url
        text = bodies["de"].decode()
        assert "1.234,5" not in text and "1\u202f234" not in text and "1 234" not in text


# -- Idempotency-Key replays in another language -----------------------------------------------


def test_a_replayed_refusal_says_which_language_it_is_in(api_world):
    """A 400 stored in French and replayed to a German retry: the body is the first answer (French);
    its ``Content-Language`` must say so (or the replay be in German), never ``de`` over French words."""
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    body = {"orders": [api_world.po.pk], "lines": [{"order_line": line.pk, "quantity": "2,5"}]}
    first = client.post("/api/v1/asns/", body, format="json", HTTP_ACCEPT_LANGUAGE="fr", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 400 and first["Content-Language"] == "fr"
    again = client.post("/api/v1/asns/", body, format="json", HTTP_ACCEPT_LANGUAGE="de", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == "application/problem+json"
    french_title = first.json()["title"]
    if again.json()["title"] == french_title:
        assert again["Content-Language"] == "fr", "French words labelled as German"
    else:
        assert again["Content-Language"] == "de"


def test_a_replayed_success_is_the_same_bytes_in_another_language(api_world):
    client = bearer(api_world.p1_secret)
    body = {"orders": [api_world.po.pk]}
    first = client.post("/api/v1/asns/", body, format="json", HTTP_ACCEPT_LANGUAGE="fr", HTTP_IDEMPOTENCY_KEY="k-2")
    again = client.post("/api/v1/asns/", body, format="json", HTTP_ACCEPT_LANGUAGE="de", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert json.loads(first.content) == json.loads(again.content)


# -- the language does not outlive a request --------------------------------------------------


def test_after_a_french_api_call_and_page_the_thread_is_english_again(api_world, client):
    from django.template import engines

    bearer(api_world.p1_secret).get(f"{PO_URL}999999/", HTTP_ACCEPT_LANGUAGE="fr")
    assert translation.get_language() in ("en", "en-us", None) or translation.get_language().startswith("en")
    client.force_login(api_world.p1_admin.user)
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fr", follow=True).status_code == 200
    assert translation.get_language().startswith("en")
    rendered = engines["django"].from_string("{% load i18n %}{% translate 'Not found' %}").render({})
    assert rendered == "Not found"
    from portal import l10n

    assert l10n.qty("1234.5") == "1,234.5"


def test_an_email_sent_after_a_french_request_is_in_the_readers_language(api_world, client):
    from django.core import mail

    from portal.services.mail import Reader, send_localized

    client.force_login(api_world.p1_admin.user)
    client.get("/", HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    send_localized(
        [Reader("en@example.com", "en", "UTC"), Reader("de@example.com", "de", "Europe/Berlin")],
        subject=lambda: translation.gettext("Not found"),
        template="registration/password_reset_subject.txt",
        context={},
    )
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["en@example.com"] == "Not found"
    assert subjects["de@example.com"] == "Nicht gefunden"
    assert translation.get_language().startswith("en")


# -- 3. the API keeps one machine format --------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize(
    ("typed", "accepted"),
    [("1.234", "1.234"), ("1,234", None), ("1 234", None), ("1\u202f234", None), ("1,234.5", None), ("1.234,5", None)],
)
def test_the_api_reads_quantities_one_way_in_every_language(api_world, language, typed, accepted):
    line = api_world.po.lines.get()
    line.quantity = 5000
    line.save(update_fields=["quantity"])
    body = {"orders": [api_world.po.pk], "lines": [{"order_line": line.pk, "quantity": typed}]}
    response = bearer(api_world.p1_secret).post("/api/v1/asns/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    if accepted is None:
        assert response.status_code == 400, response.content[:300]
        assert response.json()["errors"][0]["field"] == "lines.0.quantity"
    else:
        assert response.status_code == 201, response.content[:300]
        assert response.json()["lines"][0]["quantity"].rstrip("0") == accepted
