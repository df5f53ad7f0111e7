"""The one way to read tenant-owned records: ``Model.objects.visible_to(membership)``.

Pages, API views and downloads all go through it, so a record outside the
caller's tenant or partner scope is simply not in the queryset (and answers 404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models

if TYPE_CHECKING:
    from .tenancy import Membership


class TenantScopedQuerySet(models.QuerySet):
    """Queryset of a tenant-owned model, narrowed by the model's partner path."""

    def visible_to(self, membership: Membership | None) -> TenantScopedQuerySet:
        # has_access: the membership and, for a supplier, its partner are active.
        if membership is None or not membership.has_access:
            return self.none()
        qs = self.filter(tenant_id=membership.tenant_id)
        path = self.model.scope_partner_path
        if path is None or membership.sees_all_partners:
            return qs
        return qs.filter(**{f"{path}__in": visible_partner_ids(membership)})


def visible_partner_ids(membership: Membership) -> list[int]:
    """The partners a scoped member may see, read once per membership object.

    A list of ids, not a subquery: the planner then knows it is one or a few partners and walks
    the (tenant, partner, ...) indexes, instead of guessing at guardian's join (a 20,000-order
    supplier's list went from 100 ms to a few ms).
    """
    cached = getattr(membership, "_visible_partner_ids", None)
    if cached is None:
        from .tenancy import Partner

        cached = list(Partner.objects.visible_to(membership).values_list("pk", flat=True))
        membership._visible_partner_ids = cached
    return cached


class TenantOwnedModel(models.Model):
    """Base of every record that belongs to one tenant.

    ``scope_partner_path`` names the lookup from the model to its ``Partner``
    (e.g. ``"partner"`` or ``"order__partner"``); ``None`` means every member of
    the tenant may read it.
    """

    tenant = models.ForeignKey("portal.Tenant", on_delete=models.PROTECT, related_name="+")

    scope_partner_path: ClassVar[str | None] = "partner"

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        abstract = True
