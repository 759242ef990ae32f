"""Addresses read as addresses: no leading comma when the street is empty."""

from __future__ import annotations

import pytest

from clientdesk.customers.models import Customer


@pytest.mark.parametrize(
    ("street", "city", "pin", "expected"),
    [
        ("12 MG Road", "Pune", "411001", "12 MG Road, Pune 411001"),
        ("", "Pune", "411001", "Pune 411001"),
        ("12 MG Road", "", "", "12 MG Road"),
        ("", "", "411001", "411001"),
        ("", "", "", ""),
    ],
)
def test_postal_address(street: str, city: str, pin: str, expected: str) -> None:
    customer = Customer(address_line=street, city=city, postal_code=pin)
    assert customer.postal_address == expected


@pytest.mark.parametrize(
    ("city", "state", "expected"),
    [("Pune", "Maharashtra", "Pune, Maharashtra"), ("", "Maharashtra", "Maharashtra"),
     ("Pune", "", "Pune"), ("", "", "")],
)  # fmt: skip
def test_city_state(city: str, state: str, expected: str) -> None:
    assert Customer(city=city, state=state).city_state == expected
