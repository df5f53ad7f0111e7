"""The scorecard of one partner for one month as PDF (WeasyPrint), for supplier reviews.

Rendered and stored as the other documents are (``suppliers.services.documents.stored_pdf``: once per
version of its HTML, then from storage), so the markup holds no relative times ("4 h ago") and the charts
are drawn identically each time. It reads only what the batch run stored: the partner's ``PartnerScore``
for the month it was computed for, else (a past month) the stored monthly inputs scored with the engine's
own window rule (``engine.score_window``) under today's weights and targets, which the PDF says. The
drill-downs' worst rows come from the measures' drills (``quality.scorecards.drill``), at most
``DRILL_ROWS`` each, of the ``PULLING_MAX`` measures that lose the most points.

One layout for both audiences: staff see every measure; a supplier's copy leaves out the cost of poor
quality unless the tenant shares costs (``supplier_selectors.supplier_measures``). The caller checks scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal import l10n
from portal.models import Membership, Partner
from quality.models import PartnerScore, ScorecardPeriod, StandingChange, scorecard_rules_for
from quality.scorecards import catalogue, drill
from quality.scorecards.charts import partner_charts
from quality.scorecards.engine import score_window, window_length
from quality.scorecards.months import month_bounds, months_back
from quality.scorecards.selectors import TREND_ARROWS, TREND_WORDS, points_lost
from quality.scorecards.supplier_selectors import supplier_measures
from suppliers.services.documents import in_language_of, stored_pdf

PULLING_MAX = 3  # measures listed under "what pulls the score down"
DRILL_ROWS = 8  # of each one's records counted against the partner
# The drills' columns of free descriptions: the only cells of the PDF's drill tables that wrap anywhere.
# Every other cell (days, record numbers, quantities, figures, verdicts) stays on one line, except what
# follows a day ("2026-12-10 (requested)"), which may wrap at its space.
# Named in English; a drill's columns may come translated, so a column is matched in either form (``_wraps``).
WRAPPING_COLUMNS = frozenset(
    {
        gettext_noop("Product"),
        gettext_noop("Line"),
        gettext_noop("Title"),
        gettext_noop("Characteristic"),
        gettext_noop("Step"),
        gettext_noop("Defect codes"),
        gettext_noop("Finding"),
    }
)


@dataclass(frozen=True)
class ReportMeasure:
    """One row of the measures' table, as printed."""

    key: str
    label: str
    value: str
    target: str
    score: str
    weight: str
    value_12: str
    below_target: bool


def scorecard_pdf(*, membership: Membership, partner: Partner, month: dt.date) -> bytes:
    """The scorecard of ``partner`` for ``month`` (a first day, not after the tenant's current month) as
    PDF bytes, for ``membership``'s audience (staff, or the partner's own people). The caller checks scope."""
    audience = "supplier" if membership.is_supplier_role else "staff"
    # In the partner's language (``in_language_of``): the figures and labels made for it included.
    with in_language_of(partner, partner.tenant):
        return stored_pdf(
            tenant_id=partner.tenant_id,
            folder=f"scorecards/{partner.pk}",
            name=f"scorecard-{month:%Y-%m}-{audience}",
            template="documents/scorecard.html",
            context=scorecard_report_context(membership=membership, partner=partner, month=month),
        )


def scorecard_report_context(*, membership: Membership, partner: Partner, month: dt.date) -> dict:
    """Everything the PDF prints: the window's score, standing and trend, the measures' table, the charts
    of the 12 months ending with ``month``, and the worst records of the measures that lose most points.
    A fixed number of queries (plus one drill per listed measure)."""
    tenant = partner.tenant
    rules = scorecard_rules_for(tenant)
    keys = supplier_measures(membership) if membership.is_supplier_role else list(catalogue.MEASURES)
    stored = PartnerScore.objects.filter(partner=partner).select_related("standing").first()
    window = window_length(rules.standing_months)
    months_12 = months_back(month, 12)
    periods = _periods(partner, months_back(month, max(12, 2 * window)))
    if stored is not None and stored.as_of == month:
        summary = _stored_summary(stored)
    else:
        summary = _summary_from_periods(partner, periods, month=month, window=window, rules_measures=rules.measures)
    summary["score_text"] = _("no data") if summary["score"] is None else l10n.num(summary["score"])
    window_months = months_back(month, window)
    return {
        "tenant": tenant,
        "partner": partner,
        "month": month,
        "window": window_months,
        "months_12": months_12,
        "summary": summary,
        "measures": _rows(summary["figures"], summary["figures_12"], keys),
        "costs": _costs(periods, window_months, months_12) if "copq" in keys else None,
        **_charts(partner, periods, months_12, keys),
        "pulling": _pulling(partner, summary["figures"], window_months, keys, supplier=membership.is_supplier_role),
        "has_data": any(m in periods for m in months_12),
    }


