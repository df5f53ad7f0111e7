"""What the supplier writes in each 8D step: the structured fields of D1..D8, in one definition.

The portal's step form (``quality.scar_forms``), the API's serializers and the service
(``quality.services.scar_answers``) all read ``STEP_FIELDS``, so a limit or a label is said once.
A step's answer is a JSON object (``ScarAnswer.content``) whose keys are the step's field names:

- ``text``: one line (``max_length`` characters); ``textarea``: several lines;
- ``email``: an address; ``date``: a day, stored ``"YYYY-MM-DD"``;
- ``quantity``: a number >= 0 (at most ``QUANTITY_MAX``), in the product's unit;
- ``count``: a whole number of pieces >= 0 (at most ``QUANTITY_MAX``), e.g. D3's parts checked;
- ``text_list``: a list of texts (``min_items``..``max_items``, each ``max_length``), e.g. the 5 whys;
- ``rows``: a list of objects with the sub-fields ``fields`` (e.g. D5's actions: action, owner, due);
- ``group``: one object with the sub-fields ``fields`` (D3's stock at the supplier);
- ``categories``: an object of fixed ``categories`` (the fishbone's 6 Ms), each a list of texts.

``content_clean(code, content)`` answers ``(cleaned, errors)``: texts stripped, days and numbers in
their stored form, and the errors keyed by the field's path in the content (``actions.0.due``,
``fishbone.machine.1``) with a message in words. Unknown keys, wrong types, values past their
limits and missing required fields are errors; an empty optional field is left out. Texts refuse
what no database or reader handles safely (``quality.services.ncr_inputs.text_refusal``: control
characters, bidi controls, lone surrogates); an unknown key is told back escaped
(``portal.api.serializers.shown``); at most ``ERRORS_MAX`` errors are told, as the API's input
serializers do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import l10n
from portal.api.serializers import shown
from quality.models.scars import STEP_CODES, STEP_TITLES
from quality.services.ncr_inputs import text_refusal

QUANTITY_MAX = Decimal("1000000000")
ERRORS_MAX = 20  # a body of thousands of wrong keys gets twenty lines of answer, not megabytes
FISHBONE = {
    "man": gettext_lazy("Man (people)"),
    "machine": gettext_lazy("Machine"),
    "method": gettext_lazy("Method"),
    "material": gettext_lazy("Material"),
    "measurement": gettext_lazy("Measurement"),
    "environment": gettext_lazy("Environment"),
}


@dataclass(frozen=True)
class Field:
    """One field of a step's answer; see the module docstring for the kinds."""

    name: str
    label: str
    kind: str
    required: bool = False
    max_length: int = 0
    min_items: int = 0
    max_items: int = 0
    fields: tuple[Field, ...] = ()
    categories: dict[str, str] = field(default_factory=dict)
    help_text: str = ""


def _text(name, label, max_length=200, required=True, **kw) -> Field:
    return Field(name, label, "text", required=required, max_length=max_length, **kw)


def _area(name, label, max_length=4000, required=True, **kw) -> Field:
    return Field(name, label, "textarea", required=required, max_length=max_length, **kw)


def _count(name, label, required=True, **kw) -> Field:
    return Field(name, label, "count", required=required, **kw)


