"""Dock scans (quality.scans.read_scan): SSCCs with their check digit verified, GS1-128 element strings as
scanners type them (symbology identifier, group separators) or as people type the human-readable line,
lots from AI 10, and names typed by hand with invisible or look-alike characters cleaned."""

from __future__ import annotations

import pytest

from quality.scans import Scan, read_scan

GS = "\x1d"
SSCC = "006141410000000012"


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        (SSCC, Scan(sscc=SSCC)),
        (f"(00){SSCC}", Scan(sscc=SSCC)),
        (f"00{SSCC}", Scan(sscc=SSCC)),
        (f"]C100{SSCC}", Scan(sscc=SSCC)),
        ("0061 4141 0000 0000 12", Scan(sscc=SSCC)),
        ("(01)09501101530003(10)LOT-7(17)271231", Scan(lot="LOT-7")),
        (f"]C10109501101530003{GS}10LOT-7{GS}17271231", Scan(lot="LOT-7")),
        ("01095011015300031727123110LOT-7", Scan(lot="LOT-7")),  # the lot last needs no separator
        ("10LOT-7", Scan(text="10LOT-7")),  # a bare "10..." is a name, not AI 10
        ("]C110LOT-7", Scan(lot="LOT-7")),  # with the symbology identifier it is AI 10
        ("\u200bNF\u2011LOT\u20132612-B ", Scan(text="NF-LOT-2612-B")),
        ("P00004", Scan(text="P00004")),
        ("", Scan()),
    ],
)
def test_what_a_scan_stands_for(raw, read):
    assert read_scan(raw) == read


def test_a_wrong_check_digit_or_length_says_so_instead_of_finding_nothing():
    assert "check digit is wrong" in read_scan("006141410000000018").problem
    assert "check digit is wrong" in read_scan("(00)006141410000000018").problem
    assert "18 digits" in read_scan("(00)0061414100000000").problem
