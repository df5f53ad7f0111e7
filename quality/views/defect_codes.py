"""The defect code catalogue (quality engineers and tenant admins): list, add, edit, deactivate.

Thin: every change through ``quality.services.defect_codes``. Anyone else gets 404, and so does a
code of another tenant.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from portal.views.mixins import TenantViewMixin
from quality.models import DefectClass, DefectCode
from quality.services.defect_codes import CATALOGUE_EDITORS, defect_code_create, defect_code_update

NAV_KEY = "ncrs"


class DefectCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=100, help_text=_("Short and upper case, no spaces: BURR, DIM-HOLE."), strip=True
    )
    description = forms.CharField(label=_("Description"), max_length=1000, strip=True)
    defect_class = forms.ChoiceField(label=_("Class"), choices=DefectClass.choices, initial=DefectClass.MAJOR)
    active = forms.BooleanField(
        label=_("Offered for new NCRs"),
        required=False,
        initial=True,
        help_text=_("Off: kept on the NCRs that name it."),
    )


def _form_with(form: forms.Form, exc: ValidationError) -> forms.Form:
    for field, msgs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)
    return form


class DefectCodeListView(TenantViewMixin, TemplateView):
    """GET: the catalogue (active first) with how many NCRs name each code, and the form to add one.
    POST: add a code."""

    template_name = "quality/defect_codes/list.html"
    allowed_roles = CATALOGUE_EDITORS
    nav_key = NAV_KEY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        codes = (
            DefectCode.objects.visible_to(self.membership)
            .annotate(ncr_count=Count("ncrs", distinct=True))
            .order_by("-active", "code")
        )
        context.update(codes=list(codes[:500]), form=kwargs.get("form") or DefectCodeForm())
        return context

    def post(self, request, *args, **kwargs):
        form = DefectCodeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = defect_code_create(
                    membership=self.membership,
                    code=data["code"],
                    description=data["description"],
                    defect_class=data["defect_class"],
                )
            except ValidationError as exc:
                form = _form_with(form, exc)
            else:
                messages.success(
                    request, gettext("%(code)s added: it is offered on new NCRs from now on.") % {"code": item.code}
                )
                return redirect("defect_code_list", self.membership.tenant.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DefectCodeEditView(TenantViewMixin, TemplateView):
    """GET: one code's form. POST: save it; ``action=deactivate`` / ``activate`` flips only ``active``."""

    template_name = "quality/defect_codes/edit.html"
    allowed_roles = CATALOGUE_EDITORS
    nav_key = NAV_KEY

    def _code(self) -> DefectCode:
        item = DefectCode.objects.visible_to(self.membership).filter(pk=self.kwargs["pk"]).first()
        if item is None:
            raise Http404()
        return item

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = kwargs.get("item") or self._code()
        initial = {name: getattr(item, name) for name in ("code", "description", "defect_class", "active")}
        context.update(item=item, form=kwargs.get("form") or DefectCodeForm(initial=initial))
        return context

    def post(self, request, *args, **kwargs):
        item = self._code()
        action = request.POST.get("action", "save")
        if action in ("deactivate", "activate"):
            data = {"code": item.code, "description": item.description, "defect_class": item.defect_class}
            form = DefectCodeForm(data={**data, "active": item.active})
            form.is_valid()  # bound, so a refusal can be shown on it
            active = action == "activate"
        else:
            form = DefectCodeForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(item=item, form=form), status=400)
            data = {k: form.cleaned_data[k] for k in ("code", "description", "defect_class")}
            active = form.cleaned_data["active"]
        try:
            item = defect_code_update(membership=self.membership, defect_code=item, active=active, **data)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(item=item, form=_form_with(form, exc)), status=400)
        if item.active:
            text = gettext("%(code)s saved: offered on new NCRs.")
        else:
            text = gettext("%(code)s saved: no longer offered on new NCRs; kept on the NCRs naming it.")
        messages.success(request, text % {"code": item.code})
        return redirect("defect_code_list", self.membership.tenant.slug)
