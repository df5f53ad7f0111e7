"""Sampling plans from the ISO 2859-1 tables: lot size + level + AQL + severity -> n, Ac, Re.

Pure functions over ``quality.sampling.tables``; no database, no Django.

Rules followed (ISO 2859-1:1999, clauses 10 and 11; the same in ANSI/ASQ Z1.4):

- Table 1 gives the code letter for the lot size and inspection level. Table 1 starts at
  a lot of 2; a lot of 1 uses the first row (and is then inspected 100 %, see below).
- The master table for the severity gives the cell for the code letter and AQL. An arrow
  sends the user to the first plan below (``v``) or above (``^``) in the same AQL column;
  the sample size, and the code letter reported, are those of the row the plan is in.
- When the sample size equals or exceeds the lot size, every item of the lot is inspected
  (100 %) and the plan's Ac and Re are kept. The standard only says to inspect the whole
  lot; it does not change the acceptance criterion, and forcing Ac = 0 would make the
  high-AQL plans stricter than the AQL asks (a lot of 2 items at AQL 1000,
  nonconformities per 100 items, would be rejected for a single nonconformity where the
  plan accepts up to 30). Where a plan should accept nothing, say so with
  ``hundred_percent`` (the "100 % / zero" choice of an inspection plan).
- Reduced inspection: the reduced table here is the MIL-STD-105E / ANSI/ASQ Z1.4 one,
  whose Re may exceed Ac + 1, and its rule is followed (ANSI/ASQ Z1.4 reduced
  inspection): a count above Ac and below Re accepts the lot but reinstates normal
  inspection (``lot_verdict`` answers ``ACCEPTED_NORMAL_REINSTATED``). ISO 2859-1:1999
  dropped that region from its reduced plans; those plans are not reproduced here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from quality.sampling.tables import (
    AQLS,
    CODE_LETTERS,
    LEVELS,
    LOT_SIZE_CODE_LETTERS,
    MASTER_TABLES,
    SAMPLE_SIZES,
    SEVERITIES,
    Cell,
)

_TABLE_NAMES = {"normal": "Table 2-A", "tightened": "Table 2-B", "reduced": "Table 2-C"}


class SamplingInputError(ValueError):
    """A lot size, level, AQL, severity or fixed plan that the tables cannot serve."""


class LotVerdict(enum.StrEnum):
    """The outcome of one lot on original inspection."""

    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    # ANSI/ASQ Z1.4 reduced inspection only: count above Ac and below Re.
    ACCEPTED_NORMAL_REINSTATED = "accepted_normal_reinstated"


@dataclass(frozen=True)
class SamplingPlan:
    """One single-sampling plan: inspect ``sample_size`` items, accept the lot with at
    most ``accept`` nonconforming items (or nonconformities), reject it at ``reject``.

    ``code_letter`` is the row the plan was read from (after arrows; None for fixed and
    100 % plans), ``followed_arrow`` says an arrow moved it from the lot's own code
    letter, ``hundred_percent`` that every item of the lot is inspected (then
    ``sample_size`` is the lot size), and ``source`` is a sentence for people saying
    where the plan comes from. ``severity`` and ``aql`` are set for plans from the tables.
    """

    code_letter: str | None
    sample_size: int
    accept: int
    reject: int
    followed_arrow: bool
    hundred_percent: bool
    source: str
    severity: str | None = None
    aql: Decimal | None = None


def normalize_aql(aql: Decimal | str | int | float) -> Decimal:
    """The table AQL equal to ``aql`` (e.g. "1", "1.0", Decimal("1.00") -> Decimal("1.0")).

    Raises SamplingInputError naming the 26 AQLs of the tables when it is not one of them.
    """
    try:
        value = Decimal(str(aql).strip())
    except (InvalidOperation, ValueError):
        value = None
    for table_aql in AQLS:
        if value is not None and value == table_aql:
            return table_aql
    allowed = ", ".join(str(a) for a in AQLS)
    raise SamplingInputError(
        _("AQL %(aql)s is not in the ISO 2859-1 tables; allowed AQLs: %(allowed)s.")
        % {"aql": repr(aql), "allowed": allowed}
    )


def code_letter(lot_size: int, level: str) -> str:
    """Table 1: the sample size code letter for a lot of ``lot_size`` items at ``level``.

    ``level`` is one of S-1, S-2, S-3, S-4, I, II, III. A lot of 1 item uses the first
    row (2 to 8). Raises SamplingInputError for a bad lot size or level.
    """
    _check_lot_size(lot_size)
    _check_level(level)
    # Rows are contiguous and ascending, so the first row whose top reaches the lot wins.
    for _low, high, letters in LOT_SIZE_CODE_LETTERS:
        if high is None or lot_size <= high:
            return letters[level]
    raise AssertionError("Table 1 has an open last row")  # pragma: no cover


def sampling_plan(
    lot_size: int,
    level: str,
    aql: Decimal | str | int | float,
    severity: str = "normal",
) -> SamplingPlan:
    """The ISO 2859-1 single-sampling plan for a lot.

    ``lot_size`` in items (>= 1); ``level`` one of S-1..S-4, I, II, III; ``aql`` one of the
    26 table AQLs in percent (Decimal or string, "0.65" or "1.0"); ``severity`` one of
    normal, tightened, reduced. Arrows are followed to the row that has a plan, whose
    sample size and code letter are used; when that sample size is at least the lot size
    the whole lot is inspected with the plan's Ac and Re (see the module docstring for
    why Ac is kept). Raises SamplingInputError naming the allowed values.
    """
    _check_severity(severity)
    table_aql = normalize_aql(aql)
    first_letter = code_letter(lot_size, level)
    letter, cell = _follow_arrows(severity, first_letter, table_aql)
    accept, reject = cell
    table_n = SAMPLE_SIZES[severity][letter]
    where = f"ISO 2859-1 {_TABLE_NAMES[severity]} ({severity}), AQL {table_aql}, level {level}"
    if letter == first_letter:
        where += f", code letter {letter}"
    else:
        where += f", code letter {first_letter} -> arrow to {letter}"
    where += f": n={table_n}, Ac={accept}, Re={reject}"
    full = table_n >= lot_size
    if full:
        where += f"; n >= lot size {lot_size}: 100 % inspection with the same Ac and Re"
    return SamplingPlan(
        code_letter=letter,
        sample_size=lot_size if full else table_n,
        accept=accept,
        reject=reject,
        followed_arrow=letter != first_letter,
        hundred_percent=full,
        source=where,
        severity=severity,
        aql=table_aql,
    )


def fixed_plan(sample_size: int, accept: int, *, lot_size: int | None = None) -> SamplingPlan:
    """A plan with a sample size and acceptance number set by the inspection plan, not
    the tables (Re = Ac + 1).

    With ``lot_size``, a sample size at least the lot size becomes 100 % inspection of the
    lot. Raises SamplingInputError for sample_size < 1 or accept < 0.
    """
    if not _is_int(sample_size) or sample_size < 1:
        raise SamplingInputError(
            _("sample size must be a whole number of items >= 1, not %(value)s.") % {"value": repr(sample_size)}
        )
    if not _is_int(accept) or accept < 0:
        raise SamplingInputError(
            _("acceptance number must be a whole number >= 0, not %(value)s.") % {"value": repr(accept)}
        )
    if lot_size is not None:
        _check_lot_size(lot_size)
    full = lot_size is not None and sample_size >= lot_size
    source = f"fixed plan: n={sample_size}, Ac={accept}, Re={accept + 1}"
    if full:
        source += f"; n >= lot size {lot_size}: 100 % inspection"
    return SamplingPlan(
        code_letter=None,
        sample_size=lot_size if full else sample_size,  # type: ignore[arg-type]
        accept=accept,
        reject=accept + 1,
        followed_arrow=False,
        hundred_percent=full,
        source=source,
    )


def hundred_percent(lot_size: int) -> SamplingPlan:
    """Inspect every item of the lot and accept none nonconforming (Ac 0, Re 1).

    The "100 % / zero" choice for critical characteristics. Raises SamplingInputError for
    a lot size below 1.
    """
    _check_lot_size(lot_size)
    return SamplingPlan(
        code_letter=None,
        sample_size=lot_size,
        accept=0,
        reject=1,
        followed_arrow=False,
        hundred_percent=True,
        source=f"100 % inspection of {lot_size} items, none nonconforming accepted (Ac=0, Re=1)",
    )


def lot_verdict(plan: SamplingPlan, nonconforming: int) -> LotVerdict:
    """The verdict for ``nonconforming`` items (or nonconformities) found in the sample.

    At most Ac: accepted; at least Re: not accepted; in between (only reduced plans whose
    Re exceeds Ac + 1): accepted, and normal inspection is reinstated (ANSI/ASQ Z1.4).
    Raises SamplingInputError for a negative count.
    """
    if not _is_int(nonconforming) or nonconforming < 0:
        raise SamplingInputError(
            _("count of nonconforming items must be a whole number >= 0, not %(value)s.")
            % {"value": repr(nonconforming)}
        )
    if nonconforming <= plan.accept:
        return LotVerdict.ACCEPTED
    if nonconforming >= plan.reject:
        return LotVerdict.NOT_ACCEPTED
    return LotVerdict.ACCEPTED_NORMAL_REINSTATED


def one_step_tighter_accept(plan: SamplingPlan) -> int | None:
    """Ac of the normal-table plan one AQL step tighter, for the same code letter (same
    sample), as the switching score of ISO 2859-1 9.3.3.2 asks for plans with Ac >= 2.

    None when the plan is not from the tables, is already at the tightest AQL, or the
    tighter cell is an arrow (a different sample; never the case for Ac >= 2).
    """
    if plan.aql is None or plan.code_letter is None or plan.code_letter not in MASTER_TABLES["normal"]:
        return None
    position = AQLS.index(plan.aql)
    if position == 0:
        return None
    cell = MASTER_TABLES["normal"][plan.code_letter][AQLS[position - 1]]
    return cell[0] if isinstance(cell, tuple) else None


def _follow_arrows(severity: str, letter: str, aql: Decimal) -> tuple[str, tuple[int, int]]:
    rows = MASTER_TABLES[severity]
    letters = [code for code in CODE_LETTERS if code in rows]
    position = letters.index(letter)
    cell: Cell = rows[letter][aql]
    step = 0
    while not isinstance(cell, tuple):
        if cell is None:
            raise AssertionError(f"{severity} table: no plan for {letter} at AQL {aql}")  # pragma: no cover
        # The first plan in the first arrow's direction, whatever arrows lie between.
        step = step or (1 if cell == "v" else -1)
        position += step
        if not 0 <= position < len(letters):
            raise AssertionError(f"{severity} table: arrow leaves the table at AQL {aql}")  # pragma: no cover
        cell = rows[letters[position]][aql]
    return letters[position], cell


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_lot_size(lot_size: int) -> None:
    if not _is_int(lot_size) or lot_size < 1:
        raise SamplingInputError(
            _("lot size must be a whole number of items >= 1, not %(value)s.") % {"value": repr(lot_size)}
        )


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise SamplingInputError(
            _("inspection level %(level)s is unknown; allowed levels: %(levels)s.")
            % {"level": repr(level), "levels": ", ".join(LEVELS)}
        )


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise SamplingInputError(
            _("severity %(severity)s is unknown; allowed: %(allowed)s.")
            % {"severity": repr(severity), "allowed": ", ".join(SEVERITIES)}
        )
