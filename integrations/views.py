"""Integration pages for tenant admins."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from integrations.forms import OdooConnectionForm, TenantLanguageForm
from integrations.services.connection import (
    tenant_languages_set,
    tenant_odoo_check_request,
    tenant_odoo_configure,
)
from portal.models import Role
from portal.views.mixins import TenantViewMixin

LANGUAGE_SECTION = "language"  # the hidden "section" of the language form: both forms post to this page


class OdooSettingsView(TenantViewMixin, FormView):
    template_name = "integrations/odoo_settings.html"
    form_class = OdooConnectionForm
    allowed_roles = {Role.TENANT_ADMIN}
    nav_key = "odoo"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["tenant"] = self.membership.tenant
        if self._language_posted():
            kwargs.pop("data", None)
            kwargs.pop("files", None)
        return kwargs

    def _language_posted(self) -> bool:
        return self.request.method == "POST" and self.request.POST.get("section") == LANGUAGE_SECTION

    def get_initial(self):
        tenant = self.membership.tenant
        return {
            "url": tenant.odoo_url,
            "database": tenant.odoo_database,
            "login": tenant.odoo_login,
            "transport": tenant.odoo_transport,
            "timeout_seconds": tenant.odoo_timeout_seconds,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant = self.membership.tenant
        check = tenant.odoo_check or {}
        requested = tenant.odoo_check_requested_at
        context["check"] = check
        context["checking"] = bool(requested and requested.isoformat() > check.get("checked_at", ""))
        context["has_password"] = bool(tenant.odoo_password_encrypted)
        context["has_api_key"] = bool(tenant.odoo_api_key_encrypted)
        context.setdefault("language_form", TenantLanguageForm(instance=tenant, prefix=LANGUAGE_SECTION))
        return context

    def post(self, request, *args, **kwargs):
        if not self._language_posted():
            return super().post(request, *args, **kwargs)
        tenant = self.membership.tenant
        form = TenantLanguageForm(request.POST, instance=tenant, prefix=LANGUAGE_SECTION)
        if not form.is_valid():
            tenant.refresh_from_db()  # the invalid values stay in the form, not on the page's tenant
            return self.render_to_response(self.get_context_data(language_form=form))
        data = form.cleaned_data
        tenant_languages_set(
            actor=self.membership,
            language=data["language"],
            document_language=data["document_language"],
            odoo_lang=data["odoo_lang"],
        )
        messages.success(request, _("Languages saved."))
        return redirect("odoo_settings", tenant.slug)

    def form_valid(self, form):
        data = form.cleaned_data
        tenant_odoo_configure(
            actor=self.membership,
            url=data["url"],
            database=data["database"],
            login=data["login"],
            password=data["password"] or None,
            api_key=data["api_key"] or None,
            transport=data["transport"],
            timeout_seconds=data["timeout_seconds"],
        )
        messages.success(self.request, _("Odoo connection saved. It is being checked now; this page shows the result."))
        return redirect("odoo_settings", self.membership.tenant.slug)


class OdooCheckView(TenantViewMixin, View):
    allowed_roles = {Role.TENANT_ADMIN}
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        tenant_odoo_check_request(actor=self.membership)
        messages.info(request, _("Checking the Odoo connection; the result appears here in a few seconds."))
        return redirect("odoo_settings", self.membership.tenant.slug)
