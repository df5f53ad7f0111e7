from .audit import AuditEntry, AuditSource
from .invitations import Invitation
from .roles import STAFF_ROLES, SUPPLIER_ROLES, Role
from .scoping import TenantOwnedModel, TenantScopedQuerySet
from .tenancy import ACCESS_PARTNER, Membership, Partner, Tenant
from .tokens import ApiToken, IdempotencyRecord
from .users import User

__all__ = [
    "ACCESS_PARTNER",
    "STAFF_ROLES",
    "SUPPLIER_ROLES",
    "ApiToken",
    "AuditEntry",
    "AuditSource",
    "IdempotencyRecord",
    "Invitation",
    "Membership",
    "Partner",
    "Role",
    "Tenant",
    "TenantOwnedModel",
    "TenantScopedQuerySet",
    "User",
]
