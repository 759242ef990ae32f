"""Test documents made with Pillow (and pypdf): passport pages with an ICAO 9303 MRZ drawn in
a monospace font (DejaVu Sans Mono standing in for OCR-B), ID cards, utility bills as image
PDFs, and the hostile files every upload must refuse.

Also used by ``bench/kyc_checks.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from clientdesk.kyc.mrz import check_digit

MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SANS_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def font(size: int, *, mono: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = MONO if mono else SANS_BOLD if bold else SANS
    return ImageFont.truetype(str(path), size)


def _field(value: str, length: int) -> str:
    value = value.upper().replace(" ", "<").replace("-", "<")
    return (value + "<" * length)[:length]


def td3_lines(
    *,
    surname: str,
    given: str,
    number: str,
    nationality: str = "IND",
    birth: dt.date,
    sex: str = "F",
    expiry: dt.date,
    state: str = "IND",
) -> tuple[str, str]:
    """A valid passport MRZ (TD3, 2 x 44) with every check digit computed."""
    line1 = _field(f"P<{state}{surname.upper()}<<{given.upper().replace(' ', '<')}", 44)
    num = _field(number, 9)
    bdate, edate = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    optional = "<" * 14
    opt_check = "<" if set(optional) == {"<"} else str(check_digit(optional))
    parts = [
        num + str(check_digit(num)),
        nationality,
        bdate + str(check_digit(bdate)),
        sex,
        edate + str(check_digit(edate)),
        optional + opt_check,
    ]
    composite = parts[0] + parts[2] + parts[4] + parts[5]
    line2 = "".join(parts) + str(check_digit(composite))
    assert len(line1) == len(line2) == 44
    return line1, line2


def camera_exif() -> bytes:
    """What a phone camera writes: make, model, capture time equal to the last change."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Google", "Pixel 7"
    exif[0x0132] = "2025:02:01 10:00:00"
    exif.get_ifd(0x8769)[0x9003] = "2025:02:01 10:00:00"
    return exif.tobytes()


def _encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    """JPEG and PNG carry a camera's EXIF unless ``exif`` is given (b"" for none)."""
    if fmt in ("JPEG", "PNG"):
        kwargs.setdefault("exif", camera_exif())
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()


def _text_block(draw: ImageDraw.ImageDraw, x: int, y: int, rows: list[tuple[str, str]]) -> None:
    label, value = font(22), font(30, bold=True)
    for caption, text in rows:
        draw.text((x, y), caption, fill=(90, 90, 110), font=label)
        draw.text((x, y + 26), text, fill=(10, 10, 30), font=value)
        y += 74


def passport_page(
    *,
    surname: str = "VERMA",
    given: str = "ASHA",
    number: str = "J8369854",
    birth: dt.date = dt.date(1990, 1, 1),
    expiry: dt.date = dt.date(2031, 5, 20),
    sex: str = "F",
    fmt: str = "JPEG",
    mrz: tuple[str, str] | None = None,
) -> bytes:
    """A passport data page, 1400 x 980 px: labelled fields and the two MRZ lines."""
    image = Image.new("RGB", (1400, 980), (246, 243, 232))
    draw = ImageDraw.Draw(image)
    draw.text((60, 40), "REPUBLIC OF INDIA   PASSPORT", fill=(20, 40, 90), font=font(40, bold=True))
    draw.rectangle((60, 130, 380, 540), outline=(120, 120, 120), width=3, fill=(215, 215, 220))
    _text_block(
        draw,
        430,
        130,
        [
            ("Surname", surname.upper()),
            ("Given names", given.upper()),
            ("Passport No.", number),
            ("Date of birth", birth.strftime("%d/%m/%Y")),
            ("Date of expiry", expiry.strftime("%d/%m/%Y")),
        ],
    )
    lines = mrz or td3_lines(
        surname=surname, given=given, number=number, birth=birth, sex=sex, expiry=expiry
    )
    mono = font(40, mono=True)
    draw.text((40, 780), lines[0], fill=(0, 0, 0), font=mono)
    draw.text((40, 850), lines[1], fill=(0, 0, 0), font=mono)
    return _encode(image, fmt, quality=92) if fmt == "JPEG" else _encode(image, fmt)