def _periods(partner: Partner, months: list[dt.date]) -> dict[dt.date, dict]:
    """The stored inputs of ``months``: ``{month: inputs}``, months without data absent. One query."""
    rows = ScorecardPeriod.objects.filter(partner=partner, month__gte=months[0], month__lte=months[-1])
    return dict(rows.values_list("month", "inputs"))


def _charts(partner: Partner, periods: dict[dt.date, dict], months_12: list[dt.date], keys: list[str]) -> dict:
    """The charts of the measures with a figure in some of the 12 months; the others are only named
    (``charts_empty``), since a page of empty charts tells a reader less than one line does. One rule for
    every measure (``has_figure``): stored inputs without a figure (an ASN month of receipts but no ASN)
    are no data."""
    with_data = {key for key in keys if any(has_figure(key, periods.get(month) or {}) for month in months_12)}
    drawn = [c for c in partner_charts(partner, months=months_12) if c.key in keys]
    shown = [c for c in drawn if c.key in with_data]
    return {
        "charts": shown,
        "chart_rows": [shown[i : i + 2] for i in range(0, len(shown), 2)],  # two a row on the page
        "charts_empty": [catalogue.MEASURES[c.key].label for c in drawn if c.key not in with_data],
    }


def has_figure(key: str, inputs: dict) -> bool:
    """Whether one month's stored ``inputs`` (a ``ScorecardPeriod.inputs``) give measure ``key`` a figure:
    ``catalogue.value`` is not None, or for the cost of poor quality an amount in some currency (what its
    chart draws, ``charts._copq_series``)."""
    if catalogue.MEASURES[key].unit == "money":
        return bool(catalogue.copq_by_currency(inputs.get(key)))
    return catalogue.value(key, inputs.get(key) or {}) is not None


def _stored_summary(stored: PartnerScore) -> dict:
    return {
        "score": stored.score,
        "previous_score": stored.previous_score,
        "trend": trend_text(stored.trend),
        "standing": stored.standing.name if stored.standing else "",
        "standing_since": stored.standing_since,
        "computed_at": stored.computed_at,
        "figures": stored.figures,
        "figures_12": stored.figures_12,
        "rescored": False,
    }


def _summary_from_periods(
    partner: Partner, periods: dict[dt.date, dict], *, month: dt.date, window: int, rules_measures: dict
) -> dict:
    """A past month's score from its stored inputs (the engine's rule, today's weights and targets); its
    standing is the one the partner held at the month's end (the last change before it)."""
    result = score_window(
        periods, months=months_back(month, max(12, 2 * window)), window=window, rules_measures=rules_measures
    )
    _, month_end = month_bounds(partner.tenant, month)
    change = (
        StandingChange.objects.filter(partner=partner, changed_at__lt=month_end).order_by("-changed_at", "-id").first()
    )
    computed = ScorecardPeriod.objects.filter(partner=partner, month__lte=month).order_by("-computed_at").first()
    return {
        "score": result.score,
        "previous_score": result.previous_score,
        "trend": trend_text(result.trend),
        "standing": change.to_name if change else "",
        "standing_since": change.changed_at if change else None,
        "computed_at": computed.computed_at if computed else None,
        "figures": result.figures,
        "figures_12": result.figures_12,
        "rescored": True,
    }


def _text(value, unit: str) -> str:
    return catalogue.format_figure(None if value in (None, "") else Decimal(str(value)), unit)


