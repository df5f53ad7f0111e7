"""The plan pages' forms: they parse what was typed; ``quality.services.plan_editing`` decides what is allowed.

Plain forms (not model forms): the services validate and save, and their ``ValidationError``
lands next to the field it names (``form.add_error(None, exc)``).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Membership, Partner
from quality.models import Characteristic, DefectClass, InspectionPlanVersion, SamplingRule
from quality.sampling.tables import AQLS, LEVELS
from suppliers.models import Product

DECIMAL = {"max_digits": 18, "decimal_places": 6}
NUMBER = {"inputmode": "decimal"}


class PlanForm(forms.Form):
    """A new plan: the product, and the one supplier it is for (or every supplier).

    Offers only the suppliers in the member's scope (``Partner.objects.visible_to``), so another one
    posted anyway is refused as "not one of the choices"; "Every supplier" only to a member who sees
    every partner (``plan_editing.plan_create`` enforces both again).
    """

    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        label=_("Supplier"),
        empty_label=_("Every supplier"),
        help_text=_("A plan for one supplier's lots wins over the product's plan for every supplier."),
    )
    name = forms.CharField(max_length=120, required=False, label=_("Name (optional)"))

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(tenant_id=membership.tenant_id).order_by("name")
        partner = self.fields["partner"]
        partner.queryset = Partner.objects.visible_to(membership).order_by("name")
        if not membership.sees_all_partners:
            partner.required = True
            partner.empty_label = _("Choose a supplier")
            partner.help_text = _(
                "One of the suppliers you work with: a plan for every supplier is made by those who see them all."
            )


class VersionForm(forms.Form):
    """A draft version's note and first-article rule."""

    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("What changed"))
    first_article_lots = forms.IntegerField(
        min_value=0,
        initial=0,
        label=_("First-article lots"),
        help_text=_("The first lots of a supplier new to this product are inspected as below; 0 turns it off."),
    )
    first_article_mode = forms.ChoiceField(
        choices=InspectionPlanVersion.FirstArticle.choices, label=_("First articles")
    )


class CharacteristicForm(forms.Form):
    """One characteristic; the measurement fields count for measured ones only."""

    kind = forms.ChoiceField(choices=Characteristic.Kind.choices, label=_("Kind"))
    name = forms.CharField(max_length=120, label=_("Name"))
    defect_class = forms.ChoiceField(choices=DefectClass.choices, initial=DefectClass.MAJOR, label=_("Defect class"))
    nominal = forms.DecimalField(required=False, label=_("Nominal"), widget=forms.TextInput(attrs=NUMBER), **DECIMAL)
    lower_tolerance = forms.DecimalField(
        required=False,
        label=_("Lower tolerance"),
        help_text=_("Below nominal: 0 or negative (e.g. -0.1)."),
        widget=forms.TextInput(attrs=NUMBER),
        **DECIMAL,
    )
    upper_tolerance = forms.DecimalField(
        required=False,
        label=_("Upper tolerance"),
        help_text=_("Above nominal: 0 or positive (e.g. 0.2)."),
        widget=forms.TextInput(attrs=NUMBER),
        **DECIMAL,
    )
    unit = forms.CharField(max_length=32, required=False, label=_("Unit"))
    decimals = forms.IntegerField(initial=2, label=_("Decimals"), help_text=_("Recorded with 0 to 6 decimals."))
    gauge = forms.CharField(max_length=120, required=False, label=_("Gauge"))
    photo_required_on_fail = forms.BooleanField(required=False, label=_("Photo required when it fails (visual)"))
    defect_code = forms.CharField(
        max_length=24,
        required=False,
        label=_("Defect code"),
        help_text=_(
            "From the defect code catalogue (e.g. DIM-HOLE): an NCR opened for a lot where this fails is coded with it."
        ),
    )

    @classmethod
    def of(cls, characteristic: Characteristic, **kwargs) -> CharacteristicForm:
        """The form filled with a characteristic's values."""
        initial = {name: getattr(characteristic, name) for name in cls.base_fields}
        initial["defect_code"] = characteristic.defect_code.code if characteristic.defect_code_id else ""
        return cls(initial=initial, **kwargs)


class SamplingRuleForm(forms.Form):
    """How one defect class is sampled; level and AQL for table rules, n and Ac for the others."""

    defect_class = forms.ChoiceField(choices=DefectClass.choices, label=_("Defect class"))
    mode = forms.ChoiceField(choices=SamplingRule.Mode.choices, label=_("Sampling"))
    level = forms.ChoiceField(
        choices=[("", "—"), *[(level, level) for level in LEVELS]], required=False, initial="II", label=_("Level")
    )
    aql = forms.ChoiceField(
        choices=[("", "—"), *[(str(aql), str(aql)) for aql in AQLS]], required=False, label=_("AQL (%)")
    )
    sample_size = forms.IntegerField(
        required=False, label=_("Sample size (fixed)"), widget=forms.TextInput(attrs=NUMBER)
    )
    accept = forms.IntegerField(
        required=False,
        initial=0,
        label=_("Ac (fixed, 100 %)"),
        # xgettext:no-python-format
        help_text=_("Acceptance number of fixed and 100 % rules."),
        widget=forms.TextInput(attrs=NUMBER),
    )

    @classmethod
    def of(cls, rule: SamplingRule, **kwargs) -> SamplingRuleForm:
        """The form filled with a rule's values."""
        initial = {name: getattr(rule, name) for name in cls.base_fields}
        initial["aql"] = str(rule.aql) if rule.aql is not None else ""
        return cls(initial=initial, **kwargs)


class PreviewForm(forms.Form):
    """The lot size the preview samples."""

    lot_size = forms.IntegerField(
        min_value=1,
        max_value=10_000_000,
        initial=500,
        label=_("Typical lot size (items)"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
