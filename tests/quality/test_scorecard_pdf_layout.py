"""The scorecard PDF's layout (quality.scorecard_documents, templates/documents/scorecard.html): the drill
tables keep days, record numbers, quantities and figures on one line and fit A4 (a new-user trial found
"2026-11-3" / "0", "HNF-2611-" / "4" and "WH/IN/" / "H00195"); one rule for which measures are charted:
a measure without a figure in the 12 months is named in one line, whatever inputs it has stored (an ASN
month of receipts without ASNs was drawn as an empty chart)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from collections import defaultdict

import pytest

from portal import l10n
from quality.scorecard_documents import drill_cells, has_figure, scorecard_report_context
from quality.scorecards import catalogue
from quality.scorecards.drill import DrillRow
from quality.scorecards.months import add_months, current_month
from tests.factories import PurchaseOrderFactory, PurchaseOrderLineFactory, ReceiptFactory, ReceiptMoveFactory
from tests.quality.test_scorecard_charts import otd, periods
from tests.quality.test_scorecard_pdf import ARTIFACTS, client_of, staff_url, three_months

pytestmark = pytest.mark.django_db
WORD = re.compile(r'<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>')
PAGE = re.compile(r'<page width="([0-9.]+)"')
A4_RIGHT_MARGIN_PT = 16 / 25.4 * 72  # documents/_base.css.html: @page margin 18mm 16mm 20mm


# The rows the trial found broken (the demo's Nordic Fasteners): receipt, PO, description, requested day
# and day received (of the month), quantity. Early or late beyond the window: all counted against it; with
# three_months's late one, 8: all printed (DRILL_ROWS).
TRIAL_ROWS = [
    ("WH/IN/00004", "P00004", "[NF-BR7] Aluminium bracket 7075", 25, 15, 100),
    ("WH/IN/00003", "P00003", "[NF-88150] Hex bolt M8x50 A2", 25, 20, 1000),
    ("WH/IN/00002", "P00002", "[NF-BR7] Aluminium bracket 7075", 26, 16, 200),
    ("WH/IN/H00195", "HNF-2611-4", "[M8-BOLT-50] Hex bolt M8x50 A2", 3, 12, 180),
    ("WH/IN/H00173", "HNF-2610-3", "[M8-NUT] Hex nut M8 A2", 4, 10, 2500),
    ("WH/IN/H00165", "HNF-2610-1", "[M8-BOLT-50] Hex bolt M8x50 A2", 5, 11, 1000),
    ("WH/IN/H00153", "HNF-2609-2", "[ALU-BRKT-7] Aluminium bracket 7075", 3, 12, 120),
]


def words(pdf: bytes, name: str) -> tuple[float, list[tuple[int, float, float, float, str]]]:
    """The PDF's words as pdftotext -bbox places them: (page, top, left, right, text), and the page width."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)  # to look at; read back from a file of this test's own
    with tempfile.NamedTemporaryFile(suffix=".pdf") as own:
        own.write(pdf)
        own.flush()
        html = subprocess.run(["pdftotext", "-bbox", own.name, "-"], check=True, capture_output=True, text=True).stdout
    out = []
    for page, chunk in enumerate(html.split("<page ")[1:], start=1):
        for left, top, right, text in WORD.findall(chunk):
            out.append((page, float(top), float(left), float(right), text))
    return float(PAGE.search(html).group(1)), out


def lines(found: list[tuple[int, float, float, float, str]]) -> list[str]:
    """The words grouped into printed lines (same page, same top), left to right."""
    rows = defaultdict(list)
    for page, top, left, _right, text in found:
        rows[(page, round(top, 1))].append((left, text))
    return [" ".join(t for _, t in sorted(row)) for _, row in sorted(rows.items())]


def test_drill_cells_wrap_only_descriptions_and_keep_the_day_whole():
    columns = ("Receipt", "PO", "Product", "Received", "Due", "Quantity", "Result")
    cells = ("WH/IN/H00195", "HNF-2611-4", "[M8] Hex bolt", "2026-11-24", "2026-11-15 (promised)", "180 Units")
    row = DrillRow(cells=(*cells, "9 days late"), bad=True)

    assert drill_cells(columns, row) == [
        ("keep", "", "WH/IN/H00195"),
        ("keep", "", "HNF-2611-4"),
        ("text", "", "[M8] Hex bolt"),
        ("keep", "24 Nov 2026", ""),  # a day alone, in the reader's language: on one line
        ("day", "15 Nov 2026", " (promised)"),  # the day whole, " (promised)" may go under it
        ("keep", "", "180 Units"),
        ("keep", "", "9 days late"),
    ]


