"""The batch run behind the scorecards: periods stored where their inputs changed, partners rescored.

``scorecards_compute`` (nightly for every tenant, and on demand for one partner) streams each measure's
source over the kept months (``months.KEPT_MONTHS``, the current month included), merges what they yield
into one ``inputs`` dict per partner and month, and compares its SHA-1 with the stored period's:

- a new or changed period is written (upserts in batches of ``WRITE_BATCH``; ``computed_at`` is the run's);
- an unchanged one is left alone (its ``computed_at`` stays, which is how a reader tells what moved);
- a stored period that no longer has inputs (a receipt cancelled) is deleted, in the partner's scoring
  transaction, so the deletion and the new score commit together.

Periods older than the kept months are never rewritten: they stay as they were last computed.

Only some partners are then rescored (``PartnerScore``), each in its own transaction that locks the
partner row: the ones with a written or deleted period, and the "stale" ones, read from what is stored:
no ``PartnerScore`` yet, a ``PartnerScore`` of an earlier month (the first run of a month moves every
partner's window, so every partner is rescored once per month), or a period computed after the score
(a run that stopped between writing periods and scoring them; the next run finishes the job). A second
run over the same data writes nothing and changes no standing.

``scorecards_rescore`` rescores every partner of a tenant from the stored periods (weights, targets or
standings changed). A change of the on-time window, the quantity tolerances or the acknowledgement hours
changes the inputs themselves, so it needs ``scorecards_compute``.

Two runs of one tenant never overlap (nightly and on demand, or a rescore): each holds the tenant's run
lock (``run_lock``, in the shared cache) from its first read to its last write; a run that finds it taken
waits a little, then raises ``ScorecardRunBusy`` before reading anything, and its task tries again later.
Without it, the run that read first could write last: it would delete a period the other one had just
written (its inputs were not there yet when it read them) or put back an older score and standing.

Memory: the merged inputs (one small dict per partner and month); sources stream their rows.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portal.models import Partner, Tenant
from quality.models import (
    PartnerScore,
    PurchaseWarning,
    ScorecardPeriod,
    Standing,
    StandingChange,
    scorecard_rules_for,
)

from . import catalogue
from .months import KEPT_MONTHS, current_month, months_back
from .standings import standing_change_record, standing_of, standings_for

Source = Callable[..., Iterator[tuple[int, date, dict]]]
WRITE_BATCH = 500  # periods per upsert statement
READ_BATCH = 200  # partners whose stored periods one query reads (rescore)
# A whole tenant's run goes PARTNER_CHUNK partners at a time, so its memory follows the chunk (its periods'
# inputs), not the tenant's size; each chunk reads the sources for its partners only.
PARTNER_CHUNK = 100
TREND_POINTS = Decimal(2)  # a score that moved by less than this is "steady"
# A run's lock lasts this long after the run last renewed it (``_Lease.keep``, at most every
# ``RUN_LOCK_RENEW`` seconds while it reads and scores), so the lock of a worker lost mid-run expires soon.
RUN_LOCK_SECONDS = 600
RUN_LOCK_RENEW = 30.0
# How long a run waits for the other one to finish before it gives up (``ScorecardRunBusy``): a partner's
# run takes seconds, a large tenant's minutes, which its task waits for by trying again later.
RUN_LOCK_WAIT = 30.0


class ScorecardRunBusy(Exception):
    """Another scorecard run of the tenant is going on: raised before reading anything, or when a run lost its
    lock midway (each partner it scored is whole; the next run finishes the rest). Try again later."""


class _Lease:
    """The tenant's run lock, held: ``keep()`` renews it while the run goes on."""

    def __init__(self, key: str, token: str) -> None:
        self.key, self.token, self.renewed = key, token, time.monotonic()

    def keep(self) -> None:
        """Renew the lock (at most every ``RUN_LOCK_RENEW`` seconds); ``ScorecardRunBusy`` when it expired
        and another run took it meanwhile (this one must then write nothing more)."""
        now = time.monotonic()
        if now - self.renewed < RUN_LOCK_RENEW:
            return
        holder = cache.get(self.key)
        if holder is None and cache.add(self.key, self.token, RUN_LOCK_SECONDS):
            holder = self.token
        if holder != self.token:
            raise ScorecardRunBusy("the scorecard run lost its lock to another run")
        cache.touch(self.key, RUN_LOCK_SECONDS)
        self.renewed = now


