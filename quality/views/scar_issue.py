"""Issuing a SCAR (quality engineers and tenant admins): from one NCR (``?ncr=<id>``: its partner, product and
defect prefilled, the partner's other NCRs selectable), or for a partner (``?partner=<id>``), with a due date
per 8D step prefilled from the tenant's defaults and editable. ``scar_issue`` does the rest.

An NCR or partner outside the member's scope answers 404, as every SCAR page does.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal import l10n
from portal.dates import tenant_today
from portal.models import Partner
from quality.models import Inspection, Ncr, quality_rules_for, scar_due_days
from quality.ncr_selectors import ncr_get, ncrs_for
from quality.scar_forms import MAX_NCRS_OFFERED, IssueForm, PartnerChoiceForm
from quality.services.scars import scar_issue

from .scar_list import SCAR_STAFF, ScarStaffMixin, _id


class ScarIssueView(ScarStaffMixin, TemplateView):
    """GET: the form (or the supplier's choice first); POST: issue, then open the new SCAR's page."""

    template_name = "quality/scars/issue.html"
    allowed_roles = SCAR_STAFF  # issuing is work: buyers, who read SCARs, do not issue them

    def _source(self):
        return self.request.POST if self.request.method == "POST" else self.request.GET

    def _inspection(self) -> Inspection | None:
        """``?inspection=<id>``: a lot of a partner + product whose inspection is discontinued (the switching
        page links it); scar_issue checks the rule."""
        raw = self._source().get("inspection")
        if not raw:
            return None
        found = Inspection.objects.visible_to(self.membership).filter(pk=_id(raw) or 0).first()
        if found is None:
            raise Http404()
        return found

    def _start(self) -> tuple[Partner | None, Ncr | None]:
        source = self._source()
        ncr = None
        inspection = self._inspection()
        if inspection is not None:
            return inspection.partner, None
        if source.get("ncr"):
            pk = _id(source["ncr"])
            if pk is None:
                raise Http404()
            ncr = ncr_get(self.membership, pk)
            return ncr.partner, ncr
        if source.get("partner"):
            partner = Partner.objects.visible_to(self.membership).filter(pk=_id(source["partner"]) or 0).first()
            if partner is None:
                raise Http404()
            return partner, None
        return None, None

    def _form(self, partner: Partner, ncr: Ncr | None, data=None) -> IssueForm:
        # A cancelled NCR asks for no corrective action (scar_issue refuses it): not offered.
        ncrs = ncrs_for(self.membership, partner=partner).exclude(status=Ncr.Status.CANCELLED)
        ids = list(ncrs.values_list("pk", flat=True)[:MAX_NCRS_OFFERED])
        initial = {}
        if ncr is not None:
            initial = {"ncrs": [ncr.pk], "product": ncr.product_id, "title": ncr.title}
        inspection = self._inspection()
        if inspection is not None:
            initial = {
                "product": inspection.product_id,
                "title": (
                    _("Inspection of %(product)s discontinued (ISO 2859-1 9.4)") % {"product": inspection.product.name}
                )[:200],
            }
        return IssueForm(
            data,
            initial=initial,
            membership=self.membership,
            partner=partner,
            ncrs=Ncr.objects.filter(pk__in=ids).select_related("product").order_by("-created_at"),
            due_days=scar_due_days(quality_rules_for(self.membership.tenant)),
            today=tenant_today(self.membership.tenant),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(inspection=self._inspection(), **kwargs)

    def get(self, request, *args, **kwargs):
        partner, ncr = self._start()
        if partner is None:
            return self.render_to_response(self.get_context_data(choose=PartnerChoiceForm(membership=self.membership)))
        return self.render_to_response(self.get_context_data(partner=partner, ncr=ncr, form=self._form(partner, ncr)))

    def post(self, request, *args, **kwargs):
        partner, ncr = self._start()
        if partner is None:
            raise Http404()
        form = self._form(partner, ncr, request.POST)
        if form.is_valid():
            try:
                scar = scar_issue(
                    membership=self.membership,
                    partner=partner,
                    product=form.cleaned_data["product"],
                    ncrs=list(form.cleaned_data["ncrs"]),
                    title=form.cleaned_data["title"],
                    due_dates=form.due_dates(),
                    inspection=self._inspection(),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(scar)s issued to %(partner)s. Their users see it under Corrective actions; "
                        "D3 containment is due %(due)s."
                    )
                    % {
                        "scar": scar.number,
                        "partner": partner.name,
                        "due": l10n.day(scar.steps.get(code="D3").due_date),
                    },
                )
                return redirect("scar_detail", self.membership.tenant.slug, scar.pk)
        context = self.get_context_data(partner=partner, ncr=ncr, form=form)
        return self.render_to_response(context, status=400)


def _add_errors(form, exc: ValidationError) -> None:
    """A service's errors beside the fields they name (``due_dates.D3`` -> the D3 field)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.message_dict.items():
        field = key.replace("due_dates.", "due_") if key.startswith("due_dates.") else key
        form.add_error(field if field in form.fields else None, " ".join(errors))
