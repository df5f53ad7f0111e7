"""What the partner API shows and accepts; the services validate the business rules.

The input serializers read a body once into the values the services take (decimals, days,
aware moments); the views hand them on as they are.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal import dates, l10n
from portal.api.date_fields import DayField, InstantField
from portal.api.serializers import StrictInputSerializer, lazy_text
from suppliers import statuses
from suppliers.api.bounded_fields import BoundedList, BoundedListField, QuantityField, WeightField, at_most_decimals
from suppliers.limits import MAX_ACK_LINES, MAX_ASN_ITEMS, MAX_ASN_LINES, MAX_ASN_ORDERS, MAX_ASN_PACKAGES
from suppliers.models import (
    Acknowledgement,
    AcknowledgementLine,
    Asn,
    AsnItem,
    AsnItemValue,
    AsnLine,
    Certificate,
    Package,
    PurchaseOrder,
    PurchaseOrderLine,
)
from suppliers.models.shipments import VALUE_DIGITS, VALUE_PLACES
from suppliers.services.asn_values import MAX_LOT_VALUES, MAX_VALUE_NAME, MAX_VALUE_UNIT, VALUE_MAX

MAX_ID = 10**18 - 1
MAX_NAME = 64  # PurchaseOrder.name
MAX_CODE = 120  # a product's internal reference or the supplier's code


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
        ],
        "description": "The order's id in the portal, or its number in Odoo (e.g. P00003).",
    }
)
class OrderRefField(serializers.Field):
    """A purchase order by portal id or by its Odoo name; digits alone are an id (forms send text)."""

    default_error_messages = {"invalid": gettext_lazy("Name the order by its id or its number (e.g. P00003).")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("invalid")
        text = data.strip() if isinstance(data, str) else str(data)
        if isinstance(data, int) or (text.isascii() and text.isdigit()):
            if len(text) > len(str(MAX_ID)) or not 0 < int(text) <= MAX_ID:  # int() of 5,000 digits raises
                self.fail("invalid")
            return int(text)
        if not text or len(text) > MAX_NAME or not text.isprintable():
            self.fail("invalid")
        return text

    def to_representation(self, value):
        return value


class WordField(serializers.ChoiceField):
    """A read-only status in the shared vocabulary (``suppliers.statuses``): ``pick`` turns the
    source value into one of ``choices`` (a word, or the label the pages show).

    Labels are answered in English whatever the answer's language: they are values of the API's
    vocabulary (the schema's enums), which a client may match on; the pages translate them."""

    def __init__(self, choices, pick, **kwargs):
        self.pick = pick
        with translation.override("en"):
            super().__init__(choices=[str(choice) for choice in choices], read_only=True, **kwargs)

    def to_representation(self, value):
        with translation.override("en"):
            picked = self.pick(value)
            return None if picked is None else str(picked)


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.default_code", default="", read_only=True)
    product_name = serializers.CharField(source="product.name", default="", read_only=True)
    tracking = serializers.CharField(source="product.tracking", default="none", read_only=True)
    quantity_open = QuantityField(source="qty_open", read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "odoo_id",
            "sequence",
            "product_code",
            "product_name",
            "vendor_product_code",
            "description",
            "quantity",
            "uom_name",
            "price_unit",
            "date_planned",
            "qty_received",
            "quantity_open",
            "tracking",
        ]


class PurchaseOrderSerializer(serializers.ModelSerializer):
    # Statuses in the pages' words (suppliers/statuses.py); ``state`` stays Odoo's own field.
    status = WordField(statuses.PO_STATUSES, statuses.po_status, source="*", help_text="As the order's badge says.")
    status_label = WordField(
        list(statuses.PO_STATUSES.values()), lambda po: statuses.PO_STATUSES[statuses.po_status(po)], source="*"
    )
    acknowledgement_status = WordField(statuses.ACK_STATUS_LABELS, statuses.ACK_STATUS_WORDS.get, source="ack_status")
    receipt_status = WordField(statuses.RECEIPT_LABELS, statuses.RECEIPT_WORDS.get)
    is_late = serializers.BooleanField(read_only=True, default=False)
    state = serializers.CharField(read_only=True, help_text="The order's state in Odoo (purchase.order.state).")

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "odoo_id",
            "name",
            "status",
            "status_label",
            "state",
            "partner_ref",
            "date_order",
            "date_approve",
            "date_planned",
            "amount_total",
            "currency_code",
            "receipt_status",
            "acknowledgement_status",
            "is_late",
            "buyer_name",
            "pulled_at",
        ]


