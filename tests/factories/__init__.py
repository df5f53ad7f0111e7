"""factory_boy factories per app (``portal``: tenancy and members; ``suppliers``: POs, receipts, ASNs).

``from tests.factories import ...`` reaches all of them.
"""

from .portal import PASSWORD, PartnerFactory, TenantFactory, UserFactory, member, odoo_tenant
from .suppliers import (
    AcknowledgementFactory,
    AsnFactory,
    AsnItemFactory,
    AsnLineFactory,
    PackageFactory,
    ProductFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ReceiptFactory,
    ReceiptMoveFactory,
)

__all__ = [
    "PASSWORD",
    "AcknowledgementFactory",
    "AsnFactory",
    "AsnItemFactory",
    "AsnLineFactory",
    "PackageFactory",
    "PartnerFactory",
    "ProductFactory",
    "PurchaseOrderFactory",
    "PurchaseOrderLineFactory",
    "ReceiptFactory",
    "ReceiptMoveFactory",
    "TenantFactory",
    "UserFactory",
    "member",
    "odoo_tenant",
]
