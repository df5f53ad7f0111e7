"""What the partner API shows and accepts; the services validate the business rules."""

from __future__ import annotations

from rest_framework import serializers

from suppliers.models import (
    Acknowledgement,
    AcknowledgementLine,
    Asn,
    AsnItem,
    AsnLine,
    Certificate,
    Package,
    PurchaseOrder,
    PurchaseOrderLine,
)

MAX_ID = 10**18 - 1


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.default_code", default="", read_only=True)
    product_name = serializers.CharField(source="product.name", default="", read_only=True)
    tracking = serializers.CharField(source="product.tracking", default="none", read_only=True)
    quantity_open = serializers.DecimalField(source="qty_open", max_digits=16, decimal_places=4, read_only=True)

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
    acknowledgement_status = serializers.CharField(source="ack_status", read_only=True)
    is_late = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "odoo_id",
            "name",
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


class AcknowledgementSerializer(serializers.ModelSerializer):
    purchase_order = serializers.IntegerField(source="order_id", read_only=True)
    lines = AckLineReadSerializer(many=True, read_only=True)
    odoo_status = serializers.CharField(source="outbox_event.status", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "purchase_order",
            "version",
            "status",
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
            "lines",
        ]


class AckLineInputSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    decision = serializers.ChoiceField(choices=AcknowledgementLine.Decision.choices, default="accept")
    promised_date = serializers.DateField(required=False, allow_null=True)
    promised_qty = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class AcknowledgementInputSerializer(serializers.Serializer):
    accept_all = serializers.BooleanField(default=False, help_text="Accept every line as ordered.")
    supplier_ref = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    lines = AckLineInputSerializer(many=True, required=False, default=list)


class AsnItemSerializer(serializers.ModelSerializer):
    package = serializers.CharField(source="package.sscc", default=None, read_only=True, allow_null=True)

    class Meta:
        model = AsnItem
        fields = ["lot_name", "expiry_date", "quantity", "package"]


class AsnLineSerializer(serializers.ModelSerializer):
    order_line = serializers.IntegerField(source="order_line_id", read_only=True)
    purchase_order = serializers.CharField(source="order_line.order.name", read_only=True)
    product_code = serializers.CharField(source="order_line.product.default_code", default="", read_only=True)
    items = AsnItemSerializer(many=True, read_only=True)

    class Meta:
        model = AsnLine
        fields = ["id", "order_line", "purchase_order", "product_code", "quantity", "uom_name", "items"]


class PackageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Package
        fields = ["sscc", "kind", "weight_kg"]


class CertificateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certificate
        fields = ["id", "kind", "filename", "content_type", "size", "sha256", "lot_name", "line"]


class AsnSerializer(serializers.ModelSerializer):
    orders = serializers.SerializerMethodField()
    lines = AsnLineSerializer(many=True, read_only=True)
    packages = PackageSerializer(many=True, read_only=True)
    certificates = CertificateSerializer(many=True, read_only=True)
    odoo_status = serializers.CharField(source="outbox_event.status", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Asn
        fields = [
            "id",
            "number",
            "status",
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
            "odoo_mismatches",
            "lines",
            "packages",
            "certificates",
        ]

    def get_orders(self, asn) -> list[dict]:
        return [{"id": po.pk, "name": po.name} for po in asn.orders.all()]


class AsnItemInputSerializer(serializers.Serializer):
    lot_name = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=16, decimal_places=4)
    package = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        default="",
        help_text="Position in `packages` (1, 2, ...) or an SSCC of this ASN.",
    )


class AsnLineInputSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of the purchase order line.")
    quantity = serializers.DecimalField(max_digits=16, decimal_places=4, min_value=0)
    uom = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    items = AsnItemInputSerializer(many=True, required=False, default=list)


class PackageInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Package.Kind.choices, default="carton")
    weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3, required=False, allow_null=True)
    sscc = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        default="",
        help_text="Keep an existing package; leave empty for a new one.",
    )


class AsnWriteSerializer(serializers.Serializer):
    ship_date = serializers.DateField(required=False, allow_null=True)
    eta = serializers.DateTimeField(required=False, allow_null=True)
    carrier = serializers.CharField(required=False, allow_blank=True, max_length=80)
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=80)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    lines = AsnLineInputSerializer(many=True, required=False)
    packages = PackageInputSerializer(many=True, required=False, max_length=200)


class AsnCreateSerializer(AsnWriteSerializer):
    orders = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=1,
        max_length=50,
        help_text="Ids of open purchase orders of this partner.",
    )


class AsnCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class AsnImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV or XLSX with columns po, product_code, quantity, uom, lot, expiry_date, package."
    )
