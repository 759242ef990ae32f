"""Known-answer and property tests for clientdesk.core.validators (no database needed)."""

from __future__ import annotations

import contextlib
import datetime
import string
from collections.abc import Callable
from typing import Any

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from stdnum import verhoeff

from clientdesk.core import validators as v

PROPERTY = hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def error_of(func: Callable[..., Any], *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value


def code_of(func: Callable[..., Any], *args: Any, **kwargs: Any) -> str | None:
    return error_of(func, *args, **kwargs).code


# ------------------------------------------------------------------------------------------
# PAN
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ABCPE1234F", "ABCPE1234F"),
        ("  abcpe1234f ", "ABCPE1234F"),
        ("ABCPE 1234 F", "ABCPE1234F"),
        ("AAPPV8261K", "AAPPV8261K"),
        ("AAACR1234B", "AAACR1234B"),
    ],
)
def test_pan_valid(raw: str, expected: str) -> None:
    assert v.normalize_pan(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("ABCXE1234F", "pan_holder_type"),
        ("ABCKE1234F", "pan_holder_type"),
        ("ABCPE1234", "pan_format"),
        ("ABCPE12345", "pan_format"),
        ("ABCPE1234FF", "pan_format"),
        ("1BCPE1234F", "pan_format"),
        ("ABCPE0000F", "pan_format"),
        ("ABCP\u017f1234F", "pan_format"),  # long s upper-cases to "S": must not slip through
        ("", "pan_format"),
    ],
)
def test_pan_invalid(raw: str, code: str) -> None:
    assert code_of(v.normalize_pan, raw) == code


def test_pan_holder_type_message_names_the_character() -> None:
    err = error_of(v.normalize_pan, "ABCXE1234F")
    assert "“X”" in err.messages[0]
    assert "4th character" in err.messages[0]


@pytest.mark.parametrize(
    ("pan", "label"),
    [
        ("ABCPE1234F", "Individual"),
        ("ABCCE1234F", "Company"),
        ("ABCHE1234F", "Hindu Undivided Family (HUF)"),
        ("abcte1234f", "Trust"),
    ],
)
def test_pan_holder_type_label(pan: str, label: str) -> None:
    assert v.pan_holder_type(pan) == label


def test_pan_holder_types_table_is_the_ten_known_types() -> None:
    assert set(v.PAN_HOLDER_TYPES) == set("PCHFATBLJG")


upper = st.sampled_from(string.ascii_uppercase)
valid_pans = st.builds(
    lambda head, holder, initial, serial, check: f"{head}{holder}{initial}{serial:04d}{check}",
    st.text(string.ascii_uppercase, min_size=3, max_size=3),
    st.sampled_from(sorted(v.PAN_HOLDER_TYPES)),
    upper,
    st.integers(1, 9999),
    upper,
)


@PROPERTY
@given(pan=valid_pans, lower=st.booleans(), pad=st.sampled_from(["", " ", "\t", "  \n"]))
def test_random_valid_pans_round_trip(pan: str, lower: bool, pad: str) -> None:
    raw = f"{pad}{pan.lower() if lower else pan}{pad}"
    assert v.normalize_pan(raw) == pan
    assert v.pan_holder_type(raw) == v.PAN_HOLDER_TYPES[pan[3]]


@PROPERTY
@given(pan=valid_pans, holder=upper)
def test_unknown_holder_type_rejected(pan: str, holder: str) -> None:
    assume(holder not in v.PAN_HOLDER_TYPES)
    assert code_of(v.normalize_pan, pan[:3] + holder + pan[4:]) == "pan_holder_type"


# ------------------------------------------------------------------------------------------
# Aadhaar
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["234123412346", "2341 2341 2346", "2341-2341-2346", " 234123412346\n"]
)
def test_aadhaar_valid(raw: str) -> None:
    assert v.normalize_aadhaar(raw) == "234123412346"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("234123412347", "aadhaar_checksum"),
        ("234123412345", "aadhaar_checksum"),
        ("123412341234", "aadhaar_format"),  # starts with 1
        ("034123412346", "aadhaar_format"),  # starts with 0
        ("222222222222", "aadhaar_format"),  # palindrome
        ("23412341234", "aadhaar_format"),
        ("2341234123460", "aadhaar_format"),
        ("23412341234A", "aadhaar_format"),
        ("२३४१२३४१२३४६", "aadhaar_format"),  # Devanagari digits are not accepted
        ("", "aadhaar_format"),
    ],
)
def test_aadhaar_invalid(raw: str, code: str) -> None:
    assert code_of(v.normalize_aadhaar, raw) == code


