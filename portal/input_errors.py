"""Where a service's field errors are shown, for every path that gives it input.

A service raises ``ValidationError`` keyed by where the problem is in the input it was given:
``ship_date``, ``lines.0.quantity``, ``lines.0.items.2.lot_name``, ``packages.1.kind``, and
``__all__`` for the whole. Those paths are the API's own (its input has that shape), so the API
reports them as they are (``portal.api.problems``). A page or a file read the same input from
fields and rows of their own; while they read it they note where each part came from
(``ErrorPlaces.put``), and ``ErrorPlaces.place`` turns the service's errors into errors of their
fields, in one way for every form and import::

    places = ErrorPlaces(join="{where}-{field}")
    places.put("lines.0", "line-3")                     # the first line given is the form's row 3
    places.put("lines.0.items.1", "line-3-serials", whole=True)   # a serial scanned into a textarea
    places.place({"lines.0.quantity": "Too many."})     # {"line-3-quantity": "Too many."}
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from portal.services.errors import error_messages


class ErrorPlaces:
    """Input paths ("lines.0.items.1") and the fields or rows they were read from."""

    def __init__(self, *, join: str = "{where}-{field}", rename: dict[str, str] | None = None, unplaced: str = ""):
        """``join`` spells a field of a place (``{where}``, ``{field}``); ``rename`` maps the service's
        field names to the reader's ("lot_name" -> "lot"); ``unplaced`` is where an error of a line
        or package nobody gave goes ("__all__"; empty keeps its path)."""
        self.join, self.rename, self.unplaced = join, rename or {}, unplaced
        self._places: dict[str, tuple[str, bool]] = {}

    def put(self, path: str, where: str, *, whole: bool = False) -> None:
        """``path`` of the input was read at ``where``; ``whole``: every error under it goes to
        ``where`` itself (one field), not to a field of it."""
        self._places[path] = (where, whole)

    def place(self, errors: dict[str, str] | ValidationError) -> dict[str, str]:
        """The errors keyed by the reader's fields; a path with no place keeps its key (``ship_date``)."""
        if isinstance(errors, ValidationError):
            errors = error_messages(errors)
        out: dict[str, str] = {}
        for key, message in errors.items():
            out[self._spot(key)] = message
        return out

    def _spot(self, key: str) -> str:
        parts = key.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            found = self._places.get(".".join(parts[:cut]))
            if found is None:
                continue
            where, whole = found
            if whole:
                return where
            field = parts[cut]  # "items" of "items.5.lot_name" when item 5 has no place of its own
            return self.join.format(where=where, field=self.rename.get(field, field))
        if len(parts) > 2 and parts[1].isdigit() and self.unplaced:
            return self.unplaced  # a position the reader never gave: the form as a whole
        return key
