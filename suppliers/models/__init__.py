from .messages import PurchaseOrderMessage
from .products import Product
from .purchase_orders import PurchaseOrder, PurchaseOrderLine
from .receipts import Receipt, ReceiptMove

__all__ = ["Product", "PurchaseOrder", "PurchaseOrderLine", "PurchaseOrderMessage", "Receipt", "ReceiptMove"]
