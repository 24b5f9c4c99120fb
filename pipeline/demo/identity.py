"""Identity of the fictional organisations (Älvby kommun, Älvbybostäder AB) and Swedish organisation numbers."""

from __future__ import annotations

import re

MUNICIPALITY_NAME = "Älvby kommun"
COMPANY_NAME = "Älvbybostäder AB"
INHABITANTS = 60_000

_ORG_RE = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_check_digit(first_nine: str) -> int:
    """Return the Luhn check digit (0-9) for the first nine digits of an organisationsnummer."""
    total = 0
    for i, ch in enumerate(first_nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def is_valid_org_number(value: str) -> bool:
    """Return True if `value` is NNNNNN-NNNN (or 10 digits) with a correct Luhn check digit."""
    m = _ORG_RE.match(value.strip())
    if not m:
        return False
    digits = m.group(1) + m.group(2)
    return luhn_check_digit(digits[:9]) == int(digits[9])


def with_check_digit(first_nine: str) -> str:
    """Return the organisationsnummer NNNNNN-NNNN made of nine digits and their Luhn check digit."""
    digits = first_nine + str(luhn_check_digit(first_nine))
    return f"{digits[:6]}-{digits[6:]}"


# 212000-xxxx is the municipal series (real municipalities use 212000-0xxx..2xxx); 556 is an aktiebolag.
MUNICIPALITY_ORG_NUMBER = with_check_digit("212000399")
COMPANY_ORG_NUMBER = with_check_digit("556874321")
