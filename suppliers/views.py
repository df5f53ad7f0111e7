"""Purchase order pages for suppliers and buyers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from portal.views.mixins import TenantViewMixin
from suppliers.models import Acknowledgement, AckStatus
from suppliers.selectors import PO_FILTERS, po_acknowledgements, po_counts, po_get, po_lines, po_list, po_messages
from suppliers.services.acknowledgements import DECIDERS
from suppliers.services.po_messages import po_mark_seen, po_message_post

FILTER_LABELS = [
    ("", gettext_lazy("All")),
    ("to_acknowledge", gettext_lazy("To acknowledge")),
    ("awaiting_buyer", gettext_lazy("Awaiting buyer")),
    ("changed", gettext_lazy("Changed since acknowledgement")),
    ("acknowledged", gettext_lazy("Acknowledged")),
    ("late", gettext_lazy("Late")),
    ("partial", gettext_lazy("Partly received")),
    ("rfq", gettext_lazy("Requests for quotation")),
    ("closed", gettext_lazy("Closed")),
]
SORT_LABELS = [
    ("action", gettext_lazy("Needs action first")),
    ("expected", gettext_lazy("Expected date")),
    ("newest", gettext_lazy("Newest")),
    ("name", gettext_lazy("PO number")),
    ("total", gettext_lazy("Total")),
]


class PurchaseOrderListView(TenantViewMixin, ListView):
    template_name = "suppliers/po_list.html"
    context_object_name = "orders"
    paginate_by = 25
    nav_key = "orders"

    def get_paginator(self, queryset, per_page, **kwargs):
        """Without a search, the count is one the page has already made (a COUNT over 100,000 orders
        costs as much as the page)."""
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        if not self.request.GET.get("q", "").strip():
            status = self.request.GET.get("status", "")
            paginator.count = po_counts(membership=self.membership)[status if status in PO_FILTERS else "all"]
        return paginator

    def get_queryset(self):
        status = self.request.GET.get("status", "")
        return po_list(
            membership=self.membership,
            query=self.request.GET.get("q", "").replace("\x00", ""),
            status=status if status in PO_FILTERS else "",
            sort=self.request.GET.get("sort", "action"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = po_counts(membership=self.membership)
        context["filters"] = FILTER_LABELS
        context["sorts"] = SORT_LABELS
        context["sort"] = self.request.GET.get("sort", "action")
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
        po = po_get(membership=self.membership, pk=self.kwargs["pk"])
        if self.membership.is_supplier_role and po.supplier_seen_at is None:
            po_mark_seen(po=po)
        return po

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = po_lines(po=self.object)
        history = po_acknowledgements(po=self.object)
        current = next((a for a in history if a.status != Acknowledgement.Status.SUPERSEDED), None)
        context["ack"] = current
        context["receipts"] = list(self.object.receipts.order_by("-scheduled_date", "-id"))
        context["shipments"] = list(self.object.asns.order_by("-created_at"))
        context["ack_history"] = history
        context["can_acknowledge"] = self.membership.is_supplier_role and self.object.is_open
        context["can_decide"] = (
            current is not None
            and current.status == Acknowledgement.Status.PENDING
            and self.object.ack_status == AckStatus.PENDING  # not one Odoo has overtaken since
            and self.membership.role in DECIDERS
        )
        context["thread"] = po_messages(po=self.object)
        context["message_error"] = kwargs.get("message_error")
        context["message_draft"] = kwargs.get("message_draft", "")
        return context


class PurchaseOrderPdfView(TenantViewMixin, View):
    def get(self, request, *args, **kwargs):
        from django.http import HttpResponse

        from suppliers.services.documents import purchase_order_pdf

        po = po_get(membership=self.membership, pk=kwargs["pk"])
        response = HttpResponse(purchase_order_pdf(po, list(po_lines(po=po))), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{po.name}.pdf"'
        return response


class PurchaseOrderMessageView(PurchaseOrderDetailView, View):
    """Post a message on the PO; it goes to the PO's chatter in Odoo through the outbox."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        body = request.POST.get("body", "")
        try:
            message = po_message_post(membership=self.membership, po_id=kwargs["pk"], body=body)
        except ValidationError as exc:
            self.object = self.get_object()
            return self.render_to_response(
                self.get_context_data(
                    message_error=" ".join(exc.message_dict.get("body", exc.messages)), message_draft=body
                ),
                status=400,
            )
        messages.success(
            request,
            gettext("Message on %(po)s saved; it reaches the order's chatter in Odoo within seconds.")
            % {"po": message.order.name},
        )
        return redirect("po_detail", self.membership.tenant.slug, kwargs["pk"])
