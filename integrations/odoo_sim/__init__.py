"""A simulated Odoo 18 (and 19 with JSON-2) for the demo and the tests.

It speaks Odoo's wire protocols over HTTP so that odoorpc and the JSON-2
client talk to it unmodified. Its behaviour follows the recordings in
``shared/odoo-reference/``. It is a test peer, not part of the product.
"""
