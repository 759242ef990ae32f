"""Compliance demo data for ``seed_demo``: KYC documents, transactions, alerts, risk profiles.

After the relationship data, ``seed_compliance`` plays the last few weeks of the compliance
desk through the same service functions the app uses, so every record comes with its audit
records, timeline entries, check results, ledger entries and messages:

- KYC (about 1 customer in 12): generated documents (an ID card, or a passport data page
  with a valid ICAO 9303 MRZ; an e-bill as a PDF with a text layer) are uploaded by the
  customer's relationship manager through ``kyc.services.upload_document``; the automatic
  checks run a minute or two later through ``kyc.services.run_checks`` (what the background
  task ``verify_document`` calls), so OCR, MRZ and the other checks have real results. The
  compliance officer (never the registrar or the uploader: four eyes) approves most (a
  Pending customer is then activated by the manager), rejects an expired passport or
  licence and a bill copied from another customer (suspected forgery), asks for a sharp
  photo instead of a blurred one, and leaves about a quarter in the review queue;
- transactions (about 3 active customers in 10): three weeks of a core-banking feed through
  ``transactions.intake.intake_transactions``, delivered every three hours: an opening
  deposit first, then salaries, card, UPI and online payments at merchants with real MCCs,
  transfers, ATM withdrawals, trading-account payouts, a few failures (declined cards,
  wrong UPI PINs, insufficient funds), pending transfers settled later, a refund, a double
  charge reversed by hand, and a stolen phone blocked before it is used again. If no
  monitoring rule exists, the compliance officer first creates a small rule set through
  ``transactions.services.create_rule``; planted stories (a property sale, cash deposits
  just below ₹50,000, a burst of small payments, a new phone followed by a large transfer,
  betting and crypto payments, a money-mule student, a suspended customer's card) raise
  alerts at intake and in the nightly job, which plays every night at 01:00; the officer
  works a few of them (under review, escalated with the risk level overridden to high,
  cleared or dismissed with a note);
- risk: at the end, a profile for every customer touched that has none yet (the checks,
  decisions and alerts had the services recompute the others as they happened).

How: the simulation of :mod:`clientdesk.customers.demo_relationship` (frozen clock per step,
one transaction per step, time order). Deterministic like it: the same seed over the same
customers and the same ``now`` gives the same documents (bytes), transactions and
decisions. Only secrets differ between runs (stored file names, audit request ids).

The verification task the upload enqueues stays queued where the task backend is the
database (the development default) until a worker runs; running the checks again is
harmless (the results are replaced). In tests (``immediate`` backend) it ran at upload.
The documents still waiting for a decision (the review queue) are checked only by that
task: the worker of ``make run`` does it (OCR is the slowest part of the demo).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from clientdesk.customers import demo
from clientdesk.customers import services as customer_services
from clientdesk.customers.demo_relationship import (
    END_MARGIN,
    MAX_CUSTOMERS,
    ZERO,
    Clock,
    Plan,
    Simulation,
    simulated_clock,
)
from clientdesk.customers.models import Customer, KycStatus
from clientdesk.customers.models import Status as CustomerStatus
from clientdesk.kyc import services as kyc
from clientdesk.kyc.models import Document, DocumentCheck, DocumentKind, ReasonCode, ReviewStatus
from clientdesk.kyc.mrz import check_digit
from clientdesk.screening import services as screening
from clientdesk.screening.models import RiskProfile
from clientdesk.transactions import services as tx_services
from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import (
    Alert,
    AlertNote,
    AlertStatus,
    Device,
    Rule,
    RuleType,
    Transaction,
    TransactionStatus,
)

KYC_SHARE, KYC_MINIMUM = 1 / 12.5, 12  # 40 of 500 customers
TX_SHARE, TX_MINIMUM = 0.3, 20  # 150 of 500 customers
KYC_DAYS = 35
TX_DAYS = 21
FEED = dt.timedelta(hours=3)  # the core-banking feed delivers every three hours
SOURCE = "core_banking"
ONE_DAY = dt.timedelta(days=1)


def _hours(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(low, high))


def _minutes(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(minutes=rng.uniform(low, high))


# --- documents: Pillow images and a small text-layer PDF ----------------------------------

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@functools.cache
def _font(size: int, style: str = "") -> Any:
    """DejaVu (Sans, Sans Bold, Sans Mono for the MRZ); Pillow's own font if missing."""
    name = {"": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono.ttf"}
    try:
        return ImageFont.truetype(str(FONT_DIR / name[style]), size)
    except OSError:
        return ImageFont.load_default(size)


def _ascii(text: str) -> str:
    """Latin letters only (what an MRZ or a PDF's standard font can carry)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ord(ch) < 128)


def _camera_exif() -> bytes:
    """What a phone camera writes (make, model, capture time = last change), so the KYC
    "signs of editing" check has metadata to judge, as on a real photo."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Google", "Pixel 7"
    exif[0x0132] = "2025:02:01 10:00:00"
    exif.get_ifd(0x8769)[0x9003] = "2025:02:01 10:00:00"
    return exif.tobytes()


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, format="JPEG", quality=90, exif=_camera_exif())
    elif fmt == "PNG":
        image.save(buffer, format=fmt, exif=_camera_exif())
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def _fields(draw: ImageDraw.ImageDraw, x: int, y: int, rows: Sequence[tuple[str, str]]) -> None:
    for caption, value in rows:
        draw.text((x, y), caption, fill=(90, 90, 110), font=_font(22))
        draw.text((x, y + 26), value, fill=(10, 10, 30), font=_font(30, "bold"))
        y += 74


def _mrz_field(value: str, length: int) -> str:
    value = re.sub(r"[^A-Z0-9]+", "<", _ascii(value).upper())
    return (value + "<" * length)[:length]


def td3_mrz(
    *, surname: str, given: str, number: str, birth: dt.date, expiry: dt.date, sex: str
) -> tuple[str, str]:
    """The two 44-character lines of an Indian passport's MRZ, every check digit computed."""
    line1 = _mrz_field(f"P<IND{_mrz_field(surname, 39).rstrip('<')}<<{given}", 44)
    num = _mrz_field(number, 9)
    birth_s, expiry_s = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    optional = "<" * 14
    parts = [
        num + str(check_digit(num)),
        "IND",
        birth_s + str(check_digit(birth_s)),
        sex,
        expiry_s + str(check_digit(expiry_s)),
        optional + "<",
    ]
    composite = parts[0] + parts[2] + parts[4] + parts[5]
    return line1, "".join(parts) + str(check_digit(composite))


def passport_page(
    *, surname: str, given: str, number: str, birth: dt.date, expiry: dt.date, sex: str,
    place: str,
) -> bytes:  # fmt: skip
    """A passport data page (1400 x 980 JPEG): printed fields and the MRZ."""
    image = Image.new("RGB", (1400, 980), (246, 243, 232))
    draw = ImageDraw.Draw(image)
    draw.text((60, 40), "REPUBLIC OF INDIA   PASSPORT", fill=(20, 40, 90), font=_font(40, "bold"))
    draw.rectangle((60, 130, 380, 540), outline=(120, 120, 120), width=3, fill=(215, 215, 220))
    _fields(draw, 430, 130, [
        ("Surname", _ascii(surname).upper()), ("Given names", _ascii(given).upper()),
        ("Passport No.", number), ("Date of birth", birth.strftime("%d/%m/%Y")),
        ("Place of issue", place.upper()), ("Date of expiry", expiry.strftime("%d/%m/%Y")),
    ])  # fmt: skip
    sex_code = {"female": "F", "male": "M"}.get(sex, "<")
    lines = td3_mrz(
        surname=surname, given=given, number=number, birth=birth, expiry=expiry, sex=sex_code
    )
    draw.text((40, 780), lines[0], fill=(0, 0, 0), font=_font(40, "mono"))
    draw.text((40, 850), lines[1], fill=(0, 0, 0), font=_font(40, "mono"))
    return _encode(image, "JPEG")


