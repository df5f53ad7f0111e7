"""Sync monitor and exception queue, for the tenant's integration admins."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View
from django.views.generic import ListView, TemplateView

from integrations.models import EventStatus, OutboxEvent
from integrations.selectors import ADMINS, dead_event_list, event_get, open_drift_list, sync_overview
from integrations.services.exceptions import outbox_cancel, outbox_replay
from integrations.services.reconcile import drift_accept, drift_resend
from portal.views.mixins import TenantViewMixin


def _valid_ids(values: list[str]) -> list[str]:
    """Event ids from a form; anything that is not a UUID is dropped (it can match nothing)."""
    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


def _record_link(event: OutboxEvent) -> str | None:
    from django.urls import reverse

    if event.aggregate_type == "suppliers.purchaseorder":
        return reverse("po_detail", args=[event.tenant.slug, int(event.aggregate_id)])
    if event.aggregate_type == "suppliers.asn":
        return reverse("asn_detail", args=[event.tenant.slug, int(event.aggregate_id)])
    return None


class SyncMonitorView(TenantViewMixin, TemplateView):
    template_name = "integrations/sync_monitor.html"
    allowed_roles = ADMINS
    nav_key = "sync"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(sync_overview(membership=self.membership))
        return context


class ExceptionQueueView(TenantViewMixin, ListView):
    template_name = "integrations/exception_queue.html"
    allowed_roles = ADMINS
    context_object_name = "events"
    paginate_by = 50
    nav_key = "sync"

    def get_queryset(self):
        return dead_event_list(
            membership=self.membership,
            topic=self.request.GET.get("topic", ""),
            reason=self.request.GET.get("reason", ""),
        ).select_related("tenant")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for event in context["events"]:
            event.record_url = _record_link(event)
        context["topics"] = sorted(set(dead_event_list(membership=self.membership).values_list("topic", flat=True)))
        context["drifts"] = open_drift_list(membership=self.membership)
        return context

    def post(self, request, *args, **kwargs):
        ids = _valid_ids(request.POST.getlist("event"))
        action = request.POST.get("action")
        if not ids:
            messages.error(request, "Tick the events to replay or cancel first.")
        elif action == "replay":
            count = outbox_replay(actor=self.membership, event_ids=ids)
            messages.success(
                request,
                f"{count} event{'s' if count != 1 else ''} sent again; they leave this list once Odoo has them.",
            )
        elif action == "cancel":
            try:
                count = outbox_cancel(actor=self.membership, event_ids=ids, reason=request.POST.get("reason", ""))
                messages.success(
                    request, f"{count} event{'s' if count != 1 else ''} cancelled; Odoo will not get them."
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return redirect("sync_exceptions", self.membership.tenant.slug)


class EventDetailView(TenantViewMixin, TemplateView):
    """One event: what it carries, why it failed; correct the payload and replay."""

    template_name = "integrations/event_detail.html"
    allowed_roles = ADMINS
    nav_key = "sync"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = event_get(membership=self.membership, event_id=str(self.kwargs["pk"]))
        event.record_url = _record_link(event)
        context["event"] = event
        context["drifts"] = event.drifts.filter(resolved_at__isnull=True)
        context.setdefault("payload_text", json.dumps(event.payload, indent=2, ensure_ascii=False))
        return context

    def post(self, request, *args, **kwargs):
        event = event_get(membership=self.membership, event_id=str(kwargs["pk"]))
        text = request.POST.get("payload", "")
        try:
            payload = json.loads(text)
            if not isinstance(payload, dict):
                raise ValueError("the payload must be a JSON object")
        except ValueError as exc:
            context = self.get_context_data(payload_text=text, payload_error=f"Not valid JSON: {exc}")
            return self.render_to_response(context, status=400)
        if event.status != EventStatus.DEAD:
            context = self.get_context_data(payload_text=text, payload_error="Only a failed event can be sent again.")
            return self.render_to_response(context, status=400)
        changed = payload != event.payload
        outbox_replay(actor=self.membership, event_ids=[event.pk], payload=payload if changed else None)
        messages.success(request, f"Event sent again{' with the corrected payload' if changed else ''}.")
        return redirect("sync_event", self.membership.tenant.slug, event.pk)


class DriftActionView(TenantViewMixin, View):
    """Send a drifted event again, or accept Odoo's state with a reason."""

    allowed_roles = ADMINS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from django.http import Http404

        from integrations.models import SyncDrift

        if not open_drift_list(membership=self.membership).filter(pk=kwargs["pk"]).exists():
            raise Http404()
        try:
            if request.POST.get("action") == "resend":
                drift_resend(actor=self.membership, drift_id=kwargs["pk"])
                messages.success(request, "Sent again; the drift closes when Odoo has it.")
            else:
                drift_accept(actor=self.membership, drift_id=kwargs["pk"], note=request.POST.get("note", ""))
                messages.success(request, "Drift closed; Odoo's state stands.")
        except SyncDrift.DoesNotExist as exc:
            raise Http404() from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("sync_exceptions", self.membership.tenant.slug)
