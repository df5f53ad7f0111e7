"""The supplier's own scorecard ("My scorecard") and the records behind one of its figures.

Supplier roles only (``SUPPLIER_ROLES``); staff, and anyone without a partner, get 404. Everything is
read for ``membership.partner`` by ``quality.scorecards.supplier_selectors``: no URL names a partner, so
another partner's figures cannot be asked for. Never the ranking, other partners' names or figures, nor
costs unless the tenant shares them (``QualityRules.share_costs``: ``copq`` is then not a measure here).

The page reads what the batch run stored (``PartnerScore``, ``ScorecardPeriod``) and the charts built from
them; the drill lists read the records of one measure (``quality.scorecards.drill``), bounded.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from portal import l10n
from portal.models import SUPPLIER_ROLES
from portal.views.mixins import TenantViewMixin
from quality.models import scorecard_rules_for
from quality.scorecards import catalogue
from quality.scorecards import drill as drills
from quality.scorecards import supplier_selectors as sel
from quality.scorecards.months import current_month
from quality.scorecards.selectors import TREND_ARROWS, TREND_LABELS, TREND_WORDS, report_months

NAV_KEY = "my_scorecard"
# Rows of each "what pulls your score down" measure; the drill page lists up to DRILL_LIMIT.
PULL_ROWS = 5
DRILL_LIMIT = 200
# The kinds of record a supplier has a page for, and its route there; other rows are plain text.
SUPPLIER_LINKS = {"po": "po_detail", "asn": "asn_detail", "scar": "supplier_scar_detail"}


class SupplierScorecardMixin(TenantViewMixin):
    allowed_roles = SUPPLIER_ROLES
    nav_key = NAV_KEY

    def dispatch(self, request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is not None and not membership.partner_id:
            raise Http404()
        return super().dispatch(request, *args, **kwargs)


def supplier_link(tenant_slug: str, link: tuple[str, int] | None) -> str:
    """The supplier's URL for a drill row's record, or "" where it has no page for that kind."""
    if link is None or link[0] not in SUPPLIER_LINKS:
        return ""
    return reverse(SUPPLIER_LINKS[link[0]], args=[tenant_slug, link[1]])


def supplier_drill(membership, key: str, months: list, limit: int) -> dict:
    """The drill of ``key`` for the supplier's own partner (``drill.supplier_drill``: no staff free text): its
    columns, its rows (``cells``; ``parts``, the cells as ``drill.cell_parts``; ``bad``; ``url``: the
    supplier's page of the record or ""; ``link_at``: the index of the cell naming it), the counts and the
    note."""
    found = drills.supplier_drill(
        tenant=membership.tenant, partner=membership.partner, key=key, months=months, limit=limit
    )
    slug = membership.tenant.slug
    return {
        "columns": list(found.columns),
        "rows": [
            {
                "cells": row.cells,
                "parts": drills.cell_parts(row.cells),
                "bad": row.bad,
                "url": supplier_link(slug, row.link),
                "link_at": drills.link_column(found.columns, row.link[0]) if row.link else None,
            }
            for row in found.rows
        ],
        "total": found.total,
        "bad_total": found.bad_total,
        "note": found.note,
    }


def _report_url(slug: str) -> str:
    # The PDF is another part of the pages; the link shows once its route exists.
    try:
        return reverse("supplier_scorecard_report", args=[slug])
    except NoReverseMatch:
        return ""


def _plain(value) -> str:
    """A score as the page's language writes it ("59,72" in German); "" for none."""
    return "" if value is None else l10n.num(catalogue.plain(value))


def _charts(membership, keys: list[str], months: list) -> dict[str, str]:
    from quality.scorecards.charts import partner_charts

    return {chart.key: chart.svg for chart in partner_charts(membership.partner, months=months) if chart.key in keys}


class SupplierScorecardView(SupplierScorecardMixin, TemplateView):
    """The partner's score, standing and trend; each measure against its target with its 12-month chart;
    what pulls the score down (with the records behind it) and what the supplier can do about it."""

    template_name = "quality/supplier_scorecard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = self.membership
        score = sel.supplier_score(membership)
        context.update(score=score, actions=self._actions(membership), report_url=_report_url(membership.tenant.slug))
        if score is None:
            return context
        rules = scorecard_rules_for(membership.tenant)
        keys = sel.supplier_measures(membership)
        window = sel.window_months(rules, score.as_of)
        rows = sel.measure_rows(score, keys)
        charts = _charts(membership, keys, sel.last_12_months(score.as_of))
        for row in rows:
            row.chart = charts.get(row.key, "")
        context.update(
            score_text=_plain(score.score),
            previous_text=_plain(score.previous_score),
            rows=rows,
            window=window,
            window_months=len(window),
            trend_arrow=TREND_ARROWS.get(score.trend, TREND_ARROWS[0]),
            trend_words=TREND_WORDS.get(score.trend, TREND_WORDS[0]),
            trend_label=TREND_LABELS.get(score.trend, TREND_LABELS[0]),
            report_months=report_months(membership.tenant),
            pulling=[
                {"row": row, "drill": supplier_drill(membership, row.key, window, PULL_ROWS)}
                for row in sel.pulling_down(score, rows)
            ],
        )
        return context

    @staticmethod
    def _actions(membership) -> dict:
        steps, steps_total = sel.open_scar_steps(membership)
        lines, lines_total = sel.late_po_lines(membership)
        asns, asns_total = sel.asns_to_correct(membership)
        return {
            "steps": steps,
            "steps_total": steps_total,
            "lines": lines,
            "lines_total": lines_total,
            "asns": asns,
            "asns_total": asns_total,
            "any": bool(steps or lines or asns),
        }


class SupplierScorecardDrillView(SupplierScorecardMixin, TemplateView):
    """The records one of the supplier's figures was computed from, the ones counted against it first.

    ``?span=12`` lists the last 12 months instead of the standing window. A measure the supplier may not
    see (costs not shared) or that does not exist answers 404. Before the partner's first batch run (no
    ``PartnerScore``) the page answers as the staff's drill does: the records of the months ending with the
    current one, if any, and the figure "no data yet" (``no_score``), never a 404 for a link it was given."""

    template_name = "quality/supplier_scorecard_drill.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = self.membership
        key = self.kwargs["measure"]
        if key not in sel.supplier_measures(membership):
            raise Http404()
        score = sel.supplier_score(membership)
        as_of = score.as_of if score is not None else current_month(membership.tenant)
        twelve = self.request.GET.get("span") == "12"
        window = sel.window_months(scorecard_rules_for(membership.tenant), as_of)
        months = sel.last_12_months(as_of) if twelve else window
        [row] = sel.measure_rows(score, [key])
        context.update(
            measure=catalogue.MEASURES[key],
            row=row,
            no_score=score is None,
            twelve=twelve,
            months=months,
            window_months=len(window),
            drill=supplier_drill(membership, key, months, DRILL_LIMIT),
        )
        return context
