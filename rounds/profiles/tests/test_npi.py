"""NPI check-digit validation (Luhn over 80840 + the first nine digits)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rounds.profiles.npi import InvalidNPI, is_valid_npi, luhn_check_digit, normalize_npi


def test_cms_example_is_valid():
    """The CMS worked example 1234567893 passes the check digit."""
    assert normalize_npi("1234567893") == "1234567893"


@pytest.mark.parametrize("npi", ["1245319599", "1003000126", "1679576722"])
def test_published_npis_are_valid(npi):
    """Real-world-format NPIs with correct check digits pass."""
    assert is_valid_npi(npi)


def test_separators_are_ignored():
    """Spaces and dashes typed by a member are tolerated."""
    assert normalize_npi(" 123-456-7893 ") == "1234567893"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1234567890", "check digit"),
        ("123456789", "exactly 10 digits"),
        ("12345678931", "exactly 10 digits"),
        ("12345a7893", "digits only"),
        ("١٢٣٤٥٦٧٨٩٣", "digits only"),
        ("", "Enter your 10-digit NPI"),
        ("3234567893", "starts with 1 or 2"),
    ],
)
def test_invalid_npis_are_rejected_with_a_clear_message(raw, message):
    """Wrong check digit, wrong length, non-digits and empty input each get a specific message."""
    with pytest.raises(InvalidNPI, match=message):
        normalize_npi(raw)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[0] in "12"))
def test_every_payload_has_exactly_one_valid_check_digit(payload):
    """For any nine-digit payload exactly one final digit makes a valid NPI."""
    valid = [d for d in range(10) if is_valid_npi(payload + str(d))]
    assert valid == [luhn_check_digit("80840" + payload)]


@given(st.text(max_size=30))
def test_validator_never_raises_anything_but_invalid_npi(text):
    """Arbitrary text either normalises or raises InvalidNPI, never another exception."""
    with contextlib.suppress(InvalidNPI):
        normalize_npi(text)
