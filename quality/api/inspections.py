"""Partner API: the outcomes of incoming inspections of the token's lots (list, one outcome, a
shared photo), read only, scope ``quality:read``. What a supplier may see is
``quality.supplier_selectors``: signed inspections only, the newest signed revision of a corrected
one, no notes, no people, no reasons of decisions."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal.api.base import TenantScopedViewSet, binary_renderer
from portal.api.schema import problems
from quality.models import Inspection
from quality.photo_files import photo_file_response
from quality.supplier_selectors import (
    FILTER_MAX,
    RESULT_FILTERS,
    lot_totals_of,
    shared_photo_get,
    supplier_outcome,
    supplier_results,
)

from . import serializers as s

PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_RENDERERS = [JSONRenderer, *(binary_renderer(t) for t in PHOTO_TYPES)]
TEXT_FILTERS = ("po", "product", "lot")


@extend_schema_view(
    list=extend_schema(
        summary="Inspection results of your lots",
        description="Signed inspections only, newest first; a corrected result is shown in its newest version.",
        parameters=[
            OpenApiParameter("result", str, enum=list(RESULT_FILTERS), description="Accepted or rejected lots."),
            OpenApiParameter("po", str, description="The PO number, or part of it."),
            OpenApiParameter("product", str, description="The product's internal reference or name, or part of it."),
            OpenApiParameter("lot", str, description="The lot number, or part of it."),
        ],
        responses={200: s.InspectionOutcomeSerializer(many=True), **problems()},
    ),
    retrieve=extend_schema(
        summary="An inspection result",
        responses={200: s.InspectionOutcomeDetailSerializer, **problems()},
    ),
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    required_scopes = {"list": "quality:read", "retrieve": "quality:read", "photo": "quality:read"}
    serializer_class = s.InspectionOutcomeSerializer
    queryset = Inspection.objects.all()  # narrowed to the token's partner by the base (visible_to)
    http_method_names = ["get", "head", "options"]

    def filter_scoped(self, queryset):
        if self.action != "list":
            return queryset.none()  # retrieve and photo read through the selectors
        wanted = {name: self.request.query_params.get(name, "") for name in ("result", *TEXT_FILTERS)}
        if wanted["result"] and wanted["result"] not in RESULT_FILTERS:
            raise ValidationError({"result": _("Choose one of %(choices)s.") % {"choices": ", ".join(RESULT_FILTERS)}})
        for name in TEXT_FILTERS:
            if len(wanted[name]) > FILTER_MAX:
                raise ValidationError(
                    {
                        name: ngettext(
                            "Search with at most %(count)d character.",
                            "Search with at most %(count)d characters.",
                            FILTER_MAX,
                        )
                        % {"count": FILTER_MAX}
                    }
                )
        return supplier_results(membership=self.membership, **wanted) & queryset

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        totals = lot_totals_of(membership=self.membership, inspections=page)
        for inspection in page:
            _with_totals(inspection, totals[inspection.pk])
        return self.get_paginated_response(s.InspectionOutcomeSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        outcome = supplier_outcome(membership=self.membership, pk=self.kwargs["pk"])
        inspection = outcome.inspection
        _with_totals(inspection, outcome.totals)
        inspection.defect_classes = outcome.classes
        inspection.characteristics = outcome.characteristics
        inspection.lot_dispositions = outcome.dispositions
        inspection.shared_photos = outcome.photos
        return Response(s.InspectionOutcomeDetailSerializer(inspection).data)

    @extend_schema(
        summary="A photo Quality shared of an inspection",
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The photo as taken")
                for media in PHOTO_TYPES
            },
            **problems(),
        },
    )
    @action(
        detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]{1,18})", renderer_classes=PHOTO_RENDERERS
    )
    def photo(self, request, pk=None, photo_id=None):
        found = shared_photo_get(membership=self.membership, inspection_id=int(pk), photo_id=int(photo_id))
        return photo_file_response(found, cache=False)


def _with_totals(inspection: Inspection, totals) -> None:
    inspection.totals = totals
    inspection.rejected = totals.returned + totals.scrapped
