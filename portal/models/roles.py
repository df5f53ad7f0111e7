"""Roles a membership can hold, and which of them are staff of the buying tenant."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", _("Tenant admin")
    BUYER = "buyer", _("Buyer")
    QUALITY_ENGINEER = "quality_engineer", _("Quality engineer")
    INSPECTOR = "inspector", _("Inspector")
    SUPPLIER_ADMIN = "supplier_admin", _("Supplier admin")
    SUPPLIER_USER = "supplier_user", _("Supplier user")


STAFF_ROLES = frozenset({Role.TENANT_ADMIN, Role.BUYER, Role.QUALITY_ENGINEER, Role.INSPECTOR})
SUPPLIER_ROLES = frozenset({Role.SUPPLIER_ADMIN, Role.SUPPLIER_USER})
