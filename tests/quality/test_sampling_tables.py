"""ISO 2859-1 tables: published cells, and the structure every row must have."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

from quality.sampling.plans import sampling_plan
from quality.sampling.tables import (
    AQLS,
    CODE_LETTERS,
    LEVELS,
    LOT_SIZE_CODE_LETTERS,
    MASTER_TABLES,
    SAMPLE_SIZES,
    SEVERITIES,
)

# Published cells. Each row: lot size, level, AQL, severity -> code letter used (after
# arrows), n, Ac, Re, arrow followed. The comment names the table cell(s) and where the
# value was checked besides the diagonal rule of the tables:
#   [105E]  MIL-STD-105E Table II-A row listing (plans of each code-letter row in order)
#   [DPW]   MIL-STD-105E extract for AQL 0.65-15, normal and tightened (US DoD public works)
#   [Rule]  worked examples and notes of the "AQL Inspector's Rule" manual (ANSI version)
#   [well known] cells quoted in most AQL charts
PUBLISHED = [
    # Normal, Table 2-A
    (1_000, "II", "1.0", "normal", "J", 80, 2, 3, False),  # T1 501-1200/II = J; 2-A J/1.0 [well known]
    (1_000, "II", "1.5", "normal", "J", 80, 3, 4, False),  # 2-A J/1.5 [Rule example 1]
    (20, "I", "1.5", "normal", "D", 8, 0, 1, True),  # T1 16-25/I = B; 2-A B/1.5 v, C/1.5 v, D/1.5 0/1 [Rule example 2]
    (1_000, "II", "0.065", "normal", "L", 200, 0, 1, True),  # 2-A J/0.065 v, K/0.065 v, L/0.065 0/1
    (2_000, "II", "0.65", "normal", "K", 125, 2, 3, False),  # T1 1201-3200/II = K; 2-A K/0.65 [DPW]
    (2_000, "II", "2.5", "normal", "K", 125, 7, 8, False),  # 2-A K/2.5 [DPW] [well known]
    (2_000, "II", "4.0", "normal", "K", 125, 10, 11, False),  # 2-A K/4.0 [DPW]
    (5_000, "II", "1.0", "normal", "L", 200, 5, 6, False),  # T1 3201-10000/II = L; 2-A L/1.0 [DPW]
    (300, "II", "0.65", "normal", "J", 80, 1, 2, True),  # T1 281-500/II = H; 2-A H/0.65 v, J/0.65 1/2 [DPW]
    (100, "II", "1.0", "normal", "E", 13, 0, 1, True),  # T1 91-150/II = F; 2-A F/1.0 ^, E/1.0 0/1 [DPW]
    (200, "II", "0.65", "normal", "F", 20, 0, 1, True),  # T1 151-280/II = G; 2-A G/0.65 ^, F/0.65 0/1 [DPW]
    (600_000, "II", "1.0", "normal", "Q", 1250, 21, 22, False),  # T1 500001+/II = Q; 2-A Q/1.0 [DPW]
    (600_000, "III", "0.015", "normal", "P", 800, 0, 1, True),  # 2-A R/0.015 ^, Q ^, P/0.015 0/1 [Rule note]
    (600_000, "III", "0.65", "normal", "R", 2000, 21, 22, False),  # 2-A R/0.65, last plan of row R [105E]
    (5, "II", "1000", "normal", "A", 2, 30, 31, False),  # 2-A A/1000, last plan of row A [105E]
    (10, "II", "1000", "normal", "B", 3, 44, 45, False),  # T1 9-15/II = B; 2-A B/1000 [105E]
    (20, "II", "1000", "normal", "B", 3, 44, 45, True),  # T1 16-25/II = C; 2-A C/1000 ^, B/1000 44/45 [105E]
    (100, "II", "100", "normal", "E", 13, 21, 22, True),  # 2-A F/100 ^ (row F ends at 21/22), E/100 [105E]
    (60, "II", "150", "normal", "E", 13, 30, 31, False),  # T1 51-90/II = E; 2-A E/150 [105E]
    # Tightened, Table 2-B
    (2_000, "II", "1.0", "tightened", "K", 125, 2, 3, False),  # 2-B K/1.0 [DPW] [well known]
    (2_000, "II", "10", "tightened", "K", 125, 18, 19, False),  # 2-B K/10 [DPW]
    (2_000, "II", "15", "tightened", "J", 80, 18, 19, True),  # 2-B K/15 ^, J/15 18/19 [DPW]
    (200, "II", "0.65", "tightened", "G", 32, 0, 1, False),  # 2-B G/0.65 [DPW]
    (300, "II", "0.65", "tightened", "K", 125, 1, 2, True),  # 2-B H/0.65 v, J/0.65 v, K/0.65 1/2 [DPW]
    (50, "II", "2.5", "tightened", "D", 8, 0, 1, False),  # T1 26-50/II = D; 2-B D/2.5 [DPW]
    (100, "II", "10", "tightened", "F", 20, 3, 4, False),  # 2-B F/10 [DPW]
    (600_000, "II", "0.025", "tightened", "S", 3150, 1, 2, True),  # 2-B Q/0.025 v, R v, S/0.025 1/2 [Rule note]
    # Reduced, Table 2-C
    (125, "III", "1.0", "reduced", "H", 20, 0, 2, True),  # T1 91-150/III = G; 2-C G/1.0 v, H/1.0 0/2 [Rule example 3]
    (600_000, "III", "0.015", "reduced", "P", 315, 0, 1, True),  # 2-C R/0.015 ^, Q ^, P/0.015 0/1 [Rule note]
    (2_000, "II", "1.0", "reduced", "K", 50, 1, 4, False),  # 2-C K/1.0 (Ac of normal H/1.0, same n=50)
    (2_000, "II", "2.5", "reduced", "K", 50, 3, 6, False),  # 2-C K/2.5 (Ac of normal H/2.5, same n=50)
    (1_000, "II", "0.10", "reduced", "K", 50, 0, 1, True),  # 2-C J/0.10 v, K/0.10 0/1
]


@pytest.mark.parametrize(("lot_size", "level", "aql", "severity", "letter", "n", "ac", "re", "arrow"), PUBLISHED)
def test_published_cells(lot_size, level, aql, severity, letter, n, ac, re, arrow):
    plan = sampling_plan(lot_size, level, aql, severity)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (letter, n, ac, re)
    assert plan.followed_arrow is arrow
    assert plan.hundred_percent is False


def test_arrow_from_row_a_at_aql_10_points_down():
    # Row A has no row above; the published tables send AQL 10 to code letter C (normal,
    # reduced) or D (tightened) [Rule note 1]. Here the lot (5) is smaller than n.
    normal = sampling_plan(5, "II", "10", "normal")
    reduced = sampling_plan(5, "II", "10", "reduced")
    tightened = sampling_plan(5, "II", "10", "tightened")
    assert (normal.code_letter, normal.accept, normal.reject) == ("C", 1, 2)
    assert (reduced.code_letter, reduced.accept, reduced.reject) == ("C", 0, 2)
    assert (tightened.code_letter, tightened.accept, tightened.reject) == ("D", 1, 2)
    assert normal.hundred_percent and tightened.hundred_percent and not reduced.hundred_percent
    assert (normal.sample_size, tightened.sample_size, reduced.sample_size) == (5, 5, 2)


# ---- structure of the whole tables ------------------------------------------------


# The published acceptance ladders, one per table: the plan that every cell of a
# diagonal i + j = d holds (i: code letter position, j: AQL position).
LADDERS = {
    "normal": {14: (0, 1), 17: (1, 2), 18: (2, 3), 19: (3, 4), 20: (5, 6), 21: (7, 8), 22: (10, 11)}
    | {23: (14, 15), 24: (21, 22), 25: (30, 31), 26: (44, 45)},
    "tightened": {15: (0, 1), 18: (1, 2), 19: (2, 3), 20: (3, 4), 21: (5, 6), 22: (8, 9), 23: (12, 13)}
    | {24: (18, 19), 25: (27, 28), 26: (41, 42)},
    "reduced": {14: (0, 1), 17: (0, 2), 18: (1, 3), 19: (1, 4), 20: (2, 5), 21: (3, 6), 22: (5, 8), 23: (7, 10)}
    | {24: (10, 13), 25: (14, 17), 26: (21, 24)},
}


def _letters(severity):
    return [letter for letter in CODE_LETTERS if letter in MASTER_TABLES[severity]]


def _cells(severity):
    for i, letter in enumerate(_letters(severity)):
        for j, aql in enumerate(AQLS):
            yield i, j, letter, aql, MASTER_TABLES[severity][letter][aql]


def test_aqls_are_the_26_of_the_standard():
    assert len(AQLS) == 26
    assert AQLS[0] == Decimal("0.010") and AQLS[-1] == Decimal("1000")
    assert list(AQLS) == sorted(AQLS)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_row_has_every_aql(severity):
    for letter in _letters(severity):
        assert list(MASTER_TABLES[severity][letter]) == list(AQLS), letter


def test_code_letters_and_sample_sizes():
    normal = [2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000]
    reduced = [2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800]
    assert _letters("normal") == _letters("reduced") == list("ABCDEFGHJKLMNPQR")
    assert _letters("tightened") == list("ABCDEFGHJKLMNPQRS")
    assert list(SAMPLE_SIZES["normal"].values()) == normal
    assert list(SAMPLE_SIZES["tightened"].values()) == [*normal, 3150]
    assert list(SAMPLE_SIZES["reduced"].values()) == reduced


@pytest.mark.parametrize("severity", SEVERITIES)
def test_diagonals_hold_one_plan_each(severity):
    for i, j, letter, aql, cell in _cells(severity):
        if isinstance(cell, tuple):
            assert LADDERS[severity].get(i + j) == cell, f"{severity} {letter}/{aql}: {cell}"


@pytest.mark.parametrize("severity", SEVERITIES)
def test_plans_off_the_published_region_are_arrows(severity):
    # The two largest plans of each ladder only exist for code letters A to E; every
    # diagonal of the ladder (except on edge rows) has its plan.
    for i, j, letter, aql, cell in _cells(severity):
        d = i + j
        if d in LADDERS[severity] and (d < 25 or i <= 4) and letter != "S":
            edge = severity == "tightened" and letter == "A" and d == 15
            assert isinstance(cell, tuple) or edge, f"{severity} {letter}/{aql} should hold a plan"
        if d >= 25 and i > 4 and letter != "S":
            assert cell == "^", f"{severity} {letter}/{aql}"


@pytest.mark.parametrize("severity", SEVERITIES)
def test_rows_increase_left_to_right_and_columns_top_to_bottom(severity):
    for letter in _letters(severity):
        plans = [cell for cell in MASTER_TABLES[severity][letter].values() if isinstance(cell, tuple)]
        assert plans, letter
        accepts, rejects = [ac for ac, _ in plans], [re for _, re in plans]
        # Re grows strictly; Ac never falls (reduced rows repeat an Ac with a wider gap: 0/1 0/2, 1/3 1/4).
        assert rejects == sorted(set(rejects)), f"{severity} row {letter}: {plans}"
        assert accepts == sorted(accepts), f"{severity} row {letter}: {plans}"
        if severity != "reduced":
            assert len(set(accepts)) == len(accepts), f"{severity} row {letter}: {plans}"
    for aql in AQLS:
        column = [MASTER_TABLES[severity][letter][aql] for letter in _letters(severity)]
        accepts = [cell[0] for cell in column if isinstance(cell, tuple)]
        assert accepts == sorted(accepts), f"{severity} column {aql}"


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_arrow_leads_to_a_plan(severity):
    letters = _letters(severity)
    for i, _j, letter, aql, cell in _cells(severity):
        if cell not in ("v", "^"):
            continue
        step = 1 if cell == "v" else -1
        k = i + step
        while 0 <= k < len(letters) and MASTER_TABLES[severity][letters[k]][aql] == cell:
            k += step
        assert 0 <= k < len(letters), f"{severity} {letter}/{aql}: arrow leaves the table"
        target = MASTER_TABLES[severity][letters[k]][aql]
        assert isinstance(target, tuple), f"{severity} {letter}/{aql}: arrow leads to {target!r}"


def test_edge_cells_point_back_into_the_table():
    # Where the diagonal rule would point out of the table, the published cell points
    # the other way (see the docstring of quality.sampling.tables).
    a10, r0015 = Decimal("10"), Decimal("0.015")
    assert [MASTER_TABLES[s]["A"][a10] for s in SEVERITIES] == ["v", "v", "v"]
    assert [MASTER_TABLES[s]["R"][r0015] for s in SEVERITIES] == ["^", "^", "^"]
    assert MASTER_TABLES["tightened"]["R"][Decimal("0.010")] == (0, 1)
    assert MASTER_TABLES["tightened"]["R"][Decimal("0.025")] == "v"


def test_only_row_s_has_empty_cells():
    empty = {
        (severity, letter) for severity in SEVERITIES for _i, _j, letter, _a, cell in _cells(severity) if cell is None
    }
    assert empty == {("tightened", "S")}
    row_s = [cell for cell in MASTER_TABLES["tightened"]["S"].values() if cell is not None]
    assert row_s == [(1, 2)]
    assert MASTER_TABLES["tightened"]["S"][Decimal("0.025")] == (1, 2)


def test_rejection_numbers():
    for severity in ("normal", "tightened"):
        for _i, _j, letter, aql, cell in _cells(severity):
            if isinstance(cell, tuple):
                assert cell[1] == cell[0] + 1, f"{severity} {letter}/{aql}"
    gaps = {cell[1] - cell[0] for *_, cell in _cells("reduced") if isinstance(cell, tuple)}
    assert gaps == {1, 2, 3}


def test_tightened_never_accepts_more_than_normal_on_the_same_sample():
    for lot_low, _high, _letters_by_level in LOT_SIZE_CODE_LETTERS:
        for level in LEVELS:
            for aql in AQLS:
                normal = sampling_plan(lot_low, level, aql, "normal")
                tightened = sampling_plan(lot_low, level, aql, "tightened")
                if normal.sample_size == tightened.sample_size:
                    assert tightened.accept <= normal.accept, (lot_low, level, aql)
                else:
                    assert tightened.sample_size > normal.sample_size, (lot_low, level, aql)


def test_every_lot_range_level_aql_and_severity_has_a_plan():
    for low, high, _ in LOT_SIZE_CODE_LETTERS:
        for lot_size in (low, high or 10_000_000):
            for level in LEVELS:
                for aql in AQLS:
                    for severity in SEVERITIES:
                        plan = sampling_plan(lot_size, level, aql, severity)
                        assert 1 <= plan.sample_size <= lot_size
                        assert 0 <= plan.accept < plan.reject


# ---- Table 1 -----------------------------------------------------------------------


def test_table_1_ranges_are_contiguous():
    assert LOT_SIZE_CODE_LETTERS[0][0] == 2
    assert LOT_SIZE_CODE_LETTERS[-1][1] is None
    for (_, high, _), (low, _, _) in pairwise(LOT_SIZE_CODE_LETTERS):
        assert low == high + 1


def test_table_1_grows_with_lot_size_and_level():
    order = CODE_LETTERS.index
    for level in LEVELS:
        column = [letters[level] for _, _, letters in LOT_SIZE_CODE_LETTERS]
        assert sorted(column, key=order) == column, level
    for low, _, letters in LOT_SIZE_CODE_LETTERS:
        row = [letters[level] for level in LEVELS]
        assert sorted(row, key=order) == row, low
    # Level II, the default: A at 2-8 up to Q at 500,001 and over, one letter per range.
    assert "".join(letters["II"] for _, _, letters in LOT_SIZE_CODE_LETTERS) == "ABCDEFGHJKLMNPQ"
    assert LOT_SIZE_CODE_LETTERS[-1][2]["III"] == "R"
