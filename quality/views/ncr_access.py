"""Who reads and who acts on the NCR pages: quality engineers and tenant admins act (the services
check it again); inspectors and buyers read; suppliers get 404 on every NCR page."""

from __future__ import annotations

from portal.models import Role

NCR_ACTORS = frozenset({Role.QUALITY_ENGINEER, Role.TENANT_ADMIN})
NCR_READERS = frozenset({*NCR_ACTORS, Role.INSPECTOR, Role.BUYER})
