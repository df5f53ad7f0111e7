"""What the partner API shows of the token's partner's scorecard: the current score and standing with the
figures over the standing window and over 12 months, the monthly figures, and one month's inputs' counts.

The supplier's view only, as on its "My scorecard" page: its own partner, never another's nor a ranking;
the cost of poor quality only when the tenant shares costs. Figures and scores are decimals as strings
("93.5"), null where a measure had no data; the views build the plain dicts these serializers read.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.date_fields import InstantField

MONTH_HELP = "A calendar month in the tenant's time zone, YYYY-MM."
MEASURES_HELP = (
    "Keyed by measure: otd (on-time delivery, % of quantity), quantity (quantity accuracy, % of lines), ack "
    "(acknowledgements on time, %), asn (ASN accuracy, %), lots (lot acceptance, %), ppm (defective parts per "
    "million), ncrs (NCR count), scar (8D steps on time, %), certificates (certificate accuracy, %), and copq "
    "(cost of poor quality, per currency; only when the buyer shares costs)."
)


class ScorecardFigureSerializer(serializers.Serializer):
    """One measure over a span: its figure, its 0-100 score, the target and weight it was scored with."""

    value = serializers.CharField(allow_null=True, read_only=True, help_text="The figure; null: no data.")
    score = serializers.CharField(allow_null=True, read_only=True, help_text="0-100; null: no data or not scored.")
    target = serializers.CharField(read_only=True)
    weight = serializers.CharField(read_only=True, help_text="0: shown but left out of the score.")


class ScorecardMonthSerializer(serializers.Serializer):
    """A month with data and its figures (a month without any is left out)."""

    month = serializers.CharField(read_only=True, help_text=MONTH_HELP)
    figures = serializers.DictField(
        child=serializers.CharField(allow_null=True), read_only=True, help_text=f"{MEASURES_HELP} Null: no data."
    )


class ScorecardSerializer(serializers.Serializer):
    """Your current scorecard. Before the first delivery is scored, ``score``, ``standing`` and ``as_of`` are
    null and the figures and months empty."""

    partner = serializers.CharField(read_only=True)
    as_of = serializers.CharField(allow_null=True, read_only=True, help_text=f"The window's last month. {MONTH_HELP}")
    window_months = serializers.IntegerField(read_only=True, help_text="How many months the score is taken over.")
    score = serializers.CharField(allow_null=True, read_only=True, help_text="0-100 over the window.")
    previous_score = serializers.CharField(
        allow_null=True, read_only=True, help_text="The score of the window just before."
    )
    trend = serializers.IntegerField(allow_null=True, read_only=True, help_text="1 up, 0 steady, -1 down.")
    standing = serializers.CharField(allow_null=True, read_only=True, help_text="The buyer's name of your standing.")
    standing_since = InstantField(allow_null=True, read_only=True)
    computed_at = InstantField(allow_null=True, read_only=True, help_text="When the figures were worked out (UTC).")
    figures = serializers.DictField(child=ScorecardFigureSerializer(), read_only=True, help_text=MEASURES_HELP)
    figures_12 = serializers.DictField(
        child=ScorecardFigureSerializer(), read_only=True, help_text=f"Over 12 months. {MEASURES_HELP}"
    )
    months = ScorecardMonthSerializer(
        many=True, read_only=True, help_text="The last 12 months with data, oldest first."
    )


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": True},
        "description": "The counts and sums each figure was computed from, per measure (integers; quantities "
        "and money as decimal strings; copq's by_currency maps currency codes to amounts).",
    }
)
class InputsField(serializers.DictField):
    pass


class ScorecardPeriodSerializer(serializers.Serializer):
    """One month's figures and the counts they were computed from."""

    month = serializers.CharField(read_only=True, help_text=MONTH_HELP)
    figures = serializers.DictField(
        child=serializers.CharField(allow_null=True), read_only=True, help_text=f"{MEASURES_HELP} Null: no data."
    )
    inputs = InputsField(read_only=True)
    computed_at = InstantField(read_only=True)
