"""The tenant's quality rules for NCRs and SCARs: material review threshold, cost of poor quality,
SCAR due days per 8D step, escalation and the effectiveness check.

Tenant admins change them (``quality.services.quality_settings``, audited); quality engineers read
them (the form shown disabled, a POST answered 404 by the service). Anyone else: 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from portal.models import Role
from portal.services.errors import NotInScope
from portal.views.mixins import TenantViewMixin
from quality.models import DefectClass, quality_rules_for, scar_due_days
from quality.models.rules import SCAR_DUE_DAYS
from quality.models.scars import STEP_TITLES
from quality.services.quality_settings import MAX_DAYS, quality_rules_save

READERS = frozenset({Role.TENANT_ADMIN, Role.QUALITY_ENGINEER})
DAY_FIELDS = ("scar_escalate_after_days", "scar_mark_after_days", "scar_verify_lots", "scar_verify_days")


def _step_field(code: str) -> str:
    return f"due_{code.lower()}"


class QualityRulesForm(forms.Form):
    approval_severity = forms.ChoiceField(
        label=_("Material review from severity"),
        choices=[("", _("Never by severity")), *DefectClass.choices],
        required=False,
        help_text=_("A disposition of an NCR this severe or worse needs a second person's signature."),
    )
    approval_value = forms.DecimalField(
        label=_("Material review from value"),
        min_value=0,
        decimal_places=2,
        max_digits=16,
        help_text=_(
            "A disposition worth this much or more (quantity x PO price, in the PO's currency) needs a "
            "second signature; 0: never by value."
        ),
    )
    handling_charge = forms.DecimalField(
        label=_("Handling charge per NCR"),
        min_value=0,
        decimal_places=2,
        max_digits=16,
        help_text=_("Added to each NCR's cost of poor quality (sorting, paperwork, storage)."),
    )
    share_costs = forms.BooleanField(
        label=_("Show NCR costs to the supplier"), required=False, help_text=_("Off: suppliers never see costs.")
    )
    scar_escalate_after_days = forms.IntegerField(
        label=_("Second reminder after (days)"),
        min_value=0,
        max_value=MAX_DAYS,
        help_text=_("Days past a step's due date before the supplier admin and the buyer are reminded."),
    )
    scar_mark_after_days = forms.IntegerField(
        label=_("Mark the supplier after (days)"),
        min_value=0,
        max_value=MAX_DAYS,
        help_text=_(
            "Days past the due date before the scorecard marks the supplier and the buyer gets an Odoo activity."
        ),
    )
    scar_verify_lots = forms.IntegerField(
        label=_("Effectiveness check: clean lots"),
        min_value=0,
        max_value=MAX_DAYS,
        help_text=_("Lots of the supplier and product inspected without the same defect code before a SCAR closes."),
    )
    scar_verify_days = forms.IntegerField(
        label=_("Effectiveness check: days"),
        min_value=0,
        max_value=MAX_DAYS,
        help_text=_("Days after D8 before a SCAR may close."),
    )

    def __init__(self, *args, read_only: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code in SCAR_DUE_DAYS:
            self.fields[_step_field(code)] = forms.IntegerField(
                label=f"{code} {STEP_TITLES.get(code, '')}".strip(),
                min_value=0,
                max_value=MAX_DAYS,
                help_text=_("Days from issue to the due date."),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        for field in self.fields.values():
            field.disabled = read_only

    def step_fields(self):
        return [self[_step_field(code)] for code in SCAR_DUE_DAYS]

    def rule_fields(self):
        return [self[name] for name in self.fields if not name.startswith("due_d")]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in ("approval_severity", "approval_value", "handling_charge", "share_costs")},
            **{name: data[name] for name in DAY_FIELDS},
            "scar_due_days": {code: data[_step_field(code)] for code in SCAR_DUE_DAYS},
        }


def _initial(rules) -> dict:
    names = ("approval_severity", "approval_value", "handling_charge", "share_costs", *DAY_FIELDS)
    initial = {name: getattr(rules, name) for name in names}
    initial.update({_step_field(code): days for code, days in scar_due_days(rules).items()})
    return initial


class QualitySettingsView(TenantViewMixin, TemplateView):
    template_name = "quality/settings/rules.html"
    allowed_roles = READERS
    nav_key = "quality_rules"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        read_only = self.membership.role != Role.TENANT_ADMIN
        form = kwargs.get("form") or QualityRulesForm(
            initial=_initial(quality_rules_for(self.membership.tenant)), read_only=read_only
        )
        context.update(form=form, read_only=read_only)
        return context

    def post(self, request, *args, **kwargs):
        if self.membership.role != Role.TENANT_ADMIN:
            raise NotInScope()
        form = QualityRulesForm(request.POST)
        if form.is_valid():
            try:
                quality_rules_save(membership=self.membership, values=form.values())
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    name = _step_field(field.split(".")[1]) if field.startswith("scar_due_days.") else field
                    form.add_error(name if name in form.fields else None, msgs)
            else:
                messages.success(
                    request,
                    gettext("Quality rules saved: new dispositions and SCARs use them; open SCARs keep their dates."),
                )
                return redirect("quality_settings", self.membership.tenant.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)
