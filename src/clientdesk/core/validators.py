"""Identifier, contact and date validators shared by forms, serializers and imports.

Every ``normalize_*`` / ``validate_*`` function here is pure: it takes a raw value, raises
:class:`django.core.exceptions.ValidationError` with a human message and a stable ``code``
when the value is unacceptable, and otherwise returns the value in its canonical stored form.
Normalisation is idempotent: ``normalize_x(normalize_x(v)) == normalize_x(v)``.

Callers (forms, DRF serializers, CSV import) rely on the ``code`` values, so treat them as
part of the public interface:

=========================  ======================================================
function                   codes
=========================  ======================================================
normalize_pan              pan_format, pan_holder_type
normalize_aadhaar          aadhaar_format, aadhaar_checksum
normalize_phone            phone_invalid
normalize_email            email_invalid
validate_age               too_young, dob_future, dob_implausible
normalize_postal_code      postal_code_invalid
normalize_passport_number  passport_format
normalize_id_number        id_number_format, id_type_invalid (+ the codes above)
validate_ifsc              ifsc_invalid
validate_bank_account_*    bank_account_invalid
=========================  ======================================================

Only ASCII letters and digits are accepted in identifiers: ``str.upper()`` maps some
non-ASCII letters (long s U+017F, dotless i U+0131) onto ASCII ones, and those must not
slip through.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import verhoeff
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.in_ import pan as stdnum_pan
from stdnum.us import rtn as stdnum_rtn

__all__ = [
    "ID_TYPES",
    "PAN_HOLDER_TYPES",
    "normalize_aadhaar",
    "normalize_email",
    "normalize_id_number",
    "normalize_pan",
    "normalize_passport_number",
    "normalize_phone",
    "normalize_postal_code",
    "pan_holder_type",
    "validate_age",
    "validate_bank_account_number",
    "validate_ifsc",
]

# Whitespace (any Unicode space) and hyphens: the separators people type inside identifiers.
_SEPARATORS_RE = re.compile(r"[\s\-]+")


def _compact(value: str) -> str:
    """Remove every space and hyphen."""
    return _SEPARATORS_RE.sub("", value)


# --------------------------------------------------------------------------------------------
# PAN
# --------------------------------------------------------------------------------------------

#: The 4th character of a PAN identifies the type of holder.
PAN_HOLDER_TYPES: dict[str, str] = {
    "P": "Individual",
    "C": "Company",
    "H": "Hindu Undivided Family (HUF)",
    "F": "Firm / Limited Liability Partnership",
    "A": "Association of Persons (AOP)",
    "T": "Trust",
    "B": "Body of Individuals (BOI)",
    "L": "Local Authority",
    "J": "Artificial Juridical Person",
    "G": "Government",
}

_PAN_RE = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")


def normalize_pan(value: str) -> str:
    """Return the PAN in upper case without separators, e.g. ``"ABCPE1234F"``."""
    pan = _compact(value.strip())
    ascii_only = pan.isascii()  # before upper(): it maps long s (U+017F) to "S"
    pan = pan.upper()
    if not ascii_only or not _PAN_RE.fullmatch(pan):
        raise ValidationError(
            _("Enter a valid PAN: 5 letters, 4 digits and a letter, e.g. ABCPE1234F."),
            code="pan_format",
        )
    if pan[3] not in PAN_HOLDER_TYPES:
        raise ValidationError(
            _(
                "The 4th character of a PAN shows the holder type and must be one of "
                "%(types)s; “%(char)s” is not valid."
            ),
            code="pan_holder_type",
            params={"types": ", ".join(PAN_HOLDER_TYPES), "char": pan[3]},
        )
    try:
        stdnum_pan.validate(pan)  # also rejects the unused serial number 0000
    except StdnumValidationError as exc:
        raise ValidationError(
            _("Enter a valid PAN: 5 letters, 4 digits and a letter, e.g. ABCPE1234F."),
            code="pan_format",
        ) from exc
    return pan


def pan_holder_type(pan: str) -> str:
    """Return the human label of the PAN's holder type, e.g. ``"Individual"``."""
    return PAN_HOLDER_TYPES[normalize_pan(pan)[3]]


# --------------------------------------------------------------------------------------------
# Aadhaar
# --------------------------------------------------------------------------------------------

_AADHAAR_RE = re.compile(r"[0-9]{12}")


