"""The NCR pages' forms: a new NCR with its lot rows, the edit of its text and codes, containment
actions, files, dispositions, the material review's signature and the cancel reason.

Quantities are read by ``suppliers.quantities`` (the page language's decimal mark), days by
``portal.dates``; the services say what a value must be (above 0, at most the lot's quantity).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Membership, Partner
from quality.models import DefectClass, DefectCode, Ncr, NcrDisposition
from suppliers.forms.fields import DayField, IdField, QuantityField
from suppliers.models import Product

MAX_LOT_ROWS = 50  # an NCR covering more lots is a SCAR's or a recall's, not a page's job
SOURCES_BY_HAND = [(v, label) for v, label in Ncr.Source.choices]


class DefectCodesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: DefectCode) -> str:
        return f"{obj.code} · {obj.description} ({obj.get_defect_class_display()})"


def _codes(membership: Membership, keep=()):
    """The tenant's active codes, plus the inactive ones an NCR already names (kept when saved)."""
    from django.db.models import Q

    return DefectCode.objects.visible_to(membership).filter(Q(active=True) | Q(pk__in=[c.pk for c in keep]))


class NcrTextForm(forms.Form):
    """What the engineer writes about a nonconformance: title, severity, defect codes, description."""

    title = forms.CharField(label=_("Title"), max_length=400, help_text=_("What is wrong, in a line."))
    severity = forms.ChoiceField(label=_("Severity"), choices=DefectClass.choices, initial=DefectClass.MAJOR)
    defect_codes = DefectCodesField(
        label=_("Defect codes"),
        queryset=DefectCode.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From the catalogue; SCARs and the effectiveness check count by them."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was found, where and how; internal: suppliers see it only through a SCAR."),
    )

    def __init__(self, *args, membership: Membership, keep=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["defect_codes"].queryset = _codes(membership, keep)


class NcrNewForm(NcrTextForm):
    """A new NCR by hand; where it came from arrives as hidden ids (``?inspection=``, ``?receipt=``)."""

    source = forms.ChoiceField(label=_("Found at"), choices=SOURCES_BY_HAND, initial=Ncr.Source.PRODUCTION)
    partner = forms.ModelChoiceField(label=_("Supplier"), queryset=Partner.objects.none())
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    inspection = IdField(required=False, widget=forms.HiddenInput)
    receipt = IdField(required=False, widget=forms.HiddenInput)
    order = IdField(required=False, widget=forms.HiddenInput)
    asn = IdField(required=False, widget=forms.HiddenInput)

    field_order = ["source", "partner", "product", "title", "severity", "defect_codes", "description"]

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, membership=membership, **kwargs)
        self.fields["partner"].queryset = Partner.objects.visible_to(membership).order_by("name")
        self.fields["product"].queryset = Product.objects.filter(tenant_id=membership.tenant_id).order_by("name")


class LotRowForm(forms.Form):
    """One lot of the NCR (empty lot name: an untracked line): quantity affected and suspect."""

    lot_name = forms.CharField(label=_("Lot"), max_length=128, required=False, strip=True)
    affected = QuantityField(label=_("Affected"), required=False, empty=Decimal(0))
    suspect = QuantityField(label=_("Suspect"), required=False, empty=Decimal(0))
    inspection = IdField(required=False, widget=forms.HiddenInput)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not data.get("lot_name") and not data.get("affected") and not data.get("suspect")


LotRows = forms.formset_factory(LotRowForm, extra=3, max_num=MAX_LOT_ROWS, validate_max=True, absolute_max=MAX_LOT_ROWS)


class ContainmentForm(forms.Form):
    action = forms.CharField(
        label=_("Action"), max_length=600, help_text=_("e.g. Quarantine stock in WH/Stock, sort at supplier.")
    )
    owner = forms.CharField(label=_("Who"), max_length=240, help_text=_("A name, a team, or the supplier."))
    due_date = DayField(label=_("By"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class NcrFileForm(forms.Form):
    file = forms.FileField(label=_("File or photo"), help_text=_("PDF, PNG or JPEG, at most 10 MB."))
    shared_with_supplier = forms.BooleanField(
        label=_("Share with the supplier"), required=False, help_text=_("Off: only your staff see it.")
    )


class DispositionProposeForm(forms.Form):
    lot = IdField(label=_("Lot"))
    kind = forms.ChoiceField(label=_("Disposition"), choices=NcrDisposition.Kind.choices)
    quantity = QuantityField(label=_("Quantity"))
    instructions = forms.CharField(
        label=_("Instructions"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 2})
    )
    concession_until = DayField(
        label=_("Concession until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sorted_from = IdField(required=False, widget=forms.HiddenInput)


class SignatureForm(forms.Form):
    """A material review decision: the password re-entered (an electronic signature) and a comment."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False, required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ListFilterForm(forms.Form):
    """The NCR list's filters, read leniently: a value that names nothing is ignored, not an error."""

    q = forms.CharField(label=_("Search"), required=False, max_length=128, strip=True)
    partner = IdField(label=_("Supplier"), required=False)
    product = IdField(label=_("Product"), required=False)
    defect_code = IdField(label=_("Defect code"), required=False)
    status = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Open (any)")), ("all", _("All")), *Ncr.Status.choices]
    )
    age_days = forms.IntegerField(label=_("Older than (days)"), required=False, min_value=0, max_value=3650)
