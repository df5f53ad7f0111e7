"""The scorecard rules page's forms: the rules with each scored measure's weight and target, and the
standings (a formset, best first; a row's "Remove" takes it out, the empty row adds one).

The forms read and show; what is allowed is checked again, whole, by
``quality.scorecards.rules_service`` (the page places its errors next to the fields named here).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quality.scorecards import catalogue
from quality.scorecards.rules_service import INT_LIMITS, MAX_STANDINGS, MAX_TARGET, MAX_WEIGHT, NAME_MAX, SCORED

ODOO_19_NOTE = gettext_lazy("Odoo 19 has no blocking warning; a blocking standing shows as a warning there.")
UNIT_WORDS = {"%": "%", "PPM": "PPM", "count": gettext_lazy("per month")}
STALE_ROW = gettext_lazy("This standing is no longer there: reload the page.")


def weight_field(key: str) -> str:
    return f"weight_{key}"


def target_field(key: str) -> str:
    return f"target_{key}"


def _int(label: str, name: str, help_text: str) -> forms.IntegerField:
    low, high = INT_LIMITS[name]
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _pct(label: str, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )


class ScorecardRulesForm(forms.Form):
    on_time_days_early = _int(
        gettext_lazy("On time: days early"),
        "on_time_days_early",
        gettext_lazy("A delivery this many days before the promised date is on time."),
    )
    on_time_days_late = _int(
        gettext_lazy("On time: days late"),
        "on_time_days_late",
        gettext_lazy("A delivery this many days after the promised date is on time."),
    )
    # "(%)" is a percent sign in these labels, not a placeholder.
    quantity_over_pct = _pct(
        # xgettext:no-python-format
        gettext_lazy("Quantity: over by up to (%)"),
        gettext_lazy("Received above ordered by up to this is accurate."),
    )
    quantity_under_pct = _pct(
        # xgettext:no-python-format
        gettext_lazy("Quantity: under by up to (%)"),
        gettext_lazy("Received below ordered by up to this is accurate."),
    )
    ack_target_hours = _int(
        gettext_lazy("Acknowledgement within (hours)"),
        "ack_target_hours",
        gettext_lazy("A PO acknowledged within this many hours of its publication is on time."),
    )
    standing_months = _int(
        gettext_lazy("Score over (months)"),
        "standing_months",
        gettext_lazy(
            "The score and standing are taken over this many months, the current one included; the trend compares "
            "them with as many months before."
        ),
    )
    push_purchase_warning = forms.BooleanField(
        label=gettext_lazy("Show warning standings in Odoo"),
        required=False,
        help_text=gettext_lazy(
            "A partner entering a standing that warns gets a purchase warning on its contact in Odoo, with "
            "the standing and its reasons, and a note in its chatter; a better standing clears it again and brings "
            "back any warning a person had written."
        ),
    )
    allow_block = forms.BooleanField(
        label=gettext_lazy("Let a blocking standing block new POs"),
        required=False,
        help_text=format_lazy(
            "{} {}", gettext_lazy("On Odoo 18 the warning of a blocking standing is a blocking one."), ODOO_19_NOTE
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key in SCORED:
            m = catalogue.MEASURES[key]
            self.fields[weight_field(key)] = forms.IntegerField(
                label=_("%(measure)s: weight") % {"measure": m.label},
                min_value=0,
                max_value=MAX_WEIGHT,
                help_text=_("0 leaves it out of the score (it is still shown)."),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            full_marks = _("Full marks at at least this.") if m.higher_is_better else _("Full marks at at most this.")
            self.fields[target_field(key)] = forms.DecimalField(
                label=_("%(measure)s: target (%(unit)s)") % {"measure": m.label, "unit": UNIT_WORDS[m.unit]},
                min_value=0,
                max_value=MAX_TARGET[m.unit],
                max_digits=9,
                decimal_places=2,
                help_text=f"{m.help} {full_marks}",
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            )

    def window_fields(self):
        return [self[name] for name in ("on_time_days_early", "on_time_days_late", "quantity_over_pct")] + [
            self[name] for name in ("quantity_under_pct", "ack_target_hours", "standing_months")
        ]

    def measure_rows(self):
        """``(measure, weight bound field, target bound field)`` per scored measure, in catalogue order."""
        return [(catalogue.MEASURES[k], self[weight_field(k)], self[target_field(k)]) for k in SCORED]

    def odoo_fields(self):
        return [self["push_purchase_warning"], self["allow_block"]]

    def values(self) -> dict:
        data = self.cleaned_data
        names = ("on_time_days_early", "on_time_days_late", "quantity_over_pct", "quantity_under_pct")
        values = {name: data[name] for name in (*names, "ack_target_hours", "standing_months")}
        values.update(push_purchase_warning=data["push_purchase_warning"], allow_block=data["allow_block"])
        values["measures"] = {k: {"weight": data[weight_field(k)], "target": data[target_field(k)]} for k in SCORED}
        return values

    def place(self, errors: dict[str, list[str]]) -> list[str]:
        """Put the service's errors on their fields (``measures.otd.weight`` -> ``weight_otd``); answers
        the ones that belong to no field of this form."""
        left = []
        for key, messages in errors.items():
            name = key
            if key.startswith("measures."):
                parts = key.split(".")
                name = (weight_field if parts[-1] == "weight" else target_field)(parts[1]) if len(parts) == 3 else ""
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
            elif not key.startswith("standings"):
                left.extend(messages)
        return left


def rules_initial(rules, measures: dict[str, dict]) -> dict:
    """The form's initial values from saved (or default) rules and ``rules_service.effective_measures``."""
    names = (
        "on_time_days_early",
        "on_time_days_late",
        "quantity_over_pct",
        "quantity_under_pct",
        "ack_target_hours",
        "standing_months",
        "push_purchase_warning",
        "allow_block",
    )
    initial = {name: getattr(rules, name) for name in names}
    for key, own in measures.items():
        initial[weight_field(key)] = own["weight"]
        initial[target_field(key)] = Decimal(own["target"])
    return initial


