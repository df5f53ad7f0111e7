"""Signals the portal sends for other apps to keep what they derive from it right.

``member_scope_changed`` (kwarg ``tenant_id``): who sees which partners changed in a tenant (a grant
given or taken, a membership or partner deactivated or back, all partners switched on or off). The
suppliers app recounts its cached PO counts, which are per membership and would otherwise show the old
scope's totals for a while. Sent inside the change's transaction; receivers defer work to its commit.
"""

from __future__ import annotations

from django.dispatch import Signal

member_scope_changed = Signal()
