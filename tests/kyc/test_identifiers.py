"""Identifier checks as pass / warning / fail results with masked details (no database)."""

from __future__ import annotations

import pytest

from clientdesk.kyc.identifiers import (
    check_aadhaar,
    check_identifier,
    check_pan,
    check_passport_number,
    mask,
)
from clientdesk.kyc.results import CheckStatus


def test_pan_valid_for_an_individual() -> None:
    result = check_pan("abcpe1234f")
    assert result.status is CheckStatus.PASS
    assert result.code == "id_pan"
    assert result.data == {"masked": "XXXXXX234F", "holder_type": "Individual"}
    assert "ABCPE1234F" not in result.detail


def test_pan_holder_type_must_fit_the_customer() -> None:
    company = check_pan("AAACR5055K", customer_type="individual")
    assert company.status is CheckStatus.FAIL
    assert company.data["error_code"] == "pan_holder_mismatch"
    assert "Company" in company.detail and "Individual (P)" in company.detail
    assert check_pan("AAACR5055K", customer_type="company").status is CheckStatus.PASS
    assert check_pan("AAACR5055K", customer_type=None).status is CheckStatus.PASS


@pytest.mark.parametrize(
    ("raw", "error_code"),
    [("ABCPE1234", "pan_format"), ("ABCXE1234F", "pan_holder_type"), ("ABCPE0000F", "pan_format")],
)
def test_pan_invalid(raw: str, error_code: str) -> None:
    result = check_pan(raw)
    assert result.status is CheckStatus.FAIL
    assert result.data["error_code"] == error_code
    assert result.detail  # the validator's human message


def test_aadhaar() -> None:
    valid = check_aadhaar("2341 2341 2346")
    assert valid.status is CheckStatus.PASS
    assert valid.data["masked"] == "XXXX XXXX 2346"
    assert "234123412346" not in valid.detail and "2341 2341 2346" not in valid.detail
    wrong = check_aadhaar("2341 2341 2347")
    assert wrong.status is CheckStatus.FAIL and wrong.data["error_code"] == "aadhaar_checksum"
    assert wrong.data["masked"] == "XXXXXXXX2347"
    assert check_aadhaar("1234 5678 9012").data["error_code"] == "aadhaar_format"
    masked = check_aadhaar("XXXX XXXX 2346")
    assert masked.status is CheckStatus.WARNING
    assert check_aadhaar("  ").status is CheckStatus.FAIL


def test_passport_numbers() -> None:
    assert check_passport_number("J8369854").status is CheckStatus.PASS
    indian = check_passport_number("J836985")
    assert indian.status is CheckStatus.FAIL and indian.data["error_code"] == "passport_format"
    foreign = check_passport_number("L898902C3", "GB")
    assert foreign.status is CheckStatus.PASS and "GB passport" in foreign.detail


@pytest.mark.parametrize(
    ("id_type", "value", "status"),
    [
        ("pan", "ABCPE1234F", CheckStatus.PASS),
        ("aadhaar", "234123412346", CheckStatus.PASS),
        ("passport", "J8369854", CheckStatus.PASS),
        ("voter_id", "ABC1234567", CheckStatus.PASS),
        ("voter_id", "AB1234567", CheckStatus.FAIL),
        ("driving_licence", "MH1220110012345", CheckStatus.PASS),
        ("national_id", "", CheckStatus.FAIL),
        ("ration_card", "12345", CheckStatus.FAIL),
    ],
)
def test_check_identifier_dispatch(id_type: str, value: str, status: CheckStatus) -> None:
    result = check_identifier(id_type, value)
    assert result.status is status
    assert result.code == f"id_{id_type}"


def test_mask() -> None:
    assert mask("ABCPE1234F") == "XXXXXX234F"
    assert mask("2341-2341-2346") == "XXXXXXXX2346"
    assert mask("12") == "12"
