"""The supplier's "Corrective actions": its SCARs with the next step and its due date first, one SCAR (its
steps, what is asked next, the D2 text prefilled from the NCRs, the NCRs' summaries), the step form (tablet
first: one column, large controls, files from the camera) and the evidence files it attached.

Supplier roles only (``SUPPLIER_ROLES``); supplier users answer, the partner's other roles read; a closed or
cancelled SCAR is read-only. Staff, other partners and other tenants get 404. What a supplier must not see
(internal notes, costs unless the tenant shares them, approvals, files not shared) is never read here:
the NCR summaries name their number, title, product, severity, defect codes, lots and shared files only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from portal.dates import tenant_today
from portal.models import SUPPLIER_ROLES
from portal.services.errors import error_messages
from portal.stored_files import stored_file_response
from portal.views.mixins import TenantViewMixin
from quality.models import NcrFile, Scar, ScarStep, quality_rules_for
from quality.scar_content import EVIDENCE_REQUIRED
from quality.scar_forms import StepAnswerForm
from quality.scar_selectors import scar_get, supplier_scars
from quality.services.scar_answers import scar_evidence_add, scar_step_answer, step_content_errors
from quality.services.scars import scar_d2_prefill, suspect_asns

from .scar_detail import step_rows
from .scar_review import evidence_response, step_context, step_for

NAV_KEY = "corrective_actions"
# Who answers a step: the partner's supplier users and admins (the service checks the same again).
ANSWERERS = SUPPLIER_ROLES
MAX_ASNS_LISTED = 50
EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.xlsx,.docx,.txt,.csv,application/pdf,image/png,image/jpeg"


class SupplierScarMixin(TenantViewMixin):
    allowed_roles = SUPPLIER_ROLES
    nav_key = NAV_KEY


def next_step(scar: Scar) -> ScarStep | None:
    """The step the supplier should answer next: the waiting one due first (lowest code on a tie)."""
    waiting = [s for s in scar.step_list if s.status in ScarStep.WAITING_SUPPLIER]
    return min(waiting, key=lambda s: (s.due_date, s.code)) if waiting and scar.status == Scar.Status.OPEN else None


class SupplierScarListView(SupplierScarMixin, ListView):
    """The partner's SCARs: open ones by their next due date, then the rest, newest first."""

    template_name = "quality/supplier_scars/list.html"
    context_object_name = "scars"
    paginate_by = 25

    def get_queryset(self):
        steps = Prefetch("steps", queryset=ScarStep.objects.order_by("code"), to_attr="step_list")
        return supplier_scars(self.membership).prefetch_related(steps)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = tenant_today(self.membership.tenant)
        rows = list(context["scars"])
        for scar in rows:
            scar.next = next_step(scar)
            scar.overdue = scar.next is not None and scar.next.due_date < today
        context["scars"] = rows
        return context


def ncr_summaries(scar: Scar, membership) -> list[dict]:
    """The SCAR's NCRs as the supplier reads them: no description, notes, approvals or unshared files;
    the files the engineer shared with the supplier (``files``: ``NcrFile`` rows, served by
    ``SupplierNcrFileView``); the cost only when the tenant shares costs (``QualityRules.share_costs``)."""
    share_costs = quality_rules_for(membership.tenant).share_costs
    shared = Prefetch("files", queryset=NcrFile.objects.filter(shared_with_supplier=True), to_attr="shared_files")
    out = []
    ncrs = scar.ncrs.select_related("product").prefetch_related("defect_codes", "lots", shared)
    for ncr in ncrs.order_by("created_at"):
        summary = {
            "number": ncr.number,
            "title": ncr.title,
            "product": ncr.product,
            "severity": ncr.get_severity_display(),
            "opened": ncr.created_at,
            "defect_codes": [c.code for c in ncr.defect_codes.all()],
            "lots": [(lot.lot_name or _("(untracked)"), lot.affected, lot.suspect) for lot in ncr.lots.all()],
            "cost": None,
            "files": ncr.shared_files,
        }
        if share_costs:
            from quality.services.ncrs import ncr_cost

            summary["cost"] = ncr_cost(ncr)
        out.append(summary)
    return out


class SupplierScarDetailView(SupplierScarMixin, TemplateView):
    """One of the partner's SCARs: what is asked next, the steps, the D2 text to start from, the NCRs."""

    template_name = "quality/supplier_scars/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scar = scar_get(self.membership, self.kwargs["pk"])
        steps = step_rows(scar, tenant_today(self.membership.tenant))
        scar.step_list = steps
        context.update(
            scar=scar,
            steps=steps,
            next=next_step(scar),
            d2_prefill=scar_d2_prefill(scar),
            ncrs=ncr_summaries(scar, self.membership),
            defect_codes=list(scar.defect_codes.order_by("code")),
            can_answer=self.membership.role in ANSWERERS and scar.status == Scar.Status.OPEN,
        )
        return context


