"""ICAO 9303 machine-readable zones: known answers from the ICAO specimens (no database)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from clientdesk.kyc.mrz import (
    MRZFormatError,
    check_against_record,
    check_digit,
    find_mrz,
    fix_ocr,
    parse_mrz,
)
from clientdesk.kyc.results import CheckStatus

PROPERTY = hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = datetime.date(2026, 11, 23)

# ICAO Doc 9303 part 4 (TD3), part 5 (TD1) and part 6 (TD2) specimens.
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")


@pytest.mark.parametrize(
    ("data", "digit"),
    [
        ("L898902C3", 6),
        ("740812", 2),
        ("120415", 9),
        ("ZE184226B<<<<<", 1),
        ("L898902C36740812212041594ZE184226B<<<<<1", 0),  # the TD3 composite
        ("D23145890", 7),
        ("<<<<<<<<<", 0),
        ("A", 0),  # 10 x 7 = 70
        ("Z", 5),  # 35 x 7 = 245
        ("0000001", 7),  # the seventh character has weight 7 again
    ],
)
def test_check_digit_known_answers(data: str, digit: int) -> None:
    assert check_digit(data) == digit


def test_check_digit_rejects_other_characters() -> None:
    with pytest.raises(ValueError, match="not an MRZ character"):
        check_digit("ab")


def test_td3_specimen() -> None:
    result = parse_mrz(TD3, today=TODAY)
    assert result.valid and result.format == "TD3" and not result.corrected
    assert (result.document_code, result.issuing_state, result.nationality) == ("P", "UTO", "UTO")
    assert (result.surname, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.full_name == "ANNA MARIA ERIKSSON"
    assert result.document_number == "L898902C3"
    assert result.birth_date == datetime.date(1974, 8, 12)
    assert result.expiry_date == datetime.date(2012, 4, 15)
    assert result.sex == "F"
    assert result.optional_data == "ZE184226B"
    assert result.checks == {
        "document_number": True,
        "birth_date": True,
        "expiry_date": True,
        "optional_data": True,
        "composite": True,
    }


def test_td1_specimen() -> None:
    result = parse_mrz(TD1, today=TODAY)
    assert result.valid and result.format == "TD1"
    assert result.document_number == "D23145890"
    assert (result.surname, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.birth_date == datetime.date(1974, 8, 12)
    assert result.nationality == "UTO"


def test_td2_specimen() -> None:
    result = parse_mrz(TD2, today=TODAY)
    assert result.valid and result.format == "TD2"
    assert result.document_number == "D23145890"


def test_td1_long_document_number_runs_on_into_optional_data() -> None:
    # 12-character number "D23145890123": 9 in place, "<" then "123" + check digit.
    number = "D23145890123"
    line1 = f"I<UTO{number[:9]}<{number[9:]}{check_digit(number)}".ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 = line2[:29] + str(check_digit(composite))
    result = parse_mrz((line1, line2, TD1[2]), today=TODAY)
    assert result.valid, result.errors
    assert result.document_number == number


@pytest.mark.parametrize(
    ("position", "replacement", "field"),
    [
        (9, "5", "document_number"),
        (19, "3", "birth_date"),
        (27, "8", "expiry_date"),
        (42, "2", "optional_data"),
        (43, "1", "composite"),
        (2, "7", "document_number"),  # a changed character, not a changed check digit
    ],
)
def test_tampered_fields_are_reported(position: int, replacement: str, field: str) -> None:
    line = TD3[1][:position] + replacement + TD3[1][position + 1 :]
    result = parse_mrz((TD3[0], line), today=TODAY)
    assert not result.valid
    assert field in [e.field for e in result.errors]
    assert result.checks[field] is False


def test_invalid_dates_are_errors() -> None:
    line = TD3[1][:13] + "741312" + str(check_digit("741312")) + TD3[1][20:]
    result = parse_mrz((TD3[0], line), today=TODAY, ocr_fix=False)
    assert "birth_date" in [e.field for e in result.errors]
    assert result.birth_date is None


@pytest.mark.parametrize(
    ("yymmdd", "kind", "expected"),
    [
        ("740812", "birth", datetime.date(1974, 8, 12)),
        ("150101", "birth", datetime.date(2015, 1, 1)),
        ("261124", "birth", datetime.date(1926, 11, 24)),  # tomorrow in 2026: last century
        ("300101", "expiry", datetime.date(2030, 1, 1)),
        ("120415", "expiry", datetime.date(2012, 4, 15)),
        ("991231", "expiry", datetime.date(1999, 12, 31)),  # 2099 is more than 50 years on
    ],
)
def test_century_inference(yymmdd: str, kind: str, expected: datetime.date) -> None:
    line = TD3[1]
    if kind == "birth":
        line = line[:13] + yymmdd + str(check_digit(yymmdd)) + line[20:]
        assert parse_mrz((TD3[0], line), today=TODAY).birth_date == expected
    else:
        line = line[:21] + yymmdd + str(check_digit(yymmdd)) + line[28:]
        assert parse_mrz((TD3[0], line), today=TODAY).expiry_date == expected


def test_ocr_confusions_are_fixed_only_where_the_type_is_certain() -> None:
    noisy = (
        "P<UT0ERIKSS0N<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<",
        "L898902C36UT07408I22F12O4159ZE184226B<<<<<1O",
    )
    fixed, changed = fix_ocr(noisy, "TD3")
    assert changed
    assert fixed == ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1])
    # The document number mixes letters and digits: "O" there is never turned into "0".
    other = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8989O2C36" + TD3[1][10:])
    assert fix_ocr(other, "TD3")[0][1][:10] == "L8989O2C36"
    result = parse_mrz(noisy, today=TODAY)
    assert result.valid and result.corrected


def test_find_mrz_in_ocr_text() -> None:
    text = (
        "REPUBLIC OF UTOPIA\nPASSPORT  PASSEPORT\nSurname ERIKSSON\n\n"
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<\n"  # two fillers lost by OCR
        "L898902C36 UTO7408122F1204159ZE184226B<<<<<10\n"  # a stray space
        "\n"
    )
    assert find_mrz(text) == TD3
    assert parse_mrz(text, today=TODAY).valid
    assert find_mrz("no machine readable zone here") is None
    with pytest.raises(MRZFormatError):
        parse_mrz("nothing to see", today=TODAY)
    with pytest.raises(MRZFormatError, match="not an MRZ"):
        parse_mrz(["P<UTO", "L898"], today=TODAY)


def test_check_against_record() -> None:
    result = parse_mrz(TD3, today=TODAY)
    checks = {
        c.code: c
        for c in check_against_record(
            result,
            name="Anna Maria Eriksson",
            birth_date=datetime.date(1974, 8, 12),
            document_number="l898902c3",
            today=datetime.date(2011, 1, 1),
        )
    }
    assert {code: str(c.status) for code, c in checks.items()} == {
        "mrz_check_digits": "pass",
        "mrz_name": "pass",
        "mrz_birth_date": "pass",
        "mrz_document_number": "pass",
        "document_expiry": "pass",
    }
    assert checks["mrz_name"].data["score"] == 100
    later = check_against_record(
        result, name="Anna Svensson", birth_date=datetime.date(1975, 8, 12), today=TODAY
    )
    statuses = {c.code: c.status for c in later}
    assert statuses["mrz_name"] is CheckStatus.FAIL
    assert statuses["mrz_birth_date"] is CheckStatus.FAIL
    assert statuses["document_expiry"] is CheckStatus.FAIL
    broken = parse_mrz((TD3[0], TD3[1][:43] + "5"), today=TODAY)
    first = check_against_record(broken, today=TODAY)[0]
    assert first.status is CheckStatus.FAIL and first.data["errors"] == ["composite"]


@PROPERTY
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<", min_size=1, max_size=40))
def test_check_digit_is_a_digit(data: str) -> None:
    assert 0 <= check_digit(data) <= 9


@PROPERTY
@given(st.integers(min_value=13, max_value=18), st.sampled_from("0123456789"))
def test_any_single_digit_change_in_the_birth_date_is_caught(position: int, digit: str) -> None:
    line = TD3[1]
    if line[position] == digit:
        return
    changed = line[:position] + digit + line[position + 1 :]
    result = parse_mrz((TD3[0], changed), today=TODAY)
    assert result.checks["birth_date"] is False
