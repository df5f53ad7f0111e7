"""The quality half's routes in the partner API (``/api/v1/``), registered into the project's
router (``portal.api.routes``): inspection outcomes, corrective action requests (SCAR / 8D)."""

from __future__ import annotations

from .inspections import InspectionViewSet
from .scars import ScarViewSet


def register(router) -> None:
    router.register("inspections", InspectionViewSet, basename="api-inspection")
    router.register("scars", ScarViewSet, basename="api-scar")
