"""Image, PDF, type and size checks on files the tests make themselves (no database)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont, PngImagePlugin
from pypdf import PdfReader, PdfWriter

from clientdesk.kyc import Outcome, check_document, overall_outcome, refusal
from clientdesk.kyc.checks_image import check_image, laplacian_variance
from clientdesk.kyc.checks_pdf import check_pdf
from clientdesk.kyc.filetype import check_file_size, check_file_type, sha256_hex, sniff
from clientdesk.kyc.results import CheckResult, CheckStatus

# ------------------------------------------------------------------------------------------
# Test files
# ------------------------------------------------------------------------------------------


def document_page(width: int = 1400, height: int = 900) -> Image.Image:
    """A white page with lines of dark text, like a scanned ID page."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for row in range(height // 40):
        draw.text(
            (30, 10 + row * 40),
            f"REPUBLIC OF INDIA  P<INDSHARMA<<ADHYA<<<  {row}",
            fill="black",
            font=font,
        )
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(pages: int = 1, **metadata: str) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if metadata:
        writer.add_metadata({f"/{k}": v for k, v in metadata.items()})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf(user_password: str, owner_password: str) -> bytes:
    source = encode(Image.new("RGB", (600, 800), "white"), "PDF")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def by_code(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.code: r for r in results}


# ------------------------------------------------------------------------------------------
# File type and size
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (encode(Image.new("RGB", (8, 8))), "jpeg"),
        (encode(Image.new("RGB", (8, 8)), "PNG"), "png"),
        (b"%PDF-1.7\n...", "pdf"),
        (b"\r\n%PDF-1.4\n", "pdf"),
        (HEIC_HEADER, "heic"),
        (b"GIF89a....", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"PK\x03\x04rest", "zip"),
        (b"MZ\x90\x00", "exe"),
        (b"plain text", None),
        (b"", None),
    ],
)
def test_sniff(data: bytes, kind: str | None) -> None:
    found = sniff(data)
    assert (found.kind if found else None) == kind


def test_type_is_judged_from_the_bytes_not_the_name() -> None:
    png = encode(Image.new("RGB", (8, 8)), "PNG")
    disguised = check_file_type(png, filename="statement.pdf")
    assert disguised.status is CheckStatus.FAIL
    assert "disguised" in disguised.detail and disguised.data["kind"] == "png"
    assert disguised.data["claimed"] == "pdf"
    assert check_file_type(png, filename="scan.PNG").status is CheckStatus.PASS
    assert check_file_type(png, filename="no-extension").status is CheckStatus.PASS
    assert check_file_type(png, filename="notes.txt").status is CheckStatus.PASS  # label only
    program = check_file_type(b"MZ\x90\x00" + b"\x00" * 60, filename="photo.jpg")
    assert program.status is CheckStatus.FAIL and "Windows program" in program.detail
    assert check_file_type(b"GIF89a", allowed=("jpeg", "png")).status is CheckStatus.FAIL


def test_file_size() -> None:
    assert check_file_size(b"", max_bytes=10).status is CheckStatus.FAIL
    too_big = check_file_size(b"x" * 11, max_bytes=10)
    assert too_big.status is CheckStatus.FAIL and too_big.data == {"size": 11, "limit": 10}
    assert check_file_size(b"x" * 10, max_bytes=10).status is CheckStatus.PASS
    assert sha256_hex(b"abc").startswith("ba7816bf")


# ------------------------------------------------------------------------------------------
# Images
# ------------------------------------------------------------------------------------------


def test_a_sharp_document_photo_passes() -> None:
    from .makedocs import camera_exif

    results = check_image(encode(document_page(), exif=camera_exif()))
    assert [r.status for r in results] == [CheckStatus.PASS] * 4
    checks = by_code(results)
    assert checks["image_decode"].data == {"format": "JPEG", "width": 1400, "height": 900}
    assert checks["sharpness"].data["score"] > 500


def test_no_metadata_is_not_judged_as_unedited() -> None:
    """Known answer: an image without metadata used to read "No signs of editing"."""
    check = by_code(check_image(encode(document_page())))["metadata_editing"]
    assert check.status is CheckStatus.NOT_RUN
    assert "no metadata to judge" in check.detail and "No signs" not in check.detail


