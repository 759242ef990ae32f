"""A check whose program is missing says "not run" and why, and never counts as passed.

The tool path settings point at programs that do not exist; the checks that need them are
stored as *not run* with the reason, the document's outcome is "Needs review", and the
review page, the Documents tab and the API show it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clientdesk.kyc.models import Document
from clientdesk.kyc.verification import Config, Record, verify

from . import makedocs
from .conftest import ASHA_BIRTH

pytestmark = pytest.mark.django_db

MISSING = "/nonexistent/opsrun/bin/{}"


@pytest.fixture
def no_tesseract(settings: Any) -> None:
    settings.KYC_TESSERACT_PATH = MISSING.format("tesseract")


@pytest.fixture
def no_pdftoppm(settings: Any) -> None:
    settings.KYC_PDFTOPPM_PATH = MISSING.format("pdftoppm")


def by_code(results: list[Any]) -> dict[str, Any]:
    return {r.code: r for r in results}


ASHA = Record(name="Asha Verma", birth_date=ASHA_BIRTH, id_type="passport", id_number="J8369854")


def test_missing_tesseract_is_not_run_with_the_reason(no_tesseract: None) -> None:
    report = verify(makedocs.passport_page(), kind="id_proof", record=ASHA, config=Config())
    checks = by_code(report.results)
    ocr = checks["ocr"]
    assert str(ocr.status) == "not_run"
    assert ocr.detail.startswith("Not run: tesseract is not installed")
    # The checks that read the text did not run either, each saying why.
    for code in ("ocr_name", "ocr_birth_date", "ocr_id_number", "mrz_found"):
        assert str(checks[code].status) == "not_run", code
        assert "tesseract is not installed" in checks[code].detail
    assert str(report.outcome) == "needs_review"  # never "passed"
    assert not any(r.ok for r in report.results if r.code.startswith(("ocr", "mrz")))


def test_switched_off_ocr_is_not_run_too() -> None:
    report = verify(
        makedocs.utility_bill(), kind="address_proof", record=ASHA, config=Config(ocr_enabled=False)
    )
    checks = by_code(report.results)
    assert str(checks["ocr"].status) == "not_run"
    assert "switched off" in checks["ocr"].detail
    assert str(checks["document_date"].status) == "not_run"
    assert str(report.outcome) == "needs_review"


def test_missing_pdftoppm_for_a_scanned_pdf_is_not_run(no_pdftoppm: None) -> None:
    from PIL import Image

    # A scanned PDF: an image, no text layer, so the first page must be drawn (pdftoppm).
    buffer = __import__("io").BytesIO()
    Image.open(__import__("io").BytesIO(makedocs.id_card())).convert("RGB").save(
        buffer, format="PDF", resolution=150
    )
    report = verify(buffer.getvalue(), kind="address_proof", record=ASHA, config=Config())
    ocr = by_code(report.results)["ocr"]
    assert str(ocr.status) == "not_run"
    assert "pdftoppm is not installed" in ocr.detail
    assert str(report.outcome) != "passed"


def test_pages_and_api_show_not_run(
    no_tesseract: None, asha: Any, sales_user: Any, compliance: Any, upload: Any,
    client_for: Any, api_client_for: Any,
) -> None:  # fmt: skip
    document = upload(asha, sales_user, "id_proof")
    assert document.check_outcome == "needs_review"
    stored = {c.code: c for c in document.checks.all()}
    assert stored["ocr"].status == "not_run" and stored["ocr"].get_status_display() == "Not run"
    assert stored["ocr"].data["reason"] == "tesseract is not installed (looked for " + (
        MISSING.format("tesseract") + ")"
    )

    review = client_for(compliance).get(
        reverse("kyc:review", args=[asha.pk]) + f"?doc={document.pk}"
    )
    tab = client_for(sales_user).get(reverse("customers:tab", args=[asha.pk, "documents"]))
    for response in (review, tab):
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-check="ocr" data-status="not_run"' in html
        assert "Not run: tesseract is not installed" in html
        assert ">Passed<" not in html.split('data-testid="checks"')[1].split("</ul>")[0]

    api = api_client_for(compliance).get(f"/api/v1/kyc/documents/{document.pk}/")
    assert api.status_code == 200, api.content
    body = api.json()
    assert body["check_outcome"] == "needs_review"
    checks = {c["code"]: c for c in body["checks"]}
    assert checks["ocr"]["status"] == "not_run"
    assert Document.objects.filter(check_outcome="passed").count() == 0
