"""ISO 2859-1 single-sampling tables, kept as data.

Source: ISO 2859-1:1999 "Sampling procedures for inspection by attributes - Part 1:
Sampling schemes indexed by acceptance quality limit (AQL) for lot-by-lot inspection",
Table 1 (sample size code letters), Table 2-A (single sampling, normal), Table 2-B
(tightened) and Table 2-C (reduced). Tables 1, 2-A and 2-B have the same content as
ANSI/ASQ Z1.4 and MIL-STD-105E (Tables I, II-A, II-B; MIL-STD-105E is public domain).
The reduced table here is MIL-STD-105E / ANSI/ASQ Z1.4 Table II-C, with its gap between
Ac and Re (see ``quality.sampling.plans`` for the rule that goes with the gap).

Notation of the master tables, one row per code letter (its sample size second):

- ``Ac/Re``: the acceptance and rejection numbers of the plan.
- ``v``: no plan here; use the first plan below the arrow (a larger sample).
- ``^``: no plan here; use the first plan above the arrow (a smaller sample).
- ``.``: empty in the published table and never reached by an arrow (row S).

Each master table is split at AQL 10: AQLs above 10 apply to nonconformities per 100
items only, and the split keeps the rows readable.

How the rows were written and how they are checked: the master tables are regular.
With i the code letter's position (A=0 ... R=15, S=16) and j the AQL's position
(0.010=0 ... 1000=25), every plan on the diagonal i + j = d has the same Ac/Re:

    d            <14    14    15    16    17    18    19    20    21    22    23    24    25    26
    normal         v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
    tightened      v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
    reduced        v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24

and d > 26, or d >= 25 below row E, is an up arrow (the published normal table gives its
two largest plans only to code letters A to E; the other two tables here keep that
outline). Where the rule would point out of the table the published tables point the
other way, and so do these rows: row A at AQL 10 points down in all three tables (an up
arrow has no row above it; tightened row A has no 0/1 plan), row R at AQL 0.015 points
up in the normal and reduced tables (a down arrow has no row below it; the published
cell sends the user to code letter P), and tightened row S holds a single plan, 1/2 at
AQL 0.025, reached from rows Q and R. Tightened row R at AQL 0.015 points up as well, by
the same reasoning: the rule gives a down arrow there, but row S has no plan at 0.015.
``tests/quality/test_sampling_tables.py`` checks every row against these rules and
against cells of the published tables.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

Plan = tuple[int, int]
Cell = Plan | Literal["v", "^"] | None

SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")
LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
CODE_LETTERS: str = "ABCDEFGHJKLMNPQRS"

# Table 1: sample size code letters. (first lot size, last lot size or None for "and over",
# letters for S-1 S-2 S-3 S-4 I II III).
_TABLE_1: tuple[tuple[int, int | None, str], ...] = (
    (2, 8, "A A A A A A B"),
    (9, 15, "A A A A A B C"),
    (16, 25, "A A B B B C D"),
    (26, 50, "A B B C C D E"),
    (51, 90, "B B C C C E F"),
    (91, 150, "B B C D D F G"),
    (151, 280, "B C D E E G H"),
    (281, 500, "B C D E F H J"),
    (501, 1_200, "C C E F G J K"),
    (1_201, 3_200, "C D E G H K L"),
    (3_201, 10_000, "C D F G J L M"),
    (10_001, 35_000, "C D F H K M N"),
    (35_001, 150_000, "D E G J L N P"),
    (150_001, 500_000, "D E G J M P Q"),
    (500_001, None, "D E H K N Q R"),
)

# Tables 2-A, 2-B and 2-C (master tables, single sampling).
# Table 2-A, normal inspection.
_NORMAL_LOW = """\
          0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5   4.0   6.5    10
A      2      v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v
B      3      v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v
C      5      v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2
D      8      v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3
E     13      v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4
F     20      v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6
G     32      v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8
H     50      v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11
J     80      v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15
K    125      v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
L    200      v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^
M    315      v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^
N    500      v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^
P    800      v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^
Q   1250    0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^
R   2000      ^     ^   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^
"""

_NORMAL_HIGH = """\
             15    25    40    65   100   150   250   400   650  1000
A      2      v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B      3    1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
C      5    2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^
D      8    3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^
E     13    5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^     ^
F     20    7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^
G     32  10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^
H     50  14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^
J     80  21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^
K    125      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
L    200      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
M    315      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
N    500      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
P    800      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
Q   1250      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
R   2000      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
"""

# Table 2-B, tightened inspection.
_TIGHTENED_LOW = """\
          0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5   4.0   6.5    10