STEP_FIELDS: dict[str, tuple[Field, ...]] = {
    "D1": (
        Field(
            "members",
            gettext_lazy("Team members"),
            "rows",
            required=True,
            min_items=1,
            max_items=20,
            fields=(
                _text("name", gettext_lazy("Name"), 120),
                _text(
                    "role", gettext_lazy("Role"), 120, help_text=gettext_lazy("e.g. team leader, production, quality")
                ),
                Field("email", gettext_lazy("Email"), "email", max_length=254),
            ),
        ),
    ),
    "D2": (
        _area("what", gettext_lazy("What is wrong"), 2000),
        _text("where", gettext_lazy("Where it was found"), 500),
        _text("when", gettext_lazy("When it was found or made"), 500),
        _text("how_many", gettext_lazy("How many parts"), 200),
        _area("description", gettext_lazy("Further description"), required=False),
    ),
    "D3": (
        Field(
            "actions",
            gettext_lazy("Containment actions"),
            "rows",
            required=True,
            min_items=1,
            max_items=30,
            fields=(
                _text("what", gettext_lazy("What"), 500),
                _text("who", gettext_lazy("Who"), 120),
                Field("done_on", gettext_lazy("Done on"), "date"),
            ),
        ),
        Field(
            "stock_at_supplier",
            gettext_lazy("Stock at your site"),
            "group",
            required=True,
            fields=(
                _count("checked", gettext_lazy("Quantity checked")),
                _count("found", gettext_lazy("Nonconforming found")),
            ),
        ),
        Field(
            "stock_in_transit",
            gettext_lazy("Stock in transit (suspect shipments)"),
            "rows",
            max_items=50,
            fields=(
                _text("asn", gettext_lazy("Shipment (ASN)"), 20),
                _count("checked", gettext_lazy("Quantity checked")),
                _count("found", gettext_lazy("Found")),
            ),
        ),
    ),
    "D4": (
        Field("occurrence_whys", gettext_lazy("Why did it occur? (5 whys)"), "text_list", True, 500, 1, 5),
        Field("detection_whys", gettext_lazy("Why was it not detected? (5 whys)"), "text_list", True, 500, 1, 5),
        Field(
            "fishbone",
            gettext_lazy("Cause categories (fishbone)"),
            "categories",
            max_length=200,
            max_items=10,
            categories=FISHBONE,
        ),
        _area("root_cause_occurrence", gettext_lazy("Root cause of the occurrence"), 2000),
        _area("root_cause_detection", gettext_lazy("Root cause of the non-detection"), 2000),
    ),
    "D5": (
        Field(
            "actions",
            gettext_lazy("Permanent corrective actions"),
            "rows",
            required=True,
            min_items=1,
            max_items=30,
            fields=(
                _text("action", gettext_lazy("Action"), 500),
                _text("owner", gettext_lazy("Owner"), 120),
                Field("due", gettext_lazy("Due"), "date", required=True),
                _text("verification", gettext_lazy("How its effect is verified"), 500),
            ),
        ),
    ),
    "D6": (
        Field("implemented_on", gettext_lazy("Implemented on"), "date", required=True),
        _area("validation", gettext_lazy("How the actions were validated")),
    ),
    "D7": (
        Field(
            "documents_updated",
            gettext_lazy("Documents updated"),
            "rows",
            required=True,
            min_items=1,
            max_items=30,
            fields=(
                _text(
                    "document",
                    gettext_lazy("Document"),
                    120,
                    help_text=gettext_lazy("e.g. control plan, PFMEA, work instruction"),
                ),
                _text("reference", gettext_lazy("Reference"), 120),
                _text("revision", gettext_lazy("Revision"), 40),
            ),
        ),
        _area("lessons", gettext_lazy("Lessons learned, applied to similar products and processes")),
    ),
    "D8": (
        _area("summary", gettext_lazy("Closure summary")),
        _area("team_recognition", gettext_lazy("Team recognition"), 2000, required=False),
    ),
}
# D6 asks for evidence files beside its fields (quality.services.scar_answers checks them).
EVIDENCE_REQUIRED = frozenset({"D6"})

assert set(STEP_FIELDS) == set(STEP_CODES)


def fields_for(code: str) -> tuple[Field, ...]:
    """The fields of step ``code`` (``D1``..``D8``); raises ``KeyError`` for another code."""
    return STEP_FIELDS[code]


def step_label(code: str) -> str:
    return f"{code} {STEP_TITLES[code]}"


# --- validation ---------------------------------------------------------------------------------


def content_clean(code: str, content: Any) -> tuple[dict, dict[str, str]]:
    """``content`` checked against step ``code``'s fields: ``(cleaned, errors)``; see the module docstring."""
    errors: dict[str, str] = {}
    if code not in STEP_FIELDS:
        return {}, {
            "__all__": _("No step %(code)s: the steps are %(codes)s.")
            % {"code": repr(code), "codes": ", ".join(STEP_CODES)}
        }
    cleaned = _object(STEP_FIELDS[code], content, "", errors)
    if len(errors) > ERRORS_MAX:
        errors = dict(list(errors.items())[:ERRORS_MAX])
    return cleaned, errors


