"""The quality engineer's SCAR page: the header (number, partner, product, state, NCRs, defect codes, the
effectiveness check while verifying, the reopen reason), the eight steps with their status and due date, the
cancel form and the 8D PDF link. POST ``cancel`` cancels with a reason (``scar_cancel``).

Quality engineers and tenant admins; buyers read it without the cancel form (``ScarStaffMixin``). A SCAR
outside the member's scope answers 404 (``scar_get``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal.dates import tenant_today
from portal.services.errors import error_messages
from quality.models import Scar, ScarStep
from quality.scar_forms import CancelForm
from quality.scar_selectors import scar_get
from quality.services.scar_states import verification_progress
from quality.services.scars import scar_cancel

from .scar_list import ScarStaffMixin


def step_rows(scar: Scar, today) -> list[ScarStep]:
    """The SCAR's steps in order, each marked ``overdue`` when it waits for the supplier past its due date."""
    steps = list(scar.steps.order_by("code"))
    for step in steps:
        step.overdue = (
            scar.status == Scar.Status.OPEN and step.status in ScarStep.WAITING_SUPPLIER and step.due_date < today
        )
    return steps


def scar_header(scar: Scar) -> dict:
    """What the header of both SCAR pages reads: NCRs, defect codes, and the check while verifying."""
    return {
        "ncrs": list(scar.ncrs.select_related("product").order_by("created_at")),
        "defect_codes": list(scar.defect_codes.order_by("code")),
        "progress": verification_progress(scar) if scar.status == Scar.Status.VERIFYING else None,
    }


class ScarDetailView(ScarStaffMixin, TemplateView):
    """One SCAR for the engineer; POST ``action=cancel`` with ``reason``."""

    template_name = "quality/scars/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scar = kwargs.get("scar") or scar_get(self.membership, self.kwargs["pk"])
        today = tenant_today(self.membership.tenant)
        context.update(scar=scar, steps=step_rows(scar, today), **scar_header(scar))
        context.setdefault("cancel_form", kwargs.get("cancel_form") or CancelForm())
        context["open"] = scar.status in Scar.OPEN_STATUSES and self.can_work  # "open": the cancel form shows
        return context

    def post(self, request, *args, **kwargs):
        scar = scar_get(self.membership, self.kwargs["pk"])
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                scar_cancel(membership=self.membership, scar=scar, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, " ".join(error_messages(exc).values()))
            else:
                messages.success(
                    request,
                    _("%(scar)s cancelled; %(partner)s no longer has steps to answer.")
                    % {"scar": scar.number, "partner": scar.partner.name},
                )
                return redirect("scar_detail", self.membership.tenant.slug, scar.pk)
        return self.render_to_response(self.get_context_data(scar=scar, cancel_form=form), status=400)