def normalize_aadhaar(value: str) -> str:
    """Return the 12-digit Aadhaar number without spaces or hyphens."""
    number = _compact(value.strip())
    if not _AADHAAR_RE.fullmatch(number):
        raise ValidationError(
            _("Enter a valid Aadhaar number: 12 digits, e.g. 2341 2341 2346."),
            code="aadhaar_format",
        )
    if number[0] in "01":
        raise ValidationError(
            _("Aadhaar numbers never start with 0 or 1."),
            code="aadhaar_format",
        )
    if number == number[::-1]:  # UIDAI never issues palindromic numbers (as python-stdnum)
        raise ValidationError(
            _("Enter a valid Aadhaar number: 12 digits, e.g. 2341 2341 2346."),
            code="aadhaar_format",
        )
    if not verhoeff.is_valid(number):
        raise ValidationError(
            _("This Aadhaar number is not valid; check it for a mistyped digit."),
            code="aadhaar_checksum",
        )
    return number


# --------------------------------------------------------------------------------------------
# Phone and email
# --------------------------------------------------------------------------------------------


def normalize_phone(value: str, region: str = "IN") -> str:
    """Return the number in E.164 form, e.g. ``"+919876543210"``.

    Numbers without an international prefix are read as numbers of ``region`` (ISO 3166
    alpha-2), so for India ``9876543210``, ``09876543210``, ``919876543210`` and
    ``+91 98765 43210`` are all the same number.
    """
    invalid = ValidationError(
        _("Enter a valid phone number, e.g. 98765 43210 or +44 20 7946 0958."),
        code="phone_invalid",
    )
    try:
        parsed = phonenumbers.parse(value.strip(), region.strip().upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise invalid from exc
    if not phonenumbers.is_valid_number(parsed):
        raise invalid
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_email_validator = EmailValidator(message=_("Enter a valid email address."), code="email_invalid")


def normalize_email(value: str) -> str:
    """Return the address stripped and lower-cased, after Django's ``EmailValidator``."""
    email = value.strip().lower()
    _email_validator(email)
    return email


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_EARLIEST_DOB = datetime.date(1900, 1, 1)


def _today() -> datetime.date:
    return timezone.localdate() if settings.USE_TZ else datetime.date.today()


def _age_on(dob: datetime.date, today: datetime.date) -> int:
    """Completed years; someone born on 29 February comes of age on 1 March."""
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def validate_age(dob: datetime.date, *, minimum: int, today: datetime.date | None = None) -> None:
    """Check a date of birth is plausible and the person is at least ``minimum`` years old."""
    if isinstance(dob, datetime.datetime):
        dob = dob.date()
    if today is None:
        today = _today()
    elif isinstance(today, datetime.datetime):
        today = today.date()
    if dob > today:
        raise ValidationError(_("Date of birth cannot be in the future."), code="dob_future")
    if dob < _EARLIEST_DOB:
        raise ValidationError(
            _("Date of birth must be on or after 1 January 1900."), code="dob_implausible"
        )
    if _age_on(dob, today) < minimum:
        raise ValidationError(
            _("Customer must be at least %(minimum)d years old."),
            code="too_young",
            params={"minimum": minimum},
        )


# --------------------------------------------------------------------------------------------
# Postal codes
# --------------------------------------------------------------------------------------------


def _digits_only(code: str) -> str:
    """``"560 001"`` becomes ``"560001"``."""
    return _compact(code)


def _us_zip(code: str) -> str:
    """ZIP or ZIP+4; ``"941051234"`` and ``"94105 1234"`` become ``"94105-1234"``."""
    compact = _compact(code)
    return f"{compact[:5]}-{compact[5:]}" if len(compact) == 9 else compact


def _split_inward(code: str) -> str:
    """GB / CA style: upper case, one space before the last three characters."""
    compact = _compact(code).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _collapse(code: str) -> str:
    """Upper case, runs of whitespace become one space."""
    return " ".join(code.upper().split())


@dataclass(frozen=True)
class _PostalRule:
    name: str
    pattern: re.Pattern[str]
    hint: str
    normalise: Callable[[str], str]
    optional: bool = False  # the country has no postal codes, so "" is valid


_GB_RE = re.compile(
    r"GIR 0AA|"
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2}"
)
_FALLBACK_RE = re.compile(r"[A-Z0-9][A-Z0-9 \-]{1,8}[A-Z0-9]")
_FALLBACK_HINT = "3 to 10 letters, digits, spaces or hyphens"

