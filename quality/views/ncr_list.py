"""The NCR list (quality engineers, tenant admins; inspectors and buyers read): what needs action
first (dispositions awaiting my signature, containment overdue), then the NCRs filtered, searched
and paginated. Reads through ``quality.ncr_selectors`` only; suppliers get 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.views.generic import ListView

from portal.dates import tenant_today
from portal.models import Partner
from portal.views.mixins import TenantViewMixin
from quality.models import DefectCode, Ncr
from quality.ncr_forms import ListFilterForm
from quality.ncr_selectors import ncr_counts, ncrs_awaiting_approval, ncrs_for
from quality.views.ncr_access import NCR_ACTORS, NCR_READERS
from suppliers.models import Product

NAV_KEY = "ncrs"
ATTENTION_MAX = 20  # the top box lists this many; the rest are in the table with the same filters


class NcrListView(TenantViewMixin, ListView):
    template_name = "quality/ncrs/list.html"
    allowed_roles = NCR_READERS
    nav_key = NAV_KEY
    context_object_name = "ncrs"
    paginate_by = 50

    def filters(self) -> dict:
        form = ListFilterForm(self.request.GET)
        form.is_valid()
        data = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
        self.filter_form = form
        return data

    def get_queryset(self):
        data = self.filters()
        membership = self.membership
        status = data.get("status") or "active"
        kwargs = {"q": data.get("q", "")}
        if status != "all":
            kwargs["status"] = status
        if "age_days" in data:
            kwargs["age_days"] = data["age_days"]
        # An id from the URL names a record only inside the member's scope; others are dropped, not looked up.
        if "partner" in data:
            kwargs["partner"] = Partner.objects.visible_to(membership).filter(pk=data["partner"]).first()
        if "product" in data:
            kwargs["product"] = Product.objects.filter(tenant_id=membership.tenant_id, pk=data["product"]).first()
        if "defect_code" in data:
            kwargs["defect_code"] = DefectCode.objects.visible_to(membership).filter(pk=data["defect_code"]).first()
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        found = ncrs_for(membership, **kwargs)
        # Open ones oldest first: their age is what needs action; "all" keeps the selector's open-first order.
        return found.order_by("created_at", "id") if status == "active" else found

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = self.membership
        query = {k: v for k, v in self.request.GET.items() if k != "page" and v}
        context.update(
            filter_form=self.filter_form,
            query=urlencode(query),
            filtered=bool(query),
            counts=ncr_counts(membership),
            awaiting=list(ncrs_awaiting_approval(membership)[:ATTENTION_MAX]),
            overdue=list(
                ncrs_for(membership, status="active")
                .filter(containments__done_at__isnull=True, containments__due_date__lt=tenant_today(membership.tenant))
                .distinct()
                .order_by("created_at", "id")[:ATTENTION_MAX]
            ),
            may_act=membership.role in NCR_ACTORS,
            partners=list(Partner.objects.visible_to(membership).order_by("name").only("pk", "name")[:500]),
            # Products of the NCRs the member reads, not of every NCR of the tenant: no other partner's names.
            products=list(
                Product.objects.filter(pk__in=Ncr.objects.visible_to(membership).values("product_id"))
                .order_by("name")
                .only("pk", "name", "default_code")[:500]
            ),
            defect_codes=list(DefectCode.objects.visible_to(membership).only("pk", "code")[:500]),
            statuses=[("", _("Open (any)")), ("all", _("All")), *Ncr.Status.choices],
        )
        return context
