"""A chart per measure over the months of a scorecard, as inline SVG drawn by matplotlib on the server.

The same markup goes into the scorecard pages and the scorecard PDF (WeasyPrint draws SVG), so no script
and no CDN is involved and the charts print as they show. matplotlib is imported on first use, not when
Django starts, and only its object API is used (``Figure`` with the SVG canvas, never pyplot's global
figures), so requests in several threads do not share a figure.

What a chart shows: the stored monthly figures (``ScorecardPeriod.figures``) as a line (percentages, PPM)
or bars (counts, money), a month without data as a gap with a light band (never as 0), the target as a
dashed line with its label, the last month's value written next to its point, and months that missed
the target marked in the "bad" colour. ``<title>`` and ``<desc>`` say the same in words for screen
readers; text stays text (``svg.fonttype = "none"``), which keeps each chart to a few kilobytes.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from portal import l10n
from portal.templatetags.portal_theme import accent_palette

from . import catalogue

# The portal's palette (static/portal/portal.css); the line takes the tenant's accent, darkened until
# it reads on white (portal_theme.accent_palette), as the pages' links do.
INK = "#1d2330"
INK_SOFT = "#4b5565"
LINE = "#d9dee6"
BAD = "#c0262d"
NO_DATA = "#e9ecf0"
FONT = "DejaVu Sans"
SIZE_INCHES = (4.8, 2.3)  # 345.6 x 165.6 points: the viewBox every chart has
CACHE_SECONDS = 7 * 24 * 3600  # a new batch run changes the key (computed_at) long before this
BARS = {"count", "money"}

_setup_lock = threading.Lock()
_ready = False


@dataclass(frozen=True)
class Chart:
    """One measure's chart: its catalogue key, its label and the inline SVG markup."""

    key: str
    label: str
    svg: str


def _matplotlib():
    """matplotlib's Figure and SVG canvas, set up once for the process.

    The SVG backend reads ``svg.fonttype`` and ``svg.hashsalt`` from the global rcParams when saving;
    they are set here once, before any chart, with values that never change afterwards (so no
    ``rc_context`` swapping them per call, which would race between threads). The fixed salt makes
    the markup of the same figures identical from run to run, which the stored PDFs' digest relies on.
    """
    global _ready
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    if not _ready:
        with _setup_lock:
            matplotlib.rcParams.update(
                {
                    "svg.fonttype": "none",
                    "svg.hashsalt": "portal-scorecard",
                    "font.family": "sans-serif",
                    "font.sans-serif": [FONT],
                    "axes.unicode_minus": False,
                }
            )
            _ready = True
    return Figure, FigureCanvasSVG


def _month_label(month: date, first: bool) -> str:
    # Short month names; the year under the first month and under each January, so 12 months that
    # span two years read without ambiguity. Month names in the active language (Django's date format).
    name = date_format(month, "M")
    return f"{name}\n{month:%Y}" if first or month.month == 1 else name


def _describe(
    label: str, unit: str, months: list[date], values: list, target: Decimal | None, notes: list[str] | None = None
) -> str:
    notes = notes or [""] * len(months)
    said = "; ".join(
        f"{date_format(m, 'F Y')}: {catalogue.format_figure(v, unit)}"
        + (f" ({note})" if note and v is not None else "")
        for m, v, note in zip(months, values, notes, strict=True)
    )
    text = _("%(measure)s, by month. %(figures)s.") % {"measure": label, "figures": said}
    if target is None:
        return text
    return f"{text} " + _("Target: %(target)s.") % {"target": catalogue.format_figure(target, unit)}


def _y_axis(unit: str, values: list[float], target: float | None) -> tuple[float, float, list[float]]:
    """The y axis' limits and ticks: percentages end at 100 and start below the lowest point (in fives
    or tens), the rest start at 0; room is left above for the last value's label."""
    seen = [v for v in values if not math.isnan(v)] + ([target] if target is not None else [])
    if unit == "%":
        lowest = min(seen, default=0.0)
        step = 10 if lowest < 70 else 5
        low = max(0, math.floor((lowest - 2) / step) * step)
        return low, 100 + (100 - low) * 0.2, [float(t) for t in range(low, 101, step)]
    high = max(seen, default=0.0)
    if high <= 0:
        return 0.0, 1.2, [0.0, 1.0]
    from matplotlib.ticker import MaxNLocator

    ticks = [t for t in MaxNLocator(nbins=4, integer=True).tick_values(0, high) if 0 <= t <= high * 1.1]
    return 0.0, max(high * 1.3, ticks[-1] * 1.05), ticks


