"""US National Provider Identifier validation (pure Python).

An NPI is 10 digits whose last digit is a Luhn check digit computed over the first nine
digits prefixed with the health-industry number 80840 (CMS, "NPI check digit").
A valid check digit only means the number is well formed; it never means verified.
"""

from __future__ import annotations


class InvalidNPI(ValueError):
    """The text is not a well-formed NPI; ``str(exc)`` is a message for the member."""


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # doubled positions, counting from the right of the payload
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def normalize_npi(raw: str) -> str:
    """Return the 10-digit NPI in ``raw`` (spaces and dashes allowed) or raise InvalidNPI."""
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    if not text:
        raise InvalidNPI("Enter your 10-digit NPI.")
    if not text.isascii() or not text.isdigit():
        raise InvalidNPI("An NPI contains digits only.")
    if len(text) != 10:
        raise InvalidNPI(f"An NPI has exactly 10 digits; this one has {len(text)}.")
    if text[0] not in "12":
        raise InvalidNPI("An NPI starts with 1 or 2.")
    if luhn_check_digit("80840" + text[:9]) != int(text[9]):
        raise InvalidNPI("This NPI's check digit does not match; please check for a typo.")
    return text


def is_valid_npi(raw: str) -> bool:
    try:
        normalize_npi(raw)
    except InvalidNPI:
        return False
    return True
