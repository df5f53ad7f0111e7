"""A partner's scorecard for the staff: score, standing and since when, trend, the window and when it was
computed; each measure against its target with its 12-month figure, chart and drill-down; what pulls the
score down; the standing history; the category form, "Recompute now" and the PDF.

Thin: stored figures through ``quality.scorecards.selectors``, charts from ``charts.partner_charts`` (cached
SVG of the stored periods). A GET never computes; "Recompute now" queues the batch run for the partner.
Buyers, quality engineers and tenant admins who see the partner; anyone else 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal import l10n
from portal.services.errors import error_messages
from portal.views.mixins import TenantViewMixin
from quality.scorecards import catalogue
from quality.scorecards.categories import CATEGORY_MAX, scorecard_category_set
from quality.scorecards.months import months_back
from quality.scorecards.selectors import (
    TREND_ARROWS,
    TREND_LABELS,
    TREND_WORDS,
    category_choices,
    points_lost,
    report_months,
    score_of,
    score_of_figures,
    scorecard_partner,
    standing_history,
    window_months,
)
from quality.views.scorecard_ranking import NAV_KEY, SCORECARD_STAFF, figure_text

PULLING_DOWN_MAX = catalogue.PULLING_DOWN_MAX


@dataclass(frozen=True)
class MeasureRow:
    key: str
    label: str
    help: str
    value: str
    note: str  # what the figure alone does not say (severities, ASNs before arrival), a line of its own
    target: str
    score: str
    weight: str
    value_12: str
    note_12: str
    below_target: bool
    svg: str


def measure_rows(score, charts: dict) -> list[MeasureRow]:
    """One row per catalogue measure from the stored window and 12-month figures, written by
    ``catalogue.format_detail`` (the cost of poor quality per currency, NCRs with their severities, ASN
    accuracy with the receipts announced before arrival)."""
    rows = []
    for key, m in catalogue.MEASURES.items():
        window = (score.figures if score else {}).get(key) or {}
        year = (score.figures_12 if score else {}).get(key) or {}
        target = window.get("target")
        (value, note), (value_12, note_12) = catalogue.detail_parts(key, window), catalogue.detail_parts(key, year)
        below = window.get("score") is not None and catalogue._num(window["score"]) < catalogue.HUNDRED
        rows.append(
            MeasureRow(
                key=key,
                label=m.label,
                help=m.help,
                value=value,
                note=note,
                target="—" if key == "copq" or target is None else figure_text(key, target),
                score=l10n.num(window["score"]) if window.get("score") else "—",
                weight=l10n.num(window["weight"]) if window.get("weight") else "—",
                value_12=value_12,
                note_12=note_12,
                below_target=m.scored and below,
                svg=charts.get(key, ""),
            )
        )
    return rows


class ScorecardDetailView(TenantViewMixin, TemplateView):
    template_name = "quality/scorecard_detail.html"
    allowed_roles = SCORECARD_STAFF
    nav_key = NAV_KEY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Imported here: matplotlib loads with the first scorecard page, not at Django's start.
        from quality.scorecards.charts import partner_charts

        partner = scorecard_partner(self.membership, self.kwargs["partner_pk"])
        score = score_of(partner)
        window = window_months(self.membership, score)
        months_12 = months_back(window[-1], 12)
        charts = {chart.key: chart.svg for chart in partner_charts(partner, months=months_12)}
        detail = score.figures if score else {}
        context.update(
            partner=partner,
            score=score,
            window=window,
            months_12=months_12,
            score_12=score_of_figures(score.figures_12) if score else None,
            computed_ago=timesince(score.computed_at, depth=1) if score else "",
            trend_arrow=TREND_ARROWS.get(score.trend, "→") if score else "",
            trend_words=TREND_WORDS.get(score.trend, "steady") if score else "",
            trend_label=TREND_LABELS.get(score.trend, TREND_LABELS[0]) if score else "",
            measures=measure_rows(score, charts),
            report_months=report_months(self.membership.tenant),
            pulling_down=pulling_down(detail),
            history=standing_history(self.membership, partner),
            categories=category_choices(self.membership),
            category_max=CATEGORY_MAX,
        )
        context.setdefault("category_value", score.category if score else "")
        return context

    def post(self, request, *args, **kwargs):
        partner = scorecard_partner(self.membership, self.kwargs["partner_pk"])
        here = reverse("scorecard_detail", args=[self.membership.tenant.slug, partner.pk])
        action = request.POST.get("action")
        if action == "recompute":
            from quality.scorecards.engine import scorecard_recompute_on_commit

            scorecard_recompute_on_commit(partner)
            messages.success(
                request,
                _("Recompute of %(partner)s's scorecard queued; this page shows it within a few minutes.")
                % {"partner": partner.name},
            )
            return HttpResponseRedirect(here)
        if action != "category":
            raise Http404()
        try:
            score = scorecard_category_set(
                membership=self.membership, partner=partner, category=request.POST.get("category", "")
            )
        except ValidationError as exc:
            context = self.get_context_data(**kwargs)
            context.update(
                category_value=request.POST.get("category", ""), category_error=" ".join(error_messages(exc).values())
            )
            return self.render_to_response(context, status=400)
        if score.category:
            done = _("%(partner)s's category is now “%(category)s”; the ranking filters by it.") % {
                "partner": partner.name,
                "category": score.category,
            }
        else:
            done = _("%(partner)s's category is now none; the ranking filters by it.") % {"partner": partner.name}
        messages.success(request, done)
        return HttpResponseRedirect(here)


def pulling_down(detail: dict) -> list[dict]:
    """The worst measures with the points they cost, their value and target, for the page's summary."""
    out = []
    for key, points in points_lost(detail)[:PULLING_DOWN_MAX]:
        item = detail[key]
        out.append(
            {
                "key": key,
                "label": catalogue.MEASURES[key].label,
                "points": points,
                "value": catalogue.format_detail(key, item),
                "target": figure_text(key, item.get("target")),
            }
        )
    return out