def id_card(
    *,
    name: str = "Asha Verma",
    birth: dt.date = dt.date(1990, 1, 1),
    number: str = "ABCPE1234F",
    title: str = "INCOME TAX DEPARTMENT  PERMANENT ACCOUNT NUMBER",
    fmt: str = "PNG",
) -> bytes:
    image = Image.new("RGB", (1200, 760), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((50, 40), title, fill=(20, 40, 90), font=font(30, bold=True))
    _text_block(
        draw,
        60,
        150,
        [("Name", name.upper()), ("Date of Birth", birth.strftime("%d/%m/%Y")), ("Number", number)],
    )
    return _encode(image, fmt)


def utility_bill(
    *,
    name: str = "Asha Verma",
    address: str = "12 MG Road, Bengaluru 560001",
    bill_date: dt.date | None = None,
    fmt: str = "PDF",
) -> bytes:
    """An electricity bill, A4 at 100 dpi; PDF (image only, like a scan) by default."""
    bill_date = bill_date or dt.date.today() - dt.timedelta(days=10)
    image = Image.new("RGB", (1240, 1754), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((80, 80), "BESCOM ELECTRICITY BILL", fill=(0, 0, 0), font=font(44, bold=True))
    _text_block(
        draw,
        80,
        220,
        [
            ("Customer name", name.upper()),
            ("Address", address),
            ("Bill date", bill_date.strftime("%d/%m/%Y")),
            ("Amount due", "Rs 1,240.00"),
        ],
    )
    if fmt == "PDF":
        return _encode(image, "PDF", resolution=150.0)
    return _encode(image, fmt)


def blurry_photo() -> bytes:
    sharp = Image.open(io.BytesIO(id_card()))
    return _encode(sharp.filter(ImageFilter.GaussianBlur(12)), "JPEG", quality=90)


def tiny_image() -> bytes:
    return _encode(Image.new("RGB", (120, 80), (200, 200, 200)), "PNG")


def edited_photo() -> bytes:
    """An ID card whose EXIF says it was last saved by Photoshop."""
    image = Image.open(io.BytesIO(id_card())).convert("RGB")
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"
    return _encode(image, "JPEG", quality=92, exif=exif.tobytes())


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header announces 3.6 billion pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(utility_bill())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = id_card(fmt="JPEG")
    return data[: len(data) // 3]


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nthis is not a pdf\n"


HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 400
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML = b"<!doctype html><script>alert(1)</script>"


OCRB = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")  # Debian fonts-ocr-b


def ocrb_passport(
    lines: tuple[str, str],
    *,
    blur: float = 0.0,
    skew: float = 0.0,
    contrast: float = 1.0,
    noise: int = 0,
    seed: int = 0,
) -> Image.Image:
    """A passport page's lower part with the MRZ in OCR-B (the ICAO typeface), then
    "photographed": Gaussian blur, a small rotation (skew, degrees), contrast reduced to
    ``contrast`` (1 = unchanged) around mid-grey, and uniform pixel noise of +-``noise``."""
    import random

    from PIL import ImageEnhance

    image = Image.new("L", (1400, 560), 238)
    draw = ImageDraw.Draw(image)
    draw.text((60, 40), "PASSPORT  REPUBLIC OF INDIA", fill=40, font=font(36, bold=True))
    mrz_font = ImageFont.truetype(str(OCRB), 40)
    draw.text((40, 380), lines[0], fill=10, font=mrz_font)
    draw.text((40, 450), lines[1], fill=10, font=mrz_font)
    if skew:
        image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=238)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if contrast != 1.0:
        image = ImageEnhance.Contrast(image).enhance(contrast)
    if noise:
        rng = random.Random(seed)
        pixels = image.load()
        for y in range(image.height):
            for x in range(image.width):
                value = pixels[x, y] + rng.randint(-noise, noise)  # type: ignore[index,operator]
                pixels[x, y] = max(0, min(255, value))  # type: ignore[index]
    return image.convert("RGB")