aadhaar_bodies = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("23456789"),
    st.text("0123456789", min_size=10, max_size=10),
)


def with_check_digit(body: str) -> str:
    return body + verhoeff.calc_check_digit(body)


@PROPERTY
@given(body=aadhaar_bodies)
def test_body_with_verhoeff_digit_always_accepted(body: str) -> None:
    number = with_check_digit(body)
    assume(number != number[::-1])
    assert v.normalize_aadhaar(number) == number
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    assert v.normalize_aadhaar(spaced) == number


@PROPERTY
@given(body=aadhaar_bodies, position=st.integers(0, 11), delta=st.integers(1, 9))
def test_any_single_digit_change_rejected(body: str, position: int, delta: int) -> None:
    number = with_check_digit(body)
    changed = str((int(number[position]) + delta) % 10)
    mutated = number[:position] + changed + number[position + 1 :]
    assert mutated != number
    err = error_of(v.normalize_aadhaar, mutated)
    assert err.code in {"aadhaar_checksum", "aadhaar_format"}
    if mutated[0] not in "01" and mutated != mutated[::-1]:
        assert err.code == "aadhaar_checksum"


# ------------------------------------------------------------------------------------------
# Phone
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "9876543210",
        "09876543210",
        "+919876543210",
        "919876543210",
        "+91 98765 43210",
        "91-98765-43210",
        "0091 98765 43210",
        "(+91) 98765.43210",
        " 98765 43210 ",
    ],
)
def test_indian_mobile_forms_normalize_to_e164(raw: str) -> None:
    assert v.normalize_phone(raw) == "+919876543210"


def test_foreign_numbers() -> None:
    assert v.normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert v.normalize_phone("020 7946 0958", region="GB") == "+442079460958"
    assert v.normalize_phone("(415) 555-2671", region="us") == "+14155552671"


@pytest.mark.parametrize("raw", ["", "12345", "98765", "abc", "+91 00000 00000", "+999 1234"])
def test_phone_invalid(raw: str) -> None:
    err = error_of(v.normalize_phone, raw)
    assert err.code == "phone_invalid"
    assert err.messages == ["Enter a valid phone number, e.g. 98765 43210 or +44 20 7946 0958."]


def test_phone_without_prefix_needs_a_known_region() -> None:
    assert code_of(v.normalize_phone, "9876543210", region="") == "phone_invalid"
    assert code_of(v.normalize_phone, "9876543210", region="XX") == "phone_invalid"


separators = st.sampled_from(["", " ", "-", ".", "  "])


@st.composite
def indian_mobile_variants(draw: st.DrawFn) -> tuple[str, str]:
    """A valid Indian mobile's E.164 form and one way a person might type it."""
    national = "9" + draw(st.text("0123456789", min_size=9, max_size=9))
    assume(phonenumbers.is_valid_number(phonenumbers.parse("+91" + national)))
    prefix = draw(st.sampled_from(["", "0", "+91", "91", "+91 ", "+91-", "0091 ", "(+91) "]))
    cut_a, cut_b = sorted(draw(st.lists(st.integers(1, 9), min_size=2, max_size=2)))
    typed = (
        national[:cut_a]
        + draw(separators)
        + national[cut_a:cut_b]
        + draw(separators)
        + national[cut_b:]
    )
    pad = draw(st.sampled_from(["", " ", "\t"]))
    return "+91" + national, f"{pad}{prefix}{typed}{pad}"


@PROPERTY
@given(case=indian_mobile_variants())
def test_phone_formatting_variations_normalize_to_same_e164(case: tuple[str, str]) -> None:
    e164, typed = case
    assert v.normalize_phone(typed) == e164
    assert v.normalize_phone(e164) == e164
    assert v.normalize_phone(e164, region="GB") == e164  # E.164 ignores the default region


# ------------------------------------------------------------------------------------------
# Email
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Priya.Sharma@Example.COM", "priya.sharma@example.com"),
        ("  a.b+tag@sub.example.co.in ", "a.b+tag@sub.example.co.in"),
    ],
)
def test_email_valid(raw: str, expected: str) -> None:
    assert v.normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "plainaddress", "a@", "@example.com", "a@b", "a b@example.com", "a@example..com"]
)
def test_email_invalid(raw: str) -> None:
    err = error_of(v.normalize_email, raw)
    assert err.code == "email_invalid"
    assert err.messages == ["Enter a valid email address."]


