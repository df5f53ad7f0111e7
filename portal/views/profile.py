"""A person's own profile: the time zone they see times in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView

from portal import dates
from portal.forms import TimeZoneForm
from portal.services.errors import error_messages
from portal.services.profiles import user_time_zone_set

from .mixins import TenantViewMixin


class ProfileView(TenantViewMixin, FormView):
    """Everyone's own page; nobody sees or changes another person's."""

    template_name = "portal/profile.html"
    form_class = TimeZoneForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(tenant=self.membership.tenant, current=self.request.user.time_zone)
        return kwargs

    def get_initial(self):
        return {"time_zone": self.request.user.time_zone}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tz = timezone.get_current_timezone()
        context.update(now=timezone.now(), zone_name=str(tz), zone_abbreviation=dates.zone_label(tz))
        return context

    def form_valid(self, form):
        try:
            user = user_time_zone_set(membership=self.membership, time_zone=form.cleaned_data["time_zone"])
        except ValidationError as exc:
            for field, message in error_messages(exc).items():
                form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        shown = user.time_zone or f"{self.membership.tenant.name}'s time zone ({self.membership.tenant.time_zone})"
        messages.success(self.request, f"Times are now shown in {shown}.")
        return redirect("profile", self.membership.tenant.slug)
