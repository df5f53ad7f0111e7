"""Partner API: purchase orders, acknowledgements and shipments, for the token's partner only."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal.api.base import TenantScopedViewSet, binary_renderer
from portal.api.idempotency import idempotent
from portal.api.schema import problems
from suppliers import statuses
from suppliers.models import Acknowledgement, Asn, Certificate, PurchaseOrder, PurchaseOrderLine
from suppliers.selectors import ASN_FILTERS, PO_FILTERS, asn_get, asn_list, po_acknowledgements, po_get, po_list
from suppliers.services import asn_certificates, asn_drafts, asn_import, asn_submission, documents
from suppliers.services.acknowledgements import LineAnswer, ack_submit
from suppliers.services.asn_inputs import HEADER_FIELDS, AsnItemInput, AsnLineInput, PackageInput

from . import names
from . import serializers as s

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key and body get the first answer again.",
)
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF document")}
PDF_RENDERERS = [JSONRenderer, binary_renderer("application/pdf")]
CERTIFICATE_RENDERERS = [JSONRenderer, *(binary_renderer(t) for t in asn_certificates.CERTIFICATE_TYPES.values())]
PO_ID = OpenApiParameter(
    "id",
    str,
    OpenApiParameter.PATH,
    description="The order's id, or its number in Odoo (e.g. P00003). Digits alone are an id; a number with "
    "a slash is found with `?name=` on the list.",
)
# The list's filters are the PO list page's tabs; the statuses without a tab filter by status.
PO_STATUS_FILTERS = {
    **PO_FILTERS,
    **{word: (lambda w=word: statuses.po_status_q(w)) for word in statuses.PO_STATUSES if word not in PO_FILTERS},
}


@extend_schema_view(
    list=extend_schema(
        summary="Purchase orders",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=sorted(PO_STATUS_FILTERS),
                description="What needs doing, or where it stands: the PO list's tabs (`to_acknowledge` includes "
                "`changed` and `declined`; `late`, `partial`, `open`, `closed`), or a `status` without a tab.",
            ),
            OpenApiParameter("q", str, description="PO number, your reference or a product code."),
            OpenApiParameter("name", str, description="The order's number in Odoo, exactly (any case)."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Pulled from Odoo at or after."),
        ],
        responses={200: s.PurchaseOrderSerializer(many=True), **problems()},
    ),
    retrieve=extend_schema(
        summary="A purchase order with its lines",
        parameters=[PO_ID],
        responses={200: s.PurchaseOrderDetailSerializer, **problems(409)},
    ),
)
class PurchaseOrderViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, TenantScopedViewSet):
    required_scopes = {
        "list": "po:read",
        "retrieve": "po:read",
        "lines": "po:read",
        "acknowledgements": "po:read",
        "acknowledge": "po:acknowledge",
    }
    serializer_class = s.PurchaseOrderSerializer
    input_serializers = {"acknowledge": s.AcknowledgementInputSerializer}
    queryset = PurchaseOrder.objects.all()  # narrowed to the token's partner by the base (visible_to)
    lookup_value_regex = "[^/]{1,64}"  # an id or an Odoo number (names.po_pk)

    def filter_scoped(self, queryset):
        status_filter = self.request.query_params.get("status", "")
        if status_filter and status_filter not in PO_STATUS_FILTERS:
            raise ValidationError({"status": f"Choose one of {', '.join(sorted(PO_STATUS_FILTERS))}."})
        # The PO list page's search, tabs, annotations and order (the selector), within the scoped queryset.
        qs = (
            po_list(
                membership=self.membership,
                query=self.request.query_params.get("q", "")[:100].replace("\x00", ""),
                status=status_filter if status_filter in PO_FILTERS else "",
            )
            & queryset
        )
        if status_filter and status_filter not in PO_FILTERS:
            qs = qs.filter(PO_STATUS_FILTERS[status_filter]())
        if name := self.request.query_params.get("name", "").strip():
            qs = qs.filter(name__iexact=name[:64].replace("\x00", ""))
        since = self.request.query_params.get("updated_since")
        if since:
            from portal import dates

            try:  # the rules of an instant (portal.dates): no offset is the tenant's wall-clock time
                parsed = dates.parse_instant(since, wall_zone=dates.tenant_zone(self.membership.tenant), day_hour=0)
            except dates.DateInputError as exc:
                raise ValidationError({"updated_since": f"{exc} E.g. 2026-11-23T10:00:00Z."}) from None
            qs = qs.filter(pulled_at__gte=parsed)
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch(
                    "lines", queryset=PurchaseOrderLine.objects.select_related("product").order_by("sequence", "id")
                )
            )
        return qs

    def get_serializer_class(self):
        return s.PurchaseOrderDetailSerializer if self.action == "retrieve" else s.PurchaseOrderSerializer

    def resolve_pk(self, value: str) -> int:
        return names.po_pk(membership=self.membership, value=value)

    def _po(self) -> PurchaseOrder:
        return po_get(membership=self.membership, pk=self.kwargs["pk"])

    @extend_schema(
        summary="Lines of a purchase order",
        parameters=[PO_ID],
        responses={200: s.PurchaseOrderLineSerializer(many=True), **problems(409)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def lines(self, request, pk=None):
        po = self._po()
        return Response(
            s.PurchaseOrderLineSerializer(po.lines.select_related("product").order_by("sequence", "id"), many=True).data
        )

    @extend_schema(
        summary="Every acknowledgement version of a purchase order",
        parameters=[PO_ID],
        responses={200: s.AcknowledgementSerializer(many=True), **problems(409)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def acknowledgements(self, request, pk=None):
        po = self._po()
        return Response(s.AcknowledgementSerializer(po_acknowledgements(po=po), many=True).data)

    @extend_schema(
        summary="Acknowledge a purchase order",
        description="Accept it as is (`accept_all`), or answer every line: accept, change (promised date and/or "
        "quantity) or reject with a reason. Name each line by `line_id` or by `product_code`. Within the buyer's "
        "tolerances it goes to Odoo at once; beyond them it waits for the buyer (status `awaiting_buyer`).",
        request=s.AcknowledgementInputSerializer,
        parameters=[PO_ID, IDEMPOTENCY],
        responses={201: s.AcknowledgementSerializer, **problems(409)},
    )
    @acknowledgements.mapping.post
    @idempotent
    def acknowledge(self, request, pk=None):
        po = self._po()  # another partner's order is a 404 whatever the body
        body = self.read_input()
        if not body["accept_all"]:
            names.resolve_line_codes(
                membership=self.membership, lines=body["lines"], key="line_id", among=[po.pk], field="lines"
            )
        if body["accept_all"]:
            answers = [LineAnswer(line_id=line.pk) for line in po.lines.all()]
        else:
            answers = [
                LineAnswer(
                    line_id=line["line_id"],
                    decision=line["decision"],
                    promised_date=line.get("promised_date"),
                    promised_qty=line.get("promised_qty"),
                    reason=line.get("reason", ""),
                )
                for line in body["lines"]
            ]
        ack = ack_submit(
            membership=self.membership,
            po_id=po.pk,
            answers=answers,
            supplier_ref=body["supplier_ref"],
            comment=body["comment"],
            source=Acknowledgement.Source.API,
        )
        return Response(s.AcknowledgementSerializer(ack).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(summary="An acknowledgement", responses={200: s.AcknowledgementSerializer, **problems()})
)
class AcknowledgementViewSet(mixins.RetrieveModelMixin, TenantScopedViewSet):
    required_scopes = {"retrieve": "po:read"}
    serializer_class = s.AcknowledgementSerializer
    queryset = Acknowledgement.objects.all()
    lookup_value_regex = "[0-9]{1,18}"

    def filter_scoped(self, queryset):
        return queryset.select_related("outbox_event", "order").prefetch_related("lines")


# What a shipment's answer shows besides its own row (the list prefetches its orders itself: asn_list).
ASN_RELATED = (
    "packages",
    "certificates",
    "lines__order_line__order",
    "lines__order_line__product",
    "lines__items__package",
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
class AsnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
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
                raise ValidationError({"status": f"Choose one of {', '.join(ASN_FILTERS)}."})
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

            raise ValidationError({"size": "Choose a6 or 4x6."})
        if not asn.packages.filter(items__isnull=False).exists():  # an empty package gets no label
            from rest_framework.exceptions import NotFound

            raise NotFound(f"{asn.number} has no packages holding goods.")
        return HttpResponse(documents.labels_pdf(asn, size), content_type="application/pdf")

    @extend_schema(summary="Packing slip (PDF)", responses={**PDF, **problems()})
    @action(detail=True, methods=["get"], url_path="packing-slip", renderer_classes=PDF_RENDERERS)
    def packing_slip(self, request, pk=None):
        from suppliers.selectors import asn_lines

        asn = self.get_object()
        return HttpResponse(documents.packing_slip_pdf(asn, asn_lines(asn=asn)), content_type="application/pdf")

    @extend_schema(
        summary="Attach a certificate (CoC, CoA) to a draft shipment, one of its lines or lots",
        description="A PDF, PNG or JPEG of at most 10 MB, checked as the shipment page checks it. Name the line by "
        "`line` (the shipment's line id), `order_line` (the order line's id) or `product_code` (with "
        "`purchase_order` when the shipment has several orders); add `lot_name` for one lot of it. Without a "
        "line, the certificate is for the whole shipment.",
        request={"multipart/form-data": s.CertificateInputSerializer},
        parameters=[IDEMPOTENCY],
        responses={201: s.CertificateSerializer, **problems(409, 413)},
    )
    @action(detail=True, methods=["post"], url_path="certificates", parser_classes=[MultiPartParser])
    @idempotent
    def attach_certificate(self, request, pk=None):
        asn = self._asn()
        data = self.read_input()
        line_id = data.get("line")
        if "order_line" in data or "product_code" in data:
            where = "order_line" if "order_line" in data else "product_code"
            among = list(asn.orders.values_list("pk", flat=True))
            if "product_code" in data:
                data["order_line"] = names.line_by_code(
                    membership=self.membership,
                    code=data["product_code"],
                    order_ref=data.get("purchase_order"),
                    among=among,
                    where="product_code",
                )
            line = asn.lines.filter(order_line_id=data["order_line"]).first()
            if line is None:
                raise ValidationError({where: f"That order line is not on {asn.number}."})
            line_id = line.pk
        certificate = asn_certificates.asn_attach_certificate(
            membership=self.membership,
            asn_id=asn.pk,
            upload=data["file"],
            kind=data["kind"],
            line_id=line_id,
            lot_name=data["lot_name"],
        )
        certificate = Certificate.objects.select_related("line").get(pk=certificate.pk)
        return Response(s.CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)

    def _certificate(self) -> Certificate:
        found = (
            Certificate.objects.visible_to(self.membership)
            .filter(asn_id=self.kwargs["pk"], pk=self.kwargs["certificate_id"])
            .first()
        )
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="A certificate's file",
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The file as uploaded")
                for media in asn_certificates.CERTIFICATE_TYPES.values()
            },
            **problems(),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"certificates/(?P<certificate_id>[0-9]{1,18})",
        renderer_classes=CERTIFICATE_RENDERERS,
    )
    def certificate(self, request, pk=None, certificate_id=None):
        found = self._certificate()
        response = FileResponse(
            found.file.open("rb"), content_type=found.content_type, as_attachment=True, filename=found.filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        summary="Remove a certificate from a draft shipment (recorded in the audit trail)",
        request=None,
        responses={204: None, **problems()},
    )
    @certificate.mapping.delete
    def remove_certificate(self, request, pk=None, certificate_id=None):
        found = self._certificate()
        asn_certificates.asn_remove_certificate(
            membership=self.membership, asn_id=found.asn_id, certificate_id=found.pk
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
