"""The disposition step of the inspection page: decide what happens to the signed lot, and see it reach Odoo.

The page (``InspectionDetailView``) shows the lot's decisions and the form
(``disposition_section.disposition_context``); the form posts here. A refused decision renders the
inspection page again with the errors and what was typed (400); a recorded one redirects back to it.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal import l10n
from portal.services.errors import error_messages
from quality.disposition_forms import DispositionForm
from quality.models import Disposition
from quality.services.dispositions import disposition_record

from .disposition_section import disposition_context
from .inspections import InspectionDetailView


class DispositionView(InspectionDetailView):
    """POST only: record a decision on the inspection's lot (``disposition_record``)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        inspection = self._inspection()
        form = DispositionForm(request.POST)
        hold = request.POST.get("action") == "hold"
        errors: dict = {}
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in ("released", "returned", "scrapped")}
            if hold:
                values = dict.fromkeys(values, Decimal(0))
            try:
                disposition = disposition_record(
                    membership=self.membership, inspection=inspection, reason=form.cleaned_data["reason"], **values
                )
            except ValidationError as exc:
                errors = error_messages(exc)
            else:
                messages.success(request, _done_message(disposition))
                return redirect("inspection_detail", self.membership.tenant.slug, inspection.pk)
        else:
            errors = {key: " ".join(msgs) for key, msgs in form.errors.items()}
        context = self.get_context_data(inspection=inspection)
        context.update(disposition_context(inspection, form, errors, membership=self.membership))
        # Said at the top too: the form is at the bottom of a long page, the answer opens at its top.
        context["form_error"] = _("The disposition was not recorded: %(errors)s") % {
            "errors": " ".join(map(str, errors.values()))
        }
        return self.render_to_response(context, status=400)


def _done_message(disposition: Disposition) -> str:
    if disposition.kind == Disposition.Kind.HOLD:
        return _("The lot stays on hold; nothing moves in Odoo.")
    parts = [
        text % {"quantity": l10n.qty(value)}
        for value, text in (
            (disposition.released, _("%(quantity)s released")),
            (disposition.returned, _("%(quantity)s to return to the vendor")),
            (disposition.scrapped, _("%(quantity)s to scrap")),
        )
        if value
    ]
    return _("%(kind)s: %(parts)s. Odoo is updated in the background.") % {
        "kind": disposition.get_kind_display(),
        "parts": ", ".join(parts),
    }
