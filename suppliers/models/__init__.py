from .acknowledgements import Acknowledgement, AcknowledgementLine
from .messages import PurchaseOrderMessage
from .products import Product
from .purchase_orders import AckStatus, PurchaseOrder, PurchaseOrderLine
from .receipts import Receipt, ReceiptMove

__all__ = [
    "AckStatus",
    "Acknowledgement",
    "AcknowledgementLine",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderMessage",
    "Receipt",
    "ReceiptMove",
]
