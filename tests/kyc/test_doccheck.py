"""Known answers for the document checks that say exactly what they saw (issue 17): each
of these failed on the code before it (see docs/kyc.md, "What each check saw")."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from typing import Any

import pytest
from PIL import Image

from clientdesk.kyc import perceptual, textchecks
from clientdesk.kyc.mrz import check_against_record, parse_mrz
from clientdesk.kyc.results import CheckStatus

from . import makedocs

BORN = dt.date(1990, 1, 1)
TODAY = dt.date(2026, 6, 1)
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (apt tesseract-ocr)"
)


# --- date of birth -------------------------------------------------------------------------


def test_six_digits_anywhere_are_not_a_date_of_birth() -> None:
    """Before: "900101" inside a reference number counted as the date of birth."""
    check = textchecks.check_birth_date(BORN, "Ref 900101 issued 05/03/2024")
    assert check.status is CheckStatus.WARNING and "not found" in check.detail


def test_a_labelled_date_of_birth_that_differs_fails_even_if_the_date_is_elsewhere() -> None:
    """Before: the record's date printed as an issue date passed; the DOB beside its label
    is what counts."""
    check = textchecks.check_birth_date(BORN, "Date of Birth: 02/03/1985\nIssued 01/01/1990")
    assert check.status is CheckStatus.FAIL
    assert "Date of Birth" in check.detail and "5 year(s) apart" in check.detail
    assert "1990" not in check.detail and "1985" not in check.detail  # never in clear


@pytest.mark.parametrize(
    "text",
    [
        "DOB: 01/01/1990",
        "DOB 01-01-1990",
        "Date of Birth 01.01.1990",
        "D.O.B. : 1990-01-01",
        "जन्म तिथि / DOB : 01/01/1990",
        "Date of Birth\n1 JAN 1990",
        "Born 1 January 1990",
    ],
)
def test_date_formats_beside_a_label(text: str) -> None:
    check = textchecks.check_birth_date(BORN, f"Issued 05/03/2024\n{text}\nValid 2030-01-01")
    assert check.ok, check.detail
    assert check.data["source"] == "label"


def test_aadhaar_year_of_birth_only() -> None:
    """Before: an Aadhaar letter printing only "Year of Birth" read as no date at all."""
    assert textchecks.check_birth_date(BORN, "Year of Birth : 1990").ok
    assert textchecks.check_birth_date(BORN, "YoB: 1990").ok
    other = textchecks.check_birth_date(BORN, "YoB: 1984")
    assert other.status is CheckStatus.FAIL and "6 year(s)" in other.detail


def test_swapped_day_and_month_is_a_slip_not_a_fail() -> None:
    check = textchecks.check_birth_date(dt.date(1990, 3, 4), "DOB 03/04/1990")
    assert check.status is CheckStatus.WARNING and "slip" in check.detail


def test_mrz_birth_date_read_from_id_card_text() -> None:
    lines = makedocs.td3_lines(surname="VERMA", given="ASHA", number="J8369854", birth=BORN,
                               expiry=dt.date(2031, 5, 20))  # fmt: skip
    text = "REPUBLIC OF INDIA\n" + "\n".join(lines)
    assert textchecks.check_birth_date(BORN, text).data["source"] == "mrz"
    assert textchecks.check_birth_date(BORN, text).ok
    assert textchecks.check_birth_date(dt.date(1991, 1, 1), text).status is CheckStatus.FAIL


# --- name ----------------------------------------------------------------------------------


def test_clear_name_mismatch_on_an_id_proof_fails_with_score_and_words() -> None:
    """Before: any low score was only a warning."""
    check = textchecks.check_name("Asha Verma", "NAME: RAHUL SHARMA\nDOB 01/01/1990",
                                  id_proof=True)  # fmt: skip
    assert check.status is CheckStatus.FAIL
    assert "Rahul Sharma" in check.detail and "Asha Verma" in check.detail
    assert "score" in check.detail and check.data["labelled_score"] < 60


def test_borderline_name_asks_for_review_with_the_words() -> None:
    check = textchecks.check_name("Asha Verma", "Name: ASHA KUMARI", id_proof=True)
    assert check.status is CheckStatus.WARNING and "review" in check.detail
    assert "Asha Verma" in check.detail and "score" in check.detail


def test_mismatch_on_other_documents_and_unread_names_only_warn() -> None:
    assert textchecks.check_name("Asha Verma", "NAME: RAHUL SHARMA").status == "warning"
    unread = textchecks.check_name("Asha Verma", "~~ illegible ~~", id_proof=True)
    assert unread.status is CheckStatus.WARNING  # OCR read no name: not a contradiction


def test_passport_labels_surname_and_given_names() -> None:
    text = "Surname\nVERMA\nGiven names\nASHA\nPassport No."
    assert textchecks.labelled_name(text) == ("ASHA VERMA", "Surname + Given Names")
    assert textchecks.check_name("Asha Verma", text, id_proof=True).ok


# --- address -------------------------------------------------------------------------------

BILL_TEXT = "BESCOM ELECTRICITY BILL\nAddress\n12 MG Road, Bengaluru 560 001\nAmount Rs 1,240.00"


def test_address_matches_with_the_pin() -> None:
    check = textchecks.check_address("12 MG Road, Bengaluru", "560001", BILL_TEXT)
    assert check.ok and "560001" in check.detail and check.data["score"] >= 80


def test_other_address_and_pin_fails() -> None:
    check = textchecks.check_address("4 Park Street, Kolkata", "700016", BILL_TEXT)
    assert check.status is CheckStatus.FAIL
    assert "560001" in check.detail and "700016" in check.detail


def test_same_street_other_pin_asks_for_review() -> None:
    check = textchecks.check_address("12 MG Road, Bengaluru", "560038", BILL_TEXT)
    assert check.status is CheckStatus.WARNING and "560038" in check.detail


def test_no_address_on_record_is_not_run() -> None:
    assert textchecks.check_address("", "", BILL_TEXT).status is CheckStatus.NOT_RUN


# --- MRZ -----------------------------------------------------------------------------------


def _lines() -> tuple[str, str]:
    return makedocs.td3_lines(surname="VERMA", given="ASHA", number="J8369854", birth=BORN,
                              expiry=dt.date(2031, 5, 20))  # fmt: skip


def test_only_the_composite_digit_wrong_is_named() -> None:
    line1, line2 = _lines()
    bad = line2[:43] + str((int(line2[43]) + 1) % 10)
    checks = check_against_record(parse_mrz([line1, bad], today=TODAY), today=TODAY)
    digits = checks[0]
    assert digits.status is CheckStatus.FAIL
    assert digits.detail.startswith("Only the composite check digit")
    assert digits.data["errors"] == ["composite"]


def test_mrz_birth_date_detail_never_shows_the_date() -> None:
    """Before: "Date of birth in the MRZ (1990-01-01) differs ..." - every Documents user,
    Sales included, reads check details and may not see a date of birth."""
    parsed = parse_mrz(list(_lines()), today=TODAY)
    checks = check_against_record(parsed, birth_date=dt.date(1985, 3, 2), today=TODAY)
    (birth,) = [c for c in checks if c.code == "mrz_birth_date"]
    assert birth.status is CheckStatus.FAIL and "apart" in birth.detail
    for shown in ("1990", "900101", "1985", "01/01", "1990-01-01"):
        assert shown not in birth.detail and shown not in str(birth.data)


@needs_tesseract
@pytest.mark.parametrize(
    ("blur", "skew", "contrast", "noise"),
    [(0, 0, 1.0, 0), (1.2, 0, 1.0, 0), (0, 1.5, 1.0, 0), (0, 0, 0.35, 0), (0.8, -1.0, 0.5, 25)],
    ids=["clean", "blurred", "skewed", "low-contrast", "photographed"],
)
def test_ocr_b_passport_mrz_is_read(blur: float, skew: float, contrast: float, noise: int) -> None:
    from clientdesk.kyc.mrzread import read_mrz
    from clientdesk.kyc.ocr import prepare

    if not makedocs.OCRB.exists():
        pytest.skip("the OCR-B font is not installed (apt fonts-ocr-b)")
    lines = _lines()
    page = makedocs.ocrb_passport(lines, blur=blur, skew=skew, contrast=contrast, noise=noise)
    parsed = read_mrz(prepare(page), today=TODAY)
    assert parsed is not None and parsed.valid, parsed and parsed.errors
    assert parsed.document_number == "J8369854" and parsed.birth_date == BORN


# --- look-alike copies ---------------------------------------------------------------------


def _jpeg(image: Image.Image, quality: int = 55) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _closest(one: bytes, two: bytes) -> tuple[int, int]:
    """(cell distance, whole-page distance) of the best rotation of ``two`` against ``one``."""
    upright = perceptual.fingerprints(one)[0]
    best = min(
        (perceptual.tile_distance(fp.tiles, upright.tiles), (fp.phash ^ upright.phash).bit_count())
        for fp in perceptual.fingerprints(two)
    )
    return best


def test_resaved_resized_and_turned_copies_are_look_alikes() -> None:
    card = makedocs.id_card()
    image = Image.open(io.BytesIO(card))
    copies = {
        "resaved": _jpeg(image, 40),
        "resized": _jpeg(image.resize((900, 570))),
        "turned": _jpeg(image.rotate(90, expand=True)),
    }
    for name, copy in copies.items():
        cells, whole = _closest(card, copy)
        assert cells <= perceptual.TILE_LIMIT and whole <= perceptual.CANDIDATE_DISTANCE, name


def test_another_persons_card_of_the_same_design_is_not_a_copy() -> None:
    mine = makedocs.id_card()
    theirs = makedocs.id_card(name="Rahul Sharma", birth=dt.date(1982, 3, 4), number="BQXPS9876K")
    cells, whole = _closest(mine, theirs)
    assert whole <= perceptual.CANDIDATE_DISTANCE  # the page hash alone would confuse them
    assert cells > perceptual.TILE_LIMIT  # the cells tell them apart


def test_band_lookup_finds_every_hash_within_seven_bits() -> None:
    import random

    rng = random.Random(3)
    for _ in range(200):
        one = rng.getrandbits(64)
        two = one
        for bit in rng.sample(range(64), rng.randint(0, 7)):
            two ^= 1 << bit
        wanted = perceptual.band_values(one)
        assert any(band in wanted[i] for i, band in enumerate(perceptual.bands(two)))


@pytest.mark.parametrize("data", [makedocs.truncated_jpeg(), b"not an image", b""])
def test_damaged_files_make_the_look_alike_check_not_run(data: bytes) -> None:
    with pytest.raises(perceptual.NotHashable):
        perceptual.fingerprints(data)
    check = perceptual.near_duplicate_check([], problem="the image could not be decoded")
    assert check.status is CheckStatus.NOT_RUN and check.detail.startswith("Not run:")


@pytest.mark.django_db
def test_resaved_turned_copy_for_another_customer_fails_with_the_distance(
    asha: Any, admin_user: Any, sales_user: Any, upload: Any, django_assert_max_num_queries: Any
) -> None:
    from factories import make_customer

    other = make_customer(actor=admin_user, assigned_to=sales_user, first_name="Rahul",
                          last_name="Sharma")  # fmt: skip
    card = makedocs.id_card()
    first = upload(asha, sales_user, "other", name="card.png", data=card)
    assert first.phash is not None and first.phash_b0 is not None and len(first.phash_tiles) == 256
    assert first.checks.get(code="near_duplicate").status == "pass"
    copy = _jpeg(Image.open(io.BytesIO(card)).rotate(270, expand=True), 50)
    second = upload(other, sales_user, "other", name="copy.jpg", data=copy)
    check = second.checks.get(code="near_duplicate")
    assert check.status == "fail" and asha.client_id in check.detail
    assert "distance" in check.detail and check.data["matches"][0]["rotation"] in (90, 270)
    assert check.data["matches"][0]["cell_distance"] <= perceptual.TILE_LIMIT

    from clientdesk.kyc import services

    with django_assert_max_num_queries(1):
        services._look_alikes(second, copy)  # one indexed query, whatever the table size
