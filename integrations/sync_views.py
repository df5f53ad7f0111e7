"""Sync monitor and exception queue, for the tenant's integration admins."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import ListView, TemplateView

from integrations.handoffs_selectors import handoff_overview
from integrations.models import EventStatus
from integrations.selectors import (
    ADMINS,
    dead_event_list,
    event_get,
    open_drift_list,
    open_hold_drift_list,
    sync_overview,
)
from integrations.services.exceptions import outbox_cancel, outbox_replay
from integrations.services.holds import hold_drift_accept
from integrations.services.reconcile import drift_accept, drift_resend
from integrations.services.retention import kept_days
from portal.api.parsers import json_loads_bounded
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


def attach_record_urls(items: Iterable, *, tenant_id: int) -> None:
    """Set ``record_url`` on each of ``items`` (outbox events, or anything with ``aggregate_type`` and
    ``aggregate_id``): the page of the record it belongs to, or None.

    The record answers for itself (its model's ``get_absolute_url``), so a new app's records link
    without a change here; records of the tenant only, one query per kind of record. A kind without a
    page, or a record since deleted, gets no link.
    """
    items = list(items)
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in items:
        wanted[item.aggregate_type].add(item.aggregate_id)
    urls: dict[tuple[str, str], str] = {}
    for aggregate_type, ids in wanted.items():
        try:
            model = apps.get_model(aggregate_type)
        except (LookupError, ValueError):
            continue
        if not hasattr(model, "get_absolute_url"):
            continue
        records = model._default_manager.filter(pk__in=_pks(model, ids))
        if any(f.name == "tenant" and f.is_relation for f in model._meta.get_fields()):
            # get_absolute_url puts the tenant's slug in the URL: loaded with the records, not one by one.
            records = records.filter(tenant_id=tenant_id).select_related("tenant")
        for record in records:
            urls[(aggregate_type, str(record.pk))] = record.get_absolute_url()
    for item in items:
        item.record_url = urls.get((item.aggregate_type, item.aggregate_id))


def _pks(model, ids: set[str]) -> list:
    """The ids that are valid primary keys of ``model`` (an edited or foreign id matches nothing)."""
    pks = []
    for value in ids:
        try:
            pks.append(model._meta.pk.to_python(value))
        except ValidationError:
            continue
    return pks


class SyncMonitorView(TenantViewMixin, TemplateView):
    template_name = "integrations/sync_monitor.html"
    allowed_roles = ADMINS
    nav_key = "sync"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(sync_overview(membership=self.membership))
        context["retention_days"] = kept_days()  # what the clean-up keeps; what it removed is on breaker_state
        context.update(handoff_overview(membership=self.membership))  # reactions to the pull's hand-offs
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
        attach_record_urls(context["events"], tenant_id=self.membership.tenant_id)
        context["topics"] = sorted(set(dead_event_list(membership=self.membership).values_list("topic", flat=True)))
        context["drifts"] = open_drift_list(membership=self.membership)
        context["hold_drifts"] = open_hold_drift_list(membership=self.membership)
        return context

    def post(self, request, *args, **kwargs):
        ids = _valid_ids(request.POST.getlist("event"))
        action = request.POST.get("action")
        if not ids:
            messages.error(request, _("Tick the events to replay or cancel first."))
        elif action == "replay":
            count = outbox_replay(actor=self.membership, event_ids=ids)
            messages.success(
                request,
                ngettext(
                    "%(count)d event sent again; it leaves this list once Odoo has it.",
                    "%(count)d events sent again; they leave this list once Odoo has them.",
                    count,
                )
                % {"count": count},
            )
        elif action == "cancel":
            try:
                count = outbox_cancel(actor=self.membership, event_ids=ids, reason=request.POST.get("reason", ""))
                messages.success(
                    request,
                    ngettext(
                        "%(count)d event cancelled; Odoo will not get it.",
                        "%(count)d events cancelled; Odoo will not get them.",
                        count,
                    )
                    % {"count": count},
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
        attach_record_urls([event], tenant_id=self.membership.tenant_id)
        context["event"] = event
        context["drifts"] = event.drifts.filter(resolved_at__isnull=True)
        context.setdefault("payload_text", json.dumps(event.payload, indent=2, ensure_ascii=False))
        return context

    def post(self, request, *args, **kwargs):
        event = event_get(membership=self.membership, event_id=str(kwargs["pk"]))
        text = request.POST.get("payload", "")
        try:
            payload = json_loads_bounded(text)  # a 400, not a RecursionError, for [[[[…
            if not isinstance(payload, dict):
                raise ValueError("the payload must be a JSON object")
        except ValueError as exc:
            context = self.get_context_data(
                payload_text=text, payload_error=_("Not valid JSON: %(error)s") % {"error": exc}
            )
            return self.render_to_response(context, status=400)
        if event.status != EventStatus.DEAD:
            context = self.get_context_data(
                payload_text=text, payload_error=_("Only a failed event can be sent again.")
            )
            return self.render_to_response(context, status=400)
        changed = payload != event.payload
        outbox_replay(actor=self.membership, event_ids=[event.pk], payload=payload if changed else None)
        messages.success(
            request, _("Event sent again with the corrected payload.") if changed else _("Event sent again.")
        )
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
                messages.success(request, _("Sent again; the drift closes when Odoo has it."))
            else:
                drift_accept(actor=self.membership, drift_id=kwargs["pk"], note=request.POST.get("note", ""))
                messages.success(request, _("Drift closed; Odoo's state stands."))
        except SyncDrift.DoesNotExist as exc:
            raise Http404() from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("sync_exceptions", self.membership.tenant.slug)


class HoldDriftAcceptView(TenantViewMixin, View):
    """Accept held stock found usable in Odoo where it is, with a reason (tenant admins; audited)."""

    allowed_roles = ADMINS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            hold_drift_accept(membership=self.membership, drift_id=kwargs["pk"], reason=request.POST.get("reason", ""))
            messages.success(request, _("Accepted: the stock stays where it is, and the check leaves this lot alone."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("sync_exceptions", self.membership.tenant.slug)


# --- Hand-offs (integrations.handoffs): retrying a reaction that used up its attempts ---------------
class HandoffRetryView(TenantViewMixin, View):
    """Run failed reactions to the pull's hand-offs again (tenant admins; each retry is audited)."""

    allowed_roles = ADMINS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from integrations.services.handoffs import handoff_retry

        # Row ids: ASCII digits only (str.isdigit takes other scripts' digits), within a bigint.
        values = request.POST.getlist("reaction")[:500]
        ids = [int(v) for v in values if v.isascii() and v.isdecimal() and len(v) <= 18]
        if not ids:
            messages.error(request, _("Tick the reactions to run again first."))
        else:
            count = handoff_retry(actor=self.membership, reaction_ids=ids)
            messages.success(
                request,
                ngettext(
                    "%(count)d reaction to run again; it leaves the list once done.",
                    "%(count)d reactions to run again; they leave the list once done.",
                    count,
                )
                % {"count": count},
            )
        return redirect("sync_monitor", self.membership.tenant.slug)
