"""Every change on the NCR page, one POST view each, each one service call (``quality.services.ncrs``,
``ncr_dispositions``). Quality engineers and tenant admins only: inspectors and buyers, who read
the page, get 404 as the services answer them. A refusal renders the NCR page again (400) with the
service's message at the form and at the top; success redirects to the page's section with a
confirmation that names the NCR and what comes next.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.services.errors import NotInScope, error_messages
from quality.models import NcrContainment, NcrDisposition, Scar
from quality.ncr_forms import (
    CancelForm,
    ContainmentForm,
    DispositionProposeForm,
    NcrFileForm,
    NcrTextForm,
    SignatureForm,
)
from quality.services.ncr_dispositions import (
    ncr_disposition_approve,
    ncr_disposition_propose,
    ncr_disposition_refuse,
    ncr_disposition_withdraw,
    stock_notes,
)
from quality.services.ncrs import (
    containment_add,
    containment_done,
    ncr_cancel,
    ncr_close,
    ncr_contain,
    ncr_file_add,
    ncr_update,
)
from quality.views.ncr_access import NCR_ACTORS
from quality.views.ncr_detail import NcrDetailView, ncr_for_page


class Refused(Exception):
    """A form that did not read: render the page with it (``form_name``) and its errors."""

    def __init__(self, form_name: str, form):
        super().__init__(form_name)
        self.form_name, self.form = form_name, form


def _form_errors(form) -> dict[str, str]:
    return {key: " ".join(msgs) for key, msgs in form.errors.items()}


class NcrActionView(NcrDetailView):
    """POST only; ``act(ncr)`` calls the service and answers the confirmation, or raises."""

    http_method_names = ["post"]
    section = ""

    def post(self, request, *args, **kwargs):
        if self.membership.role not in NCR_ACTORS:
            raise NotInScope()
        ncr = ncr_for_page(self.membership, kwargs["pk"])
        try:
            message = self.act(ncr)
        except Refused as refused:
            context = self.get_context_data(
                ncr=ncr, errors=_form_errors(refused.form), section=self.section, **{refused.form_name: refused.form}
            )
            return self.render_to_response(context, status=400)
        except ValidationError as exc:
            ncr.refresh_from_db()
            context = self.get_context_data(ncr=ncr, errors=error_messages(exc), section=self.section, **self.kept())
            return self.render_to_response(context, status=400)
        messages.success(request, message)
        url = redirect("ncr_detail", self.membership.tenant.slug, ncr.pk).url
        return redirect(f"{url}#{self.section}" if self.section else url)

    def kept(self) -> dict:
        """The forms as posted, so a refused form keeps what was typed."""
        return {}

    def act(self, ncr) -> str:  # pragma: no cover - every subclass has its own
        raise NotImplementedError


class NcrEditView(NcrActionView):
    section = "description"

    def kept(self):
        return {"text_form": self._form}

    def act(self, ncr):
        codes = list(ncr.defect_codes.all())
        self._form = form = NcrTextForm(self.request.POST, membership=self.membership, keep=codes)
        if not form.is_valid():
            raise Refused("text_form", form)
        data = form.cleaned_data
        ncr_update(
            membership=self.membership,
            ncr=ncr,
            title=data["title"],
            description=data["description"],
            severity=data["severity"],
            defect_codes=list(data["defect_codes"]),
        )
        return f"{ncr.number} saved."


class NcrMoveView(NcrActionView):
    """``action=contain``: containment done; ``action=close``: the NCR is finished."""

    section = "next"

    def act(self, ncr):
        action = self.request.POST.get("action")
        if action == "contain":
            ncr = ncr_contain(membership=self.membership, ncr=ncr)
            return _("%(ncr)s contained: give each lot's material a disposition next.") % {"ncr": ncr.number}
        if action == "close":
            ncr = ncr_close(membership=self.membership, ncr=ncr)
            return _("%(ncr)s closed. %(scars)s") % {"ncr": ncr.number, "scars": _scar_word(ncr)}
        raise ValidationError(_("Unknown action: nothing was done."))


def _scar_word(ncr) -> str:
    """What comes after closing: the NCR's SCAR, which carries the cause on, or the suggestion to issue one.
    A cancelled SCAR asks nothing of the supplier any more, so it counts as none."""
    scars = list(ncr.scars.exclude(status=Scar.Status.CANCELLED).order_by("pk"))
    if not scars:
        return _("Issue a SCAR if the supplier must find and fix the cause.")
    named = ", ".join(f"{s.number} ({s.get_status_display()})" for s in scars)
    return _("The supplier's corrective action goes on in %(scars)s.") % {"scars": named}


class NcrCancelView(NcrActionView):
    section = "cancel"

    def kept(self):
        return {"cancel_form": CancelForm(self.request.POST)}

    def act(self, ncr):
        form = CancelForm(self.request.POST)
        if not form.is_valid():
            raise Refused("cancel_form", form)
        ncr = ncr_cancel(membership=self.membership, ncr=ncr, reason=form.cleaned_data["reason"])
        return _("%(ncr)s cancelled; it stays in the list under Cancelled.") % {"ncr": ncr.number}


class ContainmentAddView(NcrActionView):
    section = "containment"

    def kept(self):
        return {"containment_form": ContainmentForm(self.request.POST)}

    def act(self, ncr):
        form = ContainmentForm(self.request.POST)
        if not form.is_valid():
            raise Refused("containment_form", form)
        containment_add(membership=self.membership, ncr=ncr, **form.cleaned_data)
        return _("Containment action added to %(ncr)s; mark it done once it is.") % {"ncr": ncr.number}


class ContainmentDoneView(NcrActionView):
    section = "containment"

    def act(self, ncr):
        item = NcrContainment.objects.filter(ncr=ncr, pk=self.kwargs["item_id"]).first()
        if item is None:
            raise Http404()
        containment_done(membership=self.membership, containment=item)
        return _("“%(action)s” done on %(ncr)s.") % {"action": item.action, "ncr": ncr.number}


class NcrFileAddView(NcrActionView):
    section = "files"

    def act(self, ncr):
        form = NcrFileForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            raise Refused("file_form", form)
        item = ncr_file_add(
            membership=self.membership,
            ncr=ncr,
            upload=form.cleaned_data["file"],
            shared_with_supplier=form.cleaned_data["shared_with_supplier"],
        )
        if item.shared_with_supplier:
            return _("%(file)s added to %(ncr)s, shared with the supplier.") % {"file": item.name, "ncr": ncr.number}
        return _("%(file)s added to %(ncr)s, for your staff only.") % {"file": item.name, "ncr": ncr.number}


class DispositionProposeView(NcrActionView):
    section = "dispositions"

    def kept(self):
        return {"propose_form": DispositionProposeForm(self.request.POST)}

    def act(self, ncr):
        form = DispositionProposeForm(self.request.POST)
        if not form.is_valid():
            raise Refused("propose_form", form)
        data = form.cleaned_data
        lot = ncr.lots.filter(pk=data["lot"]).first()
        if lot is None:
            raise ValidationError({"lot": _("Choose one of this NCR's lots.")})
        sorted_from = None
        if data["sorted_from"]:
            sorted_from = ncr.dispositions.filter(pk=data["sorted_from"]).first()
            if sorted_from is None:
                raise ValidationError({"sorted_from": _("Not a sort of this NCR.")})
        # Said after the fact too: the page said it before, and the lot's stock is read before it moves.
        note = stock_notes([lot]).get(lot.pk, "")
        d = ncr_disposition_propose(
            membership=self.membership,
            ncr=ncr,
            lot=lot,
            kind=data["kind"],
            quantity=data["quantity"],
            instructions=data["instructions"],
            concession_until=data["concession_until"],
            sorted_from=sorted_from,
        )
        note = f" {note}" if note else ""
        if d.status == NcrDisposition.Status.AWAITING_APPROVAL:
            text = _("%(disposition)s proposed on %(ncr)s: it waits for a second person's signature (material review).")
        else:
            text = _("%(disposition)s applied on %(ncr)s.")
        return (text % {"disposition": d, "ncr": ncr.number}) + note


class DispositionDecideView(NcrActionView):
    """``decision=approve`` / ``refuse`` (the password re-entered: an electronic signature) or ``withdraw``."""

    section = "dispositions"

    def kept(self):
        return {"sign_form": SignatureForm(self.request.POST), "signing": self._pk}

    def act(self, ncr):
        self._pk = self.kwargs["disposition_id"]
        disposition = ncr.dispositions.filter(pk=self._pk).first()
        if disposition is None:
            raise Http404()
        if self.request.POST.get("decision") == "withdraw":
            ncr_disposition_withdraw(membership=self.membership, disposition=disposition)
            return _("%(disposition)s withdrawn from %(ncr)s.") % {"disposition": disposition, "ncr": ncr.number}
        form = SignatureForm(self.request.POST)
        if not form.is_valid():
            raise Refused("sign_form", form)
        data = form.cleaned_data
        if not data["password"]:
            raise ValidationError({"password": _("Enter your password to sign.")})
        if data["decision"] == "approve":
            ncr_disposition_approve(
                membership=self.membership, disposition=disposition, password=data["password"], comment=data["comment"]
            )
            return _("%(disposition)s approved and applied on %(ncr)s: your signature is recorded.") % {
                "disposition": disposition,
                "ncr": ncr.number,
            }
        ncr_disposition_refuse(
            membership=self.membership, disposition=disposition, password=data["password"], comment=data["comment"]
        )
        return _("%(disposition)s refused on %(ncr)s: the author may propose another disposition.") % {
            "disposition": disposition,
            "ncr": ncr.number,
        }
