"""The quality engineer's SCAR list: what needs action first (steps to review, overdue steps, effectiveness
checks), then everything else with filters (partner, product, state, overdue) and a search.

Thin: reads through ``quality.scar_selectors`` (the member's partner scope). Quality engineers and tenant
admins work SCARs (``SCAR_STAFF``); buyers read them (``SCAR_READERS``: the list, a SCAR, its steps, their
evidence and the 8D PDF, without the forms), since the escalation asks them to chase a late supplier and
links them here. Anyone else, suppliers included, gets 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.views.generic import ListView

from portal.models import Partner, Role
from portal.views.mixins import TenantViewMixin
from quality.models import Scar, ScarStep
from quality.scar_selectors import scar_counts, scars_for
from quality.services.scars import ENGINEER_ROLES
from suppliers.forms.fields import IdField

NAV_KEY = "scars"
# Who works SCARs in the portal: issue, review, cancel (the services check the same again).
SCAR_STAFF = ENGINEER_ROLES
# Who reads them: the buyers too, within their partners (read-only: a POST is 404 to them).
SCAR_READERS = frozenset({*SCAR_STAFF, Role.BUYER})
FIRST_SHOWN = 50  # of each "needs action" group; the list below holds them all


class ScarStaffMixin(TenantViewMixin):
    """The staff's SCAR pages: readers GET, only ``SCAR_STAFF`` POSTs (a buyer's POST is 404, before any
    form is read); ``can_work`` tells the templates whether to offer the forms."""

    allowed_roles = SCAR_READERS
    nav_key = NAV_KEY

    def dispatch(self, request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if request.method not in ("GET", "HEAD", "OPTIONS") and membership and membership.role not in SCAR_STAFF:
            raise Http404()
        return super().dispatch(request, *args, **kwargs)

    @property
    def can_work(self) -> bool:
        return self.membership.role in SCAR_STAFF

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_work"] = self.can_work
        return context


def _id(value: str) -> int | None:
    try:
        return IdField().clean(value)
    except ValidationError:  # a filter that is no id filters nothing
        return None


class ScarListView(ScarStaffMixin, ListView):
    """Needs action first (to review, overdue, verifying), then every SCAR, newest first, filtered."""

    template_name = "quality/scars/list.html"
    context_object_name = "scars"
    paginate_by = 25

    def filters(self) -> dict:
        get = self.request.GET
        status = get.get("status", "")
        return {
            "partner": _id(get.get("partner", "")),
            "product": _id(get.get("product", "")),
            "status": status if status in Scar.Status.values else "",
            "overdue": get.get("overdue") == "1",
            "q": get.get("q", "").strip()[:100],
        }

    def get_queryset(self):
        f = self.filters()
        partner = Partner.objects.visible_to(self.membership).filter(pk=f["partner"]).first() if f["partner"] else None
        scars = scars_for(
            self.membership,
            partner=partner,
            status=f["status"] or None,
            overdue=True if f["overdue"] else None,
            q=f["q"],
        )
        if f["product"]:
            scars = scars.filter(product_id=f["product"])
        return scars.select_related("partner", "product")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        f = self.filters()
        context["filters"] = f
        context["filtered"] = any(f.values())
        context["statuses"] = Scar.Status.choices
        context["partners"] = Partner.objects.visible_to(self.membership).order_by("name")
        context["products"] = _products_of_scars(self.membership)
        context["counts"] = scar_counts(self.membership)
        context["to_review"] = list(
            scars_for(self.membership, status=Scar.Status.OPEN)
            .filter(steps__status=ScarStep.Status.ANSWERED)
            .select_related("partner", "product")
            .distinct()[:FIRST_SHOWN]
        )
        context["overdue"] = list(
            scars_for(self.membership, overdue=True).select_related("partner", "product").distinct()[:FIRST_SHOWN]
        )
        context["verifying"] = list(
            scars_for(self.membership, status=Scar.Status.VERIFYING).select_related("partner", "product")[:FIRST_SHOWN]
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


def _products_of_scars(membership):
    """The products the member's SCARs name (the filter's choices), by name."""
    from suppliers.models import Product

    ids = scars_for(membership).exclude(product=None).values("product_id")
    return Product.objects.filter(tenant_id=membership.tenant_id, pk__in=ids).order_by("name")[:200]
