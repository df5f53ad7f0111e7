"""The quality half's routes in the partner API (``/api/v1/``), registered into the project's
router (``portal.api.routes``): inspection outcomes."""

from __future__ import annotations

from .inspections import InspectionViewSet


def register(router) -> None:
    router.register("inspections", InspectionViewSet, basename="api-inspection")
