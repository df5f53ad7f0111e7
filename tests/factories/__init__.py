"""factory_boy factories per app (``portal``: tenancy and members; ``suppliers``: POs, receipts, ASNs;
``quality``: inspection plans).

``from tests.factories import ...`` reaches all of them.
"""

from .portal import PASSWORD, PartnerFactory, TenantFactory, UserFactory, member, odoo_tenant
from .quality import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory, SamplingRuleFactory
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
    "CharacteristicFactory",
    "InspectionPlanFactory",
    "InspectionPlanVersionFactory",
    "PackageFactory",
    "PartnerFactory",
    "ProductFactory",
    "PurchaseOrderFactory",
    "PurchaseOrderLineFactory",
    "ReceiptFactory",
    "ReceiptMoveFactory",
    "SamplingRuleFactory",
    "TenantFactory",
    "UserFactory",
    "member",
    "odoo_tenant",
]
