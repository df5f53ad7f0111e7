"""Input serializers of the API refuse what they do not read: a misspelt or read-only field is an
error naming it, not a silent no-op that leaves the client believing it was applied."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from rest_framework import serializers


def lazy_text(make: Callable[[], str]) -> str:
    """A message made when it is shown, in that answer's language, e.g. with a number the locale writes:
    for texts defined once (``default_error_messages``) that need more than ``gettext_lazy``."""
    return lazy(make, str)()


def shown(name: str, limit: int = 80) -> str:
    """A client's field name as it can be told back: control characters and lone surrogates
    escaped (a NUL cannot be stored or logged everywhere), and no longer than ``limit``."""
    text = "".join(
        ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else f"\\u{ord(ch):04x}" for ch in name[:limit]
    )
    return text if len(name) <= limit else text + "…"


class LabelField(serializers.CharField):
    """A label of the API's vocabulary (``get_status_display``, a step's title): English in every
    answer, like the value it names. Clients may match on it or show it; the pages translate it,
    the API's words of its own (problem details) follow the answer's language."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        # ``get_FOO_display`` reads the label when called: here, not later.
        with translation.override("en"):
            return super().get_attribute(instance)

    def to_representation(self, value) -> str:
        with translation.override("en"):
            return super().to_representation(value)


class StrictInputSerializer(serializers.Serializer):
    """Rejects unknown fields, at every level of nesting (``lines.0.lot``), beside the usual errors."""

    def to_internal_value(self, data):
        unknown = []
        if isinstance(data, Mapping):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in known)
        errors = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = dict(exc.detail)
        if unknown:
            accepted = ", ".join(sorted(n for n, f in self.fields.items() if not f.read_only))
            message = (
                _("Unknown field; this accepts %(fields)s.") % {"fields": accepted}
                if accepted
                else _("Unknown field; this accepts no fields.")
            )
            for name in unknown[:20]:  # a body of a million keys gets twenty lines of answer
                errors[shown(name)] = [message]
        if errors:
            raise serializers.ValidationError(errors)
        return value