# ------------------------------------------------------------------------------------------
# Age
# ------------------------------------------------------------------------------------------

TODAY = datetime.date(2024, 6, 15)


def test_age_exactly_minimum_on_birthday_is_accepted() -> None:
    v.validate_age(datetime.date(2006, 6, 15), minimum=18, today=TODAY)  # does not raise


def test_age_one_day_short_is_too_young() -> None:
    err = error_of(v.validate_age, datetime.date(2006, 6, 16), minimum=18, today=TODAY)
    assert err.code == "too_young"
    assert err.messages == ["Customer must be at least 18 years old."]


def test_age_message_uses_the_minimum() -> None:
    err = error_of(v.validate_age, datetime.date(2010, 1, 1), minimum=21, today=TODAY)
    assert err.messages == ["Customer must be at least 21 years old."]


def test_leap_day_birthday_comes_of_age_on_first_of_march() -> None:
    dob = datetime.date(2004, 2, 29)
    today = datetime.date(2022, 2, 28)
    assert code_of(v.validate_age, dob, minimum=18, today=today) == "too_young"
    v.validate_age(dob, minimum=18, today=datetime.date(2022, 3, 1))  # does not raise


def test_future_and_implausible_dates() -> None:
    assert code_of(v.validate_age, datetime.date(2024, 6, 16), minimum=0, today=TODAY) == (
        "dob_future"
    )
    assert code_of(v.validate_age, datetime.date(1899, 12, 31), minimum=18, today=TODAY) == (
        "dob_implausible"
    )
    v.validate_age(datetime.date(1900, 1, 1), minimum=18, today=TODAY)  # does not raise
    v.validate_age(TODAY, minimum=0, today=TODAY)  # does not raise


def test_age_accepts_datetimes_and_defaults_today() -> None:
    v.validate_age(datetime.datetime(1980, 5, 1, 12, 0), minimum=18)  # does not raise
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    assert code_of(v.validate_age, tomorrow, minimum=18) == "dob_future"


@PROPERTY
@given(
    dob=st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)),
    minimum=st.integers(0, 120),
)
def test_age_agrees_with_adding_years(dob: datetime.date, minimum: int) -> None:
    assume(dob <= TODAY)
    try:
        comes_of_age = dob.replace(year=dob.year + minimum)
    except ValueError:  # 29 February in a non-leap year: of age on 1 March
        comes_of_age = datetime.date(dob.year + minimum, 3, 1)
    if comes_of_age <= TODAY:
        v.validate_age(dob, minimum=minimum, today=TODAY)  # does not raise
    else:
        assert code_of(v.validate_age, dob, minimum=minimum, today=TODAY) == "too_young"


# ------------------------------------------------------------------------------------------
# Postal codes
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("IN", "560001", "560001"),
        ("in", " 560 001 ", "560001"),
        ("US", "94105", "94105"),
        ("US", "94105-1234", "94105-1234"),
        ("US", "941051234", "94105-1234"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", " SW1A   1AA ", "SW1A 1AA"),
        ("GB", "M1 1AE", "M1 1AE"),
        ("GB", "EC1A 1BB", "EC1A 1BB"),
        ("UK", "W1A 0AX", "W1A 0AX"),
        ("CA", "k1a0b1", "K1A 0B1"),
        ("AU", "2000", "2000"),
        ("DE", "10115", "10115"),
        ("FR", "75008", "75008"),
        ("SG", "018956", "018956"),
        ("AE", "", ""),
        ("AE", "  ", ""),
        ("NL", "1012 ab", "1012 AB"),
        ("JP", "100-0001", "100-0001"),
        ("BR", "01310-100", "01310-100"),
    ],
)
def test_postal_code_valid(country: str, raw: str, expected: str) -> None:
    assert v.normalize_postal_code(raw, country) == expected


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("IN", "056001"),
        ("IN", "56001"),
        ("IN", "5600011"),
        ("IN", ""),
        ("US", "9410"),
        ("US", "94105-12"),
        ("GB", "SW1A"),
        ("GB", "QW1A 1AA"),
        ("CA", "D1A 0B1"),
        ("AU", "20000"),
        ("DE", "1011"),
        ("FR", "7500A"),
        ("SG", "01895"),
        ("NL", "12"),
        ("NL", "12345678901"),
        ("NL", "12$45"),
        ("IN", "५६०००१"),
    ],
)
def test_postal_code_invalid(country: str, raw: str) -> None:
    assert code_of(v.normalize_postal_code, raw, country) == "postal_code_invalid"


