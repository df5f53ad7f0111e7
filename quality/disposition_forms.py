"""The disposition form on the inspection page: three quantities (as typed in the page's language) and a reason."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from suppliers.forms.fields import QuantityField


class DispositionForm(forms.Form):
    released = QuantityField(required=False, empty=Decimal(0))
    returned = QuantityField(required=False, empty=Decimal(0))
    scrapped = QuantityField(required=False, empty=Decimal(0))
    reason = forms.CharField(required=False, strip=True, max_length=4000)
