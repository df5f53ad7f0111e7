"""Partner API: purchase orders (list, one order, its lines and acknowledgements) and acknowledging
one, for the token's partner only."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api.base import TenantScopedViewSet
from portal.api.idempotency import idempotent
from portal.api.schema import problems
from suppliers import statuses
from suppliers.models import Acknowledgement, PurchaseOrder, PurchaseOrderLine
from suppliers.selectors import PO_FILTERS, po_acknowledgements, po_get, po_list
from suppliers.services.acknowledgements import LineAnswer, ack_submit

from . import names
from . import serializers as s
from .common import IDEMPOTENCY

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
            raise ValidationError(
                {"status": _("Choose one of %(choices)s.") % {"choices": ", ".join(sorted(PO_STATUS_FILTERS))}}
            )
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
                example = _("E.g. %(example)s.") % {"example": "2026-11-23T10:00:00Z"}
                raise ValidationError({"updated_since": f"{exc} {example}"}) from None
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
