"""An NCR's files, the photos of the inspections it came from, and its PDF: each served only inside
the member's NCR scope (``quality.ncr_selectors.ncr_get``), through ``portal.stored_files``."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views import View

from portal.stored_files import stored_file_response
from portal.web_limits import throttled
from quality.models import InspectionPhoto
from quality.ncr_documents import ncr_pdf
from quality.photo_files import photo_file_response
from quality.views.ncr_detail import IMAGE_TYPES, NcrPageMixin, ncr_for_page


class NcrFileView(NcrPageMixin, View):
    """GET: one file of the NCR; images inline, anything else as a download under its name."""

    def get(self, request, *args, **kwargs):
        ncr = ncr_for_page(self.membership, kwargs["pk"])
        item = ncr.files.filter(pk=kwargs["file_id"]).first()
        if item is None:
            raise Http404()
        inline = item.content_type in IMAGE_TYPES
        return stored_file_response(
            item.file, content_type=item.content_type, filename=None if inline else item.name, cache=inline
        )


class NcrPhotoView(NcrPageMixin, View):
    """GET: a photo of an inspection the NCR came from (buyers read NCRs, not inspection pages)."""

    def get(self, request, *args, **kwargs):
        ncr = ncr_for_page(self.membership, kwargs["pk"])
        inspections = {ncr.inspection_id, *ncr.lots.values_list("inspection_id", flat=True)} - {None}
        photo = InspectionPhoto.objects.filter(
            tenant_id=ncr.tenant_id, inspection_id__in=inspections, pk=kwargs["photo_id"]
        ).first()
        if photo is None:
            raise Http404()
        return photo_file_response(photo)


class NcrPdfView(NcrPageMixin, View):
    """GET: the NCR as PDF, inline (``NCR-00001.pdf``)."""

    def get(self, request, *args, **kwargs):
        ncr = ncr_for_page(self.membership, kwargs["pk"])
        if refused := throttled(request, "documents"):  # PDFs have a budget of their own
            return refused
        response = HttpResponse(ncr_pdf(ncr), content_type="application/pdf")
        name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in ncr.number)
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