class PurchaseOrderDetailSerializer(PurchaseOrderSerializer):
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)

    class Meta(PurchaseOrderSerializer.Meta):
        fields = [*PurchaseOrderSerializer.Meta.fields, "lines"]


class AckLineReadSerializer(serializers.ModelSerializer):
    line_id = serializers.IntegerField(source="order_line_id", read_only=True)

    class Meta:
        model = AcknowledgementLine
        fields = [
            "line_id",
            "line_odoo_id",
            "description",
            "decision",
            "requested_qty",
            "requested_date",
            "promised_qty",
            "promised_date",
            "reason",
            "within_tolerance",
        ]


def odoo_status_fields():
    """``odoo_status`` and ``odoo_status_label``: where the record stands with Odoo, as its sync badge says."""
    # source="*": a record without an event is "portal_only", and DRF would answer null for a None source.
    return (
        WordField(statuses.ODOO_STATUSES, lambda obj: statuses.odoo_status(obj.outbox_event), source="*"),
        WordField(
            list(statuses.ODOO_STATUSES.values()),
            lambda obj: statuses.ODOO_STATUSES[statuses.odoo_status(obj.outbox_event)],
            source="*",
        ),
    )


class AcknowledgementSerializer(serializers.ModelSerializer):
    purchase_order = serializers.IntegerField(source="order_id", read_only=True)
    purchase_order_name = serializers.CharField(source="order.name", read_only=True)
    status = WordField(statuses.ACKNOWLEDGEMENT_LABELS, statuses.ACKNOWLEDGEMENT_WORDS.get)
    status_label = WordField(
        list(statuses.ACKNOWLEDGEMENT_LABELS.values()),
        lambda value: statuses.ACKNOWLEDGEMENT_LABELS[statuses.ACKNOWLEDGEMENT_WORDS[value]],
        source="status",
    )
    lines = AckLineReadSerializer(many=True, read_only=True)
    odoo_status, odoo_status_label = odoo_status_fields()

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "purchase_order",
            "purchase_order_name",
            "version",
            "status",
            "status_label",
            "supplier_ref",
            "comment",
            "has_changes",
            "has_rejections",
            "source",
            "created_at",
            "decided_at",
            "decision_note",
            "outdated_at",
            "outdated_changes",
            "odoo_status",
            "odoo_status_label",
            "lines",
        ]


class AckLineInputSerializer(StrictInputSerializer):
    line_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Id of the order line; or name it by `product_code`."
    )
    product_code = serializers.CharField(
        required=False,
        max_length=MAX_CODE,
        help_text="The product's internal reference or your product code, when it is on one line of the order.",
    )
    decision = serializers.ChoiceField(choices=AcknowledgementLine.Decision.choices, default="accept")
    promised_date = DayField(required=False, allow_null=True)
    promised_qty = QuantityField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def validate(self, attrs):
        if ("line_id" in attrs) == ("product_code" in attrs):
            raise serializers.ValidationError(
                {"line_id": _("Name the line by line_id or by product_code (one of them).")}
            )
        return attrs


class AcknowledgementInputSerializer(StrictInputSerializer):
    accept_all = serializers.BooleanField(default=False, help_text="Accept every line as ordered.")
    supplier_ref = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    lines = BoundedList(child=AckLineInputSerializer(), required=False, default=list, max_length=MAX_ACK_LINES)

    def validate(self, attrs):
        # Both say what to do with every line: answering one and ignoring the other would guess.
        if attrs["accept_all"] and attrs["lines"]:
            raise serializers.ValidationError(
                {"lines": _("Give lines or accept_all, not both: accept_all accepts every line as ordered.")}
            )
        return attrs


def _value_at_most() -> str:
    return _("A certificate value is at most %(max)s.") % {"max": l10n.num(VALUE_MAX, VALUE_PLACES)}


