"""Concurrent duplicates of one POST (same Idempotency-Key) create one record."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from suppliers.models import Asn

from .conftest import bearer


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_shipment(api_world):
    barrier = threading.Barrier(6)
    answers: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def post():
        client = bearer(api_world.p1_secret)
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
            )
            with lock:
                answers.append((response.status_code, response.headers.get("Idempotent-Replayed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 6
    assert Asn.objects.count() == 1
    first = [a for a in answers if a == (201, None)]
    assert len(first) == 1, answers  # the one that did the work
    assert all(code in (201, 409) for code, _ in answers), answers  # the rest: replayed, or told to retry
    retry = bearer(api_world.p1_secret).post(
        "/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
    )
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true" and Asn.objects.count() == 1
