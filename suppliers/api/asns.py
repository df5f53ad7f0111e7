"""Partner API: shipments (ASNs): list, create, change, submit, cancel, import lines, labels and
packing slip, certificates; for the token's partner only."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal.api.base import TenantScopedViewSet
from portal.api.idempotency import idempotent
from portal.api.schema import problems
from suppliers.models import Asn
from suppliers.selectors import ASN_FILTERS, asn_get, asn_list
from suppliers.services import asn_certificates, asn_drafts, asn_import, asn_submission, documents
from suppliers.services.asn_inputs import HEADER_FIELDS, AsnItemInput, AsnLineInput, AsnValueInput, PackageInput

from . import names
from . import serializers as s
from .certificates import CertificateActions
from .common import IDEMPOTENCY, PDF, PDF_RENDERERS

# What a shipment's answer shows besides its own row (the list prefetches its orders itself: asn_list).
ASN_RELATED = (
    "packages",
    "certificates",
    "lines__order_line__order",
    "lines__order_line__product",
    "lines__items__package",
    "lines__items__values",
)


def _asn_queryset(membership):
    return Asn.objects.visible_to(membership).select_related("outbox_event").prefetch_related("orders", *ASN_RELATED)


@extend_schema_view(
    list=extend_schema(
        summary="Shipments (ASNs)",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=list(ASN_FILTERS),
                description="The shipment list's tabs: `on_the_way` is `submitted`, `in_transit` and `partial` "
                "(part still to come), `partial` is partly received, `received` is fully received.",
            ),
            OpenApiParameter("q", str, description="ASN, PO number, tracking number or lot."),
        ],
        responses={200: s.AsnSerializer(many=True), **problems()},
    ),
    retrieve=extend_schema(
        summary="A shipment",
        parameters=[
            OpenApiParameter(
                "id", str, OpenApiParameter.PATH, description="The shipment's id, or its number (e.g. ASN-00042)."
            )
        ],
        responses={200: s.AsnSerializer, **problems()},
    ),
)
class AsnViewSet(CertificateActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    required_scopes = {
        "list": "asn:read",
        "retrieve": "asn:read",
        "labels": "asn:read",
        "packing_slip": "asn:read",
        "create": "asn:write",
        "partial_update": "asn:write",
        "submit": "asn:write",
        "cancel": "asn:write",
        "import_lines": "asn:write",
        "attach_certificate": "asn:write",
        "certificate": "asn:read",
        "remove_certificate": "asn:write",
    }
    input_serializers = {
        "create": s.AsnCreateSerializer,
        "partial_update": s.AsnWriteSerializer,
        "submit": s.NoInputSerializer,
        "cancel": s.AsnCancelSerializer,
        "import_lines": s.AsnImportSerializer,
        "attach_certificate": s.CertificateInputSerializer,
    }
    upload_limits = {
        "import_lines": asn_import.MAX_BYTES,
        "attach_certificate": asn_certificates.CERTIFICATE_MAX_BYTES,
    }
    serializer_class = s.AsnSerializer
    queryset = Asn.objects.all()
    lookup_value_regex = "[^/]{1,20}"  # an id or the ASN's number (names.asn_pk)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def filter_scoped(self, queryset):
        if self.action == "list":
            wanted = self.request.query_params.get("status", "")
            if wanted and wanted not in ASN_FILTERS:
                raise ValidationError({"status": _("Choose one of %(choices)s.") % {"choices": ", ".join(ASN_FILTERS)}})
            # The shipment list page's search, tabs and order (the selector), within the scoped queryset.
            listed = asn_list(
                membership=self.membership,
                query=self.request.query_params.get("q", "")[:100].replace("\x00", ""),
                status=wanted,
            )
            return (listed & queryset).select_related("outbox_event").prefetch_related(*ASN_RELATED)
        return queryset.select_related("outbox_event").prefetch_related("orders", *ASN_RELATED)

    def resolve_pk(self, value: str) -> int:
        return names.asn_pk(membership=self.membership, value=value)

    def _answer(self, asn, code=status.HTTP_200_OK):
        return Response(s.AsnSerializer(_asn_queryset(self.membership).get(pk=asn.pk)).data, status=code)

    def _asn(self) -> Asn:
        """The URL's shipment, or 404: checked before the body is read, so an intruder learns nothing."""
        return asn_get(membership=self.membership, asn_id=self.kwargs["pk"])

    def _inputs(self, data, orders: list[int]):
        """The validated body as the services' typed input (its lines named by product code resolved)."""
        header = {k: data[k] for k in HEADER_FIELDS if k in data}
        lines = None
        if "lines" in data:
            names.resolve_line_codes(membership=self.membership, lines=data["lines"], key="order_line", among=orders)
            lines = [
                AsnLineInput(
                    order_line=line["order_line"],
                    quantity=line["quantity"],
                    uom=line.get("uom", ""),
                    items=[
                        AsnItemInput(
                            quantity=i["quantity"],
                            lot_name=i.get("lot_name", ""),
                            expiry_date=i.get("expiry_date"),
                            package=i.get("package", ""),
                            values=[
                                AsnValueInput(name=v["name"], value=v["value"], unit=v.get("unit", ""))
                                for v in i.get("values", [])
                            ],
                        )
                        for i in line.get("items", [])
                    ],
                )
                for line in data["lines"]
            ]
        packages = None
        if "packages" in data:
            packages = [
                PackageInput(kind=p.get("kind", "carton"), weight_kg=p.get("weight_kg"), sscc=p.get("sscc", ""))
                for p in data["packages"]
            ]
        return header, lines, packages

    @extend_schema(
        summary="Draft a shipment from open purchase orders",
        description="Lines start with every open quantity unless `lines` is given.",
        request=s.AsnCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.AsnSerializer, **problems(409)},
    )
    @idempotent
    def create(self, request):
        data = self.read_input(tenant=self.membership.tenant)  # a wall-clock ETA is the tenant's
        orders = names.po_ids(membership=self.membership, refs=data["orders"])
        header, lines, packages = self._inputs(data, orders)
        from django.db import transaction

        with transaction.atomic():
            asn = asn_drafts.asn_create(membership=self.membership, po_ids=orders)
            if header or lines is not None or packages is not None:
                asn_drafts.asn_update(
                    membership=self.membership, asn_id=asn.pk, header=header, lines=lines, packages=packages
                )
        return self._answer(asn, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft shipment", request=s.AsnWriteSerializer, responses={200: s.AsnSerializer, **problems()}
    )
    def partial_update(self, request, pk=None):
        asn = self._asn()
        data = self.read_input(tenant=self.membership.tenant)  # every field is optional; nested ones are whole
        header, lines, packages = self._inputs(data, list(asn.orders.values_list("pk", flat=True)))
        asn = asn_drafts.asn_update(
            membership=self.membership, asn_id=pk, header=header, lines=lines, packages=packages
        )
        return self._answer(asn)

    @extend_schema(
        summary="Submit a draft shipment",
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: s.AsnSerializer, **problems(409)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        self._asn()
        self.read_input()
        return self._answer(asn_submission.asn_submit(membership=self.membership, asn_id=pk))

    @extend_schema(
        summary="Cancel a shipment (before it is received)",
        request=s.AsnCancelSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.AsnSerializer, **problems(409)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        self._asn()
        data = self.read_input()
        return self._answer(asn_submission.asn_cancel(membership=self.membership, asn_id=pk, reason=data["reason"]))

    @extend_schema(
        summary="Replace a draft's lines from a CSV or XLSX file",
        request={"multipart/form-data": s.AsnImportSerializer},
        parameters=[IDEMPOTENCY],
        responses={200: s.AsnSerializer, **problems(409, 413)},
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    @idempotent
    def import_lines(self, request, pk=None):
        self._asn()
        upload = self.read_input()["file"]
        asn_import.asn_import(
            membership=self.membership, asn_id=pk, data=upload.read(asn_import.MAX_BYTES + 1), filename=upload.name
        )
        return self._answer(asn_get(membership=self.membership, asn_id=pk))

    @extend_schema(
        summary="GS1-128 logistic labels, one per package (PDF)",
        parameters=[OpenApiParameter("size", str, enum=["a6", "4x6"])],
        responses={**PDF, **problems()},
    )
    @action(detail=True, methods=["get"], renderer_classes=PDF_RENDERERS)
    def labels(self, request, pk=None):
        asn = self.get_object()
        size = request.query_params.get("size", "a6")
        if size not in documents.LABEL_SIZES:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"size": _("Choose a6 or 4x6.")})
        if not asn.packages.filter(items__isnull=False).exists():  # an empty package gets no label
            from rest_framework.exceptions import NotFound

            raise NotFound(_("%(asn)s has no packages holding goods.") % {"asn": asn.number})
        return HttpResponse(documents.labels_pdf(asn, size), content_type="application/pdf")

    @extend_schema(summary="Packing slip (PDF)", responses={**PDF, **problems()})
    @action(detail=True, methods=["get"], url_path="packing-slip", renderer_classes=PDF_RENDERERS)
    def packing_slip(self, request, pk=None):
        from suppliers.selectors import asn_lines

        asn = self.get_object()
        return HttpResponse(documents.packing_slip_pdf(asn, asn_lines(asn=asn)), content_type="application/pdf")
