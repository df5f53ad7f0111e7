"""The scorecard's charts (quality.scorecards.charts): matplotlib's SVG made fit for inline use (valid XML, no
prolog, a fixed viewBox, no style attributes the pages' CSP would drop), accessible (title, and a desc saying
every month's value in words), a gap and a band for a month without data (never a 0), the dashed target, the
last value labelled; ``partner_charts`` reads the stored periods and caches by the score's ``computed_at``.

``periods`` and ``stored_score`` build the stored rows the batch run would write; the PDF's tests use them too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quality.models import PartnerScore, ScorecardPeriod
from quality.scorecards import catalogue, charts
from quality.scorecards.months import months_back

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = months_back(dt.date(2026, 3, 1), 12)  # April 2025 .. March 2026


def otd(quantity: int, on_time: int) -> dict:
    """On-time delivery inputs of one month: ``on_time`` of ``quantity`` units on time."""
    return {
        "lines": 4, "lines_on_time": 3, "quantity": str(quantity), "quantity_on_time": str(on_time),
        "early": 0, "late": 1, "undated": 0,
    }  # fmt: skip


def periods(partner, months_inputs: dict[dt.date, dict], computed_at=None) -> list[ScorecardPeriod]:
    """Stored periods as the batch run writes them: inputs, figures from the catalogue, a digest."""
    at = computed_at or timezone.now()
    rows = []
    for month, inputs in months_inputs.items():
        rows.append(
            ScorecardPeriod.objects.create(
                tenant=partner.tenant,
                partner=partner,
                month=month,
                inputs=inputs,
                figures=catalogue.figures(inputs),
                digest=hashlib.sha1(json.dumps(inputs, sort_keys=True).encode()).hexdigest(),
                computed_at=at,
            )
        )
    return rows


def stored_score(partner, inputs: dict, *, as_of: dt.date, rules_measures=None, **extra) -> PartnerScore:
    """A PartnerScore of the summed window ``inputs`` (``catalogue.weighted_score``)."""
    score, detail = catalogue.weighted_score(inputs, rules_measures or {})
    return PartnerScore.objects.create(
        tenant=partner.tenant,
        partner=partner,
        as_of=as_of,
        score=score,
        figures=detail,
        figures_12=extra.pop("figures_12", detail),
        worst_measure=catalogue.worst_measure(detail),
        computed_at=extra.pop("computed_at", timezone.now()),
        **extra,
    )


def chart(values, *, key="otd", target=Decimal(95), unit="%", label="On-time delivery") -> ET.Element:
    svg = charts.measure_chart_svg(key=key, months=MONTHS, values=values, target=target, label=label, unit=unit)
    assert not svg.startswith("<?xml") and "<!DOCTYPE" not in svg
    return ET.fromstring(svg)


def by_id(root: ET.Element, ident: str) -> ET.Element | None:
    return next((e for e in root.iter() if e.get("id") == ident), None)


def subpaths(group: ET.Element) -> int:
    """How many pieces the line is drawn in: each "M" (move) starts one."""
    [path] = group.findall(f"{SVG}path")  # the line; its marker's shape sits in <defs>
    return path.get("d").count("M")


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()).strip() for e in root.iter(f"{SVG}text")]


FULL = [Decimal(v) for v in ("96.5", "93", "99", "100", "88.25", "97", "99", "95", "94", "91", "95", "97.4")]


def test_the_svg_is_valid_inline_markup_with_a_fixed_viewbox_and_an_accessible_name():
    root = chart(FULL)

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 345.6 165.6" and root.get("width") == "100%" and root.get("height") is None
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-otd-title chart-otd-desc"
    title, desc = list(root)[:2]
    assert title.tag == f"{SVG}title" and title.text == "On-time delivery, last 12 months"
    assert desc.tag == f"{SVG}desc"
    assert desc.text.startswith("On-time delivery, by month. April 2025: 96.5 %; May 2025: 93 %;")
    # 88.25 to one place, half up as the stored figures are rounded (catalogue.format_figure).
    assert "August 2025: 88.3 %" in desc.text and desc.text.endswith("March 2026: 97.4 %. Target: 95 %.")
    # The pages' CSP allows no style attribute and no inline <style>; every element id is the chart's own.
    assert all(e.get("style") is None for e in root.iter()) and not list(root.iter(f"{SVG}style"))
    assert not list(root.iter(f"{SVG}metadata"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("chart-otd-") for i in ids) and len(ids) == len(set(ids))
    # Text stays text: short month names, the year under the first month and under January.
    shown = texts(root)
    assert [m for m in ("Apr", "May", "Jan", "Mar") if m in shown] == ["Apr", "May", "Jan", "Mar"]
    assert shown.count("2025") == 1 and shown.count("2026") == 1  # a line of its own under Apr and Jan
    assert "March" not in " ".join(shown)


def test_a_month_without_data_is_a_gap_with_a_band_not_a_zero():
    values = list(FULL)
    values[5] = None  # September 2025

    root = chart(values)

    assert subpaths(by_id(root, "chart-otd-values")) == 2  # the line stops before September and starts after
    assert by_id(root, "chart-otd-no-data-0") is not None and by_id(root, "chart-otd-no-data-1") is None
    assert "September 2025: no data" in by_id(root, "chart-otd-desc").text
    assert "no data" in texts(root)  # the legend names the band
    # Without a gap: one piece, no band.
    whole = chart(FULL)
    assert subpaths(by_id(whole, "chart-otd-values")) == 1 and by_id(whole, "chart-otd-no-data-0") is None


def test_the_target_is_a_dashed_horizontal_line_with_its_label_and_the_last_value_is_written():
    root = chart(FULL)

    group = by_id(root, "chart-otd-target")
    [path] = list(group.iter(f"{SVG}path"))
    assert path.get("stroke-dasharray")  # dashed
    ys = {float(y) for y in re.findall(r"[ML] [\d.]+ ([\d.]+)", path.get("d"))}
    assert len(ys) == 1  # horizontal
    assert "target 95 %" in texts(root)
    assert "97.4 %" in texts(by_id(root, "chart-otd-last-value"))
    # Below the 95 % target: May (93), August (88.25), December (94), January (91).
    misses = by_id(root, "chart-otd-misses")
    assert len(list(misses.iter(f"{SVG}use"))) == 4
    # No target: no line, no label.
    bare = chart(FULL, target=None)
    assert by_id(bare, "chart-otd-target") is None and not any(t.startswith("target") for t in texts(bare))


def test_lower_is_better_measures_miss_above_their_target_and_counts_are_bars():
    ppm = [Decimal(v) if v is not None else None for v in (0, 1200, 300, None, 0, 450, 800, 0, 0, 2500, None, 610)]
    root = chart(ppm, key="ppm", target=Decimal(500), unit="PPM", label="Defective parts per million")
    assert len(list(by_id(root, "chart-ppm-misses").iter(f"{SVG}use"))) == 4  # 1200, 800, 2500, 610
    assert "610 PPM" in texts(by_id(root, "chart-ppm-last-value"))
    assert "1,200" not in texts(root) and "2,500 PPM" not in texts(root)  # only the last value is written

    counts = [Decimal(v) if v is not None else None for v in (0, 2, 1, None, 0, 0, 3, 0, None, 1, 0, 0)]
    bars = chart(counts, key="ncrs", target=Decimal(0), unit="count", label="NCRs")
    assert by_id(bars, "chart-ncrs-value-0") is not None  # a bar per month
    # A month with 0 NCRs is data: a dot on the baseline (6 such months); the 2 months without data have none.
    assert len(list(by_id(bars, "chart-ncrs-zeros").iter(f"{SVG}use"))) == 6
    assert by_id(bars, "chart-ncrs-no-data-1") is not None and by_id(bars, "chart-ncrs-no-data-2") is None


def test_no_data_at_all_says_so_and_lengths_must_match():
    root = chart([None] * 12, key="copq", target=None, unit="money", label="Cost of poor quality")
    assert "No data in these months" in texts(root)
    assert by_id(root, "chart-copq-last-value") is None
    with pytest.raises(ValueError):
        charts.measure_chart_svg(key="otd", months=MONTHS, values=FULL[:11], target=None, label="x", unit="%")


def test_the_accent_colour_draws_the_values_darkened_until_it_reads_on_white():
    pale = charts.measure_chart_svg(
        key="otd", months=MONTHS, values=FULL, target=None, label="x", unit="%", accent="#ffd400"
    )
    path = by_id(ET.fromstring(pale), "chart-otd-values").find(f"{SVG}path")
    assert path.get("stroke") not in ("#ffd400", "#1b62cf")  # the tenant's yellow, darkened; not the default blue
    from portal.templatetags.portal_theme import contrast

    assert contrast(path.get("stroke"), "#ffffff") >= 4.5


@pytest.mark.django_db
def test_partner_charts_read_the_stored_periods_and_are_cached_by_computed_at(world, monkeypatch):
    march, february = MONTHS[-1], MONTHS[-2]
    periods(
        world.p1,
        {
            february: {"otd": otd(200, 190), "ppm": {"received": "200", "rejected": "1"}},  # 95 %, 5,000 PPM
            march: {"otd": otd(400, 386), "copq": {"by_currency": {"EUR": "120.5", "SEK": "30"}}},  # 96.5 %
        },
    )
    periods(world.p2, {march: {"otd": otd(10, 1)}})  # another partner's: never drawn for p1
    stored_score(world.p1, {"otd": otd(400, 386)}, as_of=march, rules_measures={"otd": {"target": 97}})

    drawn = charts.partner_charts(world.p1, months=MONTHS)

    assert [c.key for c in drawn] == list(catalogue.MEASURES)
    by_key = {c.key: ET.fromstring(c.svg) for c in drawn}
    desc = by_id(by_key["otd"], "chart-otd-desc").text
    assert "February 2026: 95 %; March 2026: 96.5 %. Target: 97 %." in desc  # the score's own target
    assert "January 2026: no data" in desc and "10 %" not in desc
    assert "February 2026: 5,000 PPM; March 2026: no data" in by_id(by_key["ppm"], "chart-ppm-desc").text
    copq = next(c for c in drawn if c.key == "copq")
    assert copq.label == "Cost of poor quality (EUR)"  # the larger currency; the table lists the others
    assert "March 2026: 120.50 EUR" in by_id(by_key["copq"], "chart-copq-desc").text

    # Cached: the second view reads the score's computed_at (1 query) and draws nothing.
    monkeypatch.setattr(charts, "measure_chart_svg", lambda **kw: pytest.fail("drawn again"))
    with CaptureQueriesContext(connection) as queries:
        again = charts.partner_charts(world.p1, months=MONTHS)
    assert again == drawn and len(queries.captured_queries) == 1
    # A new batch run (new computed_at) draws anew.
    PartnerScore.objects.filter(partner=world.p1).update(computed_at=timezone.now() + dt.timedelta(minutes=1))
    with pytest.raises(pytest.fail.Exception):
        charts.partner_charts(world.p1, months=MONTHS)


def test_matplotlib_waits_for_the_first_chart_and_pyplot_is_never_used():
    code = (
        "import sys, django; django.setup(); import portal.urls, quality.scorecards.charts as c; "
        "assert 'matplotlib' not in sys.modules, 'imported at start'; "
        "import datetime as dt; from decimal import Decimal as D; "
        "c.measure_chart_svg(key='otd', months=[dt.date(2026, 3, 1)], values=[D(90)], target=None, "
        "label='x', unit='%'); "
        "assert 'matplotlib' in sys.modules and 'matplotlib.pyplot' not in sys.modules; print('ok')"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


@pytest.mark.parametrize(
    "value, unit, written",
    [
        ("91.15", "%", "91.2 %"),  # one place at most, half up as the stored figures
        ("70", "%", "70 %"),  # no ".0"
        ("66.67", "%", "66.7 %"),
        ("100.00", "%", "100 %"),
        ("-0.01", "%", "0 %"),  # never "-0"
        ("11764.71", "PPM", "11,765 PPM"),  # whole, thousands separated
        ("5475.46", "PPM", "5,475 PPM"),
        ("12000", "PPM", "12,000 PPM"),
        ("1234", "count", "1,234"),
        ("1234.5", "EUR", "1,234.50 EUR"),  # a currency code as unit: two places and the code
        ("30.375", "USD", "30.38 USD"),
        ("45", "money", "45.00"),  # no code known: the amount alone
        (None, "%", "no data"),
        (None, "EUR", "no data"),
    ],
)
def test_a_figure_is_written_one_way(value, unit, written):
    assert catalogue.format_figure(None if value is None else Decimal(value), unit) == written


def test_a_stored_figure_is_written_with_its_measures_unit():
    assert catalogue.format_measure("ppm", "3333.33") == "3,333 PPM"
    assert catalogue.format_measure("otd", "83.33") == "83.3 %"
    assert catalogue.format_measure("ncrs", "2") == "2"
    assert catalogue.format_measure("lots", None) == catalogue.format_measure("lots", "") == "no data"
