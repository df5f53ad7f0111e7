"""The supplier's view of inspections of its lots ("Inspection results"): the list with filters,
one outcome, and a photo quality shared; and the engineer's switch that shares a photo.

Suppliers only for the first three (``SUPPLIER_ROLES``; what they may read is
``quality.supplier_selectors``); quality engineers only for the switch. Anyone else, and anything
outside the member's scope, answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from portal.models import SUPPLIER_ROLES
from portal.views.mixins import TenantViewMixin
from quality.photo_files import photo_file_response
from quality.services.sharing import SHARERS, photo_share
from quality.supplier_selectors import (
    RESULT_FILTERS,
    lot_totals_of,
    shared_photo_get,
    supplier_outcome,
    supplier_results,
)

NAV_KEY = "inspection_results"
RESULT_LABELS = [
    ("", pgettext_lazy("results filter", "All")),
    ("accept", gettext_lazy("Accepted")),
    ("reject", gettext_lazy("Rejected")),
]
FILTER_FIELDS = ("result", "po", "product", "lot")


class SupplierResultListView(TenantViewMixin, ListView):
    """The outcomes of the supplier's lots, newest first, by result, PO, product or lot."""

    template_name = "quality/supplier/result_list.html"
    context_object_name = "results"
    paginate_by = 25
    nav_key = NAV_KEY
    allowed_roles = SUPPLIER_ROLES

    def _filters(self) -> dict[str, str]:
        wanted = {name: self.request.GET.get(name, "") for name in FILTER_FIELDS}
        if wanted["result"] not in RESULT_FILTERS:
            wanted["result"] = ""
        return wanted

    def get_queryset(self):
        return supplier_results(membership=self.membership, **self._filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["results"])
        totals = lot_totals_of(membership=self.membership, inspections=rows)
        for row in rows:
            row.totals = totals[row.pk]
            row.rejected = row.totals.returned + row.totals.scrapped  # returned to you or scrapped
        context["results"] = rows
        context["filters"] = self._filters()
        context["result_labels"] = RESULT_LABELS
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        context["filtered"] = any(context["filters"].values())
        return context


class SupplierResultDetailView(TenantViewMixin, TemplateView):
    """One outcome: quantities, defects per class and characteristic, decisions, shared photos."""

    template_name = "quality/supplier/result_detail.html"
    nav_key = NAV_KEY
    allowed_roles = SUPPLIER_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        outcome = supplier_outcome(membership=self.membership, pk=self.kwargs["pk"])
        context.update(
            inspection=outcome.inspection,
            totals=outcome.totals,
            rejected=outcome.rejected,
            classes=outcome.classes,
            characteristics=outcome.characteristics,
            dispositions=outcome.dispositions,
            photos=outcome.photos,
        )
        return context


class SupplierPhotoView(TenantViewMixin, View):
    """A photo quality shared of one of the supplier's outcomes; any other answers 404."""

    allowed_roles = SUPPLIER_ROLES

    def get(self, request, *args, **kwargs):
        photo = shared_photo_get(
            membership=self.membership, inspection_id=self.kwargs["pk"], photo_id=self.kwargs["photo_id"]
        )
        return photo_file_response(photo)


class PhotoShareView(TenantViewMixin, View):
    """POST ``shared=1`` (or ``0``) from the inspection page: show the photo to the supplier, or stop."""

    allowed_roles = SHARERS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        shared = request.POST.get("shared") == "1"
        photo = photo_share(
            membership=self.membership, inspection_id=self.kwargs["pk"], photo_id=self.kwargs["photo_id"], shared=shared
        )
        messages.success(
            request,
            _("The supplier sees this photo with the result.") if shared else _("The photo is no longer shared."),
        )
        return redirect("inspection_detail", self.membership.tenant.slug, photo.inspection_id)
