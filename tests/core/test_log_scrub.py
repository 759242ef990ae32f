"""No identifier typed into a URL reaches a log line in clear (runserver, Django, gunicorn)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from factories import SAMPLE_AADHAAR, SAMPLE_PAN, SAMPLE_PASSPORT

from clientdesk.core.masking import MaskingLogFilter, scrub_url, scrub_urls

AADHAAR_SPACED = f"{SAMPLE_AADHAAR[:4]}%20{SAMPLE_AADHAAR[4:8]}%20{SAMPLE_AADHAAR[8:]}"


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (f"/customers/?q={SAMPLE_PAN}", SAMPLE_PAN),
        (f"/customers/?q={SAMPLE_PAN.lower()}&status=active", SAMPLE_PAN.lower()),
        (f"/search/?q={SAMPLE_AADHAAR}", SAMPLE_AADHAAR),
        (f"/search/?q={AADHAAR_SPACED}", SAMPLE_AADHAAR[4:8]),
        (f"/api/v1/customers/?q={SAMPLE_AADHAAR[:4]}+{SAMPLE_AADHAAR[4:]}", SAMPLE_AADHAAR[4:8]),
        (f"/api/v1/customers/?q={SAMPLE_PASSPORT}", SAMPLE_PASSPORT),
        ("/customers/?q=ABC1234567", "ABC1234567"),  # voter ID (EPIC)
        (f"/customers/{SAMPLE_PAN}/", SAMPLE_PAN),  # in the path too
        (f"http://testserver/customers/?q={SAMPLE_PAN}", SAMPLE_PAN),  # a referer
    ],
)
def test_scrub_url_masks_identifiers(url: str, secret: str) -> None:
    cleaned = scrub_url(url)
    assert secret not in cleaned
    assert SAMPLE_PAN[-4:] in cleaned or SAMPLE_AADHAAR[-4:] in cleaned or "X" in cleaned


@pytest.mark.parametrize(
    "url",
    [
        "/customers/?q=asha+verma",
        "/customers/?q=43210",
        "/customers/?q=CD00000012",  # a client ID
        "/customers/12/kyc/?page=3",
        "/kyc/documents/5/pages/2/",
        "/customers/?lookup=Zx8f3kQ2pL0aB7cD9eF1gH",
    ],
)
def test_scrub_url_leaves_other_urls_alone(url: str) -> None:
    assert scrub_url(url) == url


def test_scrub_url_keeps_the_mask_style() -> None:
    assert scrub_url(f"/customers/?q={SAMPLE_PAN.lower()}") == "/customers/?q=XXXXXX234F"


def test_scrub_urls_inside_a_request_line() -> None:
    line = f'"GET /customers/?q={SAMPLE_PAN} HTTP/1.1" 302 0'
    assert scrub_urls(line) == '"GET /customers/?q=XXXXXX234F HTTP/1.1" 302 0'


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The configured (settings.LOGGING) console handler, writing into a buffer."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskingLogFilter) for f in h.filters)
    )
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


@pytest.mark.parametrize("name", ["django.server", "django.request", "gunicorn.access"])
def test_request_loggers_go_through_the_masking_handler(name: str, console: io.StringIO) -> None:
    logger = logging.getLogger(name)
    if name == "gunicorn.access":  # gunicorn logs its format with a dict of atoms
        atoms = {"h": "10.0.0.1", "r": f"GET /search/?q={SAMPLE_PAN} HTTP/1.1", "s": "200"}
        logger.info('%(h)s "%(r)s" %(s)s', atoms)
    elif name == "django.server":  # as runserver's WSGIRequestHandler.log_message
        logger.info('"%s" %s %s', f"GET /customers/?q={SAMPLE_AADHAAR} HTTP/1.1", "302", "0")
    else:
        logger.warning("Not Found: %s", f"/customers/{SAMPLE_PASSPORT}/")
    text = console.getvalue()
    assert text, f"{name} did not reach the masking console handler"
    for secret in (SAMPLE_PAN, SAMPLE_AADHAAR, SAMPLE_PASSPORT):
        assert secret not in text


@pytest.mark.django_db
def test_a_real_404_with_a_pan_in_the_path_is_logged_masked(
    client_for: Any, admin_user: Any, console: io.StringIO
) -> None:
    response = client_for(admin_user).get(f"/customers/{SAMPLE_PAN}/x/?q={SAMPLE_PAN}")
    assert response.status_code == 404
    text = console.getvalue()
    assert "Not Found" in text and "XXXXXX234F" in text
    assert SAMPLE_PAN not in text


@pytest.mark.django_db
def test_a_refused_page_is_one_warning_line_without_a_traceback(
    client_for: Any, sales_user: Any, console: io.StringIO
) -> None:
    response = client_for(sales_user).get("/audit/")
    assert response.status_code == 403
    text = console.getvalue()
    assert text.count("Forbidden (Permission denied): /audit/") == 1
    assert "Traceback" not in text and "PermissionDenied" not in text


@pytest.mark.django_db
def test_an_unexpected_error_keeps_its_traceback(console: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("django.request").error("Internal Server Error: /x/", exc_info=True)
    assert "Traceback" in console.getvalue()