def test_postal_code_message_names_the_country() -> None:
    err = error_of(v.normalize_postal_code, "12345", "IN")
    assert err.messages == ["Enter a valid postal code for India (6 digits, e.g. 560001)."]
    err = error_of(v.normalize_postal_code, "X", "NL")
    assert "NL" in err.messages[0]


# ------------------------------------------------------------------------------------------
# Passports and other identity documents
# ------------------------------------------------------------------------------------------


def test_passport_numbers() -> None:
    assert v.normalize_passport_number(" j8369854 ") == "J8369854"
    assert v.normalize_passport_number("123456789", country="GB") == "123456789"
    assert v.normalize_passport_number("c01x00t47", country="DE") == "C01X00T47"
    assert code_of(v.normalize_passport_number, "J836985") == "passport_format"
    assert code_of(v.normalize_passport_number, "12345678") == "passport_format"
    assert code_of(v.normalize_passport_number, "12345", country="GB") == "passport_format"
    assert code_of(v.normalize_passport_number, "1234567890", country="US") == "passport_format"


@pytest.mark.parametrize(
    ("id_type", "raw", "expected"),
    [
        ("pan", "abcpe1234f", "ABCPE1234F"),
        ("aadhaar", "2341 2341 2346", "234123412346"),
        ("passport", "J8369854", "J8369854"),
        ("voter_id", "abc1234567", "ABC1234567"),
        ("driving_licence", "MH-12 2011 0012345", "MH1220110012345"),
        ("driving_licence", "SMITH901017J99AB", "SMITH901017J99AB"),
        ("national_id", "S1234567D", "S1234567D"),
    ],
)
def test_id_number_valid(id_type: str, raw: str, expected: str) -> None:
    assert v.normalize_id_number(id_type, raw) == expected


@pytest.mark.parametrize(
    ("id_type", "raw", "code"),
    [
        ("pan", "ABCXE1234F", "pan_holder_type"),
        ("aadhaar", "234123412347", "aadhaar_checksum"),
        ("passport", "J83698", "passport_format"),
        ("voter_id", "AB12345678", "id_number_format"),
        ("driving_licence", "AB1", "id_number_format"),
        ("driving_licence", "A" * 21, "id_number_format"),
        ("national_id", "12/34/56", "id_number_format"),
        ("ssn", "123456789", "id_type_invalid"),
    ],
)
def test_id_number_invalid(id_type: str, raw: str, code: str) -> None:
    assert code_of(v.normalize_id_number, id_type, raw) == code


def test_id_number_passport_country() -> None:
    assert v.normalize_id_number("passport", "123456789", country="US") == "123456789"
    assert code_of(v.normalize_id_number, "passport", "123456789") == "passport_format"


# ------------------------------------------------------------------------------------------
# Bank details
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HDFC0001234", "HDFC0001234"),
        (" sbin0000300 ", "SBIN0000300"),
        ("ICIC0ABC123", "ICIC0ABC123"),
        ("021000021", "021000021"),  # JPMorgan Chase ABA routing number
        ("011000015", "011000015"),
    ],
)
def test_ifsc_valid(raw: str, expected: str) -> None:
    assert v.validate_ifsc(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "HDFC1001234", "HDF00001234", "HDFC000123", "021000022", "000000000", "12345678"]
)
def test_ifsc_invalid(raw: str) -> None:
    assert code_of(v.validate_ifsc, raw) == "ifsc_invalid"


def test_bank_account_number() -> None:
    assert v.validate_bank_account_number(" 1234 5678 9012 ") == "123456789012"
    assert v.validate_bank_account_number("123456") == "123456"
    assert v.validate_bank_account_number("1" * 20) == "1" * 20
    for bad in ["12345", "1" * 21, "12345A789", "", "١٢٣٤٥٦٧"]:
        assert code_of(v.validate_bank_account_number, bad) == "bank_account_invalid"


# ------------------------------------------------------------------------------------------
# Properties shared by every normaliser: idempotent, and only ValidationError escapes
# ------------------------------------------------------------------------------------------

COUNTRIES = ["IN", "US", "GB", "CA", "AU", "DE", "FR", "SG", "AE", "NL", "UK", "", "X"]

