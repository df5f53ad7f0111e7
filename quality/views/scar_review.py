"""The quality engineer's step page: the supplier's current answer (structured fields rendered readably),
its evidence files, every version (who, when, what changed), and the forms that accept the step or send it
back (a comment required), and change its due date. An evidence file is served through the same scope.

Quality engineers and tenant admins; buyers read the step without the forms (``ScarStaffMixin``). A SCAR or
step outside the member's scope answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal import l10n
from portal.dates import tenant_today
from portal.services.errors import error_messages
from portal.stored_files import stored_file_response
from quality.models import STEP_CODES, Scar, ScarStep
from quality.scar_display import answer_blocks, versions_with_changes
from quality.scar_forms import DueDateForm, ReviewForm
from quality.scar_selectors import step_get
from quality.services.scars import scar_step_accept, scar_step_due_set, scar_step_send_back

from .scar_list import ScarStaffMixin

MAX_VERSIONS_SHOWN = 50


def step_for(membership, scar_pk: int, code: str) -> ScarStep:
    """The step ``code`` of a SCAR in the member's scope; 404 for anything else (an unknown code too)."""
    if code not in STEP_CODES:
        raise Http404()
    return step_get(membership, scar_pk, code)


def step_context(step: ScarStep) -> dict:
    """The step's answers, newest first with what each changed, the current one as blocks, its evidence."""
    answers = list(step.answers.select_related("author").order_by("version")[:MAX_VERSIONS_SHOWN])
    current = answers[-1] if answers else None
    return {
        "step": step,
        "scar": step.scar,
        "current": current,
        "blocks": answer_blocks(step.code, current.content) if current else [],
        "versions": versions_with_changes(step.code, answers),
        "evidence": list(step.evidence.select_related("uploaded_by").order_by("uploaded_at", "id")),
    }


class ScarStepView(ScarStaffMixin, TemplateView):
    """GET the step; POST ``action=review`` (``decision`` accept or send_back, ``comment``) or
    ``action=due`` (``due_date``)."""

    template_name = "quality/scars/step.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        step = kwargs.get("step") or step_for(self.membership, self.kwargs["pk"], self.kwargs["code"])
        context.update(step_context(step))
        current = context["current"]
        context["review_form"] = kwargs.get("review_form") or ReviewForm(
            initial={"version": current.version if current else None}
        )
        context["due_form"] = kwargs.get("due_form") or DueDateForm(initial={"due_date": step.due_date.isoformat()})
        scar_open = step.scar.status == Scar.Status.OPEN
        context["overdue"] = (
            scar_open
            and step.status in ScarStep.WAITING_SUPPLIER
            and step.due_date < tenant_today(self.membership.tenant)
        )
        context["scar_open"] = scar_open and self.can_work  # what shows the review and due date forms
        return context

    def post(self, request, *args, **kwargs):
        step = step_for(self.membership, self.kwargs["pk"], self.kwargs["code"])
        action = request.POST.get("action")
        if action == "review":
            return self._review(request, step)
        if action == "due":
            return self._due(request, step)
        raise Http404()

    def _review(self, request, step: ScarStep):
        form = ReviewForm(request.POST)
        if form.is_valid():
            comment = form.cleaned_data["comment"].strip()
            accept = form.cleaned_data["decision"] == "accept"
            review = scar_step_accept if accept else scar_step_send_back
            try:
                step = review(
                    membership=self.membership, step=step, comment=comment, version=form.cleaned_data["version"]
                )
            except ValidationError as exc:
                form = _again(form, step)
                form.add_error(None, _joined(exc))
            else:
                messages.success(request, _reviewed(step, accept))
                return redirect("scar_detail", self.membership.tenant.slug, step.scar_id)
        elif "version" in form.errors:
            form = _again(form, step)
            form.add_error(None, _("The page did not say which answer version you reviewed: read the answer again."))
        return self.render_to_response(self.get_context_data(step=step, review_form=form), status=400)

    def _due(self, request, step: ScarStep):
        form = DueDateForm(request.POST)
        if form.is_valid():
            try:
                step = scar_step_due_set(membership=self.membership, step=step, due_date=form.cleaned_data["due_date"])
            except ValidationError as exc:
                form.add_error("due_date" if "due_date" in error_messages(exc) else None, _joined(exc))
            else:
                messages.success(
                    request,
                    _("%(scar)s %(step)s is now due %(due)s.")
                    % {"scar": step.scar.number, "step": step.code, "due": l10n.day(step.due_date)},
                )
                return redirect("scar_step", self.membership.tenant.slug, step.scar_id, step.code)
        return self.render_to_response(self.get_context_data(step=step, due_form=form), status=400)


def _again(form: ReviewForm, step: ScarStep) -> ReviewForm:
    """The review form as posted (the comment kept) but naming the version the page shows now, so the next
    review is of what the reviewer has in front of them."""
    data = form.data.copy()
    latest = max((a.version for a in step.answers.all()), default=None)
    data["version"] = "" if latest is None else str(latest)
    again = ReviewForm(data)
    again.is_valid()
    return again


def _joined(exc: ValidationError) -> str:
    return " ".join(error_messages(exc).values())


def _reviewed(step: ScarStep, accepted: bool) -> str:
    scar = step.scar
    if not accepted:
        return _("%(scar)s %(step)s sent back to %(partner)s with your comment; they answer it again.") % {
            "scar": scar.number,
            "step": step.code,
            "partner": scar.partner.name,
        }
    if scar.status == Scar.Status.VERIFYING:
        return _("%(scar)s %(step)s accepted: every step is done and the effectiveness check has started.") % {
            "scar": scar.number,
            "step": step.code,
        }
    return _("%(scar)s %(step)s accepted; a note goes to the supplier's record in Odoo.") % {
        "scar": scar.number,
        "step": step.code,
    }


class ScarEvidenceView(ScarStaffMixin, View):
    """GET one evidence file of a step (scoped like the step); a file gone from storage is a 404."""

    def get(self, request, *args, **kwargs):
        return evidence_response(self.membership, kwargs)


def evidence_response(membership, kwargs: dict):
    """One evidence file of a step the member may read (``pk``, ``code``, ``file_id``); anything else 404."""
    step = step_for(membership, kwargs["pk"], kwargs["code"])
    item = step.evidence.filter(pk=kwargs["file_id"]).first()
    if item is None:
        raise Http404()
    return stored_file_response(item.file, content_type=item.content_type, filename=item.name)