def _misses(key: str, values: list[float], target: float | None) -> list[int]:
    """Indexes of months whose figure missed the target (below it, or above it where lower is better)."""
    if target is None or key not in catalogue.MEASURES:
        return []
    higher = catalogue.MEASURES[key].higher_is_better
    return [i for i, v in enumerate(values) if not math.isnan(v) and (v < target if higher else v > target)]


def _draw(ax, *, key: str, values: list[float], target: float | None, unit: str, colour: str) -> list:
    """The values on ``ax``: a band per month without data, a line (or bars for counts and money), the
    months that missed the target, the dashed target; answers the legend's handles."""
    legend = []
    xs = list(range(len(values)))
    gaps = [i for i, v in enumerate(values) if math.isnan(v)]
    for n, i in enumerate(gaps):
        band = ax.axvspan(i - 0.45, i + 0.45, color=NO_DATA, zorder=0, linewidth=0, gid=f"no-data-{n}")
    if unit in BARS:
        bars = ax.bar(xs, [0 if math.isnan(v) else v for v in values], width=0.6, color=colour, zorder=2)
        for i, bar in enumerate(bars):
            bar.set_gid(f"value-{i}")
        # A month with data and a value of 0 gets a dot on the baseline, unlike a month without data.
        zeros = [i for i, v in enumerate(values) if v == 0]
        if zeros:
            ax.plot(zeros, [0] * len(zeros), "o", ms=3, color=colour, clip_on=False, zorder=3, gid="zeros")
    else:
        ax.plot(xs, values, "-o", color=colour, lw=1.8, ms=3.5, zorder=3, gid="values")
        missed = _misses(key, values, target)
        if missed:
            legend.append(
                ax.plot(missed, [values[i] for i in missed], "o", ms=4.5, color=BAD, zorder=4, gid="misses")[0]
            )
            legend[-1].set_label(_("missed target"))
    # A chart without any data shows no target line: it ran through the "No data in these months" caption,
    # which names the target instead (``_label_last``).
    if target is not None and len(gaps) < len(values):
        line = ax.axhline(target, color=INK_SOFT, lw=1, ls=(0, (4, 3)), zorder=1, gid="target")
        line.set_label(_("target %(target)s") % {"target": catalogue.format_figure(Decimal(str(target)), unit)})
        legend.insert(0, line)
    if gaps:
        band.set_label(_("no data"))
        legend.append(band)
    return legend


def last_label_place(values: list[float]) -> str:
    """Where the last value's label goes: ``"right"`` of its point when it is the last month (the margin
    kept for it), ``"above"`` it when months without data follow (their grey band is on its right), ``""``
    when there is no value at all."""
    last = max((i for i, v in enumerate(values) if not math.isnan(v)), default=None)
    if last is None:
        return ""
    return "right" if last == len(values) - 1 else "above"


