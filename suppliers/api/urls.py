"""The suppliers app's routes in the partner API (``/api/v1/``), registered into the project's
router (``portal.api.routes``): purchase orders, acknowledgements and shipments."""

from __future__ import annotations

from . import views


def register(router) -> None:
    router.register("purchase-orders", views.PurchaseOrderViewSet, basename="api-po")
    router.register("acknowledgements", views.AcknowledgementViewSet, basename="api-ack")
    router.register("asns", views.AsnViewSet, basename="api-asn")
