"""The 8D report as PDF: for the engineer (audits) from the SCAR page, for the supplier from its own SCAR.

One document for both (``quality.scar_documents``: nothing internal in it); each audience has its own URL
so that each page's links stay within its own roles. A SCAR outside the member's scope answers 404 before
the PDF budget is spent.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.views import View

from portal.models import SUPPLIER_ROLES
from portal.views.mixins import TenantViewMixin
from portal.web_limits import throttled
from quality.scar_documents import scar_report_pdf
from quality.scar_selectors import scar_get

from .scar_list import SCAR_READERS


class ScarReportView(TenantViewMixin, View):
    """GET: the 8D report of one SCAR, inline (``SCAR-00001-8D.pdf``)."""

    allowed_roles = SCAR_READERS  # the SCAR page links it, buyers' included

    def get(self, request, *args, **kwargs):
        scar = scar_get(self.membership, kwargs["pk"])
        if refused := throttled(request, "documents"):  # PDFs have a budget of their own
            return refused
        response = HttpResponse(scar_report_pdf(scar), content_type="application/pdf")
        # The number is the portal's own (SCAR-00001): safe in a header as it is.
        response["Content-Disposition"] = f'inline; filename="{scar.number}-8D.pdf"'
        return response


class SupplierScarReportView(ScarReportView):
    """The same report for the supplier's people, of their own partner's SCAR."""

    allowed_roles = SUPPLIER_ROLES
