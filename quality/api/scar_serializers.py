"""What the partner API shows of a corrective action request (SCAR / 8D) and what it reads.

The supplier's view only, as on its "Corrective actions" pages: the steps, their due dates and
where they stand, its own answers and evidence, the engineer's comment on a step sent back, and the
NCRs the SCAR was issued from as a summary (number, title, severity, defect codes, lots and
quantities). Never internal notes, costs, approvals or the engineers' names.

The views fill the attributes these serializers read (``next_step``, ``latest_answer``,
``evidence_items``, ``d2_prefill``...) from prefetched rows, so a page of SCARs costs the same
queries whatever its length.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.date_fields import InstantField
from portal.api.serializers import LabelField, StrictInputSerializer
from quality.models import DefectClass, Scar, ScarEvidence, ScarStep
from quality.models.scars import STEP_CODES
from quality.scar_content import json_schema
from suppliers.quantities import QUANTITY_DIGITS, QUANTITY_PLACES

ANSWER_VIA = ("portal", "api")  # where an answer was sent from (ScarAnswer.via)
CONTENT_SCHEMA = {
    "anyOf": [json_schema(code) for code in STEP_CODES],
    "description": "The step's structured fields: the object titled with the step's code (D1 Team, D2 Problem "
    "description, ...). A field that is not the step's is an error; an empty optional field is left out.",
}


@extend_schema_field(CONTENT_SCHEMA)
class StepContentField(serializers.JSONField):
    """A step's answer as a JSON object; what its fields are is checked per step
    (``quality.scar_content``), by the view, once the step is known."""

    default_error_messages = {"not_object": gettext_lazy("Give the step's fields as an object.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        return value


class ScarDefectCodeSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)


class ScarStepSummarySerializer(serializers.Serializer):
    """One 8D step: ``status`` ``open`` and ``returned`` wait for you, ``answered`` for Quality's review."""

    code = serializers.ChoiceField(choices=STEP_CODES, read_only=True)
    title = LabelField()
    status = serializers.ChoiceField(choices=ScarStep.Status.choices, read_only=True)
    status_label = LabelField(source="get_status_display")
    due_date = serializers.DateField(read_only=True, help_text="A calendar day in the tenant's time zone.")
    overdue = serializers.BooleanField(read_only=True, help_text="Past its due date and still waiting for you.")


class ScarSerializer(serializers.Serializer):
    """A SCAR issued to you; ``next_step`` is the step that needs you first (none once every step is
    answered), ``steps`` all eight in order."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Scar.Status.choices, read_only=True)
    status_label = LabelField(source="get_status_display")
    product_code = serializers.CharField(source="product.default_code", default="", read_only=True)
    product_name = serializers.CharField(source="product.name", default="", read_only=True)
    defect_codes = ScarDefectCodeSerializer(many=True, read_only=True, source="defect_code_list")
    issued_at = InstantField(read_only=True, help_text="When Quality issued it (UTC).")
    next_step = ScarStepSummarySerializer(read_only=True, allow_null=True)
    steps = ScarStepSummarySerializer(many=True, read_only=True, source="step_list")


class ScarAnswerSerializer(serializers.Serializer):
    """One version of your answer to a step (every answer is kept; the newest counts)."""

    version = serializers.IntegerField(read_only=True)
    content = StepContentField(read_only=True)
    via = serializers.ChoiceField(choices=ANSWER_VIA, read_only=True)
    answered_at = InstantField(source="created_at", read_only=True, help_text="When it was sent (UTC).")


class ScarEvidenceSerializer(serializers.ModelSerializer):
    """A file attached to a step; ``url`` downloads it (with a token holding ``scar:respond``)."""

    size = serializers.IntegerField(read_only=True, help_text="Bytes.")
    uploaded_at = InstantField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ScarEvidence
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, item) -> str:
        path = f"/api/v1/scars/{item.step.scar_id}/steps/{item.step.code}/evidence/{item.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ScarStepSerializer(ScarStepSummarySerializer):
    """A step with your newest answer (``null`` before the first), Quality's comment when it was sent
    back, and the evidence attached to it."""

    review_comment = serializers.SerializerMethodField(help_text="Why Quality sent it back; empty otherwise.")
    answer = ScarAnswerSerializer(source="latest_answer", read_only=True, allow_null=True)
    evidence = ScarEvidenceSerializer(many=True, read_only=True, source="evidence_items")

    def get_review_comment(self, step) -> str:
        return step.review_comment if step.status == ScarStep.Status.RETURNED else ""


class ScarNcrLotSerializer(serializers.Serializer):
    lot_name = serializers.CharField(read_only=True, help_text="Empty for an untracked product.")
    affected = serializers.DecimalField(
        max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, read_only=True, help_text="Found nonconforming."
    )
    suspect = serializers.DecimalField(
        max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, read_only=True, help_text="May be; not checked."
    )


class ScarNcrSerializer(serializers.Serializer):
    """An NCR the SCAR was issued from, as the supplier may see it (no notes, costs or approvals)."""

    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    severity = serializers.ChoiceField(choices=DefectClass.choices, read_only=True)
    product_code = serializers.CharField(source="product.default_code", read_only=True)
    uom = serializers.CharField(source="product.uom_name", read_only=True)
    defect_codes = ScarDefectCodeSerializer(many=True, read_only=True, source="defect_codes.all")
    lots = ScarNcrLotSerializer(many=True, read_only=True, source="lots.all")
    opened_at = InstantField(source="created_at", read_only=True)


class ScarSuspectAsnSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)


class ScarD2PrefillSerializer(serializers.Serializer):
    """D2's fields as Quality prefilled them from the NCRs: a starting point for your answer to D2."""

    what = serializers.CharField(read_only=True)
    where = serializers.CharField(read_only=True)
    when = serializers.CharField(read_only=True)
    how_many = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)


class ScarDetailSerializer(ScarSerializer):
    """A SCAR with every step in full, the D2 problem description Quality prefilled from the NCRs,
    the NCRs themselves (summaries), the shipments that may carry suspect stock (D3), and why it was
    reopened when the same defect came back."""

    steps = ScarStepSerializer(many=True, read_only=True, source="step_list")
    d2_prefill = ScarD2PrefillSerializer(read_only=True)
    ncrs = ScarNcrSerializer(many=True, read_only=True, source="ncr_list")
    suspect_asns = ScarSuspectAsnSerializer(many=True, read_only=True, source="suspect_asn_list")
    reopen_reason = serializers.CharField(read_only=True)


class ScarAnswerInputSerializer(StrictInputSerializer):
    """Your answer to a step: its structured fields (see ``StepContent``)."""

    content = StepContentField()


class ScarEvidenceInputSerializer(StrictInputSerializer):
    file = serializers.FileField(help_text="The evidence file (see the endpoint for types and size).")