def _label_last(ax, values: list[float], unit: str, target: float | None) -> None:
    place = last_label_place(values)
    if not place:
        if target is None:
            caption = _("No data in these months")
        else:
            figure = catalogue.format_figure(Decimal(str(target)), unit)
            caption = _("No data in these months · target %(target)s") % {"target": figure}
        ax.text(0.5, 0.5, caption, transform=ax.transAxes, ha="center", va="center",
                fontsize=8, color=INK_SOFT, gid="empty")  # fmt: skip
        return
    last = max(i for i, v in enumerate(values) if not math.isnan(v))
    # To the right of the point, in the margin kept for it, when it is the last month: never across the
    # line coming in, the target or the bars. Otherwise above the point on a white ground: on its right
    # lies the grey band of the months without data.
    right = place == "right"
    ax.annotate(
        catalogue.format_figure(Decimal(str(values[last])), unit),
        (last, values[last]),
        # past the bar's half width (counts and money, a currency code among them, are bars)
        xytext=(6 if unit in ("%", "PPM") else 11, 0) if right else (0, 5),
        textcoords="offset points",
        fontsize=7.5,
        fontweight="bold",
        color=INK,
        ha="left" if right else "center",
        va="center" if right else "bottom",
        annotation_clip=False,
        bbox=None if right else {"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        zorder=5,
        gid="last-value",
    )


def measure_chart_svg(
    *,
    key: str,
    months: list[date],
    values: list[Decimal | None],
    target: Decimal | None,
    label: str,
    unit: str,
    accent: str | None = None,
    notes: list[str] | None = None,
) -> str:
    """The chart of one measure as inline SVG markup (no XML prolog, no DOCTYPE).

    ``months``: first days of months, oldest first; ``values``: one per month, None for no data;
    ``target``: drawn as a dashed line, None for none; ``unit``: ``"%"``, ``"PPM"``, ``"count"`` or a
    currency code (drawn as bars, like counts); ``accent``: the tenant's colour (#rrggbb) for the values;
    ``notes``: words said after a month's value in the description (the NCRs' severities), one per month.
    The root has ``viewBox="0 0 345.6 165.6"``, ``width="100%"``, ``role="img"`` and a ``<title>`` and
    ``<desc>`` saying the values in words; styling is in presentation attributes (the pages' CSP allows
    no ``style`` attribute) and element ids are prefixed by the key, so several charts fit on one page.
    Raises ValueError when ``values`` and ``months`` differ in length.
    """
    if len(values) != len(months):
        raise ValueError(f"{len(values)} values for {len(months)} months")
    Figure, FigureCanvasSVG = _matplotlib()
    floats = [math.nan if v is None else float(v) for v in values]
    aim = None if target is None else float(target)
    fig = Figure(figsize=SIZE_INCHES)
    FigureCanvasSVG(fig)
    ax = fig.add_axes((0.11, 0.2, 0.74, 0.66))  # the right margin holds the last value
    kind = unit if unit in ("%", "PPM", "count") else "money"
    legend = _draw(ax, key=key, values=floats, target=aim, unit=kind, colour=accent_palette(accent)["--accent-text"])
    _style_axes(ax, months=months, values=floats, target=aim, unit=kind)
    _label_last(ax, floats, unit, aim)
    if legend:
        ax.legend(handles=legend, loc="lower left", bbox_to_anchor=(-0.01, 1.0), ncols=len(legend), frameon=False,
                  fontsize=7, labelcolor=INK_SOFT, handlelength=1.8, borderaxespad=0.2, columnspacing=1.2)  # fmt: skip
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return _clean_svg(
        buffer.getvalue(),
        prefix=f"chart-{re.sub(r'[^a-z0-9]', '', key.lower())}-",
        title=ngettext("%(measure)s, last %(count)s month", "%(measure)s, last %(count)s months", len(months))
        % {"measure": label, "count": len(months)},
        desc=_describe(label, unit, months, values, target, notes),
    )


def _tick(y: float, unit: str) -> str:
    text = l10n.num(round(y))
    return f"{text} %" if unit == "%" else text


def _style_axes(ax, *, months: list[date], values: list[float], target: float | None, unit: str) -> None:
    from matplotlib.ticker import FuncFormatter

    low, high, ticks = _y_axis(unit, values, target)
    ax.set_xlim(-0.5, len(months) - 0.5)
    ax.set_ylim(low, high)
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: _tick(y, unit)))
    ax.set_xticks(range(len(months)), [_month_label(m, i == 0) for i, m in enumerate(months)])
    ax.tick_params(axis="both", labelsize=7, colors=INK_SOFT, length=0, pad=3)
    ax.grid(axis="y", color=LINE, lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(LINE)
    if unit != "%":  # the ticks of percentages say their unit already
        ax.set_ylabel({"money": "cost"}.get(unit, unit), fontsize=7, color=INK_SOFT)


def _attributes(match: re.Match) -> str:
    """``style="fill: #fff; stroke-width: 0.8"`` as ``fill="#fff" stroke-width="0.8"``: every property
    matplotlib writes is also an SVG presentation attribute, which a CSP without 'unsafe-inline' allows."""
    out = []
    for declaration in match.group(1).split(";"):
        name, _, value = declaration.partition(":")
        if re.fullmatch(r"[a-z-]+", name.strip()) and value.strip():
            out.append(f'{name.strip()}="{value.strip()}"')
    return " ".join(out)


def _clean_svg(markup: str, *, prefix: str, title: str, desc: str) -> str:
    """matplotlib's SVG made fit for inline use: no prolog, DOCTYPE or metadata, no page-wide CSS, no
    style attributes, ids prefixed, a responsive width on a fixed viewBox, an accessible name and
    description."""
    markup = markup[markup.index("<svg") :]
    markup = re.sub(r"\s*<metadata>.*?</metadata>", "", markup, flags=re.S)
    # matplotlib's "*{stroke-linejoin: round}" would apply to every SVG of the page it is inlined in.
    markup = re.sub(r"\s*<defs>\s*<style[^>]*>.*?</style>\s*</defs>", "", markup, flags=re.S)
    markup = re.sub(r'style="([^"]*)"', _attributes, markup)
    markup = re.sub(r'\bid="', f'id="{prefix}', markup)
    markup = markup.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    head_end = markup.index(">") + 1
    head = markup[:head_end]
    head = re.sub(r'\swidth="[^"]*"', ' width="100%"', head, count=1)
    head = re.sub(r'\sheight="[^"]*"', "", head, count=1)
    head = head[:-1] + (
        f' role="img" aria-labelledby="{prefix}title {prefix}desc" class="chart" preserveAspectRatio="xMidYMid meet">'
    )
    accessible = f'<title id="{prefix}title">{escape(title)}</title><desc id="{prefix}desc">{escape(desc)}</desc>'
    return head + accessible + markup[head_end:].strip() + "\n"


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _copq_series(periods: dict[date, dict], months: list[date]) -> tuple[str, list[Decimal | None]]:
    """The cost of poor quality in the currency with the largest total over ``months`` (the chart has one
    axis; the PDF's table lists every currency): a month with NCRs but none in that currency is 0, and so
    is a month with receipts and no NCR (``catalogue.complete``), as the NCRs' chart counts 0 there; a month
    with neither is no data."""
    periods = {month: catalogue.complete(inputs or {}) for month, inputs in periods.items()}
    totals: dict[str, Decimal] = {}
    for month in months:
        for code, amount in catalogue.copq_by_currency((periods.get(month) or {}).get("copq")).items():
            totals[code] = totals.get(code, Decimal(0)) + amount
    code = max(sorted(totals), key=lambda c: totals[c]) if totals else "money"
    values = []
    for month in months:
        inputs = (periods.get(month) or {}).get("copq")
        values.append(None if inputs is None else catalogue.copq_by_currency(inputs).get(code, Decimal(0)))
    return code, values


def _cache_key(partner_id: int, computed_at, months: list[date], accent: str) -> str:
    # The batch run sets computed_at whenever it stores new figures, so a new run is a new key and
    # nothing needs deleting; the months, the tenant's colour and the language (words, month names,
    # separators) are part of what is drawn.
    what = f"{partner_id}:{computed_at.isoformat()}:{','.join(f'{m:%Y%m}' for m in months)}:{accent}"
    what += f":{get_language() or ''}"
    return "scorecard-charts:" + hashlib.sha1(what.encode(), usedforsecurity=False).hexdigest()


def partner_charts(partner, *, months: list[date]) -> list[Chart]:
    """A ``Chart`` per measure of ``catalogue.MEASURES`` (in its order) for ``partner`` over ``months``
    (first days of months, oldest first), from its stored ``ScorecardPeriod`` rows, read in one query.

    Targets are those its ``PartnerScore`` was scored with (the tenant's rules when it has none yet).
    Cached in Django's cache by (partner, ``PartnerScore.computed_at``, months, accent), so a page view
    after the first draws nothing; without a ``PartnerScore`` nothing is cached. The caller checks scope.
    """
    from quality.models import PartnerScore, ScorecardPeriod, scorecard_rules_for

    score = PartnerScore.objects.filter(partner_id=partner.pk).values("computed_at", "figures").first()
    accent = partner.tenant.accent_color
    key = _cache_key(partner.pk, score["computed_at"], months, accent) if score else None
    if key and (cached := cache.get(key)) is not None:
        return [Chart(*row) for row in cached]
    if score and score["figures"]:
        targets = {k: _decimal((score["figures"].get(k) or {}).get("target")) for k in catalogue.MEASURES}
    else:
        rules = scorecard_rules_for(partner.tenant).measures
        targets = {k: target for k, (_weight, target) in catalogue.weights_targets(rules).items()}
    periods = {
        row["month"]: row
        for row in ScorecardPeriod.objects.filter(partner_id=partner.pk, month__in=months).values(
            "month", "figures", "inputs"
        )
    }
    charts = []
    for measure in catalogue.MEASURES.values():
        if measure.unit == "money":
            unit, values = _copq_series({m: p["inputs"] for m, p in periods.items()}, months)
            target = None  # no target for money: the measure is not scored
        else:
            unit, target = measure.unit, targets.get(measure.key)
            values = [_decimal((periods.get(m) or {}).get("figures", {}).get(measure.key)) for m in months]
        label = measure.label if unit in (measure.unit, "money") else f"{measure.label} ({unit})"
        notes = None
        if measure.key == "ncrs":  # "2 (1 major, 1 minor)" in the description, as the table writes it
            notes = [catalogue.severity_text((periods.get(m) or {}).get("inputs", {}).get("ncrs")) for m in months]
        svg = measure_chart_svg(
            key=measure.key, months=months, values=values, target=target, label=label, unit=unit, accent=accent,
            notes=notes,
        )  # fmt: skip
        charts.append(Chart(measure.key, label, svg))
    if key:
        cache.set(key, [(c.key, c.label, c.svg) for c in charts], CACHE_SECONDS)
    return charts
