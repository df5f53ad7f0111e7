"""Forms of the tenancy and account pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password

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
    Role.SUPPLIER_USER: "works the orders and shipments",
    Role.SUPPLIER_ADMIN: "also invites colleagues and manages API tokens",
    Role.INSPECTOR: "inspects receipts at the dock",
    Role.QUALITY_ENGINEER: "handles nonconformances and corrective actions",
    Role.BUYER: "decides on suppliers' changes to orders",
    Role.TENANT_ADMIN: "everything, including members, Odoo and rules",
}


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, roles: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ordered = sorted(roles, key=ROLES_BY_PRIVILEGE.index)
        self.fields["role"].choices = [(r, f"{Role(r).label}: {ROLE_HELP[r]}") for r in ordered]
        self.fields["role"].initial = ordered[0] if ordered else None


class ScopeForm(forms.Form):
    all_partners = forms.BooleanField(label="Works with every supplier of the tenant", required=False)
    partners = forms.ModelMultipleChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Suppliers this person works with",
    )

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = Partner.objects.filter(tenant=tenant, is_active=True)

    def clean(self):
        data = super().clean()
        if not data.get("all_partners") and not data.get("partners"):
            self.add_error("partners", "Choose at least one supplier, or tick 'every supplier'.")
        return data


class InvitationSignupForm(forms.Form):
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            from portal.models import User

            probe = User(email=self.email, first_name=data.get("first_name", ""), last_name=data.get("last_name", ""))
            try:
                validate_password(p1, user=probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class TimeZoneForm(forms.Form):
    """A person's own time zone; the first choice follows the tenant's."""

    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Every time in the portal is shown in this zone (dates of delivery stay the tenant's days).",
    )

    def __init__(self, *args, tenant, current: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from portal.dates import zone_names

        names = zone_names()
        if current and current not in names:
            names = sorted([*names, current])
        self.fields["time_zone"].choices = [("", f"Same as {tenant.name} ({tenant.time_zone})")] + [
            (name, name.replace("_", " ")) for name in names
        ]
