"""Forms of the tenancy and account pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.models import Partner, Role

# Least privileged first: an invitation starts with the role that can do least, and giving more is a
# choice the inviter makes.
ROLES_BY_PRIVILEGE = [
    Role.SUPPLIER_USER,
    Role.SUPPLIER_ADMIN,
    Role.INSPECTOR,
    Role.QUALITY_ENGINEER,
    Role.BUYER,
    Role.TENANT_ADMIN,
]
ROLE_HELP = {
    Role.SUPPLIER_USER: gettext_lazy("works the orders and shipments"),
    Role.SUPPLIER_ADMIN: gettext_lazy("also invites colleagues and manages API tokens"),
    Role.INSPECTOR: gettext_lazy("inspects receipts at the dock"),
    Role.QUALITY_ENGINEER: gettext_lazy("handles nonconformances and corrective actions"),
    Role.BUYER: gettext_lazy("decides on suppliers' changes to orders"),
    Role.TENANT_ADMIN: gettext_lazy("everything, including members, Odoo and rules"),
}


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"))

    def __init__(self, *args, roles: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ordered = sorted(roles, key=ROLES_BY_PRIVILEGE.index)
        self.fields["role"].choices = [
            (r, _("%(role)s: %(what)s") % {"role": Role(r).label, "what": ROLE_HELP[r]}) for r in ordered
        ]
        self.fields["role"].initial = ordered[0] if ordered else None


class ScopeForm(forms.Form):
    all_partners = forms.BooleanField(label=gettext_lazy("Works with every supplier of the tenant"), required=False)
    partners = forms.ModelMultipleChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Suppliers this person works with"),
    )

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = Partner.objects.filter(tenant=tenant, is_active=True)

    def clean(self):
        data = super().clean()
        if not data.get("all_partners") and not data.get("partners"):
            self.add_error("partners", _("Choose at least one supplier, or tick 'every supplier'."))
        return data


class InvitationSignupForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            from portal.models import User

            probe = User(email=self.email, first_name=data.get("first_name", ""), last_name=data.get("last_name", ""))
            try:
                validate_password(p1, user=probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ProfileForm(forms.Form):
    """A person's own language and time zone; the first choice of each follows the browser or the tenant."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        help_text=gettext_lazy("The language of your pages and emails."),
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy(
            "Every time in the portal is shown in this zone (dates of delivery stay the tenant's days)."
        ),
    )

    def __init__(self, *args, tenant, current: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from portal.dates import zone_names

        names = zone_names()
        if current and current not in names:
            names = sorted([*names, current])
        same = _("Same as %(tenant)s (%(zone)s)") % {"tenant": tenant.name, "zone": tenant.time_zone}
        self.fields["time_zone"].choices = [("", same)] + [(name, name.replace("_", " ")) for name in names]
        # Each language by its own name, so a person lost in a foreign one still finds theirs.
        self.fields["language"].choices = [("", pgettext_lazy("language", "Browser's language")), *settings.LANGUAGES]


class PartnerLanguageForm(forms.Form):
    """The language of a partner's documents, API answers and (for its people without their own) emails."""

    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from portal import l10n

        code = l10n.tenant_language(tenant)
        tenant_name = dict(settings.LANGUAGES).get(code, code)
        same = _("The tenant's (%(language)s)") % {"language": tenant_name}
        self.fields["language"].choices = [("", same), *settings.LANGUAGES]
