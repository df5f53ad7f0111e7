"""The recordings kept in the repository are whole and unchanged (``MANIFEST.sha256``)."""

from __future__ import annotations

from . import RECORDINGS
from .refresh import files, manifest


def test_the_copy_holds_both_series():
    held = files(RECORDINGS)
    assert {p.parts[0] for p in held} == {"odoo18", "odoo19"}
    assert len(held) >= 60


def test_every_recording_matches_its_manifest_digest():
    assert manifest(RECORDINGS) == (RECORDINGS / "MANIFEST.sha256").read_text()
