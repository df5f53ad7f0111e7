"""Input serializers of the API refuse what they do not read: a misspelt or read-only field is an
error naming it, not a silent no-op that leaves the client believing it was applied."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers


def shown(name: str, limit: int = 80) -> str:
    """A client's field name as it can be told back: control characters and lone surrogates
    escaped (a NUL cannot be stored or logged everywhere), and no longer than ``limit``."""
    text = "".join(
        ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else f"\\u{ord(ch):04x}" for ch in name[:limit]
    )
    return text if len(name) <= limit else text + "…"


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
            accepted = ", ".join(sorted(n for n, f in self.fields.items() if not f.read_only)) or "no fields"
            for name in unknown[:20]:  # a body of a million keys gets twenty lines of answer
                errors[shown(name)] = [f"Unknown field; this accepts {accepted}."]
        if errors:
            raise serializers.ValidationError(errors)
        return value