A      2      v     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v
B      3      v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v
C      5      v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v
D      8      v     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2
E     13      v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3
F     20      v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4
G     32      v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6
H     50      v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9
J     80      v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13
K    125      v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19
L    200      v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^
M    315      v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^
N    500      v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^
P    800      v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^
Q   1250      v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^
R   2000    0/1     ^     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^
S   3150      .     .   1/2     .     .     .     .     .     .     .     .     .     .     .     .     .
"""

_TIGHTENED_HIGH = """\
             15    25    40    65   100   150   250   400   650  1000
A      2      v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28
B      3      v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
C      5    1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^
D      8    2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^
E     13    3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^     ^
F     20    5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^
G     32    8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^
H     50  12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^
J     80  18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^
K    125      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
L    200      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
M    315      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
N    500      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
P    800      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
Q   1250      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
R   2000      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
S   3150      .     .     .     .     .     .     .     .     .     .
"""

# Table 2-C, reduced inspection (MIL-STD-105E / ANSI/ASQ Z1.4 content, with the Ac-Re gap).
_REDUCED_LOW = """\
          0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5   4.0   6.5    10
A      2      v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v
B      2      v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v
C      2      v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2
D      3      v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3
E      5      v     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4
F      8      v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5
G     13      v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6
H     20      v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8
J     32      v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10
K     50      v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13
L     80      v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^
M    125      v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^
N    200      v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^
P    315      v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^
Q    500    0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^
R    800      ^     ^   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^
"""

_REDUCED_HIGH = """\
             15    25    40    65   100   150   250   400   650  1000
A      2      v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17
B      2    0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24
C      2    1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^
D      3    1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^
E      5    2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^     ^
F      8    3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^
G     13    5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^
H     20   7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^
J     32  10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^
K     50      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
L     80      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
M    125      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
N    200      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
P    315      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
Q    500      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
R    800      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
"""


def _parse_cell(text: str) -> Cell:
    if text in ("v", "^"):
        return text  # type: ignore[return-value]
    if text == ".":
        return None
    accept, reject = text.split("/")
    return int(accept), int(reject)


def _parse_master(*halves: str) -> tuple[dict[str, int], dict[str, dict[Decimal, Cell]]]:
    sizes: dict[str, int] = {}
    rows: dict[str, dict[Decimal, Cell]] = {}
    for half in halves:
        header, *lines = half.strip("\n").splitlines()
        aqls = [Decimal(a) for a in header.split()]
        for line in lines:
            letter, size, *cells = line.split()
            if len(cells) != len(aqls):
                raise ValueError(f"row {letter}: {len(cells)} cells for {len(aqls)} AQLs")
            if sizes.setdefault(letter, int(size)) != int(size):
                raise ValueError(f"row {letter}: sample size differs between the halves")
            rows.setdefault(letter, {}).update(zip(aqls, map(_parse_cell, cells), strict=True))
    return sizes, rows


def _parse_table_1() -> tuple[tuple[int, int | None, dict[str, str]], ...]:
    return tuple((low, high, dict(zip(LEVELS, letters.split(), strict=True))) for low, high, letters in _TABLE_1)


_AQL_TEXT = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0", "1.5", "2.5",
    "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650", "1000",
)  # fmt: skip
#: The 26 AQLs of the master tables, tightest first (percent nonconforming, or
#: nonconformities per 100 items; above 10 only the latter).
AQLS: tuple[Decimal, ...] = tuple(Decimal(a) for a in _AQL_TEXT)

#: Table 1 as (first lot size, last lot size or None, {level: code letter}).
LOT_SIZE_CODE_LETTERS = _parse_table_1()

_PARSED = {
    "normal": _parse_master(_NORMAL_LOW, _NORMAL_HIGH),
    "tightened": _parse_master(_TIGHTENED_LOW, _TIGHTENED_HIGH),
    "reduced": _parse_master(_REDUCED_LOW, _REDUCED_HIGH),
}

#: Sample size per severity and code letter, e.g. SAMPLE_SIZES["reduced"]["K"] == 50.
SAMPLE_SIZES: dict[str, dict[str, int]] = {severity: parsed[0] for severity, parsed in _PARSED.items()}

#: Master table cells per severity, code letter and AQL: (Ac, Re), "v", "^" or None.
MASTER_TABLES: dict[str, dict[str, dict[Decimal, Cell]]] = {severity: parsed[1] for severity, parsed in _PARSED.items()}
