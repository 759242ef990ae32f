"""Encrypted KYC documents in a real browser: the review page draws the decrypted image and
the decrypted PDF page (served by the live server from encrypted files on disk)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


def _loaded(page: Page) -> None:
    image = page.get_by_test_id("document-image")
    expect(image).to_be_visible()
    page.wait_for_function(
        "document.querySelector('[data-testid=document-image]').naturalWidth > 0", timeout=30_000
    )


def test_review_page_shows_the_decrypted_documents(
    new_page: Callable[..., Page],
    make_user: Callable[..., Any],
    login: Callable[..., None],
    settings: Any,
    tmp_path: Path,
) -> None:
    from factories import make_customer
    from kyc import makedocs

    from clientdesk.kyc import services

    settings.MEDIA_ROOT = str(tmp_path / "media")
    manager, sales = make_user("manager"), make_user("sales")
    officer = make_user("compliance", username="officer.enc")
    customer = make_customer(actor=manager, assigned_to=sales, first_name="Asha", last_name="Verma")
    for name, data, kind in (
        ("passport.jpg", makedocs.passport_page(), "id_proof"),
        ("bill.pdf", makedocs.utility_bill(name="Asha Verma"), "address_proof"),
    ):
        document = services.upload_document(
            customer, actor=sales, upload=SimpleUploadedFile(name, data), kind=kind
        )
        raw = (tmp_path / "media" / document.file).read_bytes()
        assert raw.startswith(b"CDENC") and data[:64] not in raw

    page = new_page()
    login(page, officer)
    page.goto(f"/kyc/review/{customer.pk}/")
    page.locator(".doc-switch a", has_text="passport.jpg").click()
    _loaded(page)
    screenshot(page, "kyc-encrypted-image")
    page.locator(".doc-switch a", has_text="bill.pdf").click()
    _loaded(page)
    screenshot(page, "kyc-encrypted-pdf-page")