class SupplierStepView(SupplierScarMixin, TemplateView):
    """GET the step (its answer, the comment it was sent back with, the form); POST the answer
    (``action=answer``, with an optional file) or a file alone (``action=evidence``)."""

    template_name = "quality/supplier_scars/step.html"

    def _step(self) -> ScarStep:
        return step_for(self.membership, self.kwargs["pk"], self.kwargs["code"])

    def _answerable(self, step: ScarStep) -> bool:
        return (
            self.membership.role in ANSWERERS
            and step.scar.status == Scar.Status.OPEN
            and step.status != ScarStep.Status.ACCEPTED
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        step = kwargs.get("step") or self._step()
        context.update(step_context(step))
        form = kwargs.get("form")
        if form is None:
            form = StepAnswerForm(step.code, content=context["current"].content if context["current"] else None)
            if step.code == "D2" and context["current"] is None:
                form = StepAnswerForm(step.code, content=scar_d2_prefill(step.scar))
        context.update(
            form=form,
            entries=form.entries(),
            form_errors=form.errors.get("__all__", ""),
            file_error=kwargs.get("file_error", ""),
            can_answer=self._answerable(step),
            evidence_required=step.code in EVIDENCE_REQUIRED,
            evidence_accept=EVIDENCE_ACCEPT,
            suspect_asns=list(suspect_asns(step.scar)[:MAX_ASNS_LISTED]) if step.code == "D3" else [],
        )
        return context

    def post(self, request, *args, **kwargs):
        step = self._step()
        if not self._answerable(step):
            raise Http404()  # read-only roles and closed SCARs have no form to post
        form = StepAnswerForm(step.code, data=request.POST)
        action = request.POST.get("action", "answer")
        upload = request.FILES.get("file")
        content = form.content() if action == "answer" else None
        if content is not None and (errors := step_content_errors(step.code, content)):
            form.place(errors)
            return self._again(step, form, "")
        if upload is not None:
            try:
                scar_evidence_add(membership=self.membership, step=step, upload=upload)
            except ValidationError as exc:
                return self._again(step, form, " ".join(error_messages(exc).values()))
        elif action == "evidence":
            return self._again(step, form, _("Choose a file to attach."))
        if content is None:
            messages.success(
                request,
                _("%(file)s attached to %(scar)s %(step)s.")
                % {"file": upload.name, "scar": step.scar.number, "step": step.code},
            )
            return redirect("supplier_scar_step", self.membership.tenant.slug, step.scar_id, step.code)
        try:
            scar_step_answer(membership=self.membership, step=step, content=content, via="portal")
        except ValidationError as exc:
            form.place(error_messages(exc))
            return self._again(step, form, "")
        messages.success(
            request,
            _(
                "Your answer to %(scar)s %(step)s %(title)s was sent; "
                "%(tenant)s's quality team reviews it and tells you here."
            )
            % {
                "scar": step.scar.number,
                "step": step.code,
                "title": step.title,
                "tenant": self.membership.tenant.name,
            },
        )
        return redirect("supplier_scar_detail", self.membership.tenant.slug, step.scar_id)

    def _again(self, step: ScarStep, form: StepAnswerForm, file_error: str):
        context = self.get_context_data(step=step, form=form, file_error=file_error)
        return self.render_to_response(context, status=400)


class SupplierNcrFileView(SupplierScarMixin, View):
    """GET a file the engineer shared with the supplier, of an NCR of the partner's own SCAR; a file not
    shared, of another NCR, another SCAR, partner or tenant answers 404."""

    def get(self, request, *args, **kwargs):
        scar = scar_get(self.membership, kwargs["pk"])
        item = NcrFile.objects.filter(
            tenant_id=scar.tenant_id, pk=kwargs["file_id"], shared_with_supplier=True, ncr__in=scar.ncrs.all()
        ).first()
        if item is None:
            raise Http404()
        inline = item.content_type in ("image/jpeg", "image/png")
        return stored_file_response(
            item.file, content_type=item.content_type, filename=None if inline else item.name, cache=inline
        )


class SupplierEvidenceView(SupplierScarMixin, View):
    """GET one evidence file of the partner's own step; anything else answers 404."""

    def get(self, request, *args, **kwargs):
        return evidence_response(self.membership, kwargs)