def test_a_blurred_photo_is_flagged() -> None:
    blurred = document_page().filter(ImageFilter.GaussianBlur(4))
    sharpness = by_code(check_image(encode(blurred)))["sharpness"]
    assert sharpness.status is CheckStatus.WARNING
    assert sharpness.data["score"] < 100
    assert laplacian_variance(document_page()) > 10 * laplacian_variance(blurred)


def test_resolution() -> None:
    tiny = by_code(check_image(encode(document_page(200, 120))))["resolution"]
    assert tiny.status is CheckStatus.FAIL and "far too small" in tiny.detail
    small = by_code(check_image(encode(document_page(800, 500))))["resolution"]
    assert small.status is CheckStatus.WARNING
    assert by_code(check_image(encode(document_page(800, 500)), min_side=400))["resolution"].ok


def test_decompression_bombs_are_refused_before_decoding() -> None:
    (huge,) = check_image(png_header_only(100_000, 100_000))  # Pillow's own limit
    assert huge.code == "image_decode" and huge.status is CheckStatus.FAIL
    assert "decompression bomb" in huge.detail
    (over,) = check_image(png_header_only(9_000, 9_000))  # above our 50 Mpx limit
    assert over.status is CheckStatus.FAIL and over.data == {"width": 9000, "height": 9000}
    (lower,) = check_image(encode(document_page(800, 600)), max_pixels=100_000)
    assert lower.status is CheckStatus.FAIL


