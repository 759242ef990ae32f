"""The automatic verification on generated documents: passports with an MRZ rendered in a
monospace font and read back by Tesseract, ID cards, bills; and the text checks alone."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from clientdesk.kyc import textchecks
from clientdesk.kyc.verification import Config, Record, verify

from . import makedocs

TODAY = dt.date(2026, 6, 1)
ASHA = Record(
    name="Asha Verma",
    birth_date=dt.date(1990, 1, 1),
    id_type="passport",
    id_number="J8369854",
    pan="ABCPE1234F",
    aadhaar="",
)
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


def by_code(report: object) -> dict[str, object]:
    return {r.code: r for r in report.results}  # type: ignore[attr-defined]


def test_mrz_lines_are_valid() -> None:
    from clientdesk.kyc.mrz import parse_mrz

    lines = makedocs.td3_lines(
        surname="VERMA", given="ASHA", number="J8369854", birth=dt.date(1990, 1, 1),
        expiry=dt.date(2031, 5, 20),
    )  # fmt: skip
    assert parse_mrz(list(lines), today=TODAY).valid


@needs_tesseract
def test_passport_passes_every_check() -> None:
    report = verify(makedocs.passport_page(), kind="id_proof", record=ASHA, today=TODAY)
    checks = by_code(report)
    assert str(report.outcome) == "passed", [(r.code, r.detail) for r in report.results if not r.ok]
    assert checks["mrz_check_digits"].ok and checks["mrz_document_number"].ok
    assert checks["mrz_name"].data["score"] == 100
    assert "tesseract" in report.engine
    assert set(report.timings) == {"file", "ocr", "content"}


@needs_tesseract
def test_tampered_mrz_check_digit_fails() -> None:
    line1, line2 = makedocs.td3_lines(
        surname="VERMA", given="ASHA", number="J8369854", birth=dt.date(1990, 1, 1),
        expiry=dt.date(2031, 5, 20),
    )  # fmt: skip
    bad = line2[:9] + str((int(line2[9]) + 1) % 10) + line2[10:]
    report = verify(
        makedocs.passport_page(mrz=(line1, bad)), kind="id_proof", record=ASHA, today=TODAY
    )
    check = by_code(report)["mrz_check_digits"]
    assert str(check.status) == "fail" and "document number" in check.detail
    assert str(report.outcome) == "failed"


@needs_tesseract
def test_expired_passport_and_other_holder_fail() -> None:
    page = makedocs.passport_page(
        surname="KHAN", given="IMRAN", number="K1234567", birth=dt.date(1985, 3, 4),
        expiry=dt.date(2024, 1, 31),
    )  # fmt: skip
    checks = by_code(verify(page, kind="id_proof", record=ASHA, today=TODAY))
    assert str(checks["document_expiry"].status) == "fail"
    assert str(checks["mrz_name"].status) == "fail"
    assert str(checks["mrz_birth_date"].status) == "fail"
    assert str(checks["mrz_document_number"].status) == "fail"
    # the name beside "Surname" / "Given names" is another person's: a clear mismatch
    assert str(checks["ocr_name"].status) == "fail"


@needs_tesseract
def test_passport_without_mrz_fails() -> None:
    card = makedocs.id_card(number="J8369854")
    checks = by_code(verify(card, kind="id_proof", record=ASHA, today=TODAY))
    assert str(checks["mrz_found"].status) == "fail"
    assert checks["ocr_id_number"].ok and checks["ocr_birth_date"].ok


@needs_tesseract
def test_pan_card_checks_number_and_holder_type() -> None:
    record = Record(name="Asha Verma", birth_date=dt.date(1990, 1, 1), id_type="pan",
                    id_number="ABCPE1234F")  # fmt: skip
    checks = by_code(verify(makedocs.id_card(), kind="id_proof", record=record, today=TODAY))
    assert checks["id_pan"].ok and "Individual" in checks["id_pan"].detail
    assert checks["ocr_id_number"].ok and checks["ocr_name"].ok
    assert "mrz_found" not in checks
    company = Record(name="Asha Verma", id_type="pan", id_number="ABCCE1234F")
    assert str(by_code(verify(makedocs.id_card(), kind="id_proof", record=company,
                              today=TODAY))["id_pan"].status) == "fail"  # fmt: skip


def test_invalid_aadhaar_on_record_fails_verhoeff() -> None:
    record = Record(name="Asha Verma", id_type="aadhaar", id_number="234123412345")
    config = Config(ocr_enabled=False)
    checks = by_code(verify(makedocs.id_card(), kind="id_proof", record=record, config=config))
    assert str(checks["id_aadhaar"].status) == "fail"
    assert str(checks["ocr"].status) == "not_run"


@needs_tesseract
def test_address_proof_age() -> None:
    fresh = makedocs.utility_bill(bill_date=TODAY - dt.timedelta(days=20))
    old = makedocs.utility_bill(bill_date=TODAY - dt.timedelta(days=120))
    assert by_code(verify(fresh, kind="address_proof", record=ASHA, today=TODAY))[
        "document_date"
    ].ok
    stale = by_code(verify(old, kind="address_proof", record=ASHA, today=TODAY))["document_date"]
    assert str(stale.status) == "fail" and stale.data["age_days"] == 120
    strict = Config(address_max_age_days=10)
    assert str(by_code(verify(fresh, kind="address_proof", record=ASHA, today=TODAY,
                              config=strict))["document_date"].status) == "fail"  # fmt: skip


def test_duplicates() -> None:
    config = Config(ocr_enabled=False)
    other = verify(
        makedocs.id_card(), kind="other", record=ASHA, other_customers=["CD00000009"], config=config
    )
    assert str(by_code(other)["duplicate"].status) == "fail"
    same = verify(
        makedocs.id_card(), kind="other", record=ASHA, same_customer_copies=1, config=config
    )
    assert str(by_code(same)["duplicate"].status) == "warning"


def test_find_dates_formats() -> None:
    text = "Issued 05/03/2024, due 2024-04-01; born 1 Jan 1990 and March 7, 2021; bad 31/02/2020"
    assert textchecks.find_dates(text) == [
        dt.date(2024, 3, 5), dt.date(2024, 4, 1), dt.date(1990, 1, 1), dt.date(2021, 3, 7),
    ]  # fmt: skip


def test_name_score_tolerates_order_and_noise() -> None:
    score, snippet = textchecks.name_score("Asha Verma", "NAME: VERMA ASHA\nDOB 01/01/1990")
    assert score == 100 and snippet
    assert textchecks.name_score("Asha Verma", "Rahul Sharma")[0] < 60
    assert textchecks.check_name("Asha Verma", "ASHA VERNA").ok
    assert textchecks.check_name("Asha Verma", "NAME ASHA").status == "warning"


def test_expiry_label() -> None:
    assert textchecks.check_expiry_text("Date of Expiry: 12/08/2020", today=TODAY).status == "fail"
    assert textchecks.check_expiry_text("Valid until 12/08/2030", today=TODAY).ok
    assert textchecks.check_expiry_text("Issued 12/08/2020", today=TODAY) is None


# --- reading the MRZ off the page ----------------------------------------------------------


def test_clean_line_repairs_look_alikes() -> None:
    from clientdesk.kyc.mrzread import clean_line

    assert clean_line("P<INDO<<LI<<<<ccceee ce") == "P<INDO<<LI" + "<" * 12
    assert clean_line("$8812311<4IND/809280F") == "S8812311<4IND7809280F"


def test_stretch_fillers_fits_the_longest_run() -> None:
    from clientdesk.kyc.mrzread import stretch_fillers

    assert stretch_fillers("AB<<<CD<<<<<<", 10) == "AB<<<CD<<<"
    assert stretch_fillers("AB<<C", 8) == "AB<<<<<C"
    assert stretch_fillers("ABCD", 6) == "ABCD"


def test_stray_character_is_dropped_only_when_check_digits_agree() -> None:
    from clientdesk.kyc.mrzread import best_mrz

    line1, line2 = makedocs.td3_lines(
        surname="SINGH", given="KABIR", number="U2810713", birth=dt.date(1975, 2, 28),
        expiry=dt.date(2031, 7, 3),
    )  # fmt: skip
    stray = line2[:10] + "1" + line2[10:]  # "...<41IND..." as Tesseract reads it
    parsed = best_mrz([f"{line1}\n{stray}"], today=TODAY)
    assert parsed is not None and parsed.valid and parsed.document_number == "U2810713"
    garbled = line2[:20] + "99" + line2[22:]
    parsed = best_mrz([f"{line1}\n{garbled}"], today=TODAY)
    assert parsed is not None and not parsed.valid


@needs_tesseract
def test_mrz_is_read_on_many_generated_passports() -> None:
    import random

    rng = random.Random(7)
    people = [
        ("KHAN", "IMRAN"), ("SINGH", "KABIR"), ("IYER", "ANANYA"), ("PILLAI", "TARA"),
        ("KULKARNI", "MYRA"), ("O", "LI"), ("BANERJEE", "ISHITA KUMARI"), ("REDDY", "VIHAAN"),
    ]  # fmt: skip
    failures = []
    for surname, given in people:
        number = rng.choice("JKLMNPRSTUVWZ") + str(rng.randint(1_000_000, 9_999_999))
        birth = dt.date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        expiry = dt.date(rng.randint(2027, 2034), rng.randint(1, 12), rng.randint(1, 28))
        page = makedocs.passport_page(
            surname=surname, given=given, number=number, birth=birth, expiry=expiry
        )
        record = Record(name=f"{given} {surname}", birth_date=birth, id_type="passport",
                        id_number=number)  # fmt: skip
        checks = by_code(verify(page, kind="id_proof", record=record, today=TODAY))
        codes = ("mrz_check_digits", "mrz_birth_date", "mrz_document_number")
        if not all(code in checks and checks[code].ok for code in codes):
            failures.append(surname)
    assert not failures
