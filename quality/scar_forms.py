"""The SCAR pages' forms: they read what was typed; ``quality.services.scars`` and ``scar_answers`` decide
what is allowed and say why (their ``ValidationError`` lands next to the field it names).

``IssueForm``: a SCAR to one partner, from some of its NCRs, with a due date per 8D step.
``StepAnswerForm``: a supplier's answer to one step, built from the step's field definitions in
``quality.scar_content`` (a text, a list of lines such as D4's whys, a table such as the fishbone's
categories); its ``content()`` is the structured dict the service takes.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Membership, Partner
from quality.models import STEP_CODES, STEP_TITLES
from suppliers.forms.fields import DayField, QuantityField
from suppliers.models import Product

MAX_NCRS_OFFERED = 100


class IssueForm(forms.Form):
    """A SCAR to ``partner``: its title, product, the NCRs it answers and a due date per step.

    The partner is fixed by the page (from ``?ncr=`` or ``?partner=``); only that partner's NCRs in the
    member's scope are offered, so another one posted anyway is "not one of the choices".
    """

    title = forms.CharField(
        max_length=200, label=gettext_lazy("Title"), help_text=gettext_lazy("What the supplier must fix, in a line.")
    )
    product = forms.ModelChoiceField(queryset=Product.objects.none(), required=False, label=gettext_lazy("Product"))
    ncrs = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=gettext_lazy("NCRs"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, membership: Membership, partner: Partner, ncrs, due_days: dict[str, int], today, **kw):
        super().__init__(*args, **kw)
        self.fields["ncrs"].queryset = ncrs
        self.fields["ncrs"].label_from_instance = lambda n: f"{n.number} · {n.title} · {n.product}"
        self.fields["product"].queryset = Product.objects.filter(tenant_id=membership.tenant_id).order_by("name")
        for code in STEP_CODES:
            self.fields[f"due_{code}"] = DayField(
                label=f"{code} {STEP_TITLES[code]}",
                initial=(today + dt.timedelta(days=due_days[code])).isoformat(),
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def due_dates(self) -> dict[str, dt.date]:
        return {code: self.cleaned_data[f"due_{code}"] for code in STEP_CODES}

    def due_fields(self):
        return [self[f"due_{code}"] for code in STEP_CODES]


class PartnerChoiceForm(forms.Form):
    """The first step of issuing a SCAR without an NCR: which supplier."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(), label=gettext_lazy("Supplier"), empty_label=gettext_lazy("Choose")
    )

    def __init__(self, *args, membership: Membership, **kw):
        super().__init__(*args, **kw)
        self.fields["partner"].queryset = Partner.objects.visible_to(membership).order_by("name")


class ReviewForm(forms.Form):
    """Accept a step (comment optional) or send it back (the comment says what is missing). ``version``
    (hidden) names the answer version the page showed: the service refuses a review of an unseen newer one."""

    decision = forms.ChoiceField(choices=[("accept", gettext_lazy("Accept")), ("send_back", gettext_lazy("Send back"))])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32767)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "send_back" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what is missing: the supplier reads this comment above the step's form."))
        return data


