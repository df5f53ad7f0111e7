"""A res.partner row as Odoo answers it becomes the address lines the documents print."""

from suppliers.addresses import address_text


def test_an_odoo_partner_row_becomes_lines_without_empty_parts():
    row = {
        "id": 7,
        "name": "Acme Manufacturing, Plant 2",
        "street": "4557 De Silva St",
        "street2": False,
        "zip": "94538",
        "city": "Fremont",
        "state_id": [13, "California (US)"],
        "country_id": [233, "United States"],
    }
    assert address_text(row).splitlines() == [
        "Acme Manufacturing, Plant 2",
        "4557 De Silva St",
        "94538 Fremont",
        "California",
        "United States",
    ]


def test_an_address_with_only_a_name_or_nothing():
    assert address_text({"name": "Main warehouse", "street": False, "country_id": False}) == "Main warehouse"
    assert address_text({}) == ""
