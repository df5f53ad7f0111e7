"""A person's own profile: the language they read and the time zone they see times in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.generic import FormView

from portal import dates, l10n
from portal.forms import ProfileForm
from portal.services.errors import error_messages
from portal.services.profiles import user_language_set, user_time_zone_set

from .mixins import TenantViewMixin


class ProfileView(TenantViewMixin, FormView):
    """Everyone's own page; nobody sees or changes another person's."""

    template_name = "portal/profile.html"
    form_class = ProfileForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(tenant=self.membership.tenant, current=self.request.user.time_zone)
        return kwargs

    def get_initial(self):
        return {"time_zone": self.request.user.time_zone, "language": self.request.user.language}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tz = timezone.get_current_timezone()
        context.update(now=timezone.now(), zone_name=str(tz), zone_abbreviation=dates.zone_label(tz))
        return context

    def form_valid(self, form):
        try:
            with transaction.atomic():
                # A form posted without the language (an older page) leaves the language as it is.
                if "language" in form.data:
                    user_language_set(membership=self.membership, language=form.cleaned_data["language"])
                user = user_time_zone_set(membership=self.membership, time_zone=form.cleaned_data["time_zone"])
        except ValidationError as exc:
            for field, message in error_messages(exc).items():
                form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        # The confirmation already speaks the language just chosen (else the one the page would take).
        self.request.user.language = user.language  # cleared: the browser's, else the tenant's, as the next page
        language = l10n.request_language(self.request)
        with translation.override(language):
            tenant = self.membership.tenant
            shown = user.time_zone or _("%(tenant)s's time zone (%(zone)s)") % {
                "tenant": tenant.name,
                "zone": tenant.time_zone,
            }
            messages.success(self.request, _("Saved. Times are now shown in %(zone)s.") % {"zone": shown})
        return redirect("profile", self.membership.tenant.slug)
