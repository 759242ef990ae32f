"""Masks for sensitive identifiers, and the log filter that applies them to log lines."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from clientdesk.core import masking
from clientdesk.core.masking import (
    MaskingLogFilter,
    mask,
    mask_aadhaar,
    mask_date,
    mask_pan,
    mask_tail,
    scrub,
)


def test_mask_pan() -> None:
    assert mask_pan("ABCPE1234F") == "XXXXXX234F"
    assert mask_pan("") == ""
    assert mask_pan(None) == ""
    assert mask_pan("SHORT") == "XHORT"  # not a PAN shape: only the tail shows


def test_mask_aadhaar_shows_last_four() -> None:
    assert mask_aadhaar("234123412346") == "XXXX XXXX 2346"
    assert mask_aadhaar("") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("J8369854", "XXXX9854"), ("123456789012", "XXXXXXXX9012"), ("123", "XXX"), ("", "")],
)
def test_mask_tail(value: str, expected: str) -> None:
    assert mask_tail(value) == expected


def test_mask_date() -> None:
    assert mask_date(dt.date(1990, 1, 1)) == "XX/XX/XXXX"
    assert mask_date(None) == ""


def test_mask_dispatches_by_field() -> None:
    assert mask("pan", "ABCPE1234F") == "XXXXXX234F"
    assert mask("aadhaar", "234123412346") == "XXXX XXXX 2346"
    assert mask("id_number", "J8369854") == "XXXX9854"
    assert mask("bank_account_number", "123456789012") == "XXXXXXXX9012"
    assert mask("date_of_birth", dt.date(1990, 1, 1)) == "XX/XX/XXXX"
    assert set(masking.MASKERS) == {
        "pan",
        "aadhaar",
        "id_number",
        "bank_account_number",
        "date_of_birth",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PAN ABCPE1234F on file", "PAN XXXXXX234F on file"),
        ("aadhaar 2341 2341 2346.", "aadhaar XXXX XXXX 2346."),
        ("aadhaar 2341-2341-2346", "XXXX XXXX 2346"),
        ("aadhaar=234123412346", "XXXX XXXX 2346"),
        ("no identifiers here: 12345", "no identifiers here: 12345"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert expected in scrub(text)


def test_log_filter_scrubs_pan_and_aadhaar(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("clientdesk.tests.masking")
    caplog.handler.addFilter(MaskingLogFilter())
    with caplog.at_level(logging.INFO, logger="clientdesk.tests.masking"):
        logger.info("KYC for %s with Aadhaar %s", "ABCPE1234F", "2341 2341 2346")
    assert "ABCPE1234F" not in caplog.text
    assert "2341 2341 2346" not in caplog.text
    assert "XXXXXX234F" in caplog.text
    assert "XXXX XXXX 2346" in caplog.text
    assert caplog.records[0].getMessage() == "KYC for XXXXXX234F with Aadhaar XXXX XXXX 2346"


def test_log_filter_keeps_clean_records_untouched() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s customers", (3,), None)
    assert MaskingLogFilter().filter(record) is True
    assert (record.msg, record.args) == ("%s customers", (3,))


def test_configured_console_handler_masks() -> None:
    """settings.LOGGING puts the filter on the console handler every log line goes through."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskingLogFilter) for f in h.filters)
    ]
    assert handlers, "no root handler carries MaskingLogFilter"
    record = logging.LogRecord(
        "clientdesk", logging.WARNING, __file__, 1, "customer PAN %s", ("ABCPE1234F",), None
    )
    assert handlers[0].filter(record)
    assert handlers[0].format(record).endswith("customer PAN XXXXXX234F")
