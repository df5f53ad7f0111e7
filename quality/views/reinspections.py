"""Opening a re-inspection from the inspection page (``quality.services.reinspections``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.services.errors import error_messages
from quality.services.reinspections import inspection_reinspect
from suppliers.forms.fields import QuantityField

from .inspections import InspectionDetailView


class ReinspectForm(forms.Form):
    reason = forms.CharField(required=False, strip=True, max_length=4000)
    lot_size = QuantityField(required=False, empty=None)


class ReinspectView(InspectionDetailView):
    """POST only: open another inspection of the page's lot; a refusal renders the page again (400)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        inspection = self._inspection()
        form = ReinspectForm(request.POST)
        if form.is_valid():
            try:
                again = inspection_reinspect(
                    membership=self.membership,
                    inspection=inspection,
                    reason=form.cleaned_data["reason"],
                    lot_size=form.cleaned_data["lot_size"],
                )
            except ValidationError as exc:
                errors = error_messages(exc)
            else:
                messages.success(
                    request,
                    _("%(inspection)s opened: “%(status)s”.")
                    % {"inspection": again, "status": again.get_status_display()},
                )
                return redirect("inspection_detail", self.membership.tenant.slug, again.pk)
        else:
            errors = {key: " ".join(msgs) for key, msgs in form.errors.items()}
        context = self.get_context_data(inspection=inspection)
        context.update(reinspect_errors=errors, reinspect_typed=request.POST)
        context["form_error"] = _("The re-inspection was not opened: %(errors)s") % {
            "errors": " ".join(map(str, errors.values()))
        }
        return self.render_to_response(context, status=400)
