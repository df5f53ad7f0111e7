"""Recordings of real Odoo 18 and 19 servers, as data: ``fields_get`` catalogues and wire transcripts.

Copied from the project's shared reference (``shared/odoo-reference/odoo1x/{fields,transcripts}``,
JSON only) so that the suite passes from a plain clone; ``test_reference_copy.py`` checks the copy
against the shared one whenever it is beside the checkout (as in CI).
"""

from pathlib import Path

RECORDINGS = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[3] / "shared" / "odoo-reference"
