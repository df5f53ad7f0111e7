"""Writing a page of pulled rows in one statement per model: an insert that updates what is there.

Every mirrored model is unique on ``(tenant, odoo_id)``, so a page is one ``INSERT ... ON CONFLICT
(tenant_id, odoo_id) DO UPDATE`` (``bulk_create(update_conflicts=True)``, PostgreSQL and SQLite
alike) instead of a locking select, an insert or an update and two savepoints per row. Only the
fields named as Odoo's are set on a row the mirror already holds: what the portal owns keeps its
value (a new row gets the field's default).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models


def rows_upsert(
    model: type[models.Model], objs: Sequence[models.Model], *, update_fields: Sequence[str]
) -> dict[int, int]:
    """Insert ``objs`` (unsaved instances with ``tenant`` and ``odoo_id`` set) or, for those the mirror
    holds, update their ``update_fields`` (field names; the Odoo-owned ones). Answers odoo_id -> pk.

    ``auto_now`` fields are stamped as by ``save()``. ``save()`` itself does not run: what it derives
    (``PurchaseOrder.action_rank``) must be set on the instances. Raises the database's errors.
    """
    # One row per odoo_id (the last one given): PostgreSQL refuses an ON CONFLICT DO UPDATE that would touch a
    # row twice in one statement, and a page read while Odoo changes may hold a record twice.
    objs = list({obj.odoo_id: obj for obj in objs}.values())
    if not objs:
        return {}
    model._default_manager.bulk_create(
        objs, update_conflicts=True, unique_fields=["tenant", "odoo_id"], update_fields=list(update_fields)
    )
    return {obj.odoo_id: obj.pk for obj in objs}
