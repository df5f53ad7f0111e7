"""Quantities, weights and lists in the API, with the bounds the database and the services hold.

The schema says what the database says: a quantity is a decimal string of at most 11 digits
before the point and 4 after (``suppliers.quantities``), and each list says its ``maxItems``
(``suppliers.limits``), so an ERP reading the OpenAPI document and the portal agree on every
backend. Digits of other scripts ("١٢") are refused here as in files and forms; a list longer
than its bound is refused before any of its entries is looked at.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from portal import l10n
from portal.api.serializers import lazy_text
from suppliers.quantities import (
    QUANTITY_DIGITS,
    QUANTITY_MAX,
    QUANTITY_PLACES,
    WEIGHT_DIGITS,
    WEIGHT_MAX,
    WEIGHT_PLACES,
)


def at_most_decimals(places: int) -> str:
    """The message of too many decimals, read when it is shown (class-level ``default_error_messages``)."""
    return lazy_text(
        lambda: (
            ngettext("Use at most %(places)d decimal.", "Use at most %(places)d decimals.", places) % {"places": places}
        )
    )


class _AsciiDecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, str) and any(c.isdigit() and not c.isascii() for c in data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class QuantityField(_AsciiDecimalField):
    """A quantity in its unit: at most 11 digits before the decimal point and 4 after."""

    # The words files and forms use for the same limits.
    default_error_messages = {
        "max_digits": lazy_text(lambda: _("The largest quantity is %(max)s.") % {"max": l10n.num(QUANTITY_MAX)}),
        "max_whole_digits": lazy_text(lambda: _("The largest quantity is %(max)s.") % {"max": l10n.num(QUANTITY_MAX)}),
        "max_decimal_places": at_most_decimals(QUANTITY_PLACES),
    }

    def __init__(self, **kwargs):
        super().__init__(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, **kwargs)


class WeightField(_AsciiDecimalField):
    """A package weight in kg: at most 7 digits before the decimal point and 3 after."""

    default_error_messages = {
        "max_digits": lazy_text(lambda: _("The largest weight is %(max)s.") % {"max": l10n.num(WEIGHT_MAX)}),
        "max_whole_digits": lazy_text(lambda: _("The largest weight is %(max)s.") % {"max": l10n.num(WEIGHT_MAX)}),
        "max_decimal_places": at_most_decimals(WEIGHT_PLACES),
    }

    def __init__(self, **kwargs):
        super().__init__(max_digits=WEIGHT_DIGITS, decimal_places=WEIGHT_PLACES, **kwargs)


class BoundedList(serializers.ListSerializer):
    """A list of nested inputs with a maximum (``max_length``), checked before its entries are
    (DRF's ListSerializer does), and shown as ``maxItems`` in the schema."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("max_length") is None:
            raise TypeError("a BoundedList needs max_length")
        super().__init__(*args, **kwargs)


class BoundedListExtension(OpenApiSerializerFieldExtension):
    target_class = BoundedList

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._unwrap_list_serializer(self.target, direction)
        schema["maxItems"] = self.target.max_length
        return schema


class BoundedListField(serializers.ListField):
    """``ListField`` that refuses a list past ``max_length`` before validating its entries (DRF's
    checks the length after them, so a million entries would each be parsed first)."""

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