@contextmanager
def run_lock(tenant: Tenant) -> Iterator[_Lease]:
    """Hold the tenant's scorecard run lock (module docstring), waiting ``RUN_LOCK_WAIT`` seconds at most for
    another run to release it, else raise ``ScorecardRunBusy``."""
    key, token = f"scorecards:run:{tenant.pk}", uuid.uuid4().hex
    deadline = time.monotonic() + RUN_LOCK_WAIT
    while not cache.add(key, token, RUN_LOCK_SECONDS):
        if time.monotonic() >= deadline:
            raise ScorecardRunBusy(f"a scorecard run of {tenant.slug} is going on")
        time.sleep(0.5)
    try:
        yield _Lease(key, token)
    finally:
        if cache.get(key) == token:
            cache.delete(key)


@dataclass
class RunSummary:
    """What a run did: periods written (new or changed), left unchanged, deleted; partners rescored;
    standing changes recorded."""

    periods_written: int = 0
    periods_unchanged: int = 0
    periods_deleted: int = 0
    partners_scored: int = 0
    standing_changes: int = 0


@dataclass(frozen=True)
class ScoreResult:
    """A partner's score over a window: ``score`` and ``previous_score`` 0-100 or None (no data), ``trend``
    -1/0/1, ``figures`` / ``figures_12`` as ``PartnerScore`` stores them, ``worst_measure`` a key or ""."""

    score: Decimal | None
    previous_score: Decimal | None
    trend: int
    figures: dict
    figures_12: dict
    worst_measure: str


@dataclass(frozen=True)
class _Run:
    tenant: Tenant
    rules: Any  # ScorecardRules
    standings: list[Standing]
    months: list[date]
    now: datetime
    keep: Callable[[], None] = lambda: None  # renews the run lock (``_Lease.keep``)


def registered_sources() -> dict[str, Source]:
    """Every measure's source, ``{measure key: source}``: ``delivery.SOURCES`` and ``quality_inputs.SOURCES``."""
    from . import delivery, quality_inputs

    return {**delivery.SOURCES, **quality_inputs.SOURCES}


def _canonical(value: Any) -> Any:
    # Sources write decimals as strings already; a Decimal slipping through is written the same way, so
    # the digest and the JSON column never depend on how a number was typed.
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return catalogue.plain(value)
    return value


