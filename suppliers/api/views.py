"""Partner API: purchase orders, acknowledgements and shipments, for the token's partner only."""

from __future__ import annotations

import contextlib

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal.api.idempotency import idempotent
from portal.api.schema import problems
from suppliers.models import Acknowledgement, Asn, PurchaseOrder, PurchaseOrderLine
from suppliers.selectors import ASN_FILTERS, PO_FILTERS, asn_list, po_acknowledgements, po_get, po_list
from suppliers.services import asn_import, documents
from suppliers.services import asns as asn_service
from suppliers.services.acknowledgements import LineAnswer, ack_submit

from . import serializers as s

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key and body get the first answer again.",
)
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF document")}


class PartnerApiMixin:
    @property
    def membership(self):
        return self.request.auth.membership


def _plain(value):
    """Decimals as people typed them (DRF pads them to the field's places)."""
    if value is None:
        return None
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


@extend_schema_view(
    list=extend_schema(
        summary="Purchase orders",
        parameters=[
            OpenApiParameter(
                "status", str, enum=sorted(PO_FILTERS), description="What needs doing, or where it stands."
            ),
            OpenApiParameter("q", str, description="PO number, your reference or a product code."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Pulled from Odoo at or after."),
        ],
        responses={200: s.PurchaseOrderSerializer(many=True), **problems()},
    ),
    retrieve=extend_schema(
        summary="A purchase order with its lines", responses={200: s.PurchaseOrderDetailSerializer, **problems()}
    ),
)
class PurchaseOrderViewSet(PartnerApiMixin, viewsets.ReadOnlyModelViewSet):
    required_scopes = {
        "list": "po:read",
        "retrieve": "po:read",
        "lines": "po:read",
        "acknowledgements": "po:read",
        "acknowledge": "po:acknowledge",
    }
    serializer_class = s.PurchaseOrderSerializer
    queryset = PurchaseOrder.objects.none()  # for the schema; requests use get_queryset
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        status_filter = self.request.query_params.get("status", "")
        if status_filter and status_filter not in PO_FILTERS:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"status": f"Choose one of {', '.join(sorted(PO_FILTERS))}."})
        qs = po_list(
            membership=self.membership,
            query=self.request.query_params.get("q", "")[:100].replace("\x00", ""),
            status=status_filter if status_filter in PO_FILTERS else "",
        )
        since = self.request.query_params.get("updated_since")
        if since:
            from django.utils.dateparse import parse_datetime

            parsed = None
            with contextlib.suppress(ValueError):
                parsed = parse_datetime(since)
            if parsed is None:
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"updated_since": "Use an ISO 8601 date and time, e.g. 2026-11-23T10:00:00Z."})
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

    @extend_schema(
        summary="Lines of a purchase order", responses={200: s.PurchaseOrderLineSerializer(many=True), **problems()}
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def lines(self, request, pk=None):
        po = po_get(membership=self.membership, pk=pk)
        return Response(
            s.PurchaseOrderLineSerializer(po.lines.select_related("product").order_by("sequence", "id"), many=True).data
        )

    @extend_schema(
        summary="Every acknowledgement version of a purchase order",
        responses={200: s.AcknowledgementSerializer(many=True), **problems()},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def acknowledgements(self, request, pk=None):
        po = po_get(membership=self.membership, pk=pk)
        return Response(s.AcknowledgementSerializer(po_acknowledgements(po=po), many=True).data)

    @extend_schema(
        summary="Acknowledge a purchase order",
        description="Accept it as is (`accept_all`), or answer every line: accept, change (promised date and/or "
        "quantity) or reject with a reason. Within the buyer's tolerances it goes to Odoo at once; beyond them "
        "it waits for the buyer (status `pending`).",
        request=s.AcknowledgementInputSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.AcknowledgementSerializer, **problems(409)},
    )
    @acknowledgements.mapping.post
    @idempotent
    def acknowledge(self, request, pk=None):
        data = s.AcknowledgementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        po = po_get(membership=self.membership, pk=pk)
        if body["accept_all"]:
            answers = [LineAnswer(line_id=line.pk) for line in po.lines.all()]
        else:
            answers = [
                LineAnswer(
                    line_id=line["line_id"],
                    decision=line["decision"],
                    promised_date=line.get("promised_date"),
                    promised_qty=_plain(line.get("promised_qty")),
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
class AcknowledgementViewSet(PartnerApiMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    required_scopes = {"retrieve": "po:read"}
    serializer_class = s.AcknowledgementSerializer
    queryset = Acknowledgement.objects.none()
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return (
            Acknowledgement.objects.visible_to(self.membership).select_related("outbox_event").prefetch_related("lines")
        )


def _asn_queryset(membership):
    return (
        Asn.objects.visible_to(membership)
        .select_related("outbox_event")
        .prefetch_related(
            "orders",
            "packages",
            "certificates",
            "lines__order_line__order",
            "lines__order_line__product",
            "lines__items__package",
        )
    )


@extend_schema_view(
    list=extend_schema(
        summary="Shipments (ASNs)",
        parameters=[
            OpenApiParameter("status", str, enum=["draft", "on_the_way", "received", "cancelled"]),
            OpenApiParameter("q", str, description="ASN, PO number, tracking number or lot."),
        ],
        responses={200: s.AsnSerializer(many=True), **problems()},
    ),
    retrieve=extend_schema(summary="A shipment", responses={200: s.AsnSerializer, **problems()}),
)
class AsnViewSet(PartnerApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
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
    }
    serializer_class = s.AsnSerializer
    queryset = Asn.objects.none()
    lookup_value_regex = "[0-9]{1,18}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            wanted = self.request.query_params.get("status", "")
            if wanted and wanted not in ASN_FILTERS:
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"status": f"Choose one of {', '.join(ASN_FILTERS)}."})
            qs = asn_list(
                membership=self.membership,
                query=self.request.query_params.get("q", "")[:100].replace("\x00", ""),
                status=self.request.query_params.get("status", ""),
            )
            return qs.select_related("outbox_event").prefetch_related(
                "packages",
                "certificates",
                "lines__order_line__order",
                "lines__order_line__product",
                "lines__items__package",
            )
        return _asn_queryset(self.membership)

    def _answer(self, asn, code=status.HTTP_200_OK):
        return Response(s.AsnSerializer(_asn_queryset(self.membership).get(pk=asn.pk)).data, status=code)

    @staticmethod
    def _inputs(data):
        header = {k: data[k] for k in asn_service.HEADER_FIELDS if k in data}
        lines = None
        if "lines" in data:
            lines = [
                {
                    "order_line": line["order_line"],
                    "quantity": _plain(line["quantity"]),
                    "uom": line.get("uom", ""),
                    "items": [
                        {
                            "lot_name": i.get("lot_name", ""),
                            "expiry_date": i.get("expiry_date"),
                            "quantity": _plain(i["quantity"]),
                            "package": i.get("package", ""),
                        }
                        for i in line.get("items", [])
                    ],
                }
                for line in data["lines"]
            ]
        packages = None
        if "packages" in data:
            packages = [
                {
                    "kind": p.get("kind", "carton"),
                    "weight_kg": _plain(p.get("weight_kg")) or "",
                    "sscc": p.get("sscc", ""),
                }
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
        data = s.AsnCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        header, lines, packages = self._inputs(data.validated_data)
        from django.db import transaction

        with transaction.atomic():
            asn = asn_service.asn_create(membership=self.membership, po_ids=data.validated_data["orders"])
            if header or lines is not None or packages is not None:
                asn_service.asn_update(
                    membership=self.membership, asn_id=asn.pk, header=header, lines=lines, packages=packages
                )
        return self._answer(asn, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft shipment", request=s.AsnWriteSerializer, responses={200: s.AsnSerializer, **problems()}
    )
    def partial_update(self, request, pk=None):
        data = s.AsnWriteSerializer(data=request.data)  # every field is optional; nested ones are whole
        data.is_valid(raise_exception=True)
        header, lines, packages = self._inputs(data.validated_data)
        asn = asn_service.asn_update(
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
        return self._answer(asn_service.asn_submit(membership=self.membership, asn_id=pk))

    @extend_schema(
        summary="Cancel a shipment (before it is received)",
        request=s.AsnCancelSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.AsnSerializer, **problems(409)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        data = s.AsnCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            asn_service.asn_cancel(membership=self.membership, asn_id=pk, reason=data.validated_data["reason"])
        )

    @extend_schema(
        summary="Replace a draft's lines from a CSV or XLSX file",
        request={"multipart/form-data": s.AsnImportSerializer},
        parameters=[IDEMPOTENCY],
        responses={200: s.AsnSerializer, **problems(409)},
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    @idempotent
    def import_lines(self, request, pk=None):
        data = s.AsnImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        asn_import.asn_import(
            membership=self.membership, asn_id=pk, data=upload.read(asn_import.MAX_BYTES + 1), filename=upload.name
        )
        return self._answer(asn_service.asn_get(membership=self.membership, asn_id=pk))

    @extend_schema(
        summary="GS1-128 logistic labels, one per package (PDF)",
        parameters=[OpenApiParameter("size", str, enum=["a6", "4x6"])],
        responses={**PDF, **problems()},
    )
    @action(detail=True, methods=["get"])
    def labels(self, request, pk=None):
        asn = self.get_object()
        size = request.query_params.get("size", "a6")
        if size not in documents.LABEL_SIZES:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"size": "Choose a6 or 4x6."})
        if not asn.packages.exists():
            from rest_framework.exceptions import NotFound

            raise NotFound(f"{asn.number} has no packages.")
        return HttpResponse(documents.labels_pdf(asn, size), content_type="application/pdf")

    @extend_schema(summary="Packing slip (PDF)", responses={**PDF, **problems()})
    @action(detail=True, methods=["get"], url_path="packing-slip")
    def packing_slip(self, request, pk=None):
        from suppliers.selectors import asn_lines

        asn = self.get_object()
        return HttpResponse(documents.packing_slip_pdf(asn, asn_lines(asn=asn)), content_type="application/pdf")
