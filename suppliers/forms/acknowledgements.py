"""The acknowledgement page's fields as the service's typed answers, one per PO line."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import QueryDict

from portal.input_errors import ErrorPlaces
from suppliers.models import PurchaseOrderLine
from suppliers.services.acknowledgements import LineAnswer

from .fields import DayField, QuantityField, TextField, TypedForm


class LineAnswerForm(TypedForm):
    """One PO line's answer (``line-<id>-promised_qty``, ...); a blank quantity keeps the ordered one.
    The decision is taken as sent: the service names the choices when it is none of them."""

    promised_date = DayField(required=False)
    promised_qty = QuantityField(required=False)
    reason = TextField(required=False)


class AcknowledgeForm:
    """The page's answers for ``ack_submit``; ``places`` puts its errors (``lines.0.reason``) next
    to the field (``line-<id>-reason``)."""

    def __init__(self, data: QueryDict, *, lines: Sequence[PurchaseOrderLine]) -> None:
        self.accept_all = bool(data.get("accept_all"))
        self.supplier_ref = data.get("supplier_ref", "")
        self.comment = data.get("comment", "")
        self.places = ErrorPlaces()
        self.answers: list[LineAnswer] = []
        for index, line in enumerate(lines):
            key = f"line-{line.pk}"
            self.places.put(f"lines.{index}", key)
            if self.accept_all:
                self.answers.append(LineAnswer(line_id=line.pk))
                continue
            row = LineAnswerForm(data, prefix=key).typed()
            self.answers.append(
                LineAnswer(
                    line_id=line.pk,
                    decision=data.get(f"{key}-decision", "accept"),
                    promised_date=row["promised_date"],
                    promised_qty=row["promised_qty"],
                    reason=row["reason"],
                )
            )
