"""Roles a membership can hold, and which of them are staff of the buying tenant."""

from django.db import models


class Role(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", "Tenant admin"
    BUYER = "buyer", "Buyer"
    QUALITY_ENGINEER = "quality_engineer", "Quality engineer"
    INSPECTOR = "inspector", "Inspector"
    SUPPLIER_ADMIN = "supplier_admin", "Supplier admin"
    SUPPLIER_USER = "supplier_user", "Supplier user"


STAFF_ROLES = frozenset({Role.TENANT_ADMIN, Role.BUYER, Role.QUALITY_ENGINEER, Role.INSPECTOR})
SUPPLIER_ROLES = frozenset({Role.SUPPLIER_ADMIN, Role.SUPPLIER_USER})
