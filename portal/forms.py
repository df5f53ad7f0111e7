"""Forms of the tenancy and account pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password

from portal.models import Partner, Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, roles: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]


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
