"""Acknowledging a PO (supplier) and deciding on changes beyond tolerance (buyer)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.generic import TemplateView

from portal.models import SUPPLIER_ROLES
from portal.services.errors import error_messages
from portal.views.mixins import TenantViewMixin
from suppliers.forms.acknowledgements import AcknowledgeForm
from suppliers.models import Acknowledgement, AcknowledgementLine
from suppliers.selectors import po_get, po_lines
from suppliers.services.acknowledgements import DECIDERS, ack_decide, ack_submit, local_date


class AcknowledgeView(TenantViewMixin, TemplateView):
    """One page, one job: answer every line, then send."""

    template_name = "suppliers/po_acknowledge.html"
    allowed_roles = SUPPLIER_ROLES
    nav_key = "orders"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        po = po_get(membership=self.membership, pk=self.kwargs["pk"])
        if not po.is_open:
            raise Http404()
        lines = list(po_lines(po=po))
        posted = kwargs.get("posted") or {}
        errors = kwargs.get("errors") or {}
        previous = po.acknowledgements.exclude(status=Acknowledgement.Status.SUPERSEDED).first()
        prior = {line.line_odoo_id: line for line in previous.lines.all()} if previous else {}
        rows = []
        for line in lines:
            key = f"line-{line.pk}"
            was = prior.get(line.odoo_id)
            rows.append(
                {
                    "line": line,
                    "key": key,
                    "requested_date": local_date(line.date_planned, po.tenant),
                    "decision": posted.get(f"{key}-decision", "accept"),
                    "promised_date": posted.get(
                        f"{key}-promised_date",
                        was.promised_date.isoformat() if was and was.promised_date and was.decision == "change" else "",
                    ),
                    "promised_qty": posted.get(f"{key}-promised_qty", ""),
                    "reason": posted.get(f"{key}-reason", ""),
                    "errors": {
                        field: errors.get(f"{key}-{field}")
                        for field in ("decision", "promised_date", "promised_qty", "reason", "line_id")
                        if errors.get(f"{key}-{field}")
                    },
                }
            )
        # Errors of fields the page has no input for (a tampered line id, a line the page did not
        # show) are listed at the top: every error is visible somewhere.
        shown = {"__all__", "lines", "supplier_ref", "comment"}
        shown |= {f"{row['key']}-{f}" for row in rows for f in ("decision", "promised_date", "promised_qty", "reason")}
        described = {f"{row['key']}-line_id": row["line"].description for row in rows}
        unshown = [
            f"{described[key][:60]}: {message}" if key in described else message
            for key, message in errors.items()
            if key not in shown and message
        ]
        context.update(
            unshown_errors=unshown,
            decisions=AcknowledgementLine.Decision.choices,
            po=po,
            rows=rows,
            previous=previous,
            errors=errors,
            form_error=errors.get("__all__"),
            supplier_ref=posted.get("supplier_ref", po.partner_ref),
            comment=posted.get("comment", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        po = po_get(membership=self.membership, pk=kwargs["pk"])
        form = AcknowledgeForm(request.POST, lines=list(po_lines(po=po)))
        try:
            ack = ack_submit(
                membership=self.membership,
                po_id=po.pk,
                answers=form.answers,
                supplier_ref=form.supplier_ref,
                comment=form.comment,
            )
        except ValidationError as exc:
            errors = form.places.place(exc)
            if form.accept_all:
                messages.error(request, " ".join(errors.values()))
                return redirect("po_detail", self.membership.tenant.slug, po.pk)
            return self.render_to_response(self.get_context_data(posted=request.POST, errors=errors), status=400)
        if ack.status == Acknowledgement.Status.PENDING:
            messages.success(
                request,
                gettext(
                    "%(po)s acknowledged (version %(version)s). Your changes go beyond %(tenant)s's tolerances, "
                    "so a buyer decides on them; you will get an email."
                )
                % {"po": po.name, "version": ack.version, "tenant": self.membership.tenant.name},
            )
        else:
            messages.success(
                request,
                gettext("%(po)s acknowledged (version %(version)s); Odoo will show it within a minute.")
                % {"po": po.name, "version": ack.version},
            )
        return redirect("po_detail", self.membership.tenant.slug, po.pk)


class AcknowledgementDecisionView(TenantViewMixin, TemplateView):
    """A buyer approves or declines a pending acknowledgement."""

    http_method_names = ["post"]
    allowed_roles = DECIDERS

    def post(self, request, *args, **kwargs):
        po = po_get(membership=self.membership, pk=kwargs["pk"])
        if not Acknowledgement.objects.visible_to(self.membership).filter(pk=kwargs["ack_id"], order=po).exists():
            raise Http404()
        approve = request.POST.get("decision") == "approve"
        try:
            ack_decide(
                membership=self.membership,
                ack_id=kwargs["ack_id"],
                approve=approve,
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(error_messages(exc).values()))
            return redirect("po_detail", self.membership.tenant.slug, po.pk)
        if approve:
            messages.success(
                request,
                gettext("Changes on %(po)s approved; they go to Odoo now and the supplier is told.") % {"po": po.name},
            )
        else:
            messages.success(
                request,
                gettext("Changes on %(po)s declined; the supplier is asked to acknowledge again.") % {"po": po.name},
            )
        return redirect("po_detail", self.membership.tenant.slug, po.pk)
