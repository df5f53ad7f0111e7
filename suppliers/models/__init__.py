from .acknowledgements import Acknowledgement, AcknowledgementLine
from .messages import PurchaseOrderMessage
from .products import Product
from .purchase_orders import AckStatus, PurchaseOrder, PurchaseOrderLine
from .receipts import Receipt, ReceiptMove
from .rules import CollaborationRules, rules_for
from .shipments import Asn, AsnItem, AsnItemValue, AsnLine, Certificate, Package, TenantCounter

__all__ = [
    "AckStatus",
    "Acknowledgement",
    "AcknowledgementLine",
    "Asn",
    "AsnItem",
    "AsnItemValue",
    "AsnLine",
    "Certificate",
    "CollaborationRules",
    "Package",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderMessage",
    "Receipt",
    "ReceiptMove",
    "TenantCounter",
    "rules_for",
]