_POSTAL_RULES: dict[str, _PostalRule] = {
    "IN": _PostalRule("India", re.compile(r"[1-9][0-9]{5}"), "6 digits, e.g. 560001", _digits_only),
    "US": _PostalRule(
        "the United States",
        re.compile(r"[0-9]{5}(?:-[0-9]{4})?"),
        "a ZIP code, e.g. 94105 or 94105-1234",
        _us_zip,
    ),
    "GB": _PostalRule("the United Kingdom", _GB_RE, "e.g. SW1A 1AA", _split_inward),
    "CA": _PostalRule(
        "Canada",
        re.compile(r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] [0-9][ABCEGHJ-NPRSTV-Z][0-9]"),
        "e.g. K1A 0B1",
        _split_inward,
    ),
    "AU": _PostalRule("Australia", re.compile(r"[0-9]{4}"), "4 digits, e.g. 2000", _digits_only),
    "DE": _PostalRule("Germany", re.compile(r"[0-9]{5}"), "5 digits, e.g. 10115", _digits_only),
    "FR": _PostalRule("France", re.compile(r"[0-9]{5}"), "5 digits, e.g. 75008", _digits_only),
    "SG": _PostalRule("Singapore", re.compile(r"[0-9]{6}"), "6 digits, e.g. 018956", _digits_only),
    # The UAE has no postal codes: accept a blank; P.O. Box numbers typed here pass the
    # permissive pattern.
    "AE": _PostalRule(
        "the United Arab Emirates", _FALLBACK_RE, _FALLBACK_HINT, _collapse, optional=True
    ),
}
_COUNTRY_ALIASES = {"UK": "GB"}


def normalize_postal_code(code: str, country: str) -> str:
    """Return the postal code in its usual written form for ``country`` (ISO 3166 alpha-2).

    Checks plausibility only (shape, not existence). Countries without a specific rule get a
    permissive check: 3 to 10 letters, digits, spaces or hyphens.
    """
    country_code = country.strip().upper()
    country_code = _COUNTRY_ALIASES.get(country_code, country_code)
    rule = _POSTAL_RULES.get(country_code) or _PostalRule(
        country_code or "this country", _FALLBACK_RE, _FALLBACK_HINT, _collapse
    )
    raw = code.strip()
    if not raw and rule.optional:
        return ""
    normalised = rule.normalise(raw)
    if not raw.isascii() or not rule.pattern.fullmatch(normalised):
        raise ValidationError(
            _("Enter a valid postal code for %(country)s (%(hint)s)."),
            code="postal_code_invalid",
            params={"country": rule.name, "hint": rule.hint},
        )
    return normalised


# --------------------------------------------------------------------------------------------
# Identity documents
# --------------------------------------------------------------------------------------------

_IN_PASSPORT_RE = re.compile(r"[A-Z][0-9]{7}")
_PASSPORT_RE = re.compile(r"[A-Z0-9]{6,9}")


def normalize_passport_number(value: str, country: str = "IN") -> str:
    """Return the passport number upper-cased without separators.

    Indian passports are a letter and 7 digits (``"J8369854"``); other countries' passports
    are accepted as 6 to 9 letters and digits.
    """
    number = _compact(value.strip())
    ascii_only = number.isascii()
    number = number.upper()
    if country.strip().upper() == "IN":
        if not ascii_only or not _IN_PASSPORT_RE.fullmatch(number):
            raise ValidationError(
                _("Enter a valid Indian passport number: a letter and 7 digits, e.g. J8369854."),
                code="passport_format",
            )
    elif not ascii_only or not _PASSPORT_RE.fullmatch(number):
        raise ValidationError(
            _("Enter a valid passport number: 6 to 9 letters and digits."),
            code="passport_format",
        )
    return number


_VOTER_ID_RE = re.compile(r"[A-Z]{3}[0-9]{7}")
_GENERIC_ID_RE = re.compile(r"[A-Z0-9]{5,20}")

#: The identity document types ``normalize_id_number`` understands.
ID_TYPES = ("passport", "driving_licence", "national_id", "voter_id", "pan", "aadhaar")


