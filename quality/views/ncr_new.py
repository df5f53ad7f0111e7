"""A new NCR by hand (quality engineers and tenant admins): from an inspection, a receipt or a
supplier page (``?inspection=``, ``?receipt=``, ``?partner=`` prefill the form), or for a defect
found later (in production, at a customer). One call to ``quality.services.ncrs.ncr_open``.

Ids in the URL or the form name records only inside the member's scope (``visible_to``); one
outside it is dropped from the prefill and refused on POST (404), never looked up further.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal.services.errors import NotInScope
from quality.models import Inspection, Ncr
from quality.ncr_forms import LotRows, NcrNewForm
from quality.services.ncrs import ncr_open
from quality.views.ncr_access import NCR_ACTORS
from quality.views.ncr_detail import NcrPageMixin
from suppliers.forms.fields import IdField
from suppliers.models import Asn, PurchaseOrder, Receipt

LINKS = {"inspection": Inspection, "receipt": Receipt, "order": PurchaseOrder, "asn": Asn}


def _scoped(membership, model, pk):
    return model.objects.visible_to(membership).filter(pk=pk).first() if pk else None


def _id(value) -> int | None:
    try:
        return IdField().clean(value)
    except ValidationError:
        return None


def prefill(membership, query) -> tuple[dict, list[dict]]:
    """The form's initial values and lot rows from ``?inspection=``, ``?receipt=`` or ``?partner=``."""
    from portal.models import Partner

    if inspection := _scoped(membership, Inspection, _id(query.get("inspection"))):
        receipt = inspection.receipt
        initial = {
            "source": Ncr.Source.INSPECTION if inspection.status == "signed" else Ncr.Source.LOT,
            "partner": inspection.partner_id,
            "product": inspection.product_id,
            "inspection": inspection.pk,
            "receipt": receipt.pk,
            "order": receipt.order_id,
            "title": _("%(lot)s of %(product)s")
            % {"lot": inspection.lot_name or receipt.name, "product": inspection.product.name},
        }
        rows = [{"lot_name": inspection.lot_name, "affected": inspection.lot_size, "inspection": inspection.pk}]
        return initial, rows
    if receipt := _scoped(membership, Receipt, _id(query.get("receipt"))):
        moves = list(receipt.moves.select_related("product"))
        product = next((m.product for m in moves if m.product_id), None)
        rows = [
            {"lot_name": lot.get("lot", ""), "affected": lot.get("quantity")}
            for m in moves
            if m.product_id == getattr(product, "pk", None)
            for lot in (m.lots or [])
        ]
        initial = {
            "source": Ncr.Source.RECEIPT,
            "partner": receipt.partner_id,
            "product": getattr(product, "pk", None),
            "receipt": receipt.pk,
            "order": receipt.order_id,
            "title": (
                _("Receipt %(receipt)s of %(product)s") % {"receipt": receipt.name, "product": product.name}
                if product
                else _("Receipt %(receipt)s") % {"receipt": receipt.name}
            ),
        }
        return initial, rows
    if partner := _scoped(membership, Partner, _id(query.get("partner"))):
        return {"partner": partner.pk}, []
    return {}, []


def existing_ncr(membership, inspection_id) -> Ncr | None:
    """The NCR the system opened for a rejected inspection (one per inspection), when the member sees it."""
    if not inspection_id:
        return None
    return (
        Ncr.objects.visible_to(membership)
        .filter(inspection_id=inspection_id, source=Ncr.Source.INSPECTION)
        .only("pk", "number", "title")
        .first()
    )


class NcrNewView(NcrPageMixin, TemplateView):
    template_name = "quality/ncrs/new.html"
    allowed_roles = NCR_ACTORS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.POST if self.request.method == "POST" else self.request.GET
        existing = existing_ncr(self.membership, _id(query.get("inspection")))
        if "form" not in kwargs:
            initial, rows = prefill(self.membership, self.request.GET)
            if existing is not None:  # the rejected lot has its NCR: link to it, never offer a second one
                initial["source"] = Ncr.Source.LOT
            kwargs["form"] = NcrNewForm(membership=self.membership, initial=initial)
            kwargs["lots"] = LotRows(prefix="lots", initial=rows)
        context.update(
            form=kwargs["form"], lots=kwargs["lots"], top_error=kwargs.get("top_error", ""), existing_ncr=existing
        )
        return context

    def post(self, request, *args, **kwargs):
        form = NcrNewForm(request.POST, membership=self.membership)
        lots = LotRows(request.POST, prefix="lots")
        if not (form.is_valid() & lots.is_valid()):
            return self._refused(form, lots, _("Check the fields marked below."))
        data = form.cleaned_data
        links = {}
        for name, model in LINKS.items():
            if data[name]:
                links[name] = _scoped(self.membership, model, data[name])
                if links[name] is None:
                    raise NotInScope()
        rows = [row.cleaned_data for row in lots if row.cleaned_data and not row.is_blank()]
        inspections = {
            i.pk: i
            for i in Inspection.objects.visible_to(self.membership).filter(
                pk__in=[r["inspection"] for r in rows if r.get("inspection")]
            )
        }
        try:
            ncr = ncr_open(
                membership=self.membership,
                partner=data["partner"],
                product=data["product"],
                source=data["source"],
                title=data["title"],
                description=data["description"],
                severity=data["severity"],
                defect_codes=list(data["defect_codes"]),
                lots=[
                    {
                        "lot_name": r["lot_name"],
                        "affected": r["affected"],
                        "suspect": r["suspect"],
                        "inspection": inspections.get(r.get("inspection")),
                    }
                    for r in rows
                ],
                **links,
            )
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items():
                parts = key.split(".")
                if parts[0] == "lots" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                    forms_used = [row for row in lots if row.cleaned_data and not row.is_blank()]
                    target = forms_used[int(parts[1])]
                    target.add_error(parts[2] if parts[2] in target.fields else None, msgs)
                else:
                    form.add_error(key if key in form.fields else None, msgs)
            return self._refused(form, lots, " ".join(" ".join(m) for m in exc.message_dict.values()))
        messages.success(
            request,
            _("%(ncr)s opened: record containment actions, then dispositions for its lots.") % {"ncr": ncr.number},
        )
        return redirect("ncr_detail", self.membership.tenant.slug, ncr.pk)

    def _refused(self, form, lots, top_error: str):
        return self.render_to_response(self.get_context_data(form=form, lots=lots, top_error=top_error), status=400)
