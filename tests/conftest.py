from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from portal.models import Role
from tests.factories import PartnerFactory, TenantFactory, member


def pytest_sessionstart(session):
    # CI sets PORTAL_REQUIRE_SERVICES=1: the suite must run on PostgreSQL and a
    # real broker, and fail, not fall back, when they are missing.
    if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
        url = os.environ.get("DATABASE_URL", "")
        broker = os.environ.get("CELERY_BROKER_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            pytest.exit(f"PORTAL_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL: {url!r}", returncode=3)
        if not broker.startswith(("redis://", "amqp://")):
            pytest.exit(
                f"PORTAL_REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not Redis/RabbitMQ: {broker!r}", returncode=3
            )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    """Two tenants. Tenant A has suppliers P1 and P2; tenant B has supplier Q1."""
    a = TenantFactory(name="Alpha Industries", slug="alpha")
    b = TenantFactory(name="Beta Works", slug="beta")
    p1 = PartnerFactory(tenant=a, name="Pinewood Parts")
    p2 = PartnerFactory(tenant=a, name="Quarry Metals")
    q1 = PartnerFactory(tenant=b, name="Riverside Plastics")
    return SimpleNamespace(
        a=a,
        b=b,
        p1=p1,
        p2=p2,
        q1=q1,
        a_admin=member(a, Role.TENANT_ADMIN),
        a_buyer=member(a, Role.BUYER),
        a_engineer=member(a, Role.QUALITY_ENGINEER),
        a_inspector=member(a, Role.INSPECTOR),
        p1_admin=member(a, Role.SUPPLIER_ADMIN, p1),
        p1_user=member(a, Role.SUPPLIER_USER, p1),
        p2_admin=member(a, Role.SUPPLIER_ADMIN, p2),
        p2_user=member(a, Role.SUPPLIER_USER, p2),
        b_admin=member(b, Role.TENANT_ADMIN),
        q1_admin=member(b, Role.SUPPLIER_ADMIN, q1),
    )


@pytest.fixture(scope="session")
def odoo_sim(tmp_path_factory):
    """A simulated Odoo 19 (JSON-2 and /jsonrpc) in its own process for the whole session."""
    from integrations.odoo_sim.process import SimProcess, free_port

    sim = SimProcess(port=free_port(), data=tmp_path_factory.mktemp("odoo") / "sim.sqlite3").start()
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def odoo_sim18(tmp_path_factory):
    """A simulated Odoo 18 (/jsonrpc only) in its own process for the whole session."""
    from integrations.odoo_sim.process import SimProcess, free_port

    sim = SimProcess(port=free_port(), data=tmp_path_factory.mktemp("odoo18") / "sim.sqlite3", version="18.0").start()
    yield sim
    sim.stop()


@pytest.fixture
def celery_eager():
    """Run tasks in-process (unit tests of services; the sync engine's tests use a real worker)."""
    from portal.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


def login(client, membership):
    client.force_login(membership.user)
    return client


@pytest.fixture
def odoo_series() -> str:
    """The Odoo series ``synced`` runs against; a module overrides it with params to run on both."""
    return "19.0"


@pytest.fixture
def synced(request, odoo_series):
    """A tenant connected to the simulated Odoo (19 over JSON-2 unless ``odoo_series`` says 18, over
    /jsonrpc), pulled once, with a supplier user of Nordic Fasteners."""
    from integrations.odoo import OdooGateway
    from integrations.services.pull import tenant_pull
    from portal.models import Partner
    from suppliers.models import PurchaseOrder
    from tests.factories import odoo_tenant

    odoo_sim = request.getfixturevalue("odoo_sim18" if odoo_series == "18.0" else "odoo_sim")
    odoo_sim.control("reset")  # the demo data as seeded: earlier tests wrote to the shared simulator
    tenant = odoo_tenant(odoo_sim, "sync", transport="auto")  # JSON-2 on 19, /jsonrpc on 18
    tenant_pull(tenant=tenant)
    supplier = member(tenant, Role.SUPPLIER_USER, Partner.objects.get(tenant=tenant, odoo_id=11))
    admin = member(tenant, Role.TENANT_ADMIN)
    po = PurchaseOrder.objects.filter(tenant=tenant, partner__odoo_id=11, state="purchase").first()
    gw = OdooGateway(tenant.odoo_config())
    return type(
        "Synced",
        (),
        {
            "tenant": tenant,
            "supplier": supplier,
            "admin": admin,
            "po": po,
            "gw": gw,
            "sim": odoo_sim,
            "series": odoo_series,
        },
    )