class StandingForm(forms.Form):
    # Hidden: a value that is no standing's id was not typed by the admin, so the row says what to do.
    id = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"invalid": STALE_ROW, "min_value": STALE_ROW},
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX, required=False)
    min_score = forms.DecimalField(
        label=gettext_lazy("From score"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    warns = forms.BooleanField(label=gettext_lazy("Warns"), required=False)
    blocks = forms.BooleanField(label=gettext_lazy("Blocks"), required=False)


class BaseStandingFormSet(forms.BaseFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")

    def rows(self) -> list[dict]:
        """The standings as posted, best first: rows marked "Remove" and empty new rows left out. Each row
        keeps ``form_index`` (its form's position), to place the service's errors."""
        out = []
        for index, form in enumerate(self.forms):
            data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
            if not data or data.get("DELETE"):
                continue
            if data.get("id") is None and not (data.get("name") or "").strip() and data.get("min_score") is None:
                continue
            out.append(
                {
                    "id": data.get("id"),
                    "name": data.get("name") or "",
                    "min_score": data.get("min_score"),
                    "warns": bool(data.get("warns")),
                    "blocks": bool(data.get("blocks")),
                    "form_index": index,
                }
            )
        return out

    def place(self, errors: dict[str, list[str]], rows: list[dict]) -> list[str]:
        """Put ``standings.<i>.<field>`` errors on the form of row ``i``; answers the formset-wide ones."""
        left = []
        for key, messages in errors.items():
            parts = key.split(".")
            if parts[0] != "standings":
                continue
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                form = self.forms[rows[int(parts[1])]["form_index"]]
                for message in messages:
                    form.add_error(parts[2] if parts[2] in form.fields else None, message)
            else:
                left.extend(messages)
        return left


StandingFormSet = forms.formset_factory(
    StandingForm,
    formset=BaseStandingFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_STANDINGS,
    validate_max=True,
    absolute_max=MAX_STANDINGS + 5,
)


def standings_initial(standings) -> list[dict]:
    return [
        {"id": s.pk, "name": s.name, "min_score": catalogue.plain(s.min_score), "warns": s.warns, "blocks": s.blocks}
        for s in standings
    ]