def content_errors(code: str, content: Any) -> dict[str, str]:
    """Only the errors of ``content_clean`` (empty: the content is a valid answer)."""
    return content_clean(code, content)[1]


def _path(prefix: str, name: str | int) -> str:
    return f"{prefix}.{name}" if prefix else str(name)


def _object(fields: tuple[Field, ...], value: Any, prefix: str, errors: dict) -> dict:
    if not isinstance(value, dict):
        errors[prefix or "__all__"] = _("Give an object of named fields.")
        return {}
    known = {f.name: f for f in fields}
    for key in value:
        if key not in known and len(errors) <= ERRORS_MAX:  # past the cap nothing more is told
            errors[_path(prefix, shown(str(key)))] = _("Unknown field; the fields here are %(fields)s.") % {
                "fields": ", ".join(known)
            }
    cleaned = {}
    for f in fields:
        item = _field(f, value.get(f.name), _path(prefix, f.name), errors)
        if item not in (None, "", [], {}):
            cleaned[f.name] = item
        elif f.required and not _has_error(errors, _path(prefix, f.name)):
            errors[_path(prefix, f.name)] = _("%(label)s is required.") % {"label": f.label}
    return cleaned


def _has_error(errors: dict, path: str) -> bool:
    """Whether ``path`` or a field inside it has an error already (no "required" on top of it)."""
    return path in errors or any(key.startswith(path + ".") for key in errors)


def _field(f: Field, value: Any, path: str, errors: dict) -> Any:
    if value is None:
        return None
    reader = _READERS[f.kind]
    try:
        return reader(f, value, path, errors)
    except ValueError as exc:
        errors[path] = str(exc)
        return None


def _read_text(f: Field, value: Any, path: str, errors: dict) -> str:
    if not isinstance(value, str):
        raise ValueError(_("%(label)s: give a text.") % {"label": f.label})
    text = value.strip() if f.kind == "textarea" else " ".join(value.split())
    if refusal := text_refusal(text):
        raise ValueError(_("%(label)s: %(refusal)s") % {"label": f.label, "refusal": refusal})
    if f.max_length and len(text) > f.max_length:
        raise ValueError(
            _("%(label)s: at most %(max)s characters (this has %(count)s).")
            % {"label": f.label, "max": f.max_length, "count": len(text)}
        )
    if text and f.kind == "email":
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError(
                _("%(label)s: %(value)s is not an email address.") % {"label": f.label, "value": text[:60]}
            ) from None
    return text


def _read_date(f: Field, value: Any, path: str, errors: dict) -> str:
    if isinstance(value, dt.datetime):
        raise ValueError(_("%(label)s: give a day (YYYY-MM-DD), not a time.") % {"label": f.label})
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and not value.strip():
        return ""
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError(
            _("%(label)s: %(value)s is not a day; give it as YYYY-MM-DD.")
            % {"label": f.label, "value": repr(str(value)[:30])}
        ) from None


def _read_quantity(f: Field, value: Any, path: str, errors: dict) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(_("%(label)s: give a number.") % {"label": f.label})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(_("%(label)s: give a number.") % {"label": f.label}) from None
    if not number.is_finite() or number < 0 or number > QUANTITY_MAX:
        raise ValueError(
            _("%(label)s: give a number from 0 to %(max)s.") % {"label": f.label, "max": l10n.num(QUANTITY_MAX)}
        )
    number = number.quantize(Decimal("0.0001"))
    if f.kind == "count":
        if number != number.to_integral_value():
            raise ValueError(
                _("%(label)s: a count of pieces is a whole number (not %(value)s).")
                % {"label": f.label, "value": value}
            )
        return int(number)
    return int(number) if number == number.to_integral_value() else float(number)


