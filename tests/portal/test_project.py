from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.models import Membership, Partner, Role, Tenant, User


@pytest.mark.django_db
def test_no_missing_migrations():
    # Exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_demo_seed_is_complete_and_idempotent(capsys):
    call_command("seed_demo")
    counts = (Tenant.objects.count(), Partner.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Tenant.objects.count(), Partner.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert counts[:2] == (1, 2)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    out = capsys.readouterr().out
    assert "orders@nordic-fasteners.example" in out and "portal-demo-2026" in out
    call_command("demo_totp", "admin@acme.example")
    assert capsys.readouterr().out.strip().isdigit()
