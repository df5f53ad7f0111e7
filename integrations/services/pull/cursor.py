"""The cursor and paging every puller shares: which rows of one Odoo model changed since the last pull.

Why the cursor is not a plain ``write_date > last``: the live Odoo 18 showed
(flow 6 of the reference) that ``write_date`` comes back truncated to the
second while the database keeps microseconds, that every row of one
transaction shares the transaction's *start* time, and that a long transaction
can commit rows whose ``write_date`` is older than a cursor already passed (a
plain ``>`` loop lost 110 confirmed POs in that recording). So:

- each pull starts ``overlap`` seconds behind the cursor, and rows the mirror
  already holds as they are are skipped. "As they are" is a digest of the row
  Odoo returned, write_date included: de-duplication by (id, write_date) alone
  would miss a row changed again within the same second it was pulled (both
  versions carry the same truncated write_date). So a re-poll with nothing
  new makes one call per model and writes nothing;
- a full pull (no cursor, nothing skipped) runs nightly and bounds what a
  change no pulled field shows could leave stale (a line edited alone has a
  cursor of its own: ``order_lines``);
- pages are ordered by ``(write_date, id)``; when one is full, the second it
  ends in is drained by itself, ordered by ``id``, before the scan goes on at
  the next second. Equality on a truncated value would miss rows, ``>`` alone
  would stall when more rows than a page share one second, and an ``id`` keyset
  inside a second is wrong because Odoo orders within it by the precise
  ``write_date``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from integrations.models import PullCursor
from integrations.odoo import OdooGateway
from integrations.odoo.fields_used import PULL_OPTIONAL, pull_fields
from portal import dates
from portal.models import Tenant

ODOO_FORMAT = "%Y-%m-%d %H:%M:%S"

# Odoo's datetimes are naive UTC text: the rule is written once, in portal.dates. Memoized (a page's
# rows share few distinct stamps, and parsing one is most of a line's cost): values are immutable.
odoo_datetime = functools.lru_cache(maxsize=8192)(dates.from_odoo)


def _shift(stamp: str, seconds: int) -> str:
    return (datetime.strptime(stamp, ODOO_FORMAT) + timedelta(seconds=seconds)).strftime(ODOO_FORMAT)


@dataclass
class PullResult:
    """What one model's pull cost (RPC calls) and did (rows read and written), and where it stopped."""

    model: str
    calls: int = 0
    rows_seen: int = 0
    rows_written: int = 0
    cursor: str = ""
    full: bool = False
    first: bool = False  # nothing pulled before: no "new order" notifications for the backlog
    # purchase.order only: the newest line write_date read with the first page of orders written ("" when it
    # had no lines; None before it). It seeds the lines' own cursor on a first pull (order_lines).
    lines_upto: str | None = None


@dataclass
class PullSpec:
    """One pulled model: its upsert (``upsert(tenant, gateway, rows, result)``, a page at a time) and
    which rows to read. The fields are ``fields_used.PULL_READS[model]`` for the server's series, plus
    the module fields of ``PULL_OPTIONAL`` the server has."""

    model: str
    upsert: Callable[[Tenant, OdooGateway, list[dict], PullResult], None]
    # A list, or a function of the tenant that answers one (what to read depends on what is mirrored).
    domain: list | Callable[[Tenant], list] = field(default_factory=list)

    def fields(self, gateway: OdooGateway) -> list[str]:
        """``write_date`` first, then what ``fields_used`` says this model's pull reads on this server."""
        optional = [name for name in PULL_OPTIONAL.get(self.model, {}) if gateway.has_field(self.model, name)]
        return list(dict.fromkeys(["write_date", *pull_fields(gateway.dialect.series, self.model), *optional]))