def _read_list(f: Field, value: Any, path: str, errors: dict) -> list:
    if not isinstance(value, list):
        raise ValueError(_("%(label)s: give a list.") % {"label": f.label})
    if f.max_items and len(value) > f.max_items:
        raise ValueError(
            _("%(label)s: at most %(max)s entries (this has %(count)s).")
            % {"label": f.label, "max": f.max_items, "count": len(value)}
        )
    if f.kind == "rows":
        items = [_object(f.fields, item, _path(path, i), errors) for i, item in enumerate(value)]
    else:
        items = [
            _field(
                Field(
                    f.name,
                    _("%(label)s, entry %(number)s") % {"label": f.label, "number": i + 1},
                    "text",
                    max_length=f.max_length,
                ),
                item,
                _path(path, i),
                errors,
            )
            for i, item in enumerate(value)
        ]
    items = [item for item in items if item not in (None, "", {})]
    if f.min_items and len(items) < f.min_items and not _has_error(errors, path):  # an entry's error says it
        raise ValueError(_("%(label)s: give at least %(min)s.") % {"label": f.label, "min": f.min_items})
    return items


def _read_group(f: Field, value: Any, path: str, errors: dict) -> dict:
    return _object(f.fields, value, path, errors)


def _read_categories(f: Field, value: Any, path: str, errors: dict) -> dict:
    if not isinstance(value, dict):
        raise ValueError(
            _("%(label)s: give an object with the categories %(categories)s.")
            % {"label": f.label, "categories": ", ".join(f.categories)}
        )
    cleaned = {}
    for key, causes in value.items():
        if key not in f.categories:
            if len(errors) <= ERRORS_MAX:
                errors[_path(path, shown(str(key)))] = _("Unknown category; the categories are %(categories)s.") % {
                    "categories": ", ".join(f.categories)
                }
            continue
        label = f.categories[key]
        one = Field(key, label, "text_list", max_length=f.max_length, max_items=f.max_items)
        items = _field(one, causes, _path(path, key), errors)
        if items:
            cleaned[key] = items
    return cleaned


_READERS = {
    "text": _read_text,
    "textarea": _read_text,
    "email": _read_text,
    "date": _read_date,
    "quantity": _read_quantity,
    "count": _read_quantity,
    "text_list": _read_list,
    "rows": _read_list,
    "group": _read_group,
    "categories": _read_categories,
}


def content_changes(before: dict | None, after: dict) -> list[str]:
    """The top-level fields whose value differs between two versions of an answer, in field order."""
    before = before or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


# --- description for the API's schema -----------------------------------------------------------


def json_schema(code: str) -> dict:
    """Step ``code``'s content as a JSON Schema object (for the API's documentation)."""
    return _schema_object(STEP_FIELDS[code], title=step_label(code))


def _schema_object(fields: tuple[Field, ...], title: str = "") -> dict:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.name: _schema_field(f) for f in fields},
        "required": [f.name for f in fields if f.required],
    }
    if title:
        schema["title"] = title
    return schema


def _schema_field(f: Field) -> dict:
    text = {"type": "string", "maxLength": f.max_length} if f.max_length else {"type": "string"}
    schema: dict[str, Any] = {
        "text": text,
        "textarea": text,
        "email": {**text, "format": "email"},
        "date": {"type": "string", "format": "date"},
        "quantity": {"type": "number", "minimum": 0, "maximum": float(QUANTITY_MAX)},
        "count": {"type": "integer", "minimum": 0, "maximum": int(QUANTITY_MAX)},
        "text_list": {"type": "array", "items": text, "minItems": f.min_items, "maxItems": f.max_items or None},
        "rows": {"type": "array", "items": _schema_object(f.fields), "minItems": f.min_items},
        "group": _schema_object(f.fields),
        "categories": {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: {"type": "array", "items": text, "maxItems": f.max_items} for k in f.categories},
        },
    }[f.kind]
    if f.kind == "rows" and f.max_items:
        schema["maxItems"] = f.max_items
    schema = {k: v for k, v in schema.items() if v is not None}
    schema["title"] = str(f.label)
    if f.help_text:
        schema["description"] = str(f.help_text)
    return schema