class DueDateForm(forms.Form):
    due_date = DayField(label=gettext_lazy("Due date"), widget=forms.DateInput(attrs={"type": "date"}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label=gettext_lazy("Why cancel this SCAR"),
        strip=True,
    )


# --- the supplier's answer to a step ------------------------------------------------------------

EXTRA_ROWS = 3  # blank rows offered below those already answered (no script needed to add one)
INPUT_TYPES = {"text": "text", "email": "email", "date": "date", "quantity": "text", "count": "text"}
NUMBER_KINDS = ("quantity", "count")


class StepAnswerForm:
    """The inputs of step ``code``'s fields, named by their path in the content (``actions.0.what``,
    ``occurrence_whys.2``, ``stock_at_supplier.found``, ``fishbone.machine``), filled from what was posted
    (``data``: kept as typed on an error) or from the latest answer (``content``).

    ``content()`` builds the structured answer: blank rows and blank list entries are left out, a fishbone
    category one cause per line, and numbers (D3's counts of pieces) read by the project's quantity rules
    (``suppliers.forms.fields.QuantityField``: "1,200" is 1200 on an English page and 1.2 on a German one;
    grouping that the page's language does not settle is refused, with the reason beside the field).
    ``place(errors)`` puts the service's errors (keyed by content path) on the inputs they concern, a number
    that could not be read keeping its own reason; ``errors["__all__"]`` holds the rest.
    """

    def __init__(self, code: str, *, data=None, content: dict | None = None) -> None:
        from quality.scar_content import fields_for

        self.code, self.fields = code, fields_for(code)
        self.data = data
        self.values = _flatten(self.fields, content or {}) if data is None else {k: data.get(k, "") for k in data}
        self.errors: dict[str, str] = {}
        self._row_map: dict[str, list[int]] = {}  # rows path -> the input row of each row sent
        self._unread: dict[str, str] = {}  # input path -> why its number could not be read

    # building the answer
    def content(self) -> dict:
        return {f.name: v for f in self.fields if (v := self._read(f, f.name)) not in (None, "", [], {})}

    def _get(self, path: str) -> str:
        return str(self.values.get(path, "") or "")

    def _read(self, f, path: str):
        if f.kind == "text_list":
            return [self._get(f"{path}.{i}") for i in range(_list_size(f, self.values, path))]
        if f.kind == "rows":
            rows, kept = [], []
            for i in range(_rows_size(f, self.values, path)):
                row = {s.name: v for s in f.fields if (v := self._read(s, f"{path}.{i}.{s.name}")) not in (None, "")}
                if row:
                    rows.append(row)
                    kept.append(i)
            self._row_map[path] = kept
            return rows
        if f.kind == "group":
            return {s.name: v for s in f.fields if (v := self._read(s, f"{path}.{s.name}")) not in (None, "")}
        if f.kind == "categories":
            lines = {key: [ln.strip() for ln in self._get(f"{path}.{key}").splitlines()] for key in f.categories}
            return {key: [ln for ln in causes if ln] for key, causes in lines.items() if any(causes)}
        text = self._get(path).strip()
        if f.kind in NUMBER_KINDS and text:
            try:
                return QuantityField().clean(text)
            except forms.ValidationError as exc:
                self._unread[path] = " ".join(exc.messages)
                return text  # the service refuses it too; the reason above is the one shown
        return text or None

    # errors
    def place(self, errors: dict[str, str]) -> None:
        inputs = set(self._input_paths())
        for key, message in errors.items():
            spot = self._spot(key, inputs)
            self.errors[spot] = f"{self.errors[spot]} {message}".strip() if spot in self.errors else message
        self.errors.update(self._unread)  # "1,234.5.6: ..." says more than the service's "give a number"

    def _spot(self, key: str, inputs: set[str]) -> str:
        parts = key.split(".")
        for path, kept in self._row_map.items():  # a row's index in the answer -> its row on the form
            depth = len(path.split("."))
            if key.startswith(path + ".") and len(parts) > depth and parts[depth].isdigit():
                index = int(parts[depth])
                if index < len(kept):
                    parts[depth] = str(kept[index])
        for cut in range(len(parts), 0, -1):
            candidate = ".".join(parts[:cut])
            if candidate in inputs or candidate in {f.name for f in self.fields}:
                return candidate
        return "__all__"

    def _input_paths(self):
        for entry in self.entries():
            yield entry["path"]
            for cell in entry.get("cells", []):
                yield cell["path"]
            for row in entry.get("rows", []):
                for cell in row:
                    yield cell["path"]

    # what the template draws
    def entries(self) -> list[dict]:
        return [self._entry(f, f.name) for f in self.fields]

    def _cell(self, f, path: str) -> dict:
        return {
            "path": path,
            "id": "f-" + path.replace(".", "-"),
            "label": f.label,
            "kind": f.kind,
            "type": INPUT_TYPES.get(f.kind, "text"),
            "value": self._get(path),
            "required": f.required,
            "max_length": f.max_length,
            "help_text": f.help_text,
            "error": self.errors.get(path, ""),
            "decimal": f.kind in NUMBER_KINDS,
        }

    def _entry(self, f, path: str) -> dict:
        entry = self._cell(f, path)
        if f.kind == "text_list":
            word = _("Why %(number)s") if f.name.endswith("whys") else _("Entry %(number)s")
            entry["cells"] = [
                {**self._cell(f, f"{path}.{i}"), "label": word % {"number": i + 1}, "required": False}
                for i in range(f.max_items or 5)
            ]
        elif f.kind == "rows":
            size = min(_rows_size(f, self.values, path) + EXTRA_ROWS, f.max_items or 30)
            size = max(size, f.min_items or 1)
            entry["headers"] = [s.label for s in f.fields]
            entry["rows"] = [[self._cell(s, f"{path}.{i}.{s.name}") for s in f.fields] for i in range(size)]
        elif f.kind == "group":
            entry["cells"] = [self._cell(s, f"{path}.{s.name}") for s in f.fields]
        elif f.kind == "categories":
            entry["cells"] = [
                {**self._cell(f, f"{path}.{key}"), "label": label, "kind": "lines", "required": False}
                for key, label in f.categories.items()
            ]
        return entry


def _rows_size(f, values: dict, path: str) -> int:
    """How many rows the values hold (the highest index with something typed, plus one)."""
    limit = f.max_items or 30
    depth = len(path.split("."))
    indexes = [
        int(part)
        for k in values
        if k.startswith(path + ".")
        and str(values[k] or "").strip()  # blank rows sent back are offered again as blank rows, not kept
        and (part := [*k.split("."), ""][depth]).isascii()
        and part.isdigit()
        and len(part) < 4
    ]
    return min(max(indexes, default=-1) + 1, limit)


def _list_size(f, values: dict, path: str) -> int:
    return f.max_items or 5


def _flatten(fields, content: dict, prefix: str = "") -> dict[str, str]:
    """An answer's content as the inputs' values, keyed by path (the inverse of ``content()``)."""
    out: dict[str, str] = {}
    for f in fields:
        path = f"{prefix}{f.name}"
        value = content.get(f.name)
        if value in (None, "", [], {}):
            continue
        if f.kind == "text_list":
            out.update({f"{path}.{i}": str(v) for i, v in enumerate(value)})
        elif f.kind == "rows":
            for i, row in enumerate(value):
                out.update(_flatten(f.fields, row or {}, f"{path}.{i}."))
        elif f.kind == "group":
            out.update(_flatten(f.fields, value, f"{path}."))
        elif f.kind == "categories":
            out.update({f"{path}.{k}": "\n".join(map(str, v)) for k, v in value.items()})
        elif f.kind in NUMBER_KINDS:
            out[path] = str(int(value)) if float(value).is_integer() else str(value)
        else:
            out[path] = str(value)
    return out
