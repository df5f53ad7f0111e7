"""What the partner API shows of an inspection outcome (read only): the same as the supplier's
page (``quality.views.supplier``), never notes, people or the reasons of decisions
(``quality.supplier_selectors`` says why)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.date_fields import InstantField
from portal.api.serializers import LabelField
from quality.models import DefectClass, Disposition, Inspection, InspectionPhoto
from suppliers.quantities import QUANTITY_DIGITS, QUANTITY_PLACES

VALUE_DIGITS, VALUE_PLACES = 18, 6  # InspectionResult.value


def _quantity(help_text: str, source: str | None = None):
    """A quantity in the product's unit (read only); ``source`` when the attribute has another name."""
    kwargs = {"source": source} if source else {}
    return serializers.DecimalField(
        max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, read_only=True, help_text=help_text, **kwargs
    )


class InspectionOutcomeSerializer(serializers.ModelSerializer):
    """One signed inspection of a lot; quantities in the product's unit (``uom``). ``accepted`` was
    released to stock, ``rejected`` returned to you or scrapped, ``on_hold`` not decided yet."""

    purchase_order = serializers.CharField(source="receipt.order.name", default="", read_only=True)
    receipt = serializers.CharField(source="receipt.name", read_only=True)
    product_code = serializers.CharField(source="product.default_code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    uom = serializers.CharField(source="product.uom_name", read_only=True)
    inspected_at = InstantField(source="signed_at", read_only=True, help_text="When Quality signed the result (UTC).")
    result = serializers.ChoiceField(choices=Inspection.Verdict.choices, source="verdict", read_only=True)
    result_label = LabelField(source="get_verdict_display")
    lot_size = _quantity("The quantity received.")
    accepted = _quantity("Released to stock.", "totals.released")
    rejected = _quantity("Returned to you or scrapped (`returned` + `scrapped`).")
    returned = _quantity("Returned to you.", "totals.returned")
    scrapped = _quantity("Scrapped.", "totals.scrapped")
    on_hold = _quantity("Not decided yet.", "totals.held")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "purchase_order",
            "receipt",
            "product_code",
            "product_name",
            "lot_name",
            "sequence",
            "revision",
            "uom",
            "inspected_at",
            "result",
            "result_label",
            "lot_size",
            "accepted",
            "rejected",
            "returned",
            "scrapped",
            "on_hold",
        ]
        read_only_fields = fields


class DefectClassSerializer(serializers.Serializer):
    defect_class = serializers.ChoiceField(choices=DefectClass.choices, read_only=True)
    label = LabelField()
    sample_size = serializers.IntegerField(source="sampling.sample_size", default=None, read_only=True)
    accept = serializers.IntegerField(source="sampling.accept", default=None, read_only=True, help_text="Ac")
    reject = serializers.IntegerField(source="sampling.reject", default=None, read_only=True, help_text="Re")
    defective = serializers.IntegerField(read_only=True, help_text="Sample units defective in this class.")


class MeasuredValueSerializer(serializers.Serializer):
    unit = serializers.IntegerField(read_only=True, help_text="The sample unit (1..n).")
    value = serializers.DecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, read_only=True)


class CharacteristicDefectsSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    defect_class = serializers.ChoiceField(choices=DefectClass.choices, read_only=True)
    uom = serializers.CharField(read_only=True, help_text="Unit of the measured values; empty for pass/fail checks.")
    defective = serializers.IntegerField(read_only=True, help_text="Sample units defective on this characteristic.")
    values = serializers.SerializerMethodField(help_text="Measured values of defective units (at most 50).")

    @extend_schema_field(MeasuredValueSerializer(many=True))
    def get_values(self, entry) -> list[dict]:
        return MeasuredValueSerializer([{"unit": u, "value": v} for u, v in entry.values], many=True).data


class DispositionSerializer(serializers.ModelSerializer):
    kind_label = LabelField(source="get_kind_display")
    released = _quantity("Released to stock.")
    returned = _quantity("Returned to you.")
    scrapped = _quantity("Scrapped.")
    decided_at = InstantField(read_only=True)

    class Meta:
        model = Disposition
        fields = ["kind", "kind_label", "released", "returned", "scrapped", "decided_at"]
        read_only_fields = fields


class SharedPhotoSerializer(serializers.ModelSerializer):
    uploaded_at = InstantField(read_only=True)

    class Meta:
        model = InspectionPhoto
        fields = ["id", "unit", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class InspectionOutcomeDetailSerializer(InspectionOutcomeSerializer):
    """An outcome with what was found per defect class and characteristic, the decisions on the lot
    (kind and quantities), and the photos Quality shared (``photos/{photo_id}/`` serves each)."""

    defect_classes = DefectClassSerializer(many=True, read_only=True)
    characteristics = CharacteristicDefectsSerializer(many=True, read_only=True)
    dispositions = DispositionSerializer(many=True, read_only=True, source="lot_dispositions")
    photos = SharedPhotoSerializer(many=True, read_only=True, source="shared_photos")

    class Meta(InspectionOutcomeSerializer.Meta):
        fields = [
            *InspectionOutcomeSerializer.Meta.fields,
            "defect_classes",
            "characteristics",
            "dispositions",
            "photos",
        ]
        read_only_fields = fields
