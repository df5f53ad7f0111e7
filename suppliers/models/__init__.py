from .messages import PurchaseOrderMessage
from .products import Product
from .purchase_orders import PurchaseOrder, PurchaseOrderLine

__all__ = ["Product", "PurchaseOrder", "PurchaseOrderLine", "PurchaseOrderMessage"]
