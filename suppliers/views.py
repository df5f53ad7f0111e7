"""Purchase order pages for suppliers and buyers."""

from __future__ import annotations

from django.views.generic import DetailView, ListView

from portal.views.mixins import TenantViewMixin
from suppliers.selectors import PO_FILTERS, po_counts, po_get, po_lines, po_list

FILTER_LABELS = [
    ("", "All"),
    ("open", "Open"),
    ("rfq", "Requests for quotation"),
    ("partial", "Partly received"),
    ("received", "Received"),
    ("cancelled", "Cancelled"),
]


class PurchaseOrderListView(TenantViewMixin, ListView):
    template_name = "suppliers/po_list.html"
    context_object_name = "orders"
    paginate_by = 25
    nav_key = "orders"

    def get_queryset(self):
        status = self.request.GET.get("status", "")
        return po_list(
            membership=self.membership,
            query=self.request.GET.get("q", ""),
            status=status if status in PO_FILTERS else "",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = po_counts(membership=self.membership)
        context["filters"] = FILTER_LABELS
        context["status"] = self.request.GET.get("status", "")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class PurchaseOrderDetailView(TenantViewMixin, DetailView):
    template_name = "suppliers/po_detail.html"
    context_object_name = "po"
    nav_key = "orders"

    def get_object(self, queryset=None):
        return po_get(membership=self.membership, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = po_lines(po=self.object)
        return context
