"""Recordings of real Odoo 18 and 19 servers, as data: ``fields_get`` catalogues, wire transcripts and
the 18 latency measurements.

A copy (JSON only) of the project's shared reference ``shared/odoo-reference/odoo1x/``, kept in the
repository so that the suite and the benchmarks need nothing beside a plain clone. ``MANIFEST.sha256``
lists each file's digest (``test_reference_copy.py`` holds the copy to it); when the shared reference
gains recordings, ``python tests/odoo_reference/refresh.py <the shared odoo-reference folder>`` copies them and
rewrites the manifest.
"""

from pathlib import Path

RECORDINGS = Path(__file__).resolve().parent