def pull_model(
    *,
    tenant: Tenant,
    gateway: OdooGateway,
    spec: PullSpec,
    page_size: int | None = None,
    overlap_seconds: int | None = None,
    full: bool = False,
) -> PullResult:
    """Read the rows of ``spec.model`` changed since its cursor, a page of ``page_size`` at a time, hand
    each page to ``spec.upsert`` and move the cursor on. ``full`` reads everything (nightly).

    Raises the gateway's errors (``OdooTransientError``, ``OdooPermanentError``); the cursor then stays
    where it was, and the pages already written are only written again if they changed.
    """
    page_size = page_size or settings.PORTAL_PULL_PAGE_SIZE
    overlap = settings.PORTAL_PULL_OVERLAP_SECONDS if overlap_seconds is None else overlap_seconds
    cursor, _ = PullCursor.objects.get_or_create(tenant=tenant, model=spec.model)
    # "First" is the backlog of a tenant never pulled before, not a full re-read of one that was: what a
    # full pull finds new (a PO published, a receipt done, that the incremental pulls missed) is news.
    first = not cursor.write_date
    if full:
        cursor.write_date = ""
    result = PullResult(model=spec.model, cursor=cursor.write_date, full=full, first=first)
    base_domain = spec.domain(tenant) if callable(spec.domain) else spec.domain
    newest = cursor.write_date
    pages = _pages(
        gateway,
        spec.model,
        base_domain,
        spec.fields(gateway),
        start=_window_start(cursor, overlap),
        page_size=page_size,
        result=result,
    )
    for rows in pages:
        spec.upsert(tenant, gateway, rows, result)
        newest = max(newest or "", *(row["write_date"] or "" for row in rows))
    cursor_save(cursor, newest or "", result)
    return result


def _window_start(cursor: PullCursor, overlap: int) -> str | None:
    """Where the scan starts: nowhere (everything) without a cursor, else ``overlap`` seconds before it."""
    if not cursor.write_date:
        return None
    if cursor.reached_at and timezone.now() - cursor.reached_at > timedelta(seconds=overlap):
        # ``overlap`` seconds since this cursor was first seen: every transaction that wrote up to it has
        # committed (none lasts longer), so only newer rows are read. Without this, a quiet system would
        # re-read the last ``overlap`` seconds before the cursor on every poll (10,000 rows after an import).
        return _shift(cursor.write_date, 1)
    return _shift(cursor.write_date, -overlap)


def _pages(
    gateway: OdooGateway,
    model: str,
    base_domain: list,
    fields: list[str],
    *,
    start: str | None,
    page_size: int,
    result: PullResult,
) -> Iterator[list[dict]]:
    """The changed rows from ``start`` on, page by page (each page is written before the next is read).

    Phase "scan" reads by (write_date, id) from ``start``. When a page is full, the second it ends in
    may be half read, and Odoo orders within a second by the precise write_date, not by id, so an id
    keyset inside it would skip rows. That second is then drained on its own, ordered by id, from its
    first row (re-reading a few is harmless: they are de-duplicated).
    """
    draining: str | None = None
    last_id = 0
    while True:
        if draining:
            following = _shift(draining, 1)
            domain = [["write_date", ">=", draining], ["write_date", "<", following], ["id", ">", last_id]]
            order = "id asc"
        else:
            domain = [["write_date", ">=", start]] if start else []
            order = "write_date asc, id asc"
        rows = gateway.search_read(model, base_domain + domain, fields, order=order, limit=page_size)
        result.calls += 1
        result.rows_seen += len(rows)
        if rows:
            yield rows
        if draining:
            if len(rows) < page_size:
                start, draining = _shift(draining, 1), None  # that second is done; scan on
                continue
            last_id = rows[-1]["id"]
        elif len(rows) < page_size:
            return
        else:
            draining, last_id = rows[-1]["write_date"], 0


def cursor_save(cursor: PullCursor, newest: str, result: PullResult) -> None:
    """Move ``cursor`` to ``newest`` (Odoo write_date text) with what ``result`` cost; marks it healthy."""
    if newest != cursor.write_date or cursor.reached_at is None:
        cursor.reached_at = timezone.now()
    cursor.write_date = newest
    cursor.last_success_at = timezone.now()
    cursor.last_error = ""
    cursor.last_calls = result.calls
    cursor.last_rows = result.rows_written
    cursor.save()
    result.cursor = cursor.write_date


def fingerprint(row: dict) -> str:
    """A digest of a row as Odoo returned it (write_date included): equal digests, nothing to write."""
    return hashlib.sha1(json.dumps(row, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


def changed_rows(held: dict[int, str], rows: list[dict], result: PullResult) -> list[dict]:
    """Rows the mirror does not hold as they are now (``held``: odoo_id -> fingerprint); a full pull
    takes them all. The overlap window re-reads the rest."""
    if result.full:
        return rows
    return [row for row in rows if held.get(row["id"]) != fingerprint(row)]
