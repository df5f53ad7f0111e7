"""The switching pages of the quality engineer (and the tenant admin): every partner + product's ISO 2859-1
state, discontinued first; one pair's state with its history, counters and skip-lot setting, where
inspection is reinstated, restarted or set to skip lots.

Thin: reads through ``switching_states_visible``/``switching_state_get`` (the member's partner scope),
every change through ``quality.services.switching``. Anyone else, and a pair outside the scope, gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView, TemplateView

from portal.views.mixins import TenantViewMixin
from quality.models import Inspection, Severity
from quality.services import switching
from quality.services.scars import ENGINEER_ROLES as SCAR_ISSUERS
from quality.switching_forms import ReinstateForm, ResetForm, SkipLotForm

HISTORY_SHOWN = 200


class SwitchingPageMixin(TenantViewMixin):
    allowed_roles = switching.SWITCHING_EDITORS
    nav_key = "plans"


class SwitchingListView(SwitchingPageMixin, ListView):
    """The states the member may read, discontinued first; ``?severity=`` shows one severity only."""

    template_name = "quality/switching/list.html"
    context_object_name = "states"
    paginate_by = 50

    def get_queryset(self):
        states = switching.switching_states_visible(self.membership)
        self.severity = self.request.GET.get("severity", "")
        if self.severity in Severity.values:
            states = states.filter(severity=self.severity)
        else:
            self.severity = ""
        return states

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(severity=self.severity, severities=Severity.choices)
        return context


FORMS = {"reinstate": ReinstateForm, "reset": ResetForm, "skip_lot": SkipLotForm}


class SwitchingDetailView(SwitchingPageMixin, TemplateView):
    """One partner + product: state, counters, skip-lot, history; POST ``action`` = reinstate, reset or skip_lot."""

    template_name = "quality/switching/detail.html"

    def state(self):
        return switching.switching_state_get(
            membership=self.membership, partner_id=self.kwargs["partner_id"], product_id=self.kwargs["product_id"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = kwargs.get("state") or self.state()
        forms = {name: kwargs.get(f"{name}_form") or form() for name, form in FORMS.items()}
        forms["skip_lot"].initial.setdefault("every", state.skip_every or 3)
        held = Inspection.objects.visible_to(self.membership).filter(
            partner_id=state.partner_id, product_id=state.product_id, status=Inspection.Status.DISCONTINUED
        )
        context.update(
            state=state,
            recent=["A" if accepted else "R" for accepted in state.recent],
            events=list(state.events.select_related("inspection")[:HISTORY_SHOWN]),
            held=held.count(),
            scar_from=self._scar_from(state, held),
            skip_lot_refusal=switching.skip_lot_refusal(state) if not state.skip_every else None,
            qualifying_lots=switching.QUALIFYING_LOTS,
            **{f"{name}_form": form for name, form in forms.items()},
        )
        return context

    def _scar_from(self, state, held):
        """The lot a SCAR for a discontinued pair is issued from: the signed lot that discontinued it, else a held
        one (None unless discontinued and the member may issue SCARs)."""
        if state.severity != Severity.DISCONTINUED or self.membership.role not in SCAR_ISSUERS:
            return None
        event = state.events.filter(to_severity=Severity.DISCONTINUED, inspection__isnull=False).first()
        return event.inspection if event else held.first()

    def post(self, request, tenant_slug, partner_id, product_id):
        state = self.state()  # 404 before anything else
        action = request.POST.get("action", "")
        if action not in FORMS:
            messages.error(request, _("Choose what to do: reinstate, restart or skip-lot."))
            return redirect("switching_detail", tenant_slug, partner_id, product_id)
        form = FORMS[action](request.POST)
        if form.is_valid():
            try:
                done = self._act(action, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)  # keyed errors land on the form's own fields (reason, every, severity)
            else:
                messages.success(request, done)
                return redirect("switching_detail", tenant_slug, partner_id, product_id)
        context = self.get_context_data(state=state, **{f"{action}_form": form})
        # Also at the top: the form that was posted may not be on the page any more (reinstated meanwhile).
        context["refused"] = [message for messages_ in form.errors.values() for message in messages_]
        return self.render_to_response(context, status=422)

    def _act(self, action: str, data: dict) -> str:
        """Call the service; answers the message for the page."""
        pair = {
            "membership": self.membership,
            "partner_id": self.kwargs["partner_id"],
            "product_id": self.kwargs["product_id"],
        }
        if action == "reinstate":
            _state, released = switching.switching_reinstate(**pair, reason=data["reason"])
            return ngettext(
                "Inspection reinstated at tightened inspection; %(count)s held lot now waits for an inspector.",
                "Inspection reinstated at tightened inspection; %(count)s held lots now wait for an inspector.",
                len(released),
            ) % {"count": len(released)}
        if action == "reset":
            state = switching.switching_reset(**pair, severity=data["severity"], reason=data["reason"])
            return _("The scheme restarts at this inspection: %(severity)s.") % {
                "severity": state.get_severity_display()
            }
        state = switching.skip_lot_set(**pair, every=data["every"])
        if state.skip_every:
            return _("Skip-lot on: 1 lot in %(every)s is inspected.") % {"every": state.skip_every}
        return _("Skip-lot off: every lot is inspected.")
