"""/metrics: the sync engine's figures in Prometheus text format, computed at scrape time."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from integrations.models import EventStatus, HoldDrift, OutboxEvent, PullCursor, SyncDrift, TenantSyncState
from integrations.services.delivery import BREAKER_WAIT

# Gauges the apps add (quality's held lots, say), each ``fn(now)`` yielding metric families; the
# core's own come first. Registered from ``AppConfig.ready()``, as the monitor's cards are.
_APP_METRICS: list[Callable[[datetime], Iterable[GaugeMetricFamily]]] = []


def metrics_register(fn: Callable[[datetime], Iterable[GaugeMetricFamily]]) -> None:
    """Add ``fn(now)``, which yields an app's ``GaugeMetricFamily`` objects at each scrape (once per function)."""
    if fn not in _APP_METRICS:
        _APP_METRICS.append(fn)


class SyncCollector:
    """The sync engine's gauges, read from the database at each scrape (one query or two per family)."""

    def collect(self):
        now = timezone.now()
        yield _events()
        yield from _outbox_progress(now)
        yield _waiting_for_odoo()
        yield _breakers(now)
        yield _open_drift()
        yield _open_hold_drift()
        yield _pull_ages(now)
        for fn in _APP_METRICS:
            yield from fn(now)


def _events() -> GaugeMetricFamily:
    events = GaugeMetricFamily(
        "portal_outbox_events", "Outbox events by status", labels=["tenant", "lane", "topic", "status"]
    )
    for row in OutboxEvent.objects.values("tenant__slug", "lane", "topic", "status").annotate(n=Count("pk")):
        events.add_metric([row["tenant__slug"], row["lane"], row["topic"], row["status"]], row["n"])
    return events


def _outbox_progress(now: datetime) -> list[GaugeMetricFamily]:
    """The oldest undelivered event's age (seconds) per tenant and lane, and the events delivered and
    failed for good in the hour before ``now``."""
    hour_ago = now - timedelta(hours=1)
    oldest = GaugeMetricFamily(
        "portal_outbox_oldest_pending_seconds", "Age of the oldest undelivered event", labels=["tenant", "lane"]
    )
    hourly_done = GaugeMetricFamily(
        "portal_outbox_delivered_last_hour", "Events delivered in the last hour", labels=["tenant", "lane", "topic"]
    )
    hourly_dead = GaugeMetricFamily(
        "portal_outbox_failed_last_hour",
        "Events failed for good in the last hour",
        labels=["tenant", "lane", "topic"],
    )
    for row in OutboxEvent.objects.values("tenant__slug", "lane").annotate(
        first=Min("created_at", filter=Q(status__in=[EventStatus.PENDING, EventStatus.IN_FLIGHT]))
    ):
        oldest.add_metric(
            [row["tenant__slug"], row["lane"]], (now - row["first"]).total_seconds() if row["first"] else 0.0
        )
    for row in OutboxEvent.objects.values("tenant__slug", "lane", "topic").annotate(
        done=Count("pk", filter=Q(status=EventStatus.DONE, delivered_at__gte=hour_ago)),
        dead=Count("pk", filter=Q(status=EventStatus.DEAD, updated_at__gte=hour_ago)),
    ):
        labels = [row["tenant__slug"], row["lane"], row["topic"]]
        hourly_done.add_metric(labels, row["done"])
        hourly_dead.add_metric(labels, row["dead"])
    return [oldest, hourly_done, hourly_dead]


def _waiting_for_odoo() -> GaugeMetricFamily:
    waiting = GaugeMetricFamily(
        "portal_outbox_waiting_for_odoo", "Events held while the breaker is open", labels=["tenant"]
    )
    for row in (
        OutboxEvent.objects.filter(status=EventStatus.PENDING, last_error_class=BREAKER_WAIT)
        .values("tenant__slug")
        .annotate(n=Count("pk"))
    ):
        waiting.add_metric([row["tenant__slug"]], row["n"])
    return waiting


def _breakers(now: datetime) -> GaugeMetricFamily:
    breaker = GaugeMetricFamily("portal_odoo_breaker_open", "1 while the tenant's breaker is open", labels=["tenant"])
    for state in TenantSyncState.objects.select_related("tenant"):
        breaker.add_metric([state.tenant.slug], 1.0 if state.open_until and state.open_until > now else 0.0)
    return breaker


def _open_drift() -> GaugeMetricFamily:
    drift = GaugeMetricFamily("portal_sync_drift_open", "Unresolved drift found by reconciliation", labels=["tenant"])
    for row in SyncDrift.objects.filter(resolved_at__isnull=True).values("tenant__slug").annotate(n=Count("pk")):
        drift.add_metric([row["tenant__slug"]], row["n"])
    return drift


def _open_hold_drift() -> GaugeMetricFamily:
    drift = GaugeMetricFamily(
        "portal_hold_drift_open", "Held stock found usable in Odoo by the hold check, unresolved", labels=["tenant"]
    )
    for row in HoldDrift.objects.filter(resolved_at__isnull=True).values("tenant__slug").annotate(n=Count("pk")):
        drift.add_metric([row["tenant__slug"]], row["n"])
    return drift


def _pull_ages(now: datetime) -> GaugeMetricFamily:
    pulls = GaugeMetricFamily(
        "portal_pull_last_success_age_seconds", "Seconds since the last successful pull", labels=["tenant", "model"]
    )
    for cursor in PullCursor.objects.select_related("tenant").exclude(last_success_at=None):
        pulls.add_metric([cursor.tenant.slug, cursor.model], (now - cursor.last_success_at).total_seconds())
    return pulls


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape target: a bearer token when PORTAL_METRICS_TOKEN is set, else loopback only."""
    token = settings.PORTAL_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given, token):
            return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    elif request.META.get("REMOTE_ADDR") not in ("127.0.0.1", "::1"):
        return HttpResponse(
            "metrics are served to loopback only; set PORTAL_METRICS_TOKEN\n", status=403, content_type="text/plain"
        )
    registry = CollectorRegistry()
    registry.register(SyncCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
