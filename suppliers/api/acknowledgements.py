"""Partner API: one acknowledgement (a version of a supplier's answer to an order), for the
token's partner only; a supplier acknowledges through ``purchase-orders/{id}/acknowledge/``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from portal.api.base import TenantScopedViewSet
from portal.api.schema import problems
from suppliers.models import Acknowledgement

from . import serializers as s


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
