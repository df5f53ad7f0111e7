"""The recordings the tests use are the shared reference's, file for file."""

from __future__ import annotations

import os

import pytest

from . import RECORDINGS, SHARED

KINDS = ("fields", "transcripts")


def _files(root):
    return sorted(
        p.relative_to(root)
        for series in ("odoo18", "odoo19")
        for k in KINDS
        for p in (root / series / k).glob("*.json")
    )


def test_the_copy_holds_both_series():
    files = _files(RECORDINGS)
    assert {str(p).split("/")[0] for p in files} == {"odoo18", "odoo19"}
    assert len(files) >= 60


def test_the_copy_matches_the_shared_reference():
    if not SHARED.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI runs with shared/ beside the checkout, but {SHARED} is missing")
        pytest.skip("shared/odoo-reference is not beside this checkout (a plain clone): nothing to compare")
    assert _files(RECORDINGS) == _files(SHARED), "run: cp shared/odoo-reference/odoo1x/{fields,transcripts}/*.json"
    for path in _files(SHARED):
        assert (RECORDINGS / path).read_bytes() == (SHARED / path).read_bytes(), path
