"""The API's language: problem details (``title``, ``detail``, field messages) in the language the
client asks for (``Accept-Language``), else the token's partner's, else its tenant's, else English.
Values never change with it: ISO dates, UTC instants, dot decimals, the vocabulary's English labels;
``type`` URIs stay the same in every language."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from portal.api.problems import BASE
from portal.api.throttling import TokenRateThrottle

from .conftest import bearer

pytestmark = pytest.mark.django_db

PO_URL = "/api/v1/purchase-orders/"


def problem(response, status: int, language: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    return response.json()


def test_a_validation_error_in_french_with_its_field_messages(api_world):
    client = bearer(api_world.p1_secret)
    body = {"lines": [{"line_id": "x", "shade": "blue"}]}
    response = client.post(
        f"{PO_URL}{api_world.po.pk}/acknowledgements/", body, format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    answer = problem(response, 400, "fr")
    assert answer["type"] == f"{BASE}invalid-input"  # the same in every language
    assert answer["title"] == "Saisie non valide"
    assert answer["detail"] == "2 champs ne sont pas valides."
    messages = {e["field"]: e["message"] for e in answer["errors"]}
    assert messages["lines.0.line_id"] == "Un nombre entier valide est requis."  # DRF's own catalogue
    assert messages["lines.0.shade"].startswith("Champ inconnu ; sont acceptés : ")  # the portal's


def test_not_found_unauthenticated_and_forbidden_in_french(api_world):
    client = bearer(api_world.p1_secret)
    missing = problem(client.get(f"{PO_URL}999999/", HTTP_ACCEPT_LANGUAGE="fr-CH, en;q=0.5"), 404, "fr")
    assert missing["type"] == f"{BASE}not-found" and missing["title"] == "Introuvable"
    anonymous = problem(bearer(None).get(PO_URL, HTTP_ACCEPT_LANGUAGE="fr"), 401, "fr")
    assert anonymous["title"] == "Authentification requise"
    assert anonymous["detail"] == "Informations d'authentification non fournies."
    wrong = problem(bearer("sqp_nothing").get(PO_URL, HTTP_ACCEPT_LANGUAGE="fr"), 401, "fr")
    assert wrong["detail"].startswith("Le jeton est inconnu, expiré, révoqué ou suspendu")
    from portal.api.scopes import api_scopes
    from portal.services.tokens import token_create

    _, reader = token_create(actor=api_world.p1_admin, name="asn only", scopes=["asn:read"], expires_in_days=1)
    assert "po:read" in api_scopes()
    refused = problem(bearer(reader).get(PO_URL, HTTP_ACCEPT_LANGUAGE="fr"), 403, "fr")
    assert refused["title"] == "Non autorisé" and refused["detail"] == "Ce jeton n'a pas la portée po:read."


def test_a_url_no_view_matches_answers_in_the_language_asked_for(client):
    answer = problem(client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="fr"), 404, "fr")
    assert answer["title"] == "Introuvable" and answer["detail"] == "Introuvable."
    moved = client.post("/api/v1/asns", HTTP_ACCEPT_LANGUAGE="de")
    assert moved.status_code == 308 and moved.json()["detail"].startswith("Die URLs der API enden")


def test_throttled_in_french(api_world, monkeypatch):
    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "rate", "1/min", raising=False)
    client = bearer(api_world.p1_secret)
    assert client.get(PO_URL).status_code == 200
    answer = problem(client.get(PO_URL, HTTP_ACCEPT_LANGUAGE="fr"), 429, "fr")
    assert answer["title"] == "Trop de requêtes" and answer["detail"].startswith("Requête ralentie.")
    cache.clear()


def test_without_a_header_the_partners_language_then_the_tenants(api_world):
    api_world.p1.language = "de"
    api_world.p1.save(update_fields=["language"])
    client = bearer(api_world.p1_secret)
    german = problem(client.get(f"{PO_URL}999999/"), 404, "de")
    assert german["title"] == "Nicht gefunden" and german["type"] == f"{BASE}not-found"
    # The header wins over the partner's setting.
    assert problem(client.get(f"{PO_URL}999999/", HTTP_ACCEPT_LANGUAGE="fr"), 404, "fr")["title"] == "Introuvable"
    api_world.p1.language = ""
    api_world.p1.save(update_fields=["language"])
    api_world.a.language = "es"
    api_world.a.save(update_fields=["language"])
    assert problem(client.get(f"{PO_URL}999999/"), 404, "es")["title"] == "No encontrado"


def test_english_by_default_and_for_a_language_the_portal_does_not_speak(api_world):
    client = bearer(api_world.p1_secret)
    for header in ({}, {"HTTP_ACCEPT_LANGUAGE": "ja"}):
        answer = problem(client.get(f"{PO_URL}999999/", **header), 404, "en")
        assert answer["title"] == "Not found" and answer["detail"] == "Not found."
    body = {"lines": [{"line_id": "x"}]}
    invalid = problem(client.post(f"{PO_URL}{api_world.po.pk}/acknowledgements/", body, format="json"), 400, "en")
    assert invalid["detail"] == "1 field is invalid."


def test_a_german_answer_changes_texts_never_values(api_world):
    api_world.po.amount_total = "1234.50"
    api_world.po.save(update_fields=["amount_total"])
    client = bearer(api_world.p1_secret)
    english = client.get(f"{PO_URL}{api_world.po.pk}/")
    german = client.get(f"{PO_URL}{api_world.po.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    assert english["Content-Language"] == "en" and german["Content-Language"] == "de"
    assert german.json() == english.json()  # dates, decimals and labels alike
    order = german.json()
    assert order["amount_total"] == "1234.50" and order["status_label"] == english.json()["status_label"]
    assert order["date_planned"].endswith("Z") and "T" in order["date_planned"]
    assert "," not in order["lines"][0]["quantity"]


def test_quantities_are_read_with_a_dot_in_every_language_and_refused_in_its_words(api_world):
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()

    def create(quantity):
        body = {"orders": [api_world.po.pk], "lines": [{"order_line": line.pk, "quantity": quantity}]}
        return client.post("/api/v1/asns/", body, format="json", HTTP_ACCEPT_LANGUAGE="de")

    comma = problem(create("2,5"), 400, "de")
    assert comma["errors"] == [{"field": "lines.0.quantity", "message": "Eine gültige Zahl ist erforderlich."}]
    too_large = problem(create("100000000000"), 400, "de")
    assert too_large["errors"][0]["message"] == "Die größte Menge ist 99.999.999.999,9999."
    created = create("2.5")
    assert created.status_code == 201, created.content[:300]
    assert created.json()["lines"][0]["quantity"].startswith("2.5")


def test_the_answers_language_does_not_outlive_the_request(api_world):
    from django.utils import translation

    with translation.override("en"):
        bearer(api_world.p1_secret).get(f"{PO_URL}999999/", HTTP_ACCEPT_LANGUAGE="fr")
        assert translation.get_language() == "en"


def test_the_schema_is_one_document_whatever_the_language(client):
    english = client.get("/api/v1/schema/", HTTP_ACCEPT_LANGUAGE="en")
    german = client.get("/api/v1/schema/", HTTP_ACCEPT_LANGUAGE="de")
    assert english.status_code == german.status_code == 200
    assert german.content == english.content
