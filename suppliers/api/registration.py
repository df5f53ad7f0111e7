"""What the suppliers app adds to the project's API, registered from ``SuppliersConfig.ready()``:
the token scopes its endpoints require, its routes module, and the names of its enums in the schema."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from portal.api.routes import routes_register
from portal.api.schema import enum_names_register
from portal.api.scopes import scopes_register

# In the order the token page lists them.
SCOPES = {
    "po:read": gettext_lazy("Read purchase orders"),
    "po:acknowledge": gettext_lazy("Acknowledge purchase orders"),
    "asn:read": gettext_lazy("Read shipments (ASNs)"),
    "asn:write": gettext_lazy("Create, change, submit and cancel shipments"),
}

ENUM_NAMES = {
    "PackageKindEnum": "suppliers.models.shipments.Package.Kind",
    "CertificateKindEnum": "suppliers.models.shipments.Certificate.Kind",
    # One vocabulary of statuses (suppliers/statuses.py): a word and the label the pages show.
    "PurchaseOrderStatusEnum": "suppliers.statuses.PO_STATUSES",
    "PurchaseOrderStatusLabelEnum": "suppliers.statuses.PO_STATUS_LABELS",
    "AcknowledgementStatusEnum": "suppliers.statuses.ACK_STATUS_LABELS",
    "AcknowledgementVersionStatusEnum": "suppliers.statuses.ACKNOWLEDGEMENT_LABELS",
    "AcknowledgementVersionStatusLabelEnum": "suppliers.statuses.ACKNOWLEDGEMENT_STATUS_LABELS",
    "AsnStatusEnum": "suppliers.models.shipments.Asn.Status",
    "AsnStatusLabelEnum": "suppliers.statuses.ASN_STATUS_LABELS",
}


def register() -> None:
    scopes_register(SCOPES)
    routes_register("suppliers.api.urls")
    enum_names_register(ENUM_NAMES)
