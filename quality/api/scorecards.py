"""Partner API: the token's partner's scorecard, read only, scope ``quality:read``.

``GET /api/v1/scorecards/``: the current score, standing and trend with the figures over the standing
window and over 12 months, and the figures of each of the last 12 months with data.
``GET /api/v1/scorecards/<YYYY-MM>/``: one month's figures and the counts they were computed from
(400 for a month not written YYYY-MM, 404 for a month without data).

Thin: reads through ``quality.scorecards.supplier_selectors``, which start from the token's own partner;
no URL names a partner, so another partner's scorecard cannot be asked for. The figures are what the
batch run stored; nothing is computed here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from portal.api.base import TenantScopedViewSet
from portal.api.schema import problems
from quality.models import ScorecardPeriod, scorecard_rules_for
from quality.scorecards import catalogue
from quality.scorecards import supplier_selectors as sel

from . import scorecard_serializers as s

SCOPE = "quality:read"
MONTH_PATTERN = "[^/]{1,20}"  # anything to the next slash: a month not written YYYY-MM is a 400, not a 404
MONTH = OpenApiParameter(
    "month", str, OpenApiParameter.PATH, pattern="^[0-9]{4}-[0-9]{2}$", description="The month, YYYY-MM."
)


def _month_text(month) -> str:
    return f"{month:%Y-%m}"


def _shown(mapping: dict | None, keys: list[str]) -> dict:
    """``mapping`` narrowed to the measures the supplier may see (no costs unless shared), in their order."""
    mapping = mapping or {}
    return {key: mapping[key] for key in keys if key in mapping}


class OneScorecardSchema(AutoSchema):
    """The collection route answers one object, the token's partner's scorecard: never a paginated list."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


@extend_schema_view(
    list=extend_schema(
        operation_id="scorecard_current",
        summary="Your scorecard",
        description="The current score (0-100) and standing over the buyer's standing window, the trend against "
        "the window before, each measure's figure, score, target and weight over the window and over 12 months, "
        "and the figures of the last 12 months with data. Worked out every night from your deliveries, "
        "acknowledgements, shipment notices, inspections, NCRs and corrective actions.",
        responses={200: s.ScorecardSerializer, **problems()},
    ),
    retrieve=extend_schema(
        operation_id="scorecard_month",
        summary="One month of your scorecard",
        description="The month's figures and the counts and sums they were computed from. 404 for a month "
        "without any data.",
        parameters=[MONTH],
        responses={200: s.ScorecardPeriodSerializer, **problems()},
    ),
)
class ScorecardViewSet(TenantScopedViewSet):
    required_scopes = {"list": SCOPE, "retrieve": SCOPE}
    serializer_class = s.ScorecardSerializer
    queryset = ScorecardPeriod.objects.all()  # narrowed to the token's partner by the base (visible_to)
    lookup_url_kwarg = "month"
    lookup_value_regex = MONTH_PATTERN
    http_method_names = ["get", "head", "options"]
    pagination_class = None
    schema = OneScorecardSchema()

    def filter_scoped(self, queryset):
        return queryset.none()  # both actions read through the supplier's selectors

    def list(self, request, *args, **kwargs):
        membership = self.membership
        keys = sel.supplier_measures(membership)
        score = sel.supplier_score(membership)
        body = {
            "partner": membership.partner.name if membership.partner_id else "",
            "as_of": None,
            "window_months": 0,
            "score": None,
            "previous_score": None,
            "trend": None,
            "standing": None,
            "standing_since": None,
            "computed_at": None,
            "figures": {},
            "figures_12": {},
            "months": [],
        }
        if score is not None:
            window = sel.window_months(scorecard_rules_for(membership.tenant), score.as_of)
            periods = sel.supplier_periods(membership, sel.last_12_months(score.as_of))
            body.update(
                as_of=_month_text(score.as_of),
                window_months=len(window),
                score=None if score.score is None else catalogue.plain(score.score),
                previous_score=None if score.previous_score is None else catalogue.plain(score.previous_score),
                trend=score.trend,
                standing=score.standing.name if score.standing else None,
                standing_since=score.standing_since,
                computed_at=score.computed_at,
                figures=_shown(score.figures, keys),
                figures_12=_shown(score.figures_12, keys),
                months=[{"month": _month_text(p.month), "figures": _shown(p.figures, keys)} for p in periods],
            )
        return Response(s.ScorecardSerializer(body).data)

    def retrieve(self, request, *args, **kwargs):
        month = sel.month_of(self.kwargs["month"])
        if month is None:
            given = repr(self.kwargs["month"])
            message = _("Give a month as YYYY-MM, e.g. 2026-03 (got %(month)s).") % {"month": given}
            raise ValidationError({"month": message})
        membership = self.membership
        period = sel.supplier_period(membership, month)
        if period is None:
            raise NotFound(_("No scorecard data for this month."))
        keys = sel.supplier_measures(membership)
        body = {
            "month": _month_text(period.month),
            "figures": _shown(period.figures, keys),
            "inputs": _shown(period.inputs, keys),
            "computed_at": period.computed_at,
        }
        return Response(s.ScorecardPeriodSerializer(body).data)