CARD_TITLES = {
    "pan": "INCOME TAX DEPARTMENT  PERMANENT ACCOUNT NUMBER CARD",
    "aadhaar": "GOVERNMENT OF INDIA  AADHAAR",
    "voter_id": "ELECTION COMMISSION OF INDIA  ELECTOR PHOTO IDENTITY CARD",
    "driving_licence": "UNION OF INDIA  DRIVING LICENCE",
}


def id_card(
    *, id_type: str, name: str, birth: dt.date, number: str, valid_until: dt.date | None = None,
    fmt: str = "PNG",
) -> bytes:  # fmt: skip
    """A scanned ID card (1200 x 760): title, name, date of birth, number (+ validity)."""
    image = Image.new("RGB", (1200, 760), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((50, 40), CARD_TITLES[id_type], fill=(20, 40, 90), font=_font(28, "bold"))
    draw.rectangle((880, 150, 1120, 450), outline=(120, 120, 120), width=3, fill=(225, 225, 230))
    shown = " ".join(number[i : i + 4] for i in range(0, 12, 4)) if id_type == "aadhaar" else number
    rows = [("Name", _ascii(name).upper()), ("Date of Birth", birth.strftime("%d/%m/%Y")),
            ("Number", shown)]  # fmt: skip
    if valid_until is not None:
        rows.append(("Valid until", valid_until.strftime("%d/%m/%Y")))
    _fields(draw, 60, 150, rows)
    return _encode(image, fmt)


def phone_photo(data: bytes, *, blur: float) -> bytes:
    """A phone photo of a card: JPEG, blurred by ``blur`` px (shaky hands)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return _encode(image.filter(ImageFilter.GaussianBlur(blur)), "JPEG")


def _pdf_text(text: str) -> str:
    raw = _ascii(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return raw.encode("ascii", "replace").decode("ascii")


def text_pdf(lines: Sequence[tuple[int, int, int, bool, str]], *, producer: str) -> bytes:
    """A one-page A4 PDF with a text layer (an e-bill as the utility's site sends it):
    ``lines`` are (x, y, size, bold, text) in points from the bottom left."""
    stream = "".join(
        f"BT /F{2 if bold else 1} {size} Tf {x} {y} Td ({_pdf_text(text)}) Tj ET\n"
        for x, y, size, bold, text in lines
    ).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Producer (%s) >>" % _pdf_text(producer).encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


UTILITIES = (
    ("BESCOM", "Bangalore Electricity Supply Company", "Electricity bill"),
    ("MSEDCL", "Maharashtra State Electricity Distribution Co.", "Electricity bill"),
    ("TPDDL", "Tata Power Delhi Distribution", "Electricity bill"),
    ("MGL", "Mahanagar Gas", "Piped gas bill"),
    ("ACT", "ACT Fibernet", "Broadband bill"),
    ("BSNL", "Bharat Sanchar Nigam", "Landline and broadband bill"),
)


def utility_bill(
    *, rng: random.Random, name: str, address: Sequence[str], bill_date: dt.date
) -> bytes:
    code, company, title = rng.choice(UTILITIES)
    amount = Decimal(rng.randrange(38_000, 412_000)) / 100
    consumer = f"{rng.randrange(10**9, 10**10)}"
    rows: list[tuple[int, int, int, bool, str]] = [
        (60, 780, 20, True, company.upper()), (60, 755, 12, False, title),
        (60, 700, 11, False, "Customer name"), (60, 684, 14, True, name.upper()),
        (60, 650, 11, False, "Address"),
    ]  # fmt: skip
    y = 634
    for line in address:
        rows.append((60, y, 13, False, line))
        y -= 18
    rows += [
        (60, y - 20, 11, False, "Consumer number"), (60, y - 36, 13, True, consumer),
        (340, y - 20, 11, False, "Bill date"),
        (340, y - 36, 13, True, bill_date.strftime("%d/%m/%Y")),
        (60, y - 76, 11, False, "Due date"),
        (60, y - 92, 13, True, (bill_date + dt.timedelta(days=15)).strftime("%d/%m/%Y")),
        (340, y - 76, 11, False, "Amount payable"), (340, y - 92, 13, True, f"Rs {amount:,.2f}"),
        (60, 80, 9, False, f"This is a computer-generated bill from {company} ({code})."),
    ]  # fmt: skip
    return text_pdf(rows, producer=f"{code} e-billing")


# --- KYC stories ---------------------------------------------------------------------------

APPROVED, WAITING, PARTIAL = "approved", "waiting", "partial"
EXPIRED, FORGED, BLURRY = "expired", "forged", "blurry"
ID_TYPES = ("pan", "aadhaar", "voter_id", "driving_licence", "passport")
#: Passport numbers starting with these letters are misread by the MRZ reader (its repair of
#: look-alike glyphs changes them), so the demo's passports come from the others.
MISREAD_PASSPORT_LETTERS = frozenset("CIMOW")
CHECK_WORDS = {
    "ocr_name": "the name", "ocr_birth_date": "the date of birth",
    "ocr_id_number": "the ID number", "document_date": "the bill date",
    "sharpness": "the sharpness", "resolution": "the resolution", "ocr": "the text",
    "metadata_editing": "the file's history", "duplicate": "the earlier copy",
}  # fmt: skip
PASSPORT_PLACES = ("MUMBAI", "BENGALURU", "DELHI", "CHENNAI", "KOLKATA", "HYDERABAD", "PUNE")


@dataclass
class KycCase:
    number: int
    rng: random.Random
    story: str
    customer: Customer
    uploader: Any
    docs: dict[str, Document] = field(default_factory=dict)
    bill: bytes = b""
    bill_source: KycCase | None = None  # FORGED: whose bill is copied


def kyc_stories(count: int) -> list[str]:
    """Two rejections, one re-upload request, about a quarter waiting in the queue (some
    with only the ID proof), the rest approved (``count`` of them in all)."""
    queue = max(2, round(count * 0.25))
    partial = max(1, queue // 4)
    stories = [EXPIRED, FORGED, BLURRY] + [WAITING] * (queue - partial) + [PARTIAL] * partial
    return (stories + [APPROVED] * count)[:count]


# --- transactions: merchants, devices, stories ---------------------------------------------

CITY_CODES = {
    "Mumbai": "BOM", "Delhi": "DEL", "Bengaluru": "BLR", "Hyderabad": "HYD", "Chennai": "MAA",
    "Kolkata": "CCU", "Pune": "PNQ", "Ahmedabad": "AMD", "Jaipur": "JAI", "Lucknow": "LKO",
}  # fmt: skip


@dataclass(frozen=True)
class Shop:
    code: str
    name: str
    mcc: str
    category: str
    low: int  # typical amount range (INR, before the customer's scale)
    high: int
    channel: str  # card (POS), upi, online
    weight: int
    local: bool = True  # one outlet per city


SHOPS = (
    Shop("FRESHMART", "FreshMart Supermarket", "5411", "Grocery stores, supermarkets", 250, 4200,
         "card", 20),
    Shop("KIRANA", "Annapurna Kirana Store", "5411", "Grocery stores, supermarkets", 60, 900,
         "upi", 18),
    Shop("SPICEROUTE", "Spice Route Restaurant", "5812", "Eating places, restaurants", 450,
         3200, "card", 8),
    Shop("TIFFIN", "Tiffin Express", "5814", "Fast food restaurants", 90, 650, "upi", 10),
    Shop("FOODHOP", "FoodHop Delivery", "5812", "Eating places, restaurants", 180, 1400,
         "online", 12, local=False),
    Shop("FUELPOINT", "FuelPoint Petrol Pump", "5541", "Service stations", 500, 3500, "card", 8),
    Shop("ZIPCABS", "ZipCabs", "4121", "Taxicabs and limousines", 90, 850, "online", 9,
         local=False),
    Shop("MEDICO", "Medico Pharmacy", "5912", "Drug stores and pharmacies", 80, 2200, "upi", 7),
    Shop("STYLEHUB", "StyleHub Fashion", "5651", "Family clothing stores", 700, 6500, "card",
         5),
    Shop("GIZMO", "Gizmo Electronics", "5732", "Electronics stores", 1500, 38000, "card", 2),
    Shop("CINEPLEX", "Cineplex Cinemas", "7832", "Motion picture theatres", 300, 1600,
         "online", 4, local=False),
    Shop("SKYJET", "SkyJet Airlines", "4511", "Airlines", 3500, 16000, "online", 1,
         local=False),
    Shop("RAILYATRI", "RailYatri Tickets", "4112", "Passenger railways", 250, 2900, "online",
         3, local=False),
    Shop("BAZAARONLINE", "BazaarOnline", "5399", "Miscellaneous general merchandise", 300,
         7000, "online", 10, local=False),
    Shop("TELEFAST", "TeleFast Mobile", "4814", "Telecommunication services", 199, 999,
         "online", 6, local=False),
    Shop("POWERGRID", "City Power Distribution", "4900", "Utilities", 600, 3800, "online", 4,
         local=False),
)  # fmt: skip
SHOP_WEIGHTS = [s.weight for s in SHOPS]
GAMING = Shop("PLAYZONE", "PlayZone Games", "5816", "Digital goods: games", 149, 499, "online",
              0, local=False)  # fmt: skip
BETTING = Shop("LUCKYSTRIKE", "LuckyStrike Gaming", "7995", "Betting, lottery and casino",
               6000, 15000, "online", 0, local=False)  # fmt: skip
CRYPTO = Shop("COINVAULT", "CoinVault Exchange", "6051", "Quasi-cash: crypto assets", 25000,
              25000, "online", 0, local=False)  # fmt: skip
JEWELLER = Shop("SWARNA", "Swarna Jewellers", "5944", "Jewellery stores", 620000, 620000,
                "card", 0)  # fmt: skip

PHONES = (
    ("Samsung Galaxy M34", "Android 14"), ("Redmi Note 12", "Android 13"),
    ("OnePlus Nord CE 3", "Android 14"), ("vivo Y56", "Android 13"), ("realme 11", "Android 14"),
    ("iPhone 13", "iOS 17.5"), ("iPhone 14", "iOS 17.4"), ("Moto G54", "Android 14"),
)  # fmt: skip
BROWSERS = (("Chrome 125", "Windows 11"), ("Safari 17", "macOS 14"), ("Edge 124", "Windows 10"))
CARDS = ("RuPay debit card", "Visa debit card", "Mastercard debit card")
EMPLOYERS = (
    "Infosys Ltd", "Tata Consultancy Services", "Larsen & Toubro", "State of Maharashtra",
    "HDFC Bank Ltd", "Apollo Hospitals", "Reliance Retail", "Wipro Ltd", "Asian Paints",
)  # fmt: skip
PAYEES = ("Ramesh Kumar", "Sunita Devi", "Anil Sharma", "Priya Nair", "Mohammed Irfan",
          "Lakshmi Iyer", "Gurpreet Singh", "Deepa Menon", "Joseph D'Souza")  # fmt: skip
DECLINES = ("Card declined by the issuer", "Incorrect card PIN", "UPI PIN incorrect",
            "Issuer bank not reachable", "Daily limit exceeded")  # fmt: skip
MONTHLY_INCOME = {
    "below_1l": (5_000, 8_000), "1l_5l": (12_000, 38_000), "5l_10l": (45_000, 80_000),
    "10l_25l": (90_000, 190_000), "25l_1cr": (200_000, 250_000),
    "above_1cr": (220_000, 250_000), "": (25_000, 60_000),
}  # fmt: skip
NORMAL_MAX = Decimal(90_000)  # no ordinary transaction is above this (the planted ones are)

LOW_BANDS = ("below_1l", "1l_5l")
#: Income bands each planted story prefers, best first.
STORY_BANDS: dict[str, tuple[str, ...]] = {
    "mule": ("below_1l", "1l_5l"),
    "property": ("above_1cr", "25l_1cr", "", "10l_25l"),
    "": ("", "5l_10l", "10l_25l", "25l_1cr", "above_1cr"),
}
#: Planted stories, each on its own customer (in this order, the first customers picked).
TX_STORIES = (
    "property", "structuring", "velocity", "new_device", "betting", "betting_small", "crypto",
    "mule", "stolen_phone", "double_charge", "insufficient", "refund",
)  # fmt: skip

DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"name": "Single transaction above ₹5 lakh", "rule_type": RuleType.AMOUNT_THRESHOLD,
     "parameters": {"amount": "500000"}, "severity": "high",
     "description": "One transaction above ₹5,00,000: ask for the source or purpose."},
    {"name": "More than 6 transactions in 30 minutes", "rule_type": RuleType.VELOCITY,
     "parameters": {"count": 6, "minutes": 30}, "severity": "medium",
     "description": "Bursts of payments: card testing or a taken-over account."},
    {"name": "Large amount within 24 h of a new device", "rule_type": RuleType.NEW_DEVICE_LARGE,
     "parameters": {"amount": "100000", "within_hours": 24}, "severity": "high",
     "description": "Above ₹1,00,000 soon after the customer's first use of a device."},
    {"name": "Betting, crypto and money-transfer merchants",
     "rule_type": RuleType.HIGH_RISK_MERCHANT,
     "parameters": {"mcc_codes": ["7995", "6051", "4829"], "min_amount": "5000"},
     "severity": "medium", "description": "MCC 7995, 6051 and 4829, or a flagged merchant."},
    {"name": "Dormant account reactivated", "rule_type": RuleType.DORMANT_ACCOUNT,
     "parameters": {"days": 180, "min_amount": "10000"}, "severity": "low",
     "description": "Above ₹10,000 after six months without a transaction."},
    {"name": "Cash deposits just below ₹50,000", "rule_type": RuleType.STRUCTURING,
     "parameters": {"threshold": "50000", "margin_percent": "10", "min_count": 3, "days": 7},
     "severity": "high", "description": "Three or more amounts within 10% below the PAN "
     "threshold in a week."},
    {"name": "Monthly volume above ₹10 lakh", "rule_type": RuleType.VOLUME_LIMIT,
     "parameters": {"period": "month", "amount": "1000000"}, "severity": "medium",
     "description": "The month's successful volume so far."},
    {"name": "Volume out of line with declared income", "rule_type": RuleType.INCOME_MISMATCH,
     "parameters": {"period_days": 30, "ratio": "0.5"}, "severity": "medium",
     "description": "30 days' volume above half the top of the declared income band."},
)  # fmt: skip


def _money(value: Decimal | int | float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class Devices:
    phone: dict[str, str]
    card: dict[str, str]
    web: dict[str, str] | None = None


@dataclass
class Ledger:
    """One customer's planned feed: rows with their delivery times, and the balances the
    rows leave (so ordinary debits never exceed what is there)."""

    customer: Customer
    rng: random.Random
    devices: Devices
    monthly: Decimal
    story: str = ""
    story_end: dt.datetime | None = None  # the last row of the planted story
    rows: list[tuple[dt.datetime, dict[str, Any]]] = field(default_factory=list)
    balance: dict[str, Decimal] = field(default_factory=dict)
    count: int = 0

    def add(
        self,
        when: dt.datetime,
        type_: str,
        amount: Decimal,
        *,
        deliver: dt.datetime | None = None,
        status: str = "successful",
        account: str = "wallet",
        **extra: Any,
    ) -> dict[str, Any]:
        self.count += 1
        row: dict[str, Any] = {
            "transaction_id": f"T{self.customer.client_id}-{self.count:04d}",
            "customer": self.customer.client_id,
            "occurred_at": when.isoformat(),
            "amount": f"{amount:.2f}",
            "currency": "INR",
            "type": type_,
            "status": status,
            "account": account,
            **{k: v for k, v in extra.items() if v not in (None, "")},
        }
        self.rows.append((deliver or when, row))
        if status in ("successful", "pending"):
            credit = type_ in ("deposit", "refund") or row.get("direction") == "in"
            sign = 1 if credit else -1
            self.balance[account] = self.balance.get(account, Decimal(0)) + sign * amount
        return row

    def can_pay(self, amount: Decimal, account: str = "wallet") -> bool:
        return self.balance.get(account, Decimal(0)) - amount >= Decimal(200)

    def credits(self) -> Decimal:
        return sum(
            (
                Decimal(r["amount"])
                for _, r in self.rows
                if r["type"] in ("deposit", "refund") or r.get("direction") == "in"
            ),
            Decimal(0),
        )


# --- the summary ---------------------------------------------------------------------------


@dataclass
class Summary:
    counts: dict[str, int]
    seconds: float
    steps: int

    def line(self) -> str:
        c = self.counts
        return (
            f"Compliance data: {c['documents']} KYC documents for {c['kyc_customers']} "
            f"customers ({c['checks']:,} checks; {c['approved']} approved, {c['rejected']} "
            f"rejected, {c['resubmission']} re-upload requested, {c['queue']} customers in the "
            f"review queue), {c['transactions']:,} transactions for {c['tx_customers']} "
            f"customers ({c['failed']} failed, {c['reversed']} reversed) on {c['devices']} "
            f"devices, {c['rules']} rules, {c['alerts']} alerts ({c['worked']} worked), "
            f"{c['risk_profiles']} risk profiles in {self.seconds:.1f} s ({self.steps:,} steps)."
        )


# --- the seeder ----------------------------------------------------------------------------


def seed_compliance(
    *,
    customers: Iterable[Customer],
    users: Mapping[str, Any],
    seed: int,
    now: dt.datetime | None = None,
    step_wrapper: Callable[[], AbstractContextManager[Any]] | None = None,
    progress: Any = None,
) -> Summary:
    """Play the KYC, transaction and monitoring stories around ``customers``.

    ``now`` anchors the calendar (default: the real time); ``step_wrapper`` wraps each step
    outside its transaction (tests pass pytest-django's on-commit capture); ``progress`` is
    a tqdm bar advanced per step.
    """
    started = time.perf_counter()
    seeder = ComplianceSeeder(
        customers=customers,
        users=users,
        seed=seed,
        now=now or timezone.now(),
        step_wrapper=step_wrapper or nullcontext,
    )
    before = _high_water()
    seeder.plan()
    with simulated_clock(seeder.clock):
        seeder.sim.run(progress)
    counts = _counts(before, seeder)
    return Summary(counts, time.perf_counter() - started, seeder.sim.played)


COUNTED: dict[str, Any] = {
    "documents": Document,
    "checks": DocumentCheck,
    "transactions": Transaction,
    "devices": Device,
    "rules": Rule,
    "alerts": Alert,
    "notes": AlertNote,
}


def _high_water() -> dict[str, int]:
    return {
        name: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for name, model in COUNTED.items()
    }


def _counts(before: Mapping[str, int], seeder: ComplianceSeeder) -> dict[str, int]:
    new = {name: model.objects.filter(pk__gt=before[name]) for name, model in COUNTED.items()}
    counts = {name: queryset.count() for name, queryset in new.items()}
    docs = new["documents"]
    by_status = dict(docs.values_list("review_status").annotate(n=Count("pk")).order_by())
    kyc_ids = {c.customer.pk for c in seeder.kyc_cases}
    touched = seeder.touched()
    counts.update(
        kyc_customers=docs.values("customer").distinct().count(),
        approved=by_status.get(ReviewStatus.APPROVED, 0),
        rejected=by_status.get(ReviewStatus.REJECTED, 0),
        resubmission=by_status.get(ReviewStatus.RESUBMISSION, 0),
        queue=Document.objects.filter(customer__in=kyc_ids, review_status=ReviewStatus.PENDING)
        .values("customer")
        .distinct()
        .count(),
        tx_customers=new["transactions"].values("customer").distinct().count(),
        failed=new["transactions"].filter(status=TransactionStatus.FAILED).count(),
        reversed=new["transactions"].filter(status=TransactionStatus.REVERSED).count(),
        worked=new["alerts"].exclude(status=AlertStatus.TRIGGERED).count(),
        risk_profiles=RiskProfile.objects.filter(customer__in=touched).count(),
    )
    return counts


class ComplianceSeeder:
    """Plans every story (``plan``); ``sim.run()`` plays them under ``clock``."""

    def __init__(
        self,
        *,
        customers: Iterable[Customer],
        users: Mapping[str, Any],
        seed: int,
        now: dt.datetime,
        step_wrapper: Callable[[], AbstractContextManager[Any]],
    ) -> None:
        self.seed = seed
        self.end = now - END_MARGIN
        self.clock = Clock()
        self.sim = Simulation(self.clock, self.end, step_wrapper)
        self.sales = [users[name] for name in demo.SALES_USERNAMES]
        self.manager, self.compliance, self.admin = (
            users["manager"],
            users["compliance"],
            users["admin"],
        )
        self.user_by_pk = {u.pk: u for u in users.values()}
        self.customers = sorted(customers, key=lambda c: c.pk)
        self.size = len(self.customers)
        self.pick = random.Random(f"{seed}/compliance")
        self.kyc_cases: list[KycCase] = []
        self.ledgers: list[Ledger] = []
        self.blocked_attempts: list[Customer] = []
        self.tx_start = self.end - dt.timedelta(days=TX_DAYS)

    def _rng(self, kind: str, number: int) -> random.Random:
        return random.Random(f"{self.seed}/{kind}/{number}")

    def _share(self, per_customer: float, minimum: int) -> int:
        return max(minimum, round(self.size * per_customer))

    def _owner_of(self, customer: Customer) -> Any:
        user = self.user_by_pk.get(customer.assigned_to_id or 0)
        return user if user in self.sales else self.manager

    def touched(self) -> list[int]:
        ids = {c.customer.pk for c in self.kyc_cases} | {x.customer.pk for x in self.ledgers}
        return sorted(ids | {c.pk for c in self.blocked_attempts})

    def plan(self) -> None:
        if not self.customers:
            return
        self._plan_kyc()
        self._plan_transactions()
        # Last: the risk profiles of everyone touched (most were asked for on the way).
        self.sim.job("risk", self.end, self._recompute_risk)

    # --- KYC -----------------------------------------------------------------------------

    def _kyc_customers(self, count: int) -> list[Customer]:
        eligible = [
            c
            for c in self.customers
            if c.country == "IN"
            and c.id_type in ID_TYPES
            and c.date_of_birth
            and c.kyc_status == KycStatus.NOT_STARTED
            and c.created_at <= self.end - 7 * ONE_DAY
            and not (c.id_type == "passport" and c.id_number[:1] in MISREAD_PASSPORT_LETTERS)
            and c.status in (CustomerStatus.PENDING, CustomerStatus.ACTIVE)
        ]
        pending = [c for c in eligible if c.status == CustomerStatus.PENDING]
        active = [c for c in eligible if c.status == CustomerStatus.ACTIVE]
        # Onboarding of Pending customers first (up to a third), then re-KYC of active ones.
        chosen = self.pick.sample(pending, min(len(pending), count // 3))
        chosen += self.pick.sample(active, min(len(active), count - len(chosen)))
        self.pick.shuffle(chosen)
        return chosen

    def _plan_kyc(self) -> None:
        chosen = self._kyc_customers(self._share(KYC_SHARE, KYC_MINIMUM))
        stories = kyc_stories(len(chosen))
        # The expired-ID story needs a passport or a driving licence (both carry an expiry).
        expiring = [i for i, c in enumerate(chosen) if c.id_type in ("passport", "driving_licence")]
        if expiring and EXPIRED in stories:
            at = stories.index(EXPIRED)
            chosen[at], chosen[expiring[0]] = chosen[expiring[0]], chosen[at]
        elif EXPIRED in stories:
            stories[stories.index(EXPIRED)] = APPROVED
        for number, (customer, story) in enumerate(zip(chosen, stories, strict=True)):
            case = KycCase(
                number=number,
                rng=self._rng("kyc", number),
                story=story,
                customer=customer,
                uploader=self._owner_of(customer),
            )
            self.kyc_cases.append(case)
        settled = self.end - KYC_DAYS * ONE_DAY
        sources = [
            c for c in self.kyc_cases if c.story == APPROVED and c.customer.created_at < settled
        ]
        for case in self.kyc_cases:
            if case.story == FORGED:
                case.bill_source = sources[0] if sources else None
        for case in self.kyc_cases:
            earliest, latest = self._kyc_window(case)
            joined = case.customer.created_at + dt.timedelta(hours=2)  # a converted lead
            earliest, latest = max(earliest, joined), max(latest, joined)
            self.sim.add(self._kyc_plan(case), case.rng, earliest=earliest, latest=latest)

    def _kyc_window(self, case: KycCase) -> tuple[dt.datetime, dt.datetime]:
        days = ONE_DAY
        if any(c.bill_source is case for c in self.kyc_cases):  # the copied bill comes first
            return self.end - KYC_DAYS * days, self.end - 25 * days
        windows = {
            WAITING: (self.end - 4 * days, self.end - dt.timedelta(hours=8)),
            PARTIAL: (self.end - 6 * days, self.end - days),
            FORGED: (self.end - 14 * days, self.end - 6 * days),
            EXPIRED: (self.end - 20 * days, self.end - 8 * days),
            BLURRY: (self.end - 16 * days, self.end - 6 * days),
        }
        return windows.get(case.story, (self.end - KYC_DAYS * days, self.end - 6 * days))

    def _kyc_plan(self, case: KycCase) -> Plan:
        rng, ID, ADDRESS = case.rng, DocumentKind.ID_PROOF, DocumentKind.ADDRESS_PROOF
        plan = Plan().then(ZERO, partial(self._upload, case, ID))
        if case.story == PARTIAL:
            return plan
        plan.then(_hours(rng, 0.05, 30), partial(self._upload, case, ADDRESS))
        if case.story == WAITING:
            return plan
        decide = partial(self._decide, case)
        plan.then(_hours(rng, 10, 60), decide(ID))
        plan.then(_minutes(rng, 2, 15), decide(ADDRESS))
        if case.story == APPROVED and case.customer.status == CustomerStatus.PENDING:
            plan.then(_hours(rng, 1, 6), partial(self._activate, case))
        return plan

    def _document(self, case: KycCase, kind: str) -> tuple[str, bytes]:
        """(file name, bytes) of the document the customer hands in for ``kind``."""
        c, rng, today = case.customer, case.rng, timezone.localdate(self.clock())
        birth = c.date_of_birth
        assert birth is not None
        if kind == DocumentKind.ADDRESS_PROOF:
            if case.story == FORGED and case.bill_source and case.bill_source.bill:
                return "electricity_bill.pdf", case.bill_source.bill  # someone else's bill
            age = 160 if case.story == WAITING and case.number % 5 == 3 else rng.randint(4, 40)
            address = [c.address_line, f"{c.city} {c.postal_code}".strip(), c.state]
            case.bill = utility_bill(
                rng=rng,
                name=c.full_name,
                address=[a for a in address if a],
                bill_date=today - dt.timedelta(days=age),
            )
            return f"bill_{today:%Y%m}.pdf", case.bill
        number = c.id_number or ""
        expired = case.story == EXPIRED
        expiry = today + dt.timedelta(days=rng.randint(400, 3000))
        if expired:
            expiry = today - dt.timedelta(days=rng.randint(20, 300))
        if c.id_type == "passport":
            data = passport_page(
                surname=c.last_name or c.first_name,
                given=c.first_name if c.last_name else "",
                number=number,
                birth=birth,
                expiry=expiry,
                sex=c.gender,
                place=rng.choice(PASSPORT_PLACES),
            )
            return "passport.jpg", data
        valid = expiry if c.id_type == "driving_licence" else None
        fmt = "JPEG" if rng.random() < 0.4 else "PNG"
        data = id_card(
            id_type=c.id_type,
            name=c.full_name,
            birth=birth,
            number=number,
            valid_until=valid,
            fmt=fmt,
        )
        if case.story == BLURRY:
            return "IMG_20240611_0931.jpg", phone_photo(data, blur=9)
        return f"{c.id_type}{'.jpg' if fmt == 'JPEG' else '.png'}", data

    def _upload(self, case: KycCase, kind: str) -> bool:
        name, data = self._document(case, kind)
        upload = SimpleUploadedFile(name, data)
        try:
            document = kyc.upload_document(
                case.customer, actor=case.uploader, upload=upload, kind=kind
            )
        except (ValidationError, PermissionDenied):
            return False
        case.docs[kind] = document
        if case.story in (WAITING, PARTIAL):
            # Nobody has decided these yet: their checks are left to the task the upload
            # queued, so `make run`'s worker has KYC work (they show "Checks running" until
            # it ran; under an immediate task backend they ran at upload).
            return True
        # The worker picks the check task up a minute or two later; the officer's decision
        # below reads its results, so the demo runs it here, at that time.
        when = self.clock() + _minutes(case.rng, 0.5, 3)
        self.sim.job(f"kyc-checks-{document.pk}", when, partial(self._run_checks, document.pk))
        return True

    def _run_checks(self, document_id: int) -> None:
        done = Document.objects.filter(pk=document_id, checks_completed_at__isnull=False)
        if not done.exists():  # not already run by an immediate task backend
            kyc.run_checks(document_id)

    def _decider(self, customer: Customer, document: Document) -> Any:
        """The compliance officer, unless four eyes forbid it (then the Admin)."""
        for user in (self.compliance, self.admin):
            if user.pk not in (customer.created_by_id, document.uploaded_by_id):
                return user
        return None

    def _decide(self, case: KycCase, kind: str) -> Callable[[], Any]:
        return partial(self._decision, case, kind)

    def _decision(self, case: KycCase, kind: str) -> bool:
        document = case.docs.get(kind)
        if document is None:
            return False
        decision, reason, comment = "approve", "", ""
        if case.story == EXPIRED and kind == DocumentKind.ID_PROOF:
            decision, reason = "reject", ReasonCode.EXPIRED
            comment = "The document has expired; please upload the renewed one."
        elif case.story == FORGED and kind == DocumentKind.ADDRESS_PROOF:
            decision, reason = "reject", ReasonCode.SUSPECTED_FORGERY
            comment = (
                "The same bill was uploaded for another customer and the name on it is not "
                "the customer's. Reported to the MLRO."
            )
        elif case.story == BLURRY and kind == DocumentKind.ID_PROOF:
            decision, reason = "resubmit", ReasonCode.BLURRY
            comment = "The photo is too blurred to read; please upload a scan or a sharp photo."
        document = Document.objects.get(pk=document.pk)  # with its check results
        if decision == "approve" and document.check_outcome != "passed":
            problems = list(document.checks.exclude(status="pass").values_list("code", flat=True))
            words = ", ".join(CHECK_WORDS.get(code, code) for code in problems)
            if document.check_outcome == "failed":
                decision, reason = "resubmit", ReasonCode.OTHER
                comment = f"The automatic checks failed ({words}); please upload a clear copy."
            else:
                comment = f"Checked by eye against the record, acceptable: {words}."
        actor = self._decider(case.customer, document)
        if actor is None:
            return False
        try:
            kyc.decide_document(
                document, actor=actor, decision=decision, reason_code=reason, comment=comment
            )
        except (ValidationError, PermissionDenied):
            return False
        return True

    def _activate(self, case: KycCase) -> None:
        with contextlib.suppress(ValidationError, PermissionDenied):
            customer_services.change_status(
                case.customer,
                actor=self.manager,
                to_status=CustomerStatus.ACTIVE,
                reason="KYC approved (ID proof and proof of address); account activated.",
            )

    # --- transactions ----------------------------------------------------------------------

    def _tx_customers(self, count: int) -> list[Customer]:
        kyc_pending = {c.customer.pk for c in self.kyc_cases}
        settled = [
            c
            for c in self.customers
            if c.status == CustomerStatus.ACTIVE
            and c.created_at <= self.tx_start
            and c.country == "IN"
            and c.pk not in kyc_pending
        ]
        more = [
            c
            for c in self.customers
            if c.status == CustomerStatus.ACTIVE
            and c.created_at <= self.tx_start
            and c.country != "IN"
        ]
        chosen = self.pick.sample(settled, min(len(settled), count))
        chosen += self.pick.sample(more, min(len(more), count - len(chosen)))
        return chosen

    def _plan_transactions(self) -> None:
        chosen = self._tx_customers(self._share(TX_SHARE, TX_MINIMUM))
        if not chosen:
            return
        chosen = self._cast(chosen)
        rules_at = self.tx_start - 2 * ONE_DAY
        self.sim.add(
            Plan().then(ZERO, self._ensure_rules),
            self._rng("rules", 0),
            earliest=rules_at,
            latest=rules_at,
        )
        for number, customer in enumerate(chosen):
            ledger = self._ledger(number, customer)
            self._everyday(ledger)
            if number < len(TX_STORIES):
                ledger.story = TX_STORIES[number]
                before = len(ledger.rows)
                getattr(self, f"_story_{ledger.story}")(ledger)
                ledger.story_end = max(when for when, _ in ledger.rows[before:])
            self.ledgers.append(ledger)
        suspended = [c for c in self.customers if c.status == CustomerStatus.SUSPENDED]
        if suspended:
            self._suspended_attempt(self.pick.choice(suspended))
        self._plan_feed()
        day = timezone.localdate(self.tx_start) + ONE_DAY
        while (night := self.sim.local(day, 1)) <= self.end:
            self.sim.job("nightly", night, tx_services.run_nightly_rules)
            day += ONE_DAY
        self._plan_alert_work()

    @staticmethod
    def _cast(chosen: list[Customer]) -> list[Customer]:
        """Who plays which story: the mule declared a low income (so the nightly income
        rule sees it), the flat's seller a high one, the others neither (so their story
        raises only its own alerts)."""
        rest = list(chosen)
        cast: list[Customer] = []
        for story in TX_STORIES[: len(chosen)]:
            preference = STORY_BANDS.get(story, STORY_BANDS[""])

            def rank(i: int, preference: tuple[str, ...] = preference) -> tuple[int, int]:
                band = rest[i].income_band or ""
                return (preference.index(band) if band in preference else 99, i)

            cast.append(rest.pop(min(range(len(rest)), key=rank)))
        return cast + rest

    def _ledger(self, number: int, customer: Customer) -> Ledger:
        rng = self._rng("tx", number)
        low, high = MONTHLY_INCOME.get(customer.income_band or "", MONTHLY_INCOME[""])
        monthly = _money(round(rng.uniform(low, high), -2))
        model, os_name = rng.choice(PHONES)
        prefix = "ios" if os_name.startswith("iOS") else "and"
        devices = Devices(
            phone={
                "id": f"{prefix}-{rng.getrandbits(48):012x}",
                "type": "mobile",
                "model": model,
                "os": os_name,
            },
            card={
                "id": f"card-{rng.getrandbits(40):010x}",
                "type": "card",
                "model": rng.choice(CARDS),
            },
        )
        if rng.random() < 0.35:
            browser, system = rng.choice(BROWSERS)
            devices.web = {
                "id": f"web-{rng.getrandbits(48):012x}",
                "type": "web",
                "model": browser,
                "os": system,
            }
        return Ledger(customer=customer, rng=rng, devices=devices, monthly=monthly)

    def _at(
        self, day: dt.date, rng: random.Random, low: float = 8, high: float = 22.5
    ) -> dt.datetime:
        hour = rng.uniform(low, high)
        return self.sim.local(day, int(hour), int(hour % 1 * 60)) + dt.timedelta(
            seconds=rng.randrange(60)
        )

    def _shop_fields(self, shop: Shop, city: str) -> dict[str, Any]:
        code = CITY_CODES.get(city, "IND") if shop.local else "WEB"
        return {
            "merchant": {
                "id": f"{shop.code}-{code}",
                "name": shop.name,
                "mcc": shop.mcc,
                "category": shop.category,
                "city": city if shop.local else "Bengaluru",
                "country": "IN",
            }
        }

    def _pay(
        self,
        ledger: Ledger,
        when: dt.datetime,
        shop: Shop,
        amount: Decimal,
        *,
        status: str = "successful",
        reason: str = "",
        device: dict[str, str] | None = None,
        channel: str = "",
    ) -> dict[str, Any]:
        d = ledger.devices
        channel = channel or {"card": "pos", "upi": "upi", "online": "mobile_app"}[shop.channel]
        chosen = device or (d.card if shop.channel == "card" else d.phone)
        if not device and shop.channel == "online" and d.web and ledger.rng.random() < 0.4:
            channel, chosen = "web", d.web
        return ledger.add(
            when,
            "payment",
            amount,
            status=status,
            failure_reason=reason,
            channel=channel,
            description=f"{shop.name}",
            device=chosen,
            **self._shop_fields(shop, ledger.customer.city),
        )

    def _everyday(self, ledger: Ledger) -> None:
        """Four weeks of an ordinary customer: opening deposit, salary, spending."""
        rng, c, monthly = ledger.rng, ledger.customer, ledger.monthly
        scale = max(Decimal("0.3"), min(Decimal(4), monthly / 40_000))
        start = timezone.localdate(self.tx_start)
        last = timezone.localdate(self.end - FEED - dt.timedelta(minutes=5))
        bank = rng.choice(demo.IN_BANKS)[0]
        first = self._at(start + dt.timedelta(days=rng.randint(0, 2)), rng, 9, 18)
        ledger.add(
            first,
            "deposit",
            _money(round(float(monthly) * rng.uniform(0.5, 1.0), -2)),
            channel="bank_transfer",
            description=f"Funds added from {bank} a/c ending {rng.randint(1000, 9999)}",
        )
        salaried = (c.source_of_funds or "") == "salary"
        employer = rng.choice(EMPLOYERS)
        trading = rng.random() < 0.2 and c.income_band not in LOW_BANDS
        day = timezone.localdate(first) + ONE_DAY
        while day <= last:
            when = self._at(day, rng)
            if day.day == 1 and salaried:
                ledger.add(
                    self._at(day, rng, 6, 9),
                    "transfer",
                    monthly,
                    direction="in",
                    channel="bank_transfer",
                    description=f"Salary from {employer}",
                )
            for _ in range(self._poisson(rng, 0.55)):
                shop = rng.choices(SHOPS, weights=SHOP_WEIGHTS)[0]
                amount = _money(rng.uniform(shop.low, shop.high) * float(scale))
                amount = min(amount, NORMAL_MAX)
                when = self._at(day, rng)
                if not ledger.can_pay(amount):
                    continue
                failed = rng.random() < 0.03
                self._pay(
                    ledger,
                    when,
                    shop,
                    amount,
                    status="failed" if failed else "successful",
                    reason=rng.choice(DECLINES) if failed else "",
                )
            roll = rng.random()
            if roll < 0.05:
                amount = _money(round(rng.uniform(2000, 10000) * float(scale), -2))
                if ledger.can_pay(min(amount, NORMAL_MAX)):
                    ledger.add(
                        when,
                        "withdrawal",
                        min(amount, NORMAL_MAX),
                        channel="atm",
                        device=ledger.devices.card,
                        description=f"ATM cash withdrawal, {c.city}",
                    )
            elif roll < 0.11:
                amount = min(NORMAL_MAX, _money(round(rng.uniform(500, 12000) * float(scale))))
                if ledger.can_pay(amount):
                    self._transfer_out(ledger, when, amount, rng.choice(PAYEES))
            if trading and rng.random() < 0.06:
                amount = min(NORMAL_MAX, _money(round(rng.uniform(5000, 40000) * float(scale), -3)))
                ledger.add(
                    when,
                    "deposit",
                    amount,
                    account="trading",
                    channel="bank_transfer",
                    description="Funds added for trading",
                )
                if rng.random() < 0.5:
                    payout = _money(amount * Decimal("0.6"))
                    ledger.add(
                        when + _hours(rng, 26, 60),
                        "withdrawal",
                        payout,
                        account="trading",
                        channel="bank_transfer",
                        description=f"Payout to {bank}",
                    )
            day += ONE_DAY

    @staticmethod
    def _poisson(rng: random.Random, mean: float) -> int:
        count, total = 0, rng.expovariate(1.0)
        while total < mean:
            count += 1
            total += rng.expovariate(1.0)
        return count

    def _transfer_out(
        self,
        ledger: Ledger,
        when: dt.datetime,
        amount: Decimal,
        payee: str,
        *,
        device: dict[str, str] | None = None,
    ) -> None:
        rng = ledger.rng
        if rng.random() < 0.06:  # the beneficiary bank answers later
            row = ledger.add(
                when,
                "transfer",
                amount,
                status="pending",
                direction="out",
                channel="upi",
                device=device or ledger.devices.phone,
                description=f"UPI to {payee}",
            )
            settled = dict(row, status="successful" if rng.random() < 0.75 else "failed")
            if settled["status"] == "failed":
                settled["failure_reason"] = "Beneficiary bank did not respond"
                ledger.balance["wallet"] += amount
            ledger.rows.append((when + _hours(rng, 1.5, 8), settled))
            return
        ledger.add(
            when,
            "transfer",
            amount,
            direction="out",
            channel="upi",
            device=device or ledger.devices.phone,
            description=f"UPI to {payee}",
        )

    def _story_day(self, ledger: Ledger, low: int, high: int) -> dt.date:
        """A day ``low``..``high`` days into the feed, and never later than the last whole
        day before its end (a row planned after the end would never be delivered)."""
        start = timezone.localdate(self.tx_start)
        last = timezone.localdate(self.end) - ONE_DAY
        return min(start + dt.timedelta(days=ledger.rng.randint(low, high)), last)

    def _story_property(self, ledger: Ledger) -> None:
        rng, day = ledger.rng, self._story_day(ledger, 6, 12)
        ledger.add(
            self._at(day, rng, 11, 15),
            "transfer",
            Decimal("1240000.00"),
            direction="in",
            channel="bank_transfer",
            description="RTGS: sale proceeds of flat, registered sale deed",
        )
        later = day + dt.timedelta(days=rng.randint(2, 5))
        self._pay(ledger, self._at(later, rng, 12, 18), JEWELLER, Decimal("620000.00"))

    def _story_structuring(self, ledger: Ledger) -> None:
        rng, day = ledger.rng, self._story_day(ledger, 5, 9)
        for amount in ("46500", "49200", "48000"):
            ledger.add(
                self._at(day, rng, 10, 15),
                "deposit",
                Decimal(amount),
                channel="branch",
                description=f"Cash deposit at the {ledger.customer.city} branch",
            )
            day += dt.timedelta(days=3)  # the nightly rule sees all three on one night only

    def _story_velocity(self, ledger: Ledger) -> None:
        rng, day = ledger.rng, self._story_day(ledger, 10, 20)
        ledger.add(
            self._at(day - ONE_DAY, rng, 10, 20),
            "deposit",
            Decimal("8000.00"),
            channel="upi",
            description="Added from savings account",
        )
        when = self.sim.local(day, 1, 20)
        for _ in range(9):
            amount = _money(rng.choice((149, 199, 299, 499)))
            self._pay(ledger, when, GAMING, amount, device=ledger.devices.card, channel="card")
            when += _minutes(rng, 1, 3.5)

    def _story_new_device(self, ledger: Ledger) -> None:
        rng, day = ledger.rng, self._story_day(ledger, 12, 18)
        ledger.add(
            self._at(day - dt.timedelta(days=3), rng, 10, 16),
            "deposit",
            Decimal("210000.00"),
            channel="bank_transfer",
            description="Fixed deposit maturity credit",
        )
        model, os_name = rng.choice(PHONES)
        phone = {
            "id": f"and-{rng.getrandbits(48):012x}",
            "type": "mobile",
            "model": model,
            "os": os_name,
        }
        when = self._at(day, rng, 20, 22)
        ledger.add(
            when,
            "transfer",
            Decimal("145000.00"),
            direction="out",
            channel="upi",
            device=phone,
            description="IMPS to Sanjay Traders",
        )

    def _story_betting(self, ledger: Ledger, count: int = 2) -> None:
        rng = ledger.rng
        ledger.add(
            self._at(self._story_day(ledger, 3, 5), rng),
            "deposit",
            Decimal("60000.00"),
            channel="upi",
            description="Added from savings account",
        )
        for _ in range(count):
            amount = _money(round(rng.uniform(BETTING.low, BETTING.high), -2))
            self._pay(
                ledger, self._at(self._story_day(ledger, 6, 18), rng, 19, 23.5), BETTING, amount
            )

    def _story_betting_small(self, ledger: Ledger) -> None:
        self._story_betting(ledger, count=1)

    def _story_crypto(self, ledger: Ledger) -> None:
        rng = ledger.rng
        ledger.add(
            self._at(self._story_day(ledger, 4, 6), rng),
            "deposit",
            Decimal("40000.00"),
            channel="bank_transfer",
            description="Funds added for investment",
        )
        self._pay(
            ledger, self._at(self._story_day(ledger, 8, 20), rng), CRYPTO, Decimal("25000.00")
        )

    def _story_mule(self, ledger: Ledger) -> None:
        """A student (income below ₹1 lakh) passing money through: in from strangers, out
        the same day."""
        rng = ledger.rng
        payees = ("Rakesh Gupta", "Neha Verma", "Arjun Reddy", "Sana Khan")
        for payee, back in zip(payees, (4, 3, 3, 2), strict=True):
            day = self._story_day(ledger, TX_DAYS - back, TX_DAYS - back)
            amount = _money(rng.randrange(38000, 45000))
            when = self._at(day, rng, 10, 14)
            ledger.add(
                when,
                "transfer",
                amount,
                direction="in",
                channel="upi",
                description=f"UPI from {payee}",
            )
            ledger.add(
                when + _hours(rng, 1, 3),
                "transfer",
                _money(amount - 1500),
                direction="out",
                channel="upi",
                device=ledger.devices.phone,
                description="UPI to Global Mart Traders",
            )

    def _story_stolen_phone(self, ledger: Ledger) -> None:
        """The phone is reported stolen; the Admin blocks it; the thief tries it anyway."""
        rng, day = ledger.rng, self._story_day(ledger, 14, 20)
        reported = self.sim.office_hours(self.sim.local(day, 9, 45), 0.4)
        device_id = ledger.devices.phone["id"]
        plan = Plan().then(ZERO, partial(self._block_device, device_id))
        self.sim.add(plan, rng, earliest=reported, latest=reported)
        attempt = reported + _hours(rng, 5, 9)
        for amount in ("18500.00", "9999.00"):
            self._pay(ledger, attempt, GAMING, Decimal(amount), device=ledger.devices.phone)
            ledger.balance["wallet"] += Decimal(amount)  # refused: nothing posts
            attempt += _minutes(rng, 2, 6)
        # The customer's own payments after the theft come from the new phone.
        model, os_name = rng.choice(PHONES)
        new = {
            "id": f"and-{rng.getrandbits(48):012x}",
            "type": "mobile",
            "model": model,
            "os": os_name,
        }
        for when, row in ledger.rows:
            own = row["description"] != GAMING.name
            if own and when >= reported and row.get("device", {}).get("id") == device_id:
                row["device"] = new
        ledger.devices.phone = new

    def _block_device(self, device_id: str) -> bool:
        device = Device.objects.filter(device_id=device_id).first()
        if device is None:
            return False
        tx_services.block_device(
            device,
            actor=self.admin,
            reason="Customer reported the phone stolen (call to the support line).",
        )
        return True

    def _story_double_charge(self, ledger: Ledger) -> None:
        rng, day = ledger.rng, self._story_day(ledger, 5, 15)
        shop = next(s for s in SHOPS if s.code == "GIZMO")
        amount = _money(round(rng.uniform(8000, 14000)))
        ledger.add(
            self._at(day, rng, 11, 14),
            "deposit",
            amount * 3,
            channel="bank_transfer",
            description="Funds added for a purchase",
        )
        when = self._at(day, rng, 15, 19)
        self._pay(ledger, when, shop, amount)
        second = self._pay(ledger, when + dt.timedelta(seconds=38), shop, amount)
        found = self.sim.office_hours(when + _hours(rng, 20, 40), 0.5)
        plan = Plan().then(ZERO, partial(self._reverse, second["transaction_id"]))
        self.sim.add(plan, rng, earliest=found, latest=found)
        ledger.balance["wallet"] += amount

    def _reverse(self, external_id: str) -> bool:
        tx = Transaction.objects.filter(source=SOURCE, external_id=external_id).first()
        if tx is None or tx.status != TransactionStatus.SUCCESSFUL:
            return False
        tx_services.reverse_transaction(
            tx,
            actor=self.admin,
            reason="Charged twice by the merchant's terminal; the acquirer confirmed the "
            "duplicate.",
        )
        return True

    def _story_insufficient(self, ledger: Ledger) -> None:
        rng, day = ledger.rng, self._story_day(ledger, 15, 20)
        amount = _money(round(float(ledger.credits()) + 50000, -3))  # more than ever came in
        ledger.add(
            self._at(day, rng, 18, 21),
            "withdrawal",
            amount,
            channel="atm",
            device=ledger.devices.card,
            description="ATM cash withdrawal",
        )
        ledger.balance["wallet"] += amount  # the intake refuses it: nothing posts

    def _story_refund(self, ledger: Ledger) -> None:
        rng, day = ledger.rng, self._story_day(ledger, 6, 16)
        shop = next(s for s in SHOPS if s.code == "STYLEHUB")
        amount = _money(round(rng.uniform(2500, 4500)))
        ledger.add(
            self._at(day - ONE_DAY, rng),
            "deposit",
            amount * 2,
            channel="upi",
            description="Added from savings account",
        )
        bought = self._pay(ledger, self._at(day, rng, 12, 20), shop, amount)
        returned = day + dt.timedelta(days=rng.randint(2, 5))
        ledger.add(
            self._at(returned, rng, 12, 20),
            "refund",
            amount,
            channel="pos",
            original_transaction_id=bought["transaction_id"],
            description=f"Refund: {shop.name} (returned)",
            **self._shop_fields(shop, ledger.customer.city),
        )

    def _suspended_attempt(self, customer: Customer) -> None:
        """A suspended customer's card is tried: stored failed, a blocked-attempt alert."""
        ledger = self._ledger(10_000, customer)
        day = timezone.localdate(self.end) - dt.timedelta(days=ledger.rng.randint(3, 9))
        shop = next(s for s in SHOPS if s.code == "FUELPOINT")
        self._pay(ledger, self._at(day, ledger.rng), shop, Decimal("2400.00"))
        self.blocked_attempts.append(customer)
        self.ledgers.append(ledger)

    def _plan_feed(self) -> None:
        """Every row goes out with the first hourly delivery after it happened."""
        batches: dict[dt.datetime, list[tuple[dt.datetime, str, dict[str, Any]]]] = {}
        for ledger in self.ledgers:
            for deliver, row in ledger.rows:
                tick = _tick(deliver + dt.timedelta(minutes=2), FEED)
                batches.setdefault(tick, []).append((deliver, row["transaction_id"], row))
        for tick in sorted(batches):
            rows = [row for *_, row in sorted(batches[tick], key=lambda item: item[:2])]
            rng = random.Random(f"{self.seed}/feed/{tick.isoformat()}")
            plan = Plan().then(ZERO, partial(self._deliver, rows), office=False)
            self.sim.add(plan, rng, earliest=tick, latest=tick, source="api")

    def _deliver(self, rows: list[dict[str, Any]]) -> None:
        intake_transactions(rows, actor=self.admin, source=SOURCE)

    def _ensure_rules(self) -> None:
        if Rule.objects.exists():  # the firm's own rules: keep them
            return
        for data in DEFAULT_RULES:
            tx_services.create_rule(actor=self.compliance, data=data)

    # --- the alert desk --------------------------------------------------------------------

    def _plan_alert_work(self) -> None:
        """The officer works the planted alerts a day or two after they came in."""
        work = (
            (
                "property",
                RuleType.AMOUNT_THRESHOLD,
                (
                    (
                        "review",
                        "Large credit: asked the RM for the sale deed and the buyer's details.",
                    ),
                    (
                        "cleared",
                        "Sale deed of the flat (registered, Pune) received; amount and "
                        "buyer match the RTGS credit. No further action.",
                    ),
                ),
            ),
            (
                "structuring",
                RuleType.STRUCTURING,
                (
                    (
                        "review",
                        "Four cash deposits just below ₹50,000 in a week at one branch; "
                        "asked the branch for the deposit slips and CCTV.",
                    ),
                    (
                        "escalated",
                        "No explanation from the customer for the split deposits. "
                        "Escalated to the MLRO for a suspicious transaction report decision.",
                    ),
                ),
            ),
            (
                "velocity",
                RuleType.VELOCITY,
                (
                    (
                        "review",
                        "Nine small game purchases at 1:20 am; card-testing pattern? "
                        "Called the customer, no answer; trying again tomorrow.",
                    ),
                ),
            ),
            (
                "betting_small",
                RuleType.HIGH_RISK_MERCHANT,
                (
                    (
                        "dismissed",
                        "One payment to a licensed gaming site, in line with the "
                        "customer's income; no further action.",
                    ),
                ),
            ),
        )
        by_story = {ledger.story: ledger for ledger in self.ledgers if ledger.story}
        for number, (story, rule_type, steps) in enumerate(work):
            ledger = by_story.get(story)
            if ledger is None or ledger.story_end is None:
                continue
            rng = self._rng("alert-work", number)
            plan = Plan()
            for i, (action, note) in enumerate(steps):
                gap = _hours(rng, 14, 30) if i == 0 else _hours(rng, 20, 70)
                plan.then(gap, partial(self._work_alert, ledger.customer, rule_type, action, note))
            earliest = ledger.story_end + dt.timedelta(hours=3)
            self.sim.add(plan, rng, earliest=earliest, latest=earliest + _hours(rng, 1, 6))

    def _work_alert(self, customer: Customer, rule_type: str, action: str, note: str) -> bool:
        alert = (
            Alert.objects.filter(customer=customer, rule__rule_type=rule_type)
            .exclude(status__in=(AlertStatus.DISMISSED, AlertStatus.CLEARED))
            .order_by("pk")
            .first()
        )
        if alert is None:
            return False
        officer = self.compliance
        if action == "review":
            tx_services.assign_alert(alert, officer, actor=officer)
            tx_services.transition_alert(alert, AlertStatus.UNDER_REVIEW, actor=officer)
            tx_services.add_alert_note(alert, actor=officer, body=note)
            return True
        target = {
            "escalated": AlertStatus.ESCALATED,
            "cleared": AlertStatus.CLEARED,
            "dismissed": AlertStatus.DISMISSED,
        }[action]
        tx_services.transition_alert(alert, target, actor=officer, note=note)
        if target == AlertStatus.ESCALATED:  # high risk until the MLRO has decided
            with contextlib.suppress(ValidationError):  # already overridden to high
                screening.override_risk(
                    customer, actor=officer, level="high",
                    reason="Alert escalated to the MLRO; high risk until the STR decision.",
                )  # fmt: skip
        return True

    # --- risk ------------------------------------------------------------------------------

    def _recompute_risk(self) -> None:
        """Profiles for the customers touched that have none yet (checks, decisions and
        alerts recomputed the others as they happened)."""
        touched = self.touched()
        have = set(
            RiskProfile.objects.filter(customer__in=touched).values_list("customer", flat=True)
        )
        missing = [pk for pk in touched if pk not in have]
        screening.recompute_all(reason="Risk profile of a customer with new activity", ids=missing)


def _tick(at: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The first delivery (every ``every``, on the hour) at or after ``at``."""
    seconds = int(every.total_seconds())
    stamp = at.timestamp()
    return dt.datetime.fromtimestamp(-(-stamp // seconds) * seconds, tz=dt.UTC)


def planned_records(seeder: ComplianceSeeder) -> dict[str, Any]:
    """What the plan will write, for comparing runs: the transaction rows and the stories."""
    rows = sorted(
        (row["transaction_id"], row["occurred_at"], row["amount"], row["type"], row["status"])
        for ledger in seeder.ledgers
        for _, row in ledger.rows
    )
    return {
        "kyc": [(c.customer.client_id, c.story, c.uploader.username) for c in seeder.kyc_cases],
        "transactions": rows,
    }


__all__ = [
    "MAX_CUSTOMERS",
    "ComplianceSeeder",
    "Summary",
    "id_card",
    "passport_page",
    "planned_records",
    "seed_compliance",
    "td3_mrz",
    "text_pdf",
    "utility_bill",
]