def normalize_id_number(id_type: str, value: str, *, country: str = "IN") -> str:
    """Normalise an identity document number according to its type.

    ``pan``, ``aadhaar`` and ``passport`` delegate to their own functions and raise their
    codes; the others raise ``id_number_format``. ``country`` only affects passports.
    """
    if id_type == "pan":
        return normalize_pan(value)
    if id_type == "aadhaar":
        return normalize_aadhaar(value)
    if id_type == "passport":
        return normalize_passport_number(value, country)
    number = _compact(value.strip())
    ascii_only = number.isascii()
    number = number.upper()
    if id_type == "voter_id":
        pattern, message = (
            _VOTER_ID_RE,
            _("Enter a valid voter ID (EPIC) number: 3 letters and 7 digits, e.g. ABC1234567."),
        )
    elif id_type == "driving_licence":
        # Indian licences are a 2-letter state code and 13-14 digits (MH1220110012345);
        # foreign licences vary too much to check more than their length.
        pattern, message = (
            _GENERIC_ID_RE,
            _("Enter a valid driving licence number: 5 to 20 letters and digits."),
        )
    elif id_type == "national_id":
        pattern, message = (
            _GENERIC_ID_RE,
            _("Enter a valid national ID number: 5 to 20 letters and digits."),
        )
    else:
        raise ValidationError(
            _("Unknown identity document type “%(id_type)s”."),
            code="id_type_invalid",
            params={"id_type": id_type},
        )
    if not ascii_only or not pattern.fullmatch(number):
        raise ValidationError(message, code="id_number_format")
    return number


# --------------------------------------------------------------------------------------------
# Bank details
# --------------------------------------------------------------------------------------------

_IFSC_RE = re.compile(r"[A-Z]{4}0[A-Z0-9]{6}")
_ABA_RE = re.compile(r"[0-9]{9}")


def validate_ifsc(value: str) -> str:
    """Return an upper-case IFSC (``"HDFC0001234"``) or a 9-digit US ABA routing number."""
    code = _compact(value.strip())
    ascii_only = code.isascii()
    code = code.upper()
    if ascii_only and _IFSC_RE.fullmatch(code):
        return code
    if _ABA_RE.fullmatch(code) and code != "000000000" and stdnum_rtn.is_valid(code):
        return code
    raise ValidationError(
        _("Enter a valid IFSC, e.g. HDFC0001234, or a 9-digit US routing number."),
        code="ifsc_invalid",
    )


_ACCOUNT_RE = re.compile(r"[0-9]{6,20}")


def validate_bank_account_number(value: str) -> str:
    """Return the account number as 6 to 20 digits, without spaces or hyphens."""
    number = _compact(value.strip())
    if not _ACCOUNT_RE.fullmatch(number):
        raise ValidationError(
            _("Enter a valid bank account number: 6 to 20 digits."),
            code="bank_account_invalid",
        )
    return number


# --- event times sent by devices and other systems ----------------------------------------

EVENT_TIME_FUTURE_TOLERANCE = datetime.timedelta(minutes=5)  # clocks of phones and gateways


def parse_event_time(
    value: object, now: datetime.datetime, *, what: str
) -> datetime.datetime | str:
    """When something happened, as a device or another system sends it: an aware datetime,
    or the error message. Accepts ISO 8601 (naive means the site's time zone) or Unix time
    in seconds or milliseconds; refuses times more than a few minutes in the future.
    ``what`` names the event in messages ("the call started", "the transaction").
    """
    from decimal import Decimal

    from django.utils.dateparse import parse_datetime

    when: datetime.datetime | None = None
    if isinstance(value, datetime.datetime):
        when = value
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        seconds = float(value) / 1000 if value > 10**11 else float(value)
        try:
            when = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            when = None
    elif isinstance(value, str) and value.strip():
        try:
            when = parse_datetime(value.strip())
        except ValueError:
            when = None
    else:
        return f"Give the time {what} (ISO 8601, e.g. 2025-01-31T14:05:00+05:30)."
    if when is None:
        return "Enter a valid date and time (ISO 8601, e.g. 2025-01-31T14:05:00+05:30)."
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + EVENT_TIME_FUTURE_TOLERANCE:
        return f"The time {what} cannot be in the future."
    return when


# --- control characters in text -------------------------------------------------------------

#: Refused in every text field: C0 controls, DEL and C1 controls (a tab or carriage return
#: at the start of a cell is also what spreadsheets run as formulas), the Unicode line and
#: paragraph separators, and the bidirectional embedding / override / isolate marks that make
#: a name display differently from what it is ("Trojan Source").
_CONTROL_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_LINE_CONTROL_RE = re.compile("[\t\n\r]")  # allowed in multi-line fields only


def validate_plain_text(value: str, *, multiline: bool = False) -> str:
    """Refuse control characters (code ``control_characters``); newline, carriage return
    and tab are allowed only when ``multiline`` (notes, descriptions, message bodies)."""
    found = _CONTROL_RE.search(value) or (None if multiline else _LINE_CONTROL_RE.search(value))
    if found:
        raise ValidationError(
            _("Remove the control character (U+%(code)04X) from this text."),
            code="control_characters",
            params={"code": ord(found[0])},
        )
    return value
