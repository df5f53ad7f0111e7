"""factory_boy factories for the portal's tenancy models: tenants, partners, users and their memberships."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from portal.models import STAFF_ROLES, Partner, Tenant, User
from portal.services.memberships import membership_create
from portal.services.mfa import totp_ensure

PASSWORD = "correct-horse-battery-9"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Supplier {n} GmbH")
    odoo_id = factory.Sequence(lambda n: 1000 + n)
    ref = factory.Sequence(lambda n: f"S-{n:04d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


def member(tenant: Tenant, role: str, partner: Partner | None = None, *, user: User | None = None, mfa: bool = True):
    """A user with a membership made the way the portal makes them (grants included).

    Staff get an authenticator app enrolled unless ``mfa=False``, as the portal
    requires of them.
    """
    user = user or UserFactory()
    membership = membership_create(tenant=tenant, user=user, role=role, partner=partner)
    if mfa and role in STAFF_ROLES:
        totp_ensure(user)
    return membership


def odoo_tenant(sim, slug: str, transport: str = "jsonrpc") -> Tenant:
    """A tenant pointed at the simulated Odoo, acting as its integration user (over /jsonrpc unless
    told: ``json2`` on a simulated 19, or ``auto``, which picks JSON-2 there since the key is set)."""
    tenant = TenantFactory(
        slug=slug, odoo_url=sim.url, odoo_database="sim", odoo_login="integration", odoo_transport=transport
    )
    tenant.odoo_password = "integration"
    tenant.odoo_api_key = "sim-api-key-integration"
    tenant.save()
    return tenant
