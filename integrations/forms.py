from __future__ import annotations

from django import forms

from portal.models import Tenant


class OdooConnectionForm(forms.Form):
    url = forms.URLField(
        label="Odoo URL", help_text="The address you open Odoo at, e.g. https://erp.example.com", assume_scheme="https"
    )
    database = forms.CharField(label="Database", max_length=120)
    login = forms.CharField(
        label="Integration user login",
        max_length=120,
        help_text="A dedicated Odoo user with Purchase/User and Inventory/User rights, and an email.",
    )
    password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored one.",
    )
    api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Needed for JSON-2 (Odoo 19 and newer). Leave blank to keep the stored one.",
    )
    transport = forms.ChoiceField(label="Protocol", choices=Tenant._meta.get_field("odoo_transport").choices)
    timeout_seconds = forms.IntegerField(label="Timeout (seconds)", min_value=3, max_value=300)

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def clean(self):
        data = super().clean()
        has_password = bool(data.get("password") or self.tenant.odoo_password_encrypted)
        has_key = bool(data.get("api_key") or self.tenant.odoo_api_key_encrypted)
        if not has_password and not has_key:
            self.add_error("password", "Give the integration user's password or an API key.")
        if data.get("transport") == "json2" and not has_key:
            self.add_error("api_key", "JSON-2 authenticates with an API key; create one for the integration user.")
        return data
