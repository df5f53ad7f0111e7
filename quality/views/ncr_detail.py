"""The NCR page: where it came from, what is missing to move on (and the button for it), lots and
their dispositions, defect codes and description, containment, files and photos, cost of poor
quality, the material review (who may sign, the signature form), approvals, cancel and history.

Quality engineers and tenant admins get the forms; inspectors and buyers read the same page without
them. Every POST goes to ``quality.views.ncr_actions``, which renders this page again with the
service's errors at the form and at the top.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from portal.models import AuditEntry, Role
from portal.views.mixins import TenantViewMixin
from quality.models import InspectionPhoto, Ncr, NcrDisposition, quality_rules_for
from quality.ncr_forms import (
    CancelForm,
    ContainmentForm,
    DispositionProposeForm,
    NcrFileForm,
    NcrTextForm,
    SignatureForm,
)
from quality.ncr_selectors import ncr_get
from quality.services.ncr_dispositions import LIVE, approval_needed, committed_value, disposition_words, stock_notes
from quality.services.ncr_states import ncr_next_step
from quality.services.ncrs import ncr_cost
from quality.views.ncr_access import NCR_ACTORS, NCR_READERS

NAV_KEY = "ncrs"
HISTORY_MAX = 100
PHOTOS_MAX = 24
IMAGE_TYPES = ("image/jpeg", "image/png")
MOVES = {"contain": gettext_lazy("Mark contained"), "close": gettext_lazy("Close the NCR")}
ROLE_LABELS = dict(Role.choices)
ZERO = Decimal(0)
SORT, APPLIED = NcrDisposition.Kind.SORT, NcrDisposition.Status.APPLIED


def ncr_for_page(membership, pk: int) -> Ncr:
    """The NCR with what its page shows, or 404 (``NotInScope``) outside the member's scope."""
    ncr = ncr_get(membership, pk)
    if ncr is None:
        raise Http404()
    return ncr


def ncr_photos(ncr: Ncr) -> list[InspectionPhoto]:
    """The photos of the inspections the NCR came from (its own and its lots'), oldest first."""
    inspections = {ncr.inspection_id, *(lot.inspection_id for lot in ncr.lots.all())} - {None}
    if not inspections:
        return []
    return list(
        InspectionPhoto.objects.filter(tenant_id=ncr.tenant_id, inspection_id__in=inspections).order_by(
            "uploaded_at", "id"
        )[:PHOTOS_MAX]
    )


def ncr_history(ncr: Ncr) -> list[AuditEntry]:
    """The NCR's audit entries, newest first (its own record; changes of its parts name the NCR)."""
    kind = ContentType.objects.get_for_model(Ncr)
    return list(
        AuditEntry.objects.filter(tenant_id=ncr.tenant_id, content_type=kind, object_id=str(ncr.pk)).order_by(
            "-created_at", "-id"
        )[:HISTORY_MAX]
    )


def _lots_with_dispositions(ncr: Ncr) -> tuple[list, list[NcrDisposition]]:
    """The NCR's lots, each with its ``disposition_list``, ``stock_note`` (what a disposition of it will
    not move in Odoo, "" when its stock is held) and what is left to propose (``_mark_left``), and all its
    dispositions, oldest first."""
    lots = list(ncr.lots.all())
    dispositions = sorted(ncr.dispositions.all(), key=lambda d: (d.proposed_at, d.pk))
    notes = stock_notes(lots)
    for lot in lots:
        lot.disposition_list = [d for d in dispositions if d.lot_id == lot.pk]
        lot.stock_note = notes.get(lot.pk, "")
    _mark_left(lots, dispositions)
    return lots, dispositions


def _mark_left(lots: list, dispositions: list[NcrDisposition]) -> None:
    """What is left to propose, counted as the service counts it (applied and awaiting dispositions cover
    a quantity; refused and withdrawn ones free it again): each lot gets ``left`` (of its affected quantity,
    by dispositions not given after a sort) and ``sorts_left`` (its applied sorts whose sorted quantity
    still lacks a disposition, each with ``left``); ``open_to_propose`` when either is above 0."""
    live = [d for d in dispositions if d.status in LIVE]
    for lot in lots:
        used = sum((d.quantity for d in live if d.lot_id == lot.pk and d.sorted_from_id is None), ZERO)
        lot.left = max(lot.affected - used, ZERO)
        lot.sorts_left = []
        for sort in (d for d in live if d.lot_id == lot.pk and d.kind == SORT and d.status == APPLIED):
            sort.left = sort.quantity - sum((d.quantity for d in live if d.sorted_from_id == sort.pk), ZERO)
            if sort.left > 0:
                lot.sorts_left.append(sort)
        lot.open_to_propose = lot.left > 0 or bool(lot.sorts_left)


