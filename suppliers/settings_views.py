"""The tenant's rules for supplier collaboration: acknowledgement tolerances, over-shipment, GS1 prefix."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy
from django.views.generic import FormView

from portal import l10n
from portal.dates import zone_names
from portal.models import Role, Tenant
from portal.services.audit import audit_record, field_changes
from portal.views.mixins import TenantViewMixin
from suppliers.models import CollaborationRules

RULES = [
    "ack_days_early",
    "ack_days_late",
    "ack_qty_under_pct",
    "ack_qty_over_pct",
    "asn_qty_over_pct",
    "gs1_company_prefix",
]
# The page also sets the tenant's time zone (a field of the tenant, not of the rules): the zone of
# the days these rules count in. One audit entry holds both, as before the rules had their own row.
FIELDS = [*RULES, "time_zone"]


class CollaborationSettingsForm(forms.ModelForm):
    # The zone of the tenant's days (requested, promised, ship and expiry dates) and of its people's
    # times unless they choose their own (portal.dates).
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy(
            "Where your dock and buyers are: delivery days are your days, and times show in this zone "
            "unless a person chooses their own."
        ),
    )

    class Meta:
        model = CollaborationRules
        fields = RULES

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = zone_names()
        current = tenant.time_zone
        if current and current not in names:
            names = sorted([*names, current])
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in names]
        self.fields["time_zone"].initial = current

    def clean(self):
        data = super().clean()
        for name in ("ack_qty_under_pct", "ack_qty_over_pct", "asn_qty_over_pct"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 100:
                self.add_error(
                    name, gettext("Give a percentage from 0 to 100 (got %(value)s).") % {"value": l10n.num(value)}
                )
        return data


class CollaborationSettingsView(TenantViewMixin, FormView):
    template_name = "suppliers/collaboration_settings.html"
    form_class = CollaborationSettingsForm
    allowed_roles = {Role.TENANT_ADMIN}
    nav_key = "rules"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        tenant = Tenant.objects.get(pk=self.membership.tenant_id)
        kwargs["tenant"] = tenant
        kwargs["instance"] = CollaborationRules.objects.filter(tenant=tenant).first() or CollaborationRules(
            tenant=tenant
        )
        return kwargs

    def form_valid(self, form):
        with transaction.atomic():
            tenant = Tenant.objects.select_for_update().get(pk=self.membership.tenant_id)
            # A tenant has no row until its rules are first saved; the tenant's lock keeps it to one.
            CollaborationRules.objects.get_or_create(tenant=tenant)
            rules = CollaborationRules.objects.select_for_update().get(tenant=tenant)
            before = {**{name: getattr(rules, name) for name in RULES}, "time_zone": tenant.time_zone}
            after = {**{name: form.cleaned_data[name] for name in RULES}, "time_zone": form.cleaned_data["time_zone"]}
            changes = field_changes(before, after)
            # Saving the page unchanged writes nothing: no row touched, no audit entry.
            if any(name in changes for name in RULES):
                for name in RULES:
                    setattr(rules, name, after[name])
                rules.save(update_fields=RULES)
            if "time_zone" in changes:
                tenant.time_zone = after["time_zone"]
                tenant.save(update_fields=["time_zone"])
            if changes:
                audit_record(
                    tenant=tenant,
                    actor=self.request.user,
                    action="tenant.collaboration_settings",
                    obj=tenant,
                    changes=changes,
                )
        messages.success(
            self.request,
            gettext("Supplier collaboration rules saved; they apply to the next acknowledgement and shipment."),
        )
        return redirect("collaboration_settings", tenant.slug)
