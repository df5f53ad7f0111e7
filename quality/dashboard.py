"""What quality's dashboard cards read (templates/quality/cards/), one function per card."""

from __future__ import annotations

from typing import Any

from portal.models import Membership
from quality.selectors import inspection_list_waiting

# The card is a glance; the inspector's own list (to come) shows them all.
CARD_ROWS = 10


def receipts_to_inspect(membership: Membership) -> dict[str, Any]:
    """Inspector: lots waiting for inspection, oldest first, and how many wait in all."""
    waiting = inspection_list_waiting(membership=membership)
    rows = list(waiting[:CARD_ROWS])
    return {"waiting": rows, "waiting_count": len(rows) if len(rows) < CARD_ROWS else waiting.count()}
