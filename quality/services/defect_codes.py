"""The tenant's defect code catalogue: add, change, deactivate (quality engineers and tenant admins; audited).

A code is what NCRs, SCARs and the effectiveness check count by, so it stays unique per tenant
(compared without case: "burr" and "BURR" would count apart) and a code in use is never deleted:
deactivating it keeps it on the records that name it and stops offering it for new ones.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Membership, Role
from portal.services.audit import audit_record, field_changes
from portal.services.errors import NotInScope
from quality.models import DefectClass, DefectCode

CATALOGUE_EDITORS = frozenset({Role.QUALITY_ENGINEER, Role.TENANT_ADMIN})
CODE_MAX = 24
DESCRIPTION_MAX = 200
FIELDS = ("code", "description", "defect_class", "active")


def check_editor(membership: Membership | None) -> None:
    """Only quality engineers and tenant admins change the catalogue; anyone else: ``NotInScope``."""
    if membership is None or not membership.has_access or membership.role not in CATALOGUE_EDITORS:
        raise NotInScope()


def _clean(membership: Membership, *, code: str, description: str, defect_class: str, exclude: int | None) -> dict:
    """The values as stored (code upper-cased, text stripped), or a ``ValidationError`` per field."""
    code, description = (code or "").strip().upper(), (description or "").strip()
    errors = {}
    if not code:
        errors["code"] = _("Give the code, e.g. BURR or DIM-HOLE.")
    elif len(code) > CODE_MAX:
        errors["code"] = _("A code is at most %(max)s characters; “%(code)s” has %(length)s.") % {
            "max": CODE_MAX,
            "code": code[:40],
            "length": len(code),
        }
    elif any(ch.isspace() for ch in code):
        errors["code"] = _("A code has no spaces (“%(code)s”): use a hyphen, e.g. DIM-HOLE.") % {"code": code}
    else:
        taken = DefectCode.objects.filter(tenant_id=membership.tenant_id, code__iexact=code)
        if exclude is not None:
            taken = taken.exclude(pk=exclude)
        if taken.exists():
            errors["code"] = _("The code %(code)s is already in the catalogue; choose another or edit that one.") % {
                "code": code
            }
    if not description:
        errors["description"] = _("Say what the defect is, e.g. “Burr on the cut edge”.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("At most %(max)s characters (this has %(length)s).") % {
            "max": DESCRIPTION_MAX,
            "length": len(description),
        }
    if defect_class not in DefectClass.values:
        errors["defect_class"] = _("Choose one of: %(values)s.") % {
            "values": ", ".join(str(label) for label in DefectClass.labels)
        }
    if errors:
        raise ValidationError(errors)
    return {"code": code, "description": description, "defect_class": defect_class}


@transaction.atomic
def defect_code_create(*, membership: Membership, code: str, description: str, defect_class: str) -> DefectCode:
    """A new active code. Raises ``ValidationError`` keyed by field (a code already taken: ``code``)."""
    check_editor(membership)
    values = _clean(membership, code=code, description=description, defect_class=defect_class, exclude=None)
    item = DefectCode.objects.create(tenant_id=membership.tenant_id, **values)
    audit_record(
        tenant=membership.tenant,
        actor=membership.user,
        action="defect_code.created",
        obj=item,
        changes={name: [None, value] for name, value in values.items()},
    )
    return item


@transaction.atomic
def defect_code_update(
    *, membership: Membership, defect_code: DefectCode, code: str, description: str, defect_class: str, active: bool
) -> DefectCode:
    """Change a code's text, class or whether it is offered (``active``); unchanged values write nothing.

    Raises ``NotInScope`` for a code of another tenant, ``ValidationError`` keyed by field."""
    check_editor(membership)
    item = DefectCode.objects.select_for_update().filter(tenant_id=membership.tenant_id, pk=defect_code.pk).first()
    if item is None:
        raise NotInScope()
    values = _clean(membership, code=code, description=description, defect_class=defect_class, exclude=item.pk)
    values["active"] = bool(active)
    changes = field_changes({name: getattr(item, name) for name in FIELDS}, values)
    if changes:
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=list(FIELDS))
        audit_record(
            tenant=membership.tenant, actor=membership.user, action="defect_code.changed", obj=item, changes=changes
        )
    return item
