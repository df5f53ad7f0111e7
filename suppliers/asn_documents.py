"""Shipment documents: packing slip and labels (PDF), and lines imported from CSV or Excel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from portal.models import SUPPLIER_ROLES
from portal.views.mixins import TenantViewMixin
from portal.web_limits import throttled
from suppliers.asn_views import ASN_ROLES
from suppliers.selectors import asn_detail, asn_lines
from suppliers.services import asn_import, documents


class AsnPdfView(TenantViewMixin, TemplateView):
    allowed_roles = ASN_ROLES

    def get(self, request, *args, **kwargs):
        asn = asn_detail(membership=self.membership, pk=kwargs["pk"])
        if refused := throttled(request, "documents"):  # PDFs have a budget of their own
            return refused
        kind = kwargs["kind"]
        if kind == "packing-slip":
            pdf = documents.packing_slip_pdf(asn, asn_lines(asn=asn))
        elif kind == "labels":
            size = request.GET.get("size", "a6")
            if size not in documents.LABEL_SIZES or not asn.packages.filter(items__isnull=False).exists():
                raise Http404()
            pdf = documents.labels_pdf(asn, size)
        else:
            raise Http404()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{asn.number}-{kind}.pdf"'
        return response


class AsnImportView(TenantViewMixin, TemplateView):
    template_name = "suppliers/asn_import.html"
    allowed_roles = SUPPLIER_ROLES
    nav_key = "shipments"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asn = asn_detail(membership=self.membership, pk=self.kwargs["pk"])
        if not asn.editable:
            raise Http404()
        context.update(
            asn=asn,
            columns=asn_import.COLUMNS,
            errors=kwargs.get("errors"),
            max_rows=asn_import.MAX_ROWS,
            max_mb=asn_import.MAX_BYTES // (1024 * 1024),
        )
        return context

    def post(self, request, *args, **kwargs):
        asn = asn_detail(membership=self.membership, pk=kwargs["pk"])
        if refused := throttled(request, "imports"):
            return refused
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError({"file": _("Choose a CSV or Excel file.")})
            count = asn_import.asn_import(
                membership=self.membership,
                asn_id=asn.pk,
                data=upload.read(asn_import.MAX_BYTES + 1),
                filename=upload.name,
            )
        except ValidationError as exc:
            errors = [(k, " ".join(v)) for k, v in exc.message_dict.items()]  # in the file's order (asn_import)
            return self.render_to_response(self.get_context_data(errors=errors), status=400)
        done = ngettext(
            "%(count)s row imported into %(asn)s; check and submit.",
            "%(count)s rows imported into %(asn)s; check and submit.",
            count,
        )
        messages.success(request, done % {"count": count, "asn": asn.number})
        return redirect("asn_detail", self.membership.tenant.slug, asn.pk)


class ImportTemplateView(TenantViewMixin, TemplateView):
    allowed_roles = SUPPLIER_ROLES

    def get(self, request, *args, **kwargs):
        fmt = kwargs["fmt"]
        if fmt == "csv":
            body, kind = asn_import.template_csv(), "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            body, kind = asn_import.template_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise Http404()
        response = HttpResponse(body, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="asn-lines-template.{fmt}"'
        return response
