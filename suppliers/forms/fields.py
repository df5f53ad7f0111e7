"""Form fields that read what people type by the portal's one set of rules.

Quantities and weights by ``suppliers.quantities`` (in the page language's decimal mark: "1,5"
on a German page is one and a half), days and moments by ``portal.dates``. ``TypedForm.typed``
hands a service every field's value, and a field it could not read as ``Refused`` (the text and
why), so the service reports it beside its own errors: one answer lists everything to fix.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext, gettext_lazy

from portal import dates
from portal.dates import Refused
from suppliers.quantities import NumberError, check_quantity, parse_number, parse_weight
from suppliers.services.asn_inputs import AsnValueInput
from suppliers.services.asn_values import parse_values

MAX_ID_DIGITS = 18  # ids are below 10**18 (the database's bigint)


def _decimal_mark() -> str | None:
    mark = get_format("DECIMAL_SEPARATOR")  # the active language's
    return mark if mark in (".", ",") else None


class QuantityField(forms.Field):
    """A quantity as typed ("1.234,5" on a German page); digits and limits of ``suppliers.quantities``.

    Its sign is left to the service, which says what the quantity must be ("above 0", "0 leaves
    the line out"). ``empty``: the value of a blank field when it is not required.
    """

    default_error_messages = {"required": gettext_lazy("Give a number.")}

    def __init__(self, *, empty: Decimal | None = None, **kwargs) -> None:
        self.empty = empty
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or not str(value).strip():
            return self.empty
        try:
            number = parse_number(value, decimal_mark=_decimal_mark())
            return check_quantity(number, allow_zero=True) if number >= 0 else number
        except NumberError as exc:
            raise ValidationError(str(exc)) from None


class WeightField(forms.Field):
    """A package weight in kg as typed, within the limits of ``suppliers.quantities``."""

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return parse_weight(value, decimal_mark=_decimal_mark())
        except NumberError as exc:
            raise ValidationError(str(exc)) from None


class CertificateValuesField(forms.Field):
    """A lot's certificate values as typed, one per line: ``Hardness = 42,5 HRC`` (the page
    language's decimal mark; see ``suppliers.services.asn_values``). Blank: none."""

    def to_python(self, value: Any) -> list[AsnValueInput]:
        read = parse_values("" if value is None else str(value), decimal_mark=_decimal_mark())
        if isinstance(read, Refused):
            raise ValidationError(read.message)
        return read


class DayField(forms.Field):
    """A calendar day (``YYYY-MM-DD`` or ``DD.MM.YYYY``) within the portal's limits."""

    def to_python(self, value: Any) -> dt.date | None:
        try:
            return dates.parse_day(value)
        except dates.DateInputError as exc:
            raise ValidationError(str(exc)) from None


class InstantField(forms.Field):
    """A moment as the page showed it: wall-clock time in the viewer's zone (the active one), a day
    alone at noon in ``day_zone`` (the tenant's). Text the page showed for ``keep`` keeps that
    moment exactly (seconds and a repeated hour included), so an unchanged save changes nothing."""

    def __init__(self, *, day_zone: dt.tzinfo | None = None, keep: dt.datetime | None = None, **kwargs) -> None:
        self.day_zone, self.keep = day_zone, keep
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            return dates.parse_instant(
                value, wall_zone=timezone.get_current_timezone(), day_zone=self.day_zone, keep=self.keep
            )
        except dates.DateInputError as exc:
            raise ValidationError(str(exc)) from None


class IdField(forms.Field):
    """A record's id as a page sends it (a hidden field, an option's value): digits only."""

    def to_python(self, value: Any) -> int | None:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS and int(text) > 0):
            raise ValidationError(gettext("“%(text)s” is not an id.") % {"text": text[:40]})
        return int(text)


class TextField(forms.Field):
    """Text as typed; the service strips it and says what is too long (one message on every path)."""

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value)


class TypedForm(forms.Form):
    """A form whose values go to a service as they are, refusals included (see the module docstring)."""

    def typed(self) -> dict[str, Any]:
        """Every field: its value, or ``Refused`` with the text as sent and the field's errors."""
        self.is_valid()
        out: dict[str, Any] = {}
        for name in self.fields:
            if name in self.errors:
                text = self.data.get(self.add_prefix(name), "")
                out[name] = Refused(str(text or ""), " ".join(self.errors[name]))
            else:
                out[name] = self.cleaned_data.get(name)
        return out
