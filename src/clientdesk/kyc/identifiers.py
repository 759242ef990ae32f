"""Identifier checks for the automatic KYC verification, as :class:`CheckResult` values.

Thin wrappers over :mod:`clientdesk.core.validators` (the same rules the forms and the API
enforce), so a record that was valid when saved but is checked again after a rule change, or
an identifier read from a document, gets a readable verdict instead of an exception. Details
and data carry masked numbers only (``XXXX XXXX 2346``), never the full identifier.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from clientdesk.core.validators import (
    PAN_HOLDER_TYPES,
    normalize_aadhaar,
    normalize_id_number,
    normalize_pan,
    normalize_passport_number,
)
from clientdesk.kyc.results import CheckResult

__all__ = [
    "CUSTOMER_PAN_TYPES",
    "check_aadhaar",
    "check_identifier",
    "check_pan",
    "check_passport_number",
    "mask",
]

#: The PAN holder type (4th character) expected for each kind of customer.
CUSTOMER_PAN_TYPES = {
    "individual": "P",
    "company": "C",
    "huf": "H",
    "firm": "F",
    "llp": "F",
    "trust": "T",
    "aop": "A",
    "boi": "B",
    "government": "G",
}
# UIDAI's masked Aadhaar: the first eight digits replaced by X, the last four shown.
_MASKED_AADHAAR_RE = re.compile(r"^[Xx*]{4}[\s-]?[Xx*]{4}[\s-]?\d{4}$")


def mask(value: str, visible: int = 4) -> str:
    """All but the last ``visible`` characters replaced by ``X`` (separators dropped)."""
    compact = re.sub(r"[\s\-]+", "", value)
    return "X" * max(len(compact) - visible, 0) + compact[-visible:]


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def check_pan(value: str, *, customer_type: str | None = "individual") -> CheckResult:
    """PAN format (5 letters, 4 digits, a letter) and holder type against the customer type.

    ``customer_type`` is a key of :data:`CUSTOMER_PAN_TYPES`, or ``None`` to skip the
    holder-type comparison.
    """
    if not value or not value.strip():
        return CheckResult.failed("id_pan", "No PAN on the record.")
    try:
        pan = normalize_pan(value)
    except ValidationError as exc:
        return CheckResult.failed(
            "id_pan", _error_text(exc), error_code=exc.code, masked=mask(value)
        )
    holder = PAN_HOLDER_TYPES[pan[3]]
    expected = CUSTOMER_PAN_TYPES.get(customer_type or "")
    data = {"masked": mask(pan), "holder_type": holder}
    if expected and pan[3] != expected:
        return CheckResult.failed(
            "id_pan",
            f"The PAN belongs to a {holder} holder (4th character {pan[3]}), but the customer is "
            f"registered as {customer_type}; expected {PAN_HOLDER_TYPES[expected]} ({expected}).",
            error_code="pan_holder_mismatch",
            **data,
        )
    return CheckResult.passed("id_pan", f"PAN {mask(pan)} is valid; holder type {holder}.", **data)


def check_aadhaar(value: str) -> CheckResult:
    """12 digits, not starting with 0 or 1, Verhoeff check digit. A UIDAI masked Aadhaar
    (``XXXX XXXX 1234``) cannot be verified: a warning."""
    if not value or not value.strip():
        return CheckResult.failed("id_aadhaar", "No Aadhaar number on the record.")
    if _MASKED_AADHAAR_RE.match(value.strip()):
        return CheckResult.warning(
            "id_aadhaar",
            "Only a masked Aadhaar number is available; its check digit cannot be verified.",
            masked=mask(value),
        )
    try:
        number = normalize_aadhaar(value)
    except ValidationError as exc:
        return CheckResult.failed(
            "id_aadhaar", _error_text(exc), error_code=exc.code, masked=mask(value)
        )
    masked = f"XXXX XXXX {number[-4:]}"
    return CheckResult.passed(
        "id_aadhaar", f"Aadhaar {masked} has a valid Verhoeff check digit.", masked=masked
    )


def check_passport_number(value: str, country: str = "IN") -> CheckResult:
    """Indian passports: a letter and 7 digits; other countries: 6 to 9 letters and digits."""
    if not value or not value.strip():
        return CheckResult.failed("id_passport", "No passport number on the record.")
    try:
        number = normalize_passport_number(value, country)
    except ValidationError as exc:
        return CheckResult.failed(
            "id_passport", _error_text(exc), error_code=exc.code, masked=mask(value)
        )
    scope = "an Indian" if country.strip().upper() == "IN" else f"a {country.upper()}"
    return CheckResult.passed(
        "id_passport",
        f"Passport number {mask(number)} has the format of {scope} passport.",
        masked=mask(number),
    )


def check_identifier(
    id_type: str,
    value: str,
    *,
    country: str = "IN",
    customer_type: str | None = "individual",
) -> CheckResult:
    """Dispatch on the identifier type (``pan``, ``aadhaar``, ``passport``, ``voter_id``,
    ``driving_licence``, ``national_id``); the code is ``id_<type>``."""
    if id_type == "pan":
        return check_pan(value, customer_type=customer_type)
    if id_type == "aadhaar":
        return check_aadhaar(value)
    if id_type == "passport":
        return check_passport_number(value, country)
    code = f"id_{id_type}"
    if not value or not value.strip():
        return CheckResult.failed(code, "No identifier number on the record.")
    try:
        number = normalize_id_number(id_type, value, country=country)
    except ValidationError as exc:
        return CheckResult.failed(code, _error_text(exc), error_code=exc.code, masked=mask(value))
    label = id_type.replace("_", " ")
    return CheckResult.passed(code, f"The {label} number {mask(number)} has a valid format.")
