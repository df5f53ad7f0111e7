"""What an inspector types at the dock: a scan, a measurement, a photo, the signing password."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from quality.models.results import PHOTO_MAX_BYTES
from suppliers.quantities import NumberError, parse_number


def parse_measurement(text: str) -> Decimal:
    """A measured value as typed on a tablet: "10,25" and "10.25" are both ten and a quarter.

    Measurements are never grouped by thousands, so one comma or one point is the decimal mark
    (``parse_number`` would refuse "10,250" as ambiguous; here it is 10.25). Raises ``ValidationError``.
    """
    text = (text or "").strip()
    mark = "," if "," in text and "." not in text else "."
    try:
        return parse_number(text, decimal_mark=mark)
    except NumberError as exc:
        raise ValidationError(str(exc)) from exc


class ScanForm(forms.Form):
    scan = forms.CharField(max_length=128, required=False, strip=True)


class SignForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)


class PhotoForm(forms.Form):
    photo = forms.FileField()
    unit = forms.IntegerField(required=False, min_value=1)
    note = forms.CharField(max_length=200, required=False)

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        if photo.size > PHOTO_MAX_BYTES:
            raise ValidationError(_("A photo may be at most %(mb)s MB.") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)})
        return photo
