from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant


class OdooConnectionForm(forms.Form):
    url = forms.URLField(
        label=_("Odoo URL"),
        help_text=_("The address you open Odoo at, e.g. https://erp.example.com"),
        assume_scheme="https",
    )
    database = forms.CharField(label=_("Database"), max_length=120)
    login = forms.CharField(
        label=_("Integration user login"),
        max_length=120,
        help_text=_("A dedicated Odoo user with Purchase/User and Inventory/User rights, and an email."),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the stored one."),
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Needed for JSON-2 (Odoo 19 and newer). Leave blank to keep the stored one."),
    )
    transport = forms.ChoiceField(label=_("Protocol"), choices=Tenant._meta.get_field("odoo_transport").choices)
    timeout_seconds = forms.IntegerField(label=_("Timeout (seconds)"), min_value=3, max_value=300)

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def clean(self):
        data = super().clean()
        has_password = bool(data.get("password") or self.tenant.odoo_password_encrypted)
        has_key = bool(data.get("api_key") or self.tenant.odoo_api_key_encrypted)
        if not has_password and not has_key:
            self.add_error("password", _("Give the integration user's password or an API key."))
        if data.get("transport") == "json2" and not has_key:
            self.add_error("api_key", _("JSON-2 authenticates with an API key; create one for the integration user."))
        return data


class TenantLanguageForm(forms.ModelForm):
    """The tenant's languages: the portal's default, the documents', and the one Odoo is asked to answer in."""

    class Meta:
        model = Tenant
        fields = ["language", "document_language", "odoo_lang"]
        labels = {
            "language": _("Portal language"),
            "document_language": _("Language of documents"),
            "odoo_lang": _("Odoo language code"),
        }
        help_texts = {
            "language": _(
                "For people who have chosen no language and whose browser asks for none the portal speaks; "
                "also the language of the notes the portal posts in Odoo."
            ),
            "document_language": _(
                "PDFs (packing slips, labels, orders, reports) in the language of the partner each is for, "
                "or all in one language."
            ),
            "odoo_lang": _(
                "Odoo's code of the language Odoo answers and writes in, e.g. de_DE; it must be active in Odoo. "
                "Empty: Odoo's own default."
            ),
        }
        widgets = {"odoo_lang": forms.TextInput(attrs={"placeholder": "de_DE", "autocomplete": "off"})}
