"""The suppliers app's routes in the partner API (``/api/v1/``), registered into the project's
router (``portal.api.routes``): purchase orders, acknowledgements and shipments."""

from __future__ import annotations

from .acknowledgements import AcknowledgementViewSet
from .asns import AsnViewSet
from .purchase_orders import PurchaseOrderViewSet


def register(router) -> None:
    router.register("purchase-orders", PurchaseOrderViewSet, basename="api-po")
    router.register("acknowledgements", AcknowledgementViewSet, basename="api-ack")
    router.register("asns", AsnViewSet, basename="api-asn")
