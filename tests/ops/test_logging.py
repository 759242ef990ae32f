"""Log records: request id and user id on every line, JSON in production, and no PAN,
Aadhaar, passport number, e-mail or mobile in the message, its arguments or extra fields."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from factories import SAMPLE_AADHAAR, SAMPLE_MOBILE, SAMPLE_PAN, SAMPLE_PASSPORT
from pythonjsonlogger.json import JsonFormatter

from clientdesk.core.logging import RedactingFilter, RequestContextFilter, redact
from clientdesk.core.masking import mask_pan
from clientdesk.urls import urlpatterns as app_urls

CUSTOMER = {
    "pan": SAMPLE_PAN,
    "aadhaar": SAMPLE_AADHAAR,
    "aadhaar_spaced": f"{SAMPLE_AADHAAR[:4]} {SAMPLE_AADHAAR[4:8]} {SAMPLE_AADHAAR[8:]}",
    "passport": SAMPLE_PASSPORT,
    "email": "asha.verma+kyc@example.co.in",
    "mobile": SAMPLE_MOBILE,
    "mobile_e164": f"+91{SAMPLE_MOBILE}",
    "mobile_spaced": "+91 98765 43210",
    "mobile_intl": "+44 7700 900123",
}
MASKED_PAN = mask_pan(SAMPLE_PAN)  # the product's mask: last four characters
PLACEHOLDER = {
    "pan": MASKED_PAN,  # the product's masks for these two (core.masking)
    "aadhaar": f"XXXX XXXX {SAMPLE_AADHAAR[-4:]}",
    "aadhaar_spaced": f"XXXX XXXX {SAMPLE_AADHAAR[-4:]}",
    "passport": "[passport]",
    "email": "[email]",
    "mobile": "[mobile]",
    "mobile_e164": "[mobile]",
    "mobile_spaced": "[mobile]",
    "mobile_intl": "[mobile]",
}


class Capture:
    def __init__(self, formatter: logging.Formatter) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.addFilter(RequestContextFilter())
        self.handler.addFilter(RedactingFilter())
        self.handler.setFormatter(formatter)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]


@pytest.fixture
def capture() -> Iterator[Capture]:
    cap = Capture(JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s"))
    logger = logging.getLogger("clientdesk.test_ops")
    logger.addHandler(cap.handler)
    logger.setLevel(logging.INFO)
    yield cap
    logger.removeHandler(cap.handler)


log = logging.getLogger("clientdesk.test_ops")


@pytest.mark.parametrize("kind", sorted(CUSTOMER))
def test_each_identifier_is_removed_from_the_message(capture: Capture, kind: str) -> None:
    log.info(f"customer wrote from {CUSTOMER[kind]} today")
    assert capture.records()[0]["message"] == f"customer wrote from {PLACEHOLDER[kind]} today"


@pytest.mark.parametrize("kind", sorted(CUSTOMER))
def test_each_identifier_is_removed_from_the_arguments(capture: Capture, kind: str) -> None:
    log.warning("lookup %s failed (%r)", CUSTOMER[kind], {"value": CUSTOMER[kind]})
    line = capture.text
    assert CUSTOMER[kind] not in line
    assert PLACEHOLDER[kind] in capture.records()[0]["message"]


@pytest.mark.parametrize("kind", sorted(CUSTOMER))
def test_each_identifier_is_removed_from_extra_fields(capture: Capture, kind: str) -> None:
    log.info(
        "intake row refused",
        extra={"row": {"id": CUSTOMER[kind], "nested": [CUSTOMER[kind]]}, "who": CUSTOMER[kind]},
    )
    record = capture.records()[0]
    assert record["who"] == PLACEHOLDER[kind]
    assert record["row"] == {"id": PLACEHOLDER[kind], "nested": [PLACEHOLDER[kind]]}
    assert CUSTOMER[kind] not in capture.text


def test_a_mobile_given_as_a_number_is_removed(capture: Capture) -> None:
    log.info("call from %d", int(SAMPLE_MOBILE), extra={"mobile": int(SAMPLE_MOBILE)})
    assert SAMPLE_MOBILE not in capture.text


def test_exception_text_is_redacted(capture: Capture) -> None:
    try:
        raise ValueError(f"bad PAN {SAMPLE_PAN} for asha@example.com")
    except ValueError:
        log.exception("failed")
    assert SAMPLE_PAN not in capture.text and "asha@example.com" not in capture.text
    assert f"bad PAN {MASKED_PAN} for [email]" in capture.records()[0]["exc_info"]


def test_ordinary_text_and_numbers_stay() -> None:
    text = (
        "customer CD00000042 ticket TKT-2026-000123 amount 150000.00 INR at 2026-12-07 "
        "10:30:00 took 1234 ms, order 42, HTTP 503"
    )
    assert redact(text) == text


# ----------------------------------------------------------------------------- requests


def _view_that_logs(request: Any) -> HttpResponse:
    if not request.user.is_authenticated:  # as every real view's permission check does
        log.info("anonymous")
    log.info("viewing customer with mobile %s", SAMPLE_MOBILE)
    return HttpResponse("ok")


urlpatterns = [path("ops-test-log/", _view_that_logs), *app_urls]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_request_lines_carry_request_and_user_id(
    capture: Capture, client_for: Any, sales_user: Any
) -> None:
    response = client_for(sales_user).get("/ops-test-log/", HTTP_X_REQUEST_ID="lb-trace-00001234")
    assert response["X-Request-ID"] == "lb-trace-00001234"  # honoured
    record = capture.records()[0]
    assert record["request_id"] == "lb-trace-00001234"
    assert record["user_id"] == sales_user.pk
    assert record["message"] == "viewing customer with mobile [mobile]"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_request_id_is_generated_when_missing_or_malformed(capture: Capture) -> None:
    response = Client().get("/ops-test-log/", HTTP_X_REQUEST_ID="bad id; drop table")
    generated = response["X-Request-ID"]
    assert len(generated) == 32 and generated != "bad id; drop table"
    record = capture.records()[-1]
    assert record["request_id"] == generated
    assert record["user_id"] is None


def test_production_settings_log_json_with_the_filters(tmp_path: Any) -> None:
    """The production configuration (a subprocess, since settings are read at start)."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "CLIENTDESK_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEYS": "Rk9PQkFSRk9PQkFSRk9PQkFSRk9PQkFSRk9PQkFSMDE=",
        "FIELD_HASH_KEY": "y" * 40,
        "ALLOWED_HOSTS": "crm.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "clientdesk.settings",
        "EMAIL_HOST": "smtp.example.com",
        "COMMS_SMS_ENABLED": "false",
        "COMMS_WHATSAPP_ENABLED": "false",
        "COMMS_PUSH_ENABLED": "false",
    }
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('clientdesk.x').warning('pan %s mail %s', 'ABCPE1234F', 'a@b.co')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    record = json.loads(out.stderr.strip().splitlines()[-1])
    assert record["message"] == f"pan {MASKED_PAN} mail [email]"
    assert record["level"] == "WARNING" and record["logger"] == "clientdesk.x"
    assert {"time", "request_id", "user_id"} <= set(record)


def test_lower_case_pan_and_an_aadhaar_with_a_wrong_check_digit_are_masked_too() -> None:
    wrong = SAMPLE_AADHAAR[:-1] + str((int(SAMPLE_AADHAAR[-1]) + 1) % 10)
    assert redact(f"pan {SAMPLE_PAN.lower()}") == f"pan {MASKED_PAN}"
    assert redact(f"uid {wrong}") == f"uid XXXX XXXX {wrong[-4:]}"
    assert (
        redact(f"already {MASKED_PAN} and XXXX XXXX 2346")
        == f"already {MASKED_PAN} and XXXX XXXX 2346"
    )