def _signed_approvals(dispositions: list[NcrDisposition]) -> list:
    """The material review signatures, oldest first, each with ``role_label``: the role as people read it."""
    approvals = sorted((a for d in dispositions for a in d.approvals.all()), key=lambda a: (a.signed_at, a.pk))
    for a in approvals:
        a.role_label = ROLE_LABELS.get(a.signer_role, a.signer_role)
    return approvals


def _explain_reviews(ncr: Ncr, dispositions: list[NcrDisposition], membership) -> None:
    """Each disposition awaiting review gets ``words`` (what a signature means, shown before signing: the
    service records the same), ``review_reason`` and ``mine``; the tenant's rules are read once."""
    rules = quality_rules_for(ncr.tenant)
    for d in dispositions:
        if d.status == NcrDisposition.Status.AWAITING_APPROVAL:
            d.words = disposition_words(d)
            others = committed_value(dispositions, exclude=d.pk)
            d.review_reason = approval_needed(ncr, value=d.value, others=others, rules=rules)
            d.mine = d.proposed_by_id == membership.user_id


class NcrPageMixin(TenantViewMixin):
    allowed_roles = NCR_READERS
    nav_key = NAV_KEY


class NcrDetailView(NcrPageMixin, TemplateView):
    template_name = "quality/ncrs/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = self.membership
        ncr = kwargs.get("ncr") or ncr_for_page(membership, self.kwargs["pk"])
        # Everything below reads what ``ncr_get`` loaded once: lots, dispositions, approvals, files.
        lots, dispositions = _lots_with_dispositions(ncr)
        _explain_reviews(ncr, dispositions, membership)
        step, missing = ncr_next_step(ncr)
        may_act = membership.role in NCR_ACTORS and ncr.status in Ncr.OPEN_STATUSES
        errors = kwargs.get("errors") or {}
        files = list(ncr.files.all())
        codes = list(ncr.defect_codes.all())
        context.update(
            ncr=ncr,
            lots=lots,
            dispositions=dispositions,
            awaiting=[d for d in dispositions if d.status == NcrDisposition.Status.AWAITING_APPROVAL],
            # Only lots and sorts with something left to dispose of are offered; none left, no form.
            propose_lots=[lot for lot in lots if lot.open_to_propose],
            sorts=[sort for lot in lots for sort in lot.sorts_left],
            approvals=_signed_approvals(dispositions),
            next_step=step,
            next_label=MOVES.get(step or ""),
            missing=missing,
            cost=ncr_cost(ncr),
            containments=list(ncr.containments.all()),
            files=files,
            images=[f for f in files if f.content_type in IMAGE_TYPES],
            photos=ncr_photos(ncr),
            defect_codes=codes,
            history=ncr_history(ncr),
            may_act=may_act,
            # The SCAR asked of the supplier for this NCR (SCAR pages are the actors' only).
            may_issue_scar=membership.role in NCR_ACTORS and ncr.status != Ncr.Status.CANCELLED,
            scars=list(ncr.scars.order_by("pk")) if membership.role in NCR_ACTORS else [],
            me=membership.user,
            errors=errors,
            top_error=" ".join(errors.values()) if errors else "",
            section=kwargs.get("section", ""),
            text_form=kwargs.get("text_form")
            or NcrTextForm(
                membership=membership,
                keep=codes,
                initial={
                    "title": ncr.title,
                    "severity": ncr.severity,
                    "description": ncr.description,
                    "defect_codes": [c.pk for c in codes],
                },
            ),
            containment_form=kwargs.get("containment_form") or ContainmentForm(),
            file_form=kwargs.get("file_form") or NcrFileForm(),
            propose_form=kwargs.get("propose_form") or DispositionProposeForm(),
            sign_form=kwargs.get("sign_form") or SignatureForm(),
            cancel_form=kwargs.get("cancel_form") or CancelForm(),
            kinds=NcrDisposition.Kind.choices,
            signing=kwargs.get("signing"),
        )
        return context