alnum_ish = st.text(string.ascii_letters + string.digits + " -", max_size=22)
digits_ish = st.text(string.digits + " -", max_size=22)
pan_ish = st.one_of(valid_pans, valid_pans.map(str.lower), alnum_ish)
aadhaar_ish = st.one_of(aadhaar_bodies.map(with_check_digit), digits_ish)
passport_ish = st.one_of(st.from_regex(r"[A-Za-z][0-9]{7}", fullmatch=True), alnum_ish)
phone_ish = st.one_of(
    indian_mobile_variants().map(lambda case: case[1]),
    st.text(string.digits + " -+().", max_size=18),
    st.sampled_from(["+44 20 7946 0958", "020 7946 0958", "(415) 555-2671"]),
)
postal_ish = st.one_of(
    st.text(string.ascii_letters + string.digits + " -", max_size=12),
    st.text(string.digits + " -", max_size=11),
    st.sampled_from(["560 001", "941051234", "sw1a1aa", " k1a0b1", "1012 ab", "018956"]),
)
ID_INPUTS: dict[str, st.SearchStrategy[str]] = {
    "pan": pan_ish,
    "aadhaar": aadhaar_ish,
    "passport": passport_ish,
    "voter_id": st.one_of(st.from_regex(r"[A-Za-z]{3}[0-9]{7}", fullmatch=True), alnum_ish),
    "driving_licence": alnum_ish,
    "national_id": alnum_ish,
}


def postal_for(country: str) -> Callable[[str], str]:
    return lambda code: v.normalize_postal_code(code, country)


def id_number_for(id_type: str) -> Callable[[str], str]:
    return lambda value: v.normalize_id_number(id_type, value)


# Each normaliser with inputs that are often close to valid, so that idempotence is
# exercised on accepted values and not only on rejections.
NORMALISERS: dict[str, tuple[Callable[[str], str], st.SearchStrategy[str]]] = {
    "pan": (v.normalize_pan, pan_ish),
    "aadhaar": (v.normalize_aadhaar, aadhaar_ish),
    "phone": (v.normalize_phone, phone_ish),
    "phone_gb": (lambda s: v.normalize_phone(s, region="GB"), phone_ish),
    "email": (v.normalize_email, st.one_of(st.emails(), st.text(max_size=30))),
    "passport_in": (v.normalize_passport_number, passport_ish),
    "passport_us": (lambda s: v.normalize_passport_number(s, "US"), alnum_ish),
    "ifsc": (
        v.validate_ifsc,
        st.one_of(
            st.from_regex(r"[A-Za-z]{4}0[A-Za-z0-9]{6}", fullmatch=True),
            st.sampled_from(["021000021", "011000015"]),
            alnum_ish,
        ),
    ),
    "bank_account": (v.validate_bank_account_number, digits_ish),
    **{f"postal_{c or 'blank'}": (postal_for(c), postal_ish) for c in COUNTRIES},
    **{f"id_{t}": (id_number_for(t), ID_INPUTS[t]) for t in v.ID_TYPES},
}

FEW = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@FEW
@given(data=st.data())
def test_normalisers_are_idempotent(name: str, data: st.DataObject) -> None:
    normalise, inputs = NORMALISERS[name]
    raw = data.draw(inputs)
    try:
        once = normalise(raw)
    except ValidationError:
        return
    assert normalise(once) == once


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@FEW
@given(raw=st.text(max_size=60))
def test_garbage_only_raises_validation_error(name: str, raw: str) -> None:
    try:
        result = NORMALISERS[name][0](raw)
    except ValidationError as exc:
        assert exc.code
        assert exc.messages and all(exc.messages)
    else:
        assert isinstance(result, str)


@PROPERTY
@given(id_type=st.text(max_size=20), raw=st.text(max_size=30), country=st.text(max_size=4))
def test_garbage_arguments_only_raise_validation_error(
    id_type: str, raw: str, country: str
) -> None:
    for call in (
        lambda: v.normalize_id_number(id_type, raw, country=country),
        lambda: v.normalize_postal_code(raw, country),
        lambda: v.normalize_phone(raw, region=country),
        lambda: v.normalize_passport_number(raw, country),
    ):
        with contextlib.suppress(ValidationError):
            call()


@PROPERTY
@given(dob=st.dates(), minimum=st.integers(-5, 200), today=st.dates())
def test_validate_age_only_raises_validation_error(
    dob: datetime.date, minimum: int, today: datetime.date
) -> None:
    try:
        v.validate_age(dob, minimum=minimum, today=today)
    except ValidationError as exc:
        assert exc.code in {"too_young", "dob_future", "dob_implausible"}