class CertificateValueField(serializers.DecimalField):
    """A value a certificate states: at most 12 digits before the decimal point and 6 after, any sign."""

    default_error_messages = {
        "max_digits": lazy_text(_value_at_most),
        "max_whole_digits": lazy_text(_value_at_most),
        "max_decimal_places": at_most_decimals(VALUE_PLACES),
    }

    def __init__(self, **kwargs):
        super().__init__(max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, **kwargs)

    def to_internal_value(self, data):
        # Digits of other scripts ("١٢") are refused here as in files and forms.
        if isinstance(data, bool) or (isinstance(data, str) and any(c.isdigit() and not c.isascii() for c in data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class AsnItemValueSerializer(serializers.ModelSerializer):
    value = CertificateValueField(read_only=True)

    class Meta:
        model = AsnItemValue
        fields = ["name", "value", "unit"]


class AsnItemSerializer(serializers.ModelSerializer):
    package = serializers.CharField(source="package.sscc", default=None, read_only=True, allow_null=True)
    values = AsnItemValueSerializer(many=True, read_only=True)

    class Meta:
        model = AsnItem
        fields = ["lot_name", "expiry_date", "quantity", "quantity_received", "package", "values"]


class AsnLineSerializer(serializers.ModelSerializer):
    order_line = serializers.IntegerField(source="order_line_id", read_only=True)
    purchase_order = serializers.CharField(source="order_line.order.name", read_only=True)
    product_code = serializers.CharField(source="order_line.product.default_code", default="", read_only=True)
    items = AsnItemSerializer(many=True, read_only=True)

    class Meta:
        model = AsnLine
        fields = [
            "id",
            "order_line",
            "purchase_order",
            "product_code",
            "quantity",
            "quantity_received",
            "uom_name",
            "items",
        ]


class PackageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Package
        fields = ["sscc", "kind", "weight_kg"]


class CertificateSerializer(serializers.ModelSerializer):
    order_line = serializers.IntegerField(source="line.order_line_id", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Certificate
        fields = ["id", "kind", "filename", "content_type", "size", "sha256", "lot_name", "line", "order_line"]


class AsnSerializer(serializers.ModelSerializer):
    eta = InstantField(read_only=True, allow_null=True)
    orders = serializers.SerializerMethodField()
    lines = AsnLineSerializer(many=True, read_only=True)
    packages = PackageSerializer(many=True, read_only=True)
    certificates = CertificateSerializer(many=True, read_only=True)
    status_label = WordField(list(statuses.ASN_STATUSES.values()), statuses.ASN_STATUSES.get, source="status")
    odoo_status, odoo_status_label = odoo_status_fields()

    class Meta:
        model = Asn
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "orders",
            "ship_date",
            "eta",
            "carrier",
            "tracking_number",
            "note",
            "created_at",
            "submitted_at",
            "cancelled_at",
            "cancel_reason",
            "odoo_status",
            "odoo_status_label",
            "odoo_mismatches",
            "order_changes",
            "order_changes",
            "lines",
            "packages",
            "certificates",
        ]

    def get_orders(self, asn) -> list[dict]:
        return [{"id": po.pk, "name": po.name} for po in asn.orders.all()]


class AsnItemValueInputSerializer(StrictInputSerializer):
    name = serializers.CharField(
        max_length=MAX_VALUE_NAME, help_text="The characteristic as your certificate names it (matched ignoring case)."
    )
    value = CertificateValueField()
    unit = serializers.CharField(required=False, allow_blank=True, max_length=MAX_VALUE_UNIT, default="")


class AsnItemInputSerializer(StrictInputSerializer):
    lot_name = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    expiry_date = DayField(required=False, allow_null=True)
    quantity = QuantityField()
    package = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        default="",
        help_text="Position in `packages` (1, 2, ...) or an SSCC of this ASN.",
    )
    values = BoundedList(
        child=AsnItemValueInputSerializer(),
        required=False,
        default=list,
        max_length=MAX_LOT_VALUES,
        help_text="The lot's certificate values; they replace the lot's (left out: the lot has none).",
    )


class AsnLineInputSerializer(StrictInputSerializer):
    order_line = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="Id of the purchase order line; or name it by `product_code` (and `purchase_order`).",
    )
    purchase_order = OrderRefField(
        required=False, help_text="With `product_code`: the order (id or number), when the shipment has several."
    )
    product_code = serializers.CharField(
        required=False, max_length=MAX_CODE, help_text="The product's internal reference or your product code."
    )
    quantity = QuantityField(min_value=0)
    uom = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    items = BoundedList(child=AsnItemInputSerializer(), required=False, default=list, max_length=MAX_ASN_ITEMS)

    def validate(self, attrs):
        if ("order_line" in attrs) == ("product_code" in attrs):
            raise serializers.ValidationError(
                {"order_line": _("Name the order line by order_line or by product_code (one of them).")}
            )
        if "purchase_order" in attrs and "product_code" not in attrs:
            raise serializers.ValidationError(
                {"purchase_order": _("Goes with product_code; order_line needs no order.")}
            )
        return attrs


class PackageInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=Package.Kind.choices, default="carton")
    weight_kg = WeightField(required=False, allow_null=True)
    sscc = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        default="",
        help_text="Keep an existing package; leave empty for a new one.",
    )


class AsnWriteSerializer(StrictInputSerializer):
    ship_date = DayField(required=False, allow_null=True)
    eta = InstantField(required=False, allow_null=True)
    carrier = serializers.CharField(required=False, allow_blank=True, max_length=80)
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=80)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    lines = BoundedList(child=AsnLineInputSerializer(), required=False, max_length=MAX_ASN_LINES)
    packages = BoundedList(child=PackageInputSerializer(), required=False, max_length=MAX_ASN_PACKAGES)

    def validate_eta(self, value):
        """The moment the ETA means: without an offset, wall-clock time at the tenant's dock (``tenant``
        in the context); a day alone, noon there (``portal.dates``)."""
        try:
            return dates.parse_instant(value, wall_zone=dates.tenant_zone(self.context["tenant"]))
        except dates.DateInputError as exc:
            raise serializers.ValidationError(str(exc)) from None


class AsnCreateSerializer(AsnWriteSerializer):
    orders = BoundedListField(
        child=OrderRefField(),
        min_length=1,
        max_length=MAX_ASN_ORDERS,
        help_text="Open purchase orders of this partner: ids, or numbers as in Odoo (P00003).",
    )


class AsnCancelSerializer(StrictInputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class AsnImportSerializer(StrictInputSerializer):
    file = serializers.FileField(
        help_text=(
            "CSV or XLSX with columns po, product_code, quantity, uom, lot, expiry_date, package, and optionally "
            "values (a lot's certificate values: `Hardness = 42,5 HRC; Length = 120.1 mm`)."
        )
    )


class NoInputSerializer(StrictInputSerializer):
    """An action that reads no body: any field sent is named back as unknown."""


class CertificateInputSerializer(StrictInputSerializer):
    """A certificate for the whole shipment, one of its lines, or one lot (of a line)."""

    file = serializers.FileField(help_text="PDF, PNG or JPEG, at most 10 MB.")
    kind = serializers.ChoiceField(choices=Certificate.Kind.choices, default=Certificate.Kind.COC)
    line = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Id of the shipment's line (`lines[].id`)."
    )
    order_line = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Or: id of the purchase order line it ships."
    )
    purchase_order = OrderRefField(required=False, help_text="Or: with `product_code`, the order (id or number).")
    product_code = serializers.CharField(
        required=False, max_length=MAX_CODE, help_text="Or: the product's internal reference or your product code."
    )
    lot_name = serializers.CharField(
        required=False, allow_blank=True, max_length=80, default="", help_text="A lot or serial of that line."
    )

    def validate(self, attrs):
        ways = [name for name in ("line", "order_line", "product_code") if name in attrs]
        if len(ways) > 1:
            raise serializers.ValidationError(
                {ways[1]: _("Name the line one way only; this names it by %(fields)s.") % {"fields": ", ".join(ways)}}
            )
        if "purchase_order" in attrs and "product_code" not in attrs:
            raise serializers.ValidationError({"purchase_order": _("Goes with product_code.")})
        return attrs