def period_digest(inputs: dict) -> str:
    """SHA-1 (40 hex digits) of a period's inputs as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def collect_inputs(
    *,
    tenant: Tenant,
    months: list[date],
    partner_ids: list[int] | None,
    sources: dict[str, Source],
    keep: Callable[[], None] = lambda: None,
) -> dict[int, dict[date, dict]]:
    """``{partner id: {month: inputs}}`` merged from every source, completed (``catalogue.complete``).

    A row a source yields for a month or partner outside those asked for is ignored. ``keep`` is called
    for every row (the run lock's renewal).
    """
    wanted_months = set(months)
    wanted_partners = None if partner_ids is None else set(partner_ids)
    merged: dict[int, dict[date, dict]] = {}
    for key, source in sources.items():
        for partner_id, month, values in source(tenant=tenant, months=months, partner_ids=partner_ids):
            keep()
            if month not in wanted_months or (wanted_partners is not None and partner_id not in wanted_partners):
                continue
            merged.setdefault(partner_id, {}).setdefault(month, {})[key] = _canonical(values)
    for periods in merged.values():
        for month, inputs in periods.items():
            periods[month] = catalogue.complete(inputs)
    return merged


def _scoped(queryset, partner_ids: list[int] | None, field: str = "partner_id"):
    return queryset if partner_ids is None else queryset.filter(**{f"{field}__in": partner_ids})


def _stored_digests(tenant: Tenant, months: list[date], partner_ids: list[int] | None) -> dict:
    """``{(partner id, month): (period id, digest)}`` of the stored periods in the kept months."""
    rows = _scoped(
        ScorecardPeriod.objects.filter(tenant=tenant, month__gte=months[0], month__lte=months[-1]), partner_ids
    )
    return {
        (partner_id, month): (pk, digest)
        for pk, partner_id, month, digest in rows.values_list("pk", "partner_id", "month", "digest").iterator()
    }


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_periods(tenant: Tenant, rows: list[tuple[int, date, dict, str]], now: datetime) -> None:
    """Insert or update ``(partner id, month, inputs, digest)`` rows, ``WRITE_BATCH`` per statement; an
    upsert, so a concurrent run (nightly and on-demand) that wrote the same period first is overwritten
    rather than failing on the (partner, month) constraint."""
    for batch in _batches(rows, WRITE_BATCH):
        with transaction.atomic():
            ScorecardPeriod.objects.bulk_create(
                [
                    ScorecardPeriod(
                        tenant=tenant,
                        partner_id=partner_id,
                        month=month,
                        inputs=inputs,
                        figures=catalogue.figures(inputs),
                        digest=digest,
                        computed_at=now,
                    )
                    for partner_id, month, inputs, digest in batch
                ],
                update_conflicts=True,
                unique_fields=["partner", "month"],
                update_fields=["inputs", "figures", "digest", "computed_at"],
            )


def _stale_partners(tenant: Tenant, as_of: date, months: list[date], partner_ids: list[int] | None) -> set[int]:
    """Partners whose score is missing, of an earlier month, or older than one of their periods."""
    partners = set(
        _scoped(Partner.objects.filter(tenant=tenant), partner_ids, "pk").order_by().values_list("pk", flat=True)
    )
    scores = {
        partner_id: (score_as_of, computed_at)
        for partner_id, score_as_of, computed_at in _scoped(PartnerScore.objects.filter(tenant=tenant), partner_ids)
        .values_list("partner_id", "as_of", "computed_at")
        .iterator()
    }
    last_written = dict(
        _scoped(ScorecardPeriod.objects.filter(tenant=tenant, month__gte=months[0]), partner_ids)
        .values("partner_id")
        .annotate(last=Max("computed_at"))
        .values_list("partner_id", "last")
    )
    stale = set()
    for partner_id in partners:
        score = scores.get(partner_id)
        last = last_written.get(partner_id)
        if score is None or score[0] != as_of or (last is not None and last > score[1]):
            stale.add(partner_id)
    return stale


def scorecards_compute(
    *,
    tenant: Tenant,
    partner_ids: list[int] | None = None,
    today: date | None = None,
    sources: dict[str, Source] | None = None,
) -> RunSummary:
    """Recompute the tenant's periods (all partners, or ``partner_ids``) where their inputs changed and
    rescore the partners concerned (module docstring). ``today``: the tenant's day (default: its today);
    ``sources``: ``{measure key: source}`` (default: ``registered_sources()``). Idempotent.
    Raises ``ScorecardRunBusy`` while another run of the tenant holds its lock."""
    with run_lock(tenant) as lease:
        run = _run_context(tenant, today, lease)
        if partner_ids is not None:
            return _compute(tenant, partner_ids, run, sources)
        summary = RunSummary()
        everyone = list(Partner.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(everyone), PARTNER_CHUNK):
            part = _compute(tenant, everyone[start : start + PARTNER_CHUNK], run, sources)
            for name in RunSummary.__dataclass_fields__:
                setattr(summary, name, getattr(summary, name) + getattr(part, name))
        return summary


def _compute(tenant: Tenant, partner_ids: list[int] | None, run: _Run, sources: dict[str, Source] | None) -> RunSummary:
    merged = collect_inputs(
        tenant=tenant,
        months=run.months,
        partner_ids=partner_ids,
        sources=registered_sources() if sources is None else sources,
        keep=run.keep,
    )
    stored = _stored_digests(tenant, run.months, partner_ids)
    summary = RunSummary()
    to_write: list[tuple[int, date, dict, str]] = []
    for partner_id, periods in merged.items():
        for month, inputs in periods.items():
            digest = period_digest(inputs)
            old = stored.get((partner_id, month))
            if old is not None and old[1] == digest:
                summary.periods_unchanged += 1
            else:
                to_write.append((partner_id, month, inputs, digest))
    deletions: dict[int, list[int]] = {}
    for (partner_id, month), (pk, _digest) in stored.items():
        if month not in merged.get(partner_id, {}):
            deletions.setdefault(partner_id, []).append(pk)
    _write_periods(tenant, to_write, run.now)
    summary.periods_written = len(to_write)
    targets = {row[0] for row in to_write} | set(deletions)
    targets |= _stale_partners(tenant, run.months[-1], run.months, partner_ids)
    for partner_id in sorted(targets):  # pk order: two runs lock partners in the same order
        deleted, changed = _score_partner(run, partner_id, merged.get(partner_id, {}), deletions.get(partner_id, []))
        summary.periods_deleted += deleted
        summary.partners_scored += 1
        summary.standing_changes += changed
    return summary


def scorecards_rescore(*, tenant: Tenant, today: date | None = None) -> RunSummary:
    """Rescore every partner of the tenant from its stored periods, reading no source (after the
    tenant's weights, targets, window or standings changed). Only ``partners_scored`` and
    ``standing_changes`` of the summary are counted. Raises ``ScorecardRunBusy`` as ``scorecards_compute``."""
    with run_lock(tenant) as lease:
        return _rescore(tenant, _run_context(tenant, today, lease))


def _rescore(tenant: Tenant, run: _Run) -> RunSummary:
    summary = RunSummary()
    partner_ids = list(Partner.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True))
    for batch in _batches(partner_ids, READ_BATCH):
        periods: dict[int, dict[date, dict]] = {}
        rows = ScorecardPeriod.objects.filter(tenant=tenant, partner_id__in=batch, month__gte=run.months[0])
        for partner_id, month, inputs in rows.values_list("partner_id", "month", "inputs").iterator():
            periods.setdefault(partner_id, {})[month] = inputs
        for partner_id in batch:
            _deleted, changed = _score_partner(run, partner_id, periods.get(partner_id, {}), [])
            summary.partners_scored += 1
            summary.standing_changes += changed
    return summary


def _run_context(tenant: Tenant, today: date | None, lease: _Lease) -> _Run:
    return _Run(
        tenant=tenant,
        rules=scorecard_rules_for(tenant),
        standings=standings_for(tenant),
        months=months_back(current_month(tenant, today), KEPT_MONTHS),
        now=timezone.now(),
        keep=lease.keep,
    )


def window_length(standing_months: int) -> int:
    """The standing window in months: the tenant's ``standing_months``, at least 1 and at most half the
    kept months, so the window before it (the trend's) is always whole."""
    return max(1, min(int(standing_months or 1), KEPT_MONTHS // 2))


def score_window(periods: dict[date, dict], *, months: list[date], window: int, rules_measures: dict) -> ScoreResult:
    """A partner's score over the last ``window`` of ``months`` (oldest first, the last one the current
    month), the previous window's score and the trend (+1 / -1 when the score moved by ``TREND_POINTS``
    or more, else 0; 0 when either has no data), and the 12-month figures. ``periods``: ``{month: inputs}``.
    """

    def summed(span: Iterable[date]) -> dict:
        return catalogue.combine([periods[m] for m in span if m in periods])

    score, figures = catalogue.weighted_score(summed(months[-window:]), rules_measures)
    previous, _ = catalogue.weighted_score(summed(months[-2 * window : -window]), rules_measures)
    _, figures_12 = catalogue.weighted_score(summed(months[-12:]), rules_measures)
    trend = 0
    if score is not None and previous is not None and abs(score - previous) >= TREND_POINTS:
        trend = 1 if score > previous else -1
    return ScoreResult(
        score=score,
        previous_score=previous,
        trend=trend,
        figures=figures,
        figures_12=figures_12,
        worst_measure=catalogue.worst_measure(figures),
    )


def _standing_before(run: _Run, row: PartnerScore) -> Standing | None:
    """The partner's standing before this scoring: one of ``run.standings``, or None (none yet). A standing
    the tenant deleted since (its row's ``standing`` set to null, ``standing_since`` kept) is answered as an
    unsaved ``Standing`` of its last name that warns when the portal's purchase warning is on the partner,
    so that leaving it is recorded, told, and clears that warning in Odoo."""
    if row.standing_id is not None or row.pk is None or row.standing_since is None:
        return next((s for s in run.standings if s.pk == row.standing_id), None)
    last = StandingChange.objects.filter(partner_id=row.partner_id).order_by("-changed_at", "-pk").first()
    warned = PurchaseWarning.objects.filter(partner_id=row.partner_id, active=True).exists()
    return Standing(tenant=run.tenant, name=last.to_name if last else "", warns=warned)


def _score_partner(run: _Run, partner_id: int, periods: dict[date, dict], delete_ids: list[int]) -> tuple[int, int]:
    """Delete the partner's periods without inputs, store its score and record a standing change, in one
    transaction holding the partner's row; answers (periods deleted, standing changes). A window without
    data keeps the standing the partner had (score None, standing unchanged)."""
    run.keep()
    result = score_window(
        periods, months=run.months, window=window_length(run.rules.standing_months), rules_measures=run.rules.measures
    )
    new = standing_of(run.standings, result.score)
    with transaction.atomic():
        partner = Partner.objects.select_for_update().filter(pk=partner_id, tenant=run.tenant).first()
        if partner is None:  # removed since the run began
            return 0, 0
        deleted = 0
        if delete_ids:
            deleted, _ = ScorecardPeriod.objects.filter(pk__in=delete_ids, partner_id=partner_id).delete()
        row = PartnerScore.objects.select_for_update().filter(partner_id=partner_id).first()
        if row is None:
            row = PartnerScore(tenant=run.tenant, partner=partner)
        old = _standing_before(run, row)
        if result.score is None and old is not None and old.pk is not None:
            # No data in the window is no evidence either way: the partner keeps the standing it earned
            # (a one-month window would otherwise drop every standing on the first of each month).
            new = old
        row.as_of = run.months[-1]
        row.score = result.score
        row.previous_score = result.previous_score
        row.trend = result.trend
        row.figures = result.figures
        row.figures_12 = result.figures_12
        row.worst_measure = result.worst_measure
        row.computed_at = run.now
        # A standing the tenant deleted (pk None here) is left for the new one, or for none.
        changed = (old is not None and old.pk is None) or (old.pk if old else None) != (new.pk if new else None)
        if changed:
            row.standing = new
            row.standing_since = run.now if new else None
        row.save()
        if changed:
            standing_change_record(
                tenant=run.tenant, partner=partner, rules=run.rules, old=old, new=new, result=result, now=run.now
            )
    return deleted, int(changed)


def scorecard_recompute_on_commit(partner: Partner) -> None:
    """Queue ``partner``'s scorecard run (lane batch) once the caller's transaction commits: a service that
    changed one of its inputs calls it, so the partner's pages follow before the nightly run."""
    from quality.tasks import scorecard_partner_task

    tenant_id, partner_id = partner.tenant_id, partner.pk
    transaction.on_commit(lambda: scorecard_partner_task.delay(tenant_id, partner_id))
