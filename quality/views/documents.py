"""The inspection report as PDF: for the inspectors and engineers who may open the inspection's page.

Anyone else (suppliers included: their own report is another document) and any inspection outside
the member's scope answer 404, as the inspection page does (``quality.views.inspections``).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views import View

from portal.views.mixins import TenantViewMixin
from portal.web_limits import throttled
from quality.documents import inspection_report_pdf
from quality.selectors import inspection_detail
from quality.services.recording import RECORDER_ROLES


class InspectionReportView(TenantViewMixin, View):
    """GET: the report of one inspection, inline (``<lot or receipt>-rev<N>-report.pdf``)."""

    allowed_roles = RECORDER_ROLES

    def get(self, request, *args, **kwargs):
        inspection = inspection_detail(membership=self.membership, pk=kwargs["pk"])
        if inspection is None:
            raise Http404()
        if refused := throttled(request, "documents"):  # PDFs have a budget of their own
            return refused
        response = HttpResponse(inspection_report_pdf(inspection), content_type="application/pdf")
        # Only safe characters in the header: a lot or receipt name is the supplier's and Odoo's text.
        what = inspection.lot_name or inspection.receipt.name
        name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in what)
        response["Content-Disposition"] = f'inline; filename="{name}-rev{inspection.revision}-report.pdf"'
        return response