def test_the_drill_tables_keep_records_and_figures_on_one_line_and_fit_a4(world):
    month, _ = three_months(world)  # on-time delivery loses points: its drill is printed
    for name, po, description, due, received, quantity in TRIAL_ROWS:
        line = PurchaseOrderLineFactory(
            order=PurchaseOrderFactory(partner=world.p1, name=po),
            description=description,
            date_planned=dt.datetime.combine(month.replace(day=due), dt.time(12), tzinfo=dt.UTC),
            quantity=quantity,
            uom_name="Units",
        )
        receipt = ReceiptFactory(
            order=line.order,
            state="done",
            date_done=dt.datetime.combine(month.replace(day=received), dt.time(12), tzinfo=dt.UTC),
            name=name,
        )
        ReceiptMoveFactory(receipt=receipt, order_line=line, quantity_done=quantity, state="done")

    response = client_of(world.a_buyer).get(staff_url(world.p1, month=month))

    assert response.status_code == 200
    width, found = words(response.content, "scorecard_layout")
    printed = lines(found)
    # Each delivery's record numbers, days, quantity and result on one line; its requested due day whole
    # ("(requested)" may go under it); the description may wrap.
    for name, po, _description, due, received, quantity in TRIAL_ROWS:
        row = next(text for text in printed if text.startswith(name))
        result = f"{received - due} days late" if received > due else f"{due - received} days early"
        for part in (po, l10n.day(month.replace(day=received)), l10n.day(month.replace(day=due)),
                     f"{quantity:,} Units", result):  # fmt: skip
            assert part in row, (part, row)
    # Nothing printed past the right margin of A4 (595 pt wide), the widest table (7 columns) included.
    assert round(width) == 595
    overflow = [(text, right) for _page, _top, _left, right, text in found if right > width - A4_RIGHT_MARGIN_PT + 1]
    assert overflow == []


def test_the_measures_table_keeps_each_figure_and_target_on_one_line(world):
    month, _ = three_months(world)

    response = client_of(world.a_buyer).get(staff_url(world.p1, month=month))

    _width, found = words(response.content, "scorecard_measures")
    row = next(text for text in lines(found) if text.startswith("Defective parts per million 2,500"))
    assert row == "Defective parts per million 2,500 PPM at most 500 PPM 20 15 2,500 PPM"


ASN_WITHOUT_ASNS = {"asns": 0, "accurate": 0, "receipts": 3, "announced_before": 0}
SCAR_NONE_DUE = {
    "steps_due": 0, "steps_on_time": 0, "overdue_open": 0, "contained": 0, "containment_days_total": 0,
    "closed": 0, "closure_days_total": 0,
}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "inputs", "expected"),
    [
        ("asn", {"asn": ASN_WITHOUT_ASNS}, False),  # receipts counted, no ASN: no figure
        ("asn", {"asn": {**ASN_WITHOUT_ASNS, "asns": 2, "accurate": 1}}, True),  # 50 %
        ("scar", {"scar": SCAR_NONE_DUE}, False),
        ("certificates", {"certificates": {"values": 0, "disagreeing": 0}}, False),
        ("certificates", {"certificates": {"values": 4, "disagreeing": 1}}, True),  # 75 %
        ("ncrs", {"ncrs": {"total": 0, "minor": 0, "major": 0, "critical": 0}}, True),  # 0 NCRs is a figure
        ("ncrs", {}, False),
        ("copq", {"copq": {"by_currency": {}}}, False),
        ("copq", {"copq": {"by_currency": {"EUR": "12.5"}}}, True),
        ("otd", {"otd": otd(0, 0)}, False),  # lines without quantity
    ],
)
def test_a_measure_has_a_figure_when_its_value_is_not_none(key, inputs, expected):
    assert has_figure(key, inputs) is expected


def test_measures_without_a_figure_in_12_months_are_named_not_charted_asn_included(world):
    month = add_months(current_month(world.a), -1)
    periods(
        world.p1,
        {
            add_months(month, -4): {"otd": otd(100, 90), "asn": ASN_WITHOUT_ASNS, "scar": SCAR_NONE_DUE},
            month: {
                "asn": ASN_WITHOUT_ASNS,
                "certificates": {"values": 4, "disagreeing": 1},
                "ncrs": {"total": 0, "minor": 0, "major": 0, "critical": 0},
                "copq": {"by_currency": {}},
            },
        },
    )

    context = scorecard_report_context(membership=world.a_buyer, partner=world.p1, month=month)

    assert [c.key for c in context["charts"]] == ["otd", "ncrs", "certificates"]  # catalogue order
    named = [catalogue.MEASURES[k].label for k in ("quantity", "ack", "asn", "lots", "ppm", "copq", "scar")]
    assert context["charts_empty"] == named
    text = " ".join(lines(words(client_of(world.a_buyer).get(staff_url(world.p1, month=month)).content, "sc_empty")[1]))
    assert f"No data in these 12 months: {', '.join(map(str, named))}." in text
