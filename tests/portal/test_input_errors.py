"""portal.input_errors: a service's errors, keyed by input path, put next to the fields they came from."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from portal.input_errors import ErrorPlaces


def test_errors_go_to_the_field_of_the_place_each_part_was_read_from():
    places = ErrorPlaces(unplaced="__all__")
    places.put("lines.0", "line-3")
    places.put("lines.0.items.0", "line-3-item-2")
    places.put("lines.0.items.1", "line-3-serials", whole=True)
    places.put("packages.0", "pkg-1")
    errors = ValidationError(
        {
            "eta": "Give the expected arrival.",
            "lines.0.quantity": "Too many.",
            "lines.0.items": "The lots add up to 5.",
            "lines.0.items.0.lot_name": "Name it.",
            "lines.0.items.1.lot_name": "Listed twice.",
            "lines.0.items.7.quantity": "No such row.",
            "lines.4.quantity": "No such line.",
            "packages.0.kind": "Holds nothing.",
        }
    )
    assert places.place(errors) == {
        "eta": "Give the expected arrival.",
        "line-3-quantity": "Too many.",
        "line-3-items": "No such row.",  # an item with no place of its own: the line's items
        "line-3-item-2-lot_name": "Name it.",
        "line-3-serials": "Listed twice.",
        "__all__": "No such line.",
        "pkg-1-kind": "Holds nothing.",
    }


def test_a_file_names_rows_and_columns():
    places = ErrorPlaces(join="{where}, {field}", rename={"lot_name": "lot", "items": "lot"})
    places.put("lines.0", "row 2")
    places.put("lines.0.items.1", "row 5")
    assert places.place({"lines.0.items.1.lot_name": "Name it.", "lines.0.items": "Too few.", "file": "Empty."}) == {
        "row 5, lot": "Name it.",
        "row 2, lot": "Too few.",
        "file": "Empty.",
    }
