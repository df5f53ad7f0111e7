"""The quality half's routes in the partner API (``/api/v1/``), registered into the project's
router (``portal.api.routes``): inspection outcomes, corrective action requests (SCAR / 8D), the scorecard."""

from __future__ import annotations

from .inspections import InspectionViewSet
from .scars import ScarViewSet
from .scorecards import ScorecardViewSet


def register(router) -> None:
    router.register("inspections", InspectionViewSet, basename="api-inspection")
    router.register("scars", ScarViewSet, basename="api-scar")
    router.register("scorecards", ScorecardViewSet, basename="api-scorecard")
