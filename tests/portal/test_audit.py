from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from portal.models import AuditEntry
from portal.models.audit import AppendOnlyError
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_state_change_writes_entry_with_actor_source_and_correlation_id(world, client):
    login(client, world.a_admin)
    response = client.post(
        reverse("member_activation", args=["alpha", world.p2_user.pk]), HTTP_X_REQUEST_ID="trace-abc-12345"
    )
    assert response["X-Request-ID"] == "trace-abc-12345"
    entry = AuditEntry.objects.get(action="membership.deactivated")
    assert entry.actor == world.a_admin.user and entry.tenant == world.a
    assert entry.source == "web" and entry.correlation_id == "trace-abc-12345"
    assert entry.changes == {"is_active": [True, False]}
    assert entry.object_id == str(world.p2_user.pk)


def test_entries_cannot_be_changed_or_deleted(world):
    entry = AuditEntry.objects.filter(tenant=world.a).first()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    if connection.vendor == "postgresql":
        # The database trigger also stops writes that bypass the model.
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
        world.p1_user.user.delete()  # unlinking a deleted actor is the one change allowed
    assert AuditEntry.objects.filter(action="tampered").count() == 0


def test_audit_page_filters_by_object_and_actor(world, client):
    login(client, world.a_admin)
    client.post(reverse("member_activation", args=["alpha", world.p2_user.pk]))
    page = client.get(reverse("audit_list", args=["alpha"]), {"type": "portal.membership", "object": world.p2_user.pk})
    body = page.content.decode()
    assert "membership.deactivated" in body and "membership.created" in body
    assert str(world.p1_user) not in body
    by_actor = client.get(reverse("audit_list", args=["alpha"]), {"actor": world.a_admin.user.email}).content.decode()
    assert "membership.deactivated" in by_actor and "membership.created" not in by_actor
    assert "Beta Works" not in client.get(reverse("audit_list", args=["alpha"])).content.decode()


def test_an_empty_diff_writes_no_entry_but_an_event_without_fields_does(world):
    from portal.services.audit import audit_record

    before = AuditEntry.objects.count()
    assert audit_record(tenant=world.a, actor=None, action="tenant.settings", obj=world.a, changes={}) is None
    assert AuditEntry.objects.count() == before
    entry = audit_record(tenant=world.a, actor=None, action="api_token.rotated", obj=world.a)
    assert entry is not None and entry.changes == {}