def test_damaged_and_foreign_files() -> None:
    jpeg = encode(document_page())
    (truncated,) = check_image(jpeg[: len(jpeg) // 2])
    assert truncated.status is CheckStatus.FAIL and "damaged" in truncated.detail
    (text,) = check_image(b"this is not an image")
    assert text.status is CheckStatus.FAIL
    (heic,) = check_image(HEIC_HEADER)
    assert heic.status is CheckStatus.WARNING and "HEIC" in heic.detail


def test_exif_signs_of_editing() -> None:
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"
    exif[0x0132] = "2024:05:01 10:00:00"
    exif.get_ifd(0x8769)[0x9003] = "2024:04:01 09:00:00"
    edited = by_code(check_image(encode(document_page(), exif=exif)))["metadata_editing"]
    assert edited.status is CheckStatus.WARNING
    assert "Adobe Photoshop" in edited.detail and "after it was taken" in edited.detail
    camera = Image.Exif()
    camera[0x0131] = "HDR+ 1.0.540104767zd"
    camera[0x0132] = "2024:04:01 09:00:00"
    camera.get_ifd(0x8769)[0x9003] = "2024:04:01 09:00:00"
    assert by_code(check_image(encode(document_page(), exif=camera)))["metadata_editing"].ok
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "GIMP 2.10.36")
    gimp = by_code(check_image(encode(document_page(), "PNG", pnginfo=info)))["metadata_editing"]
    assert gimp.status is CheckStatus.WARNING and gimp.data["software"] == "GIMP 2.10.36"


# ------------------------------------------------------------------------------------------
# PDFs
# ------------------------------------------------------------------------------------------


def test_a_plain_pdf_made_by_pillow_passes() -> None:
    results = check_pdf(encode(document_page(), "PDF"))
    assert [r.status for r in results] == [CheckStatus.PASS] * 4
    assert by_code(results)["page_count"].data == {"pages": 1}


def test_password_protected_pdf_fails() -> None:
    results = check_pdf(encrypted_pdf("1990-01-01", "owner"))
    assert [r.code for r in results] == ["pdf_parse", "pdf_encryption"]
    assert results[1].status is CheckStatus.FAIL and "password-protected" in results[1].detail


def test_owner_restricted_pdf_is_a_warning() -> None:
    checks = by_code(check_pdf(encrypted_pdf("", "owner")))
    assert checks["pdf_encryption"].status is CheckStatus.WARNING
    assert checks["page_count"].ok


def test_damaged_pdfs_fail() -> None:
    good = encode(document_page(), "PDF")
    for data in (good[: len(good) // 3], b"%PDF-1.4\nnothing else"):
        (parsed,) = check_pdf(data)
        assert parsed.code == "pdf_parse" and parsed.status is CheckStatus.FAIL


def test_page_count_limits() -> None:
    assert by_code(check_pdf(pdf_bytes(0)))["page_count"].status is CheckStatus.FAIL
    many = by_code(check_pdf(pdf_bytes(3), max_pages=2))["page_count"]
    assert many.status is CheckStatus.FAIL and many.data == {"pages": 3}


def test_pdf_signs_of_editing() -> None:
    edited = pdf_bytes(
        1,
        Producer="Foxit PhantomPDF 9.7",
        CreationDate="D:20240101000000",
        ModDate="D:20240301120000",
    )
    check = by_code(check_pdf(edited))["metadata_editing"]
    assert check.status is CheckStatus.WARNING
    assert "Foxit PhantomPDF" in check.detail and "modified after it was created" in check.detail
    source = encode(document_page(), "PDF")
    writer = PdfWriter(io.BytesIO(source), incremental=True)
    writer.add_metadata({"/Title": "changed"})
    buffer = io.BytesIO()
    writer.write(buffer)
    resaved = by_code(check_pdf(buffer.getvalue()))["metadata_editing"]
    assert resaved.status is CheckStatus.WARNING and resaved.data["eof_markers"] == 2


# ------------------------------------------------------------------------------------------
# The whole document
# ------------------------------------------------------------------------------------------


def test_check_document_runs_the_right_checks() -> None:
    from .makedocs import camera_exif

    image = check_document(encode(document_page(), exif=camera_exif()), filename="passport.jpg")
    assert [r.code for r in image] == [
        "file_size",
        "file_type",
        "image_decode",
        "resolution",
        "sharpness",
        "metadata_editing",
    ]
    assert overall_outcome(image) is Outcome.PASSED and refusal(image) is None
    pdf = check_document(encode(document_page(), "PDF"), filename="statement.pdf")
    assert [r.code for r in pdf][2:] == [
        "pdf_parse",
        "pdf_encryption",
        "page_count",
        "metadata_editing",
    ]


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "empty.jpg", "file_size"),
        (b"x" * 2048, "big.jpg", "file_size"),
        (encode(Image.new("RGB", (8, 8)), "PNG"), "disguised.pdf", "file_type"),
        (b"MZ\x90\x00" + b"\x00" * 100, "invoice.pdf", "file_type"),
        (png_header_only(100_000, 100_000), "bomb.png", "image_decode"),
        (encode(document_page(120, 90)), "tiny.jpg", "resolution"),
        (encrypted_pdf("secret", "owner"), "locked.pdf", "pdf_encryption"),
        (b"%PDF-1.4\nbroken", "broken.pdf", "pdf_parse"),
    ],
)
def test_hostile_files_are_refused(data: bytes, filename: str, code: str) -> None:
    results = check_document(
        data, filename=filename, max_bytes=1024 if filename == "big.jpg" else 10**7
    )
    refused = refusal(results)
    assert refused is not None and refused.code == code
    assert overall_outcome(results) is Outcome.FAILED


def test_overall_outcome() -> None:
    ok = CheckResult.passed("a", "fine")
    warn = CheckResult.warning("b", "hmm")
    bad = CheckResult.failed("c", "no")
    assert overall_outcome([ok]) is Outcome.PASSED
    assert overall_outcome([ok, warn]) is Outcome.NEEDS_REVIEW
    assert overall_outcome([warn, bad, ok]) is Outcome.FAILED
    assert overall_outcome([]) is Outcome.PASSED
    assert bad.to_dict() == {"code": "c", "status": "fail", "detail": "no"}


def test_a_truncated_image_is_damaged_even_after_weasyprint_is_imported() -> None:
    """WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when it is
    imported (the PDF reports do); the checks decode strictly all the same."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # what WeasyPrint did
    jpeg = encode(document_page())
    (truncated,) = check_image(jpeg[: len(jpeg) // 2])
    assert truncated.status is CheckStatus.FAIL and "damaged" in truncated.detail
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back as found