def _rows(figures: dict, figures_12: dict, keys: list[str]) -> list[ReportMeasure]:
    rows = []
    for key in keys:
        measure = catalogue.MEASURES[key]
        if measure.unit == "money":
            continue  # per currency: printed under the table (``costs``)
        item, item_12 = figures.get(key) or {}, figures_12.get(key) or {}
        value = item.get("value")
        below = value is not None and catalogue.measure_score(key, Decimal(value), Decimal(item["target"])) < 100
        aim = "" if item.get("target") is None else _text(item["target"], measure.unit)
        rows.append(
            ReportMeasure(
                key=key,
                label=measure.label,
                value=_text(value, measure.unit),
                target=_target(aim, higher_is_better=measure.higher_is_better),
                score="—" if item.get("score") is None else l10n.num(Decimal(item["score"])),
                weight=_text(item.get("weight") or 0, "count"),
                value_12=_text(item_12.get("value"), measure.unit),
                below_target=below,
            )
        )
    return rows


def _target(aim: str, *, higher_is_better: bool) -> str:
    """A measure's target as printed: "at least 95 %", "at most 500 PPM" ("" without a target)."""
    if not aim:
        return ""
    if higher_is_better:
        return _("at least %(target)s") % {"target": aim}
    return _("at most %(target)s") % {"target": aim}


def _costs(periods: dict[dt.date, dict], window: list[dt.date], months_12: list[dt.date]) -> dict[str, list[str]]:
    """The cost of poor quality per currency over the window and over 12 months, as printed."""

    def summed(months: list[dt.date]) -> list[str]:
        inputs = catalogue.combine([periods[m] for m in months if m in periods]).get("copq")
        return [catalogue.format_figure(amount, code) for code, amount in catalogue.copq_by_currency(inputs).items()]

    return {"window": summed(window), "months_12": summed(months_12)}


def _pulling(partner: Partner, figures: dict, months: list[dt.date], keys: list[str], *, supplier: bool) -> list[dict]:
    """The measures that lose the most points, each with its drill's worst rows (bad rows come first); the
    supplier's copy lists them as its pages do (``drill.supplier_drill``: no staff free text)."""
    out = []
    for key, points in [(k, p) for k, p in points_lost(figures) if k in keys][:PULLING_MAX]:
        found = _drill(partner, key, months, supplier=supplier)
        out.append(
            {
                "key": key,
                "label": catalogue.MEASURES[key].label,
                "points": points,
                "value": _text((figures.get(key) or {}).get("value"), catalogue.MEASURES[key].unit),
                "drill": found,
                "rows": [drill_cells(found.columns, r) for r in found.rows if r.bad][:DRILL_ROWS] if found else [],
            }
        )
    return out


def drill_cells(columns: tuple[str, ...], row: drill.DrillRow) -> list[tuple[str, str, str]]:
    """A drill row's cells as the PDF prints them: ``(kind, day, rest)`` each, ``day`` the ISO day the cell
    starts with ("" if none, ``drill.cell_parts``) and ``kind`` its wrapping: ``"text"`` (a description, in
    ``WRAPPING_COLUMNS``: wraps anywhere), ``"day"`` (a day kept whole, what follows wraps at spaces) or
    ``"keep"`` (on one line)."""
    out = []
    for column, (day, rest) in zip(columns, drill.cell_parts(row.cells), strict=False):
        kind = "text" if _wraps(column) else "day" if day and rest.strip() else "keep"
        out.append((kind, day, rest))
    return out


def _wraps(column) -> bool:
    """Whether a drill's column (its English name, or that name translated) holds free descriptions."""
    column = str(column)
    return column in WRAPPING_COLUMNS or column in {_(name) for name in WRAPPING_COLUMNS}


def _drill(partner: Partner, key: str, months: list[dt.date], *, supplier: bool) -> drill.Drill | None:
    read = drill.supplier_drill if supplier else drill.drill
    try:
        return read(tenant=partner.tenant, partner=partner, key=key, months=months, limit=DRILL_ROWS)
    except KeyError:  # a measure without a list of its own (the catalogue's copq shares the NCRs')
        return None


def trend_text(trend: int) -> str:
    """The trend as printed: an arrow and its word (``"↑ improving"``)."""
    return f"{TREND_ARROWS.get(trend, '')} {TREND_WORDS.get(trend, '')}".strip()
