"""Every bad file gets a clear, field-named message and leaves nothing behind: no document
row, no stored bytes, no audit record, no change of KYC status."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clientdesk.core.models import AuditEvent
from clientdesk.kyc import services
from clientdesk.kyc.models import Document

from . import makedocs
from .conftest import stored_files, upload_file

pytestmark = pytest.mark.django_db

HOSTILE = [
    ("program.jpg", makedocs.EXECUTABLE, "unsupported_type", "Windows program"),
    ("page.pdf", makedocs.HTML, "unsupported_type", "not a recognised document type"),
    ("iphone.heic", makedocs.HEIC, "unsupported_type", "HEIC image, which is not accepted"),
    ("scan.png", makedocs.utility_bill(), "unsupported_type", "disguised file"),
    ("photo.pdf", makedocs.id_card(fmt="PNG"), "unsupported_type", "disguised file"),
    ("empty.png", b"", "empty", "empty"),
    ("half.jpg", makedocs.truncated_jpeg(), "corrupt_file", "damaged"),
    ("broken.pdf", makedocs.corrupt_pdf(), "corrupt_file", "damaged"),
    ("locked.pdf", makedocs.encrypted_pdf(), "password_protected", "password-protected"),
    ("bomb.png", makedocs.png_bomb(), "corrupt_file", "decompression bomb"),
    ("thumb.png", makedocs.tiny_image(), "too_small", "far too small"),
]


@pytest.mark.parametrize(("name", "data", "code", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_upload_is_refused_and_nothing_kept(
    asha: Any, sales_user: Any, media: Any, name: str, data: bytes, code: str, words: str
) -> None:
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.upload_document(
            asha, actor=sales_user, upload=upload_file(name, data), kind="id_proof"
        )
    error = caught.value.error_dict["file"][0]
    assert error.code == code
    assert words.lower() in " ".join(error.messages).lower()
    assert name in " ".join(error.messages)  # says which file
    assert not Document.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.count() == audit_before
    asha.refresh_from_db()
    assert asha.kyc_status == "not_started"


def test_too_large_is_refused_before_reading(
    asha: Any, sales_user: Any, media: Any, settings: Any
) -> None:
    settings.KYC_MAX_UPLOAD_BYTES = 50_000
    with pytest.raises(ValidationError) as caught:
        services.upload_document(
            asha, actor=sales_user, upload=upload_file("big.jpg", makedocs.passport_page()),
            kind="id_proof",
        )  # fmt: skip
    error = caught.value.error_dict["file"][0]
    assert error.code == "too_large" and "limit" in error.messages[0]
    assert stored_files(media) == [] and not Document.objects.exists()


def test_no_file_is_a_field_error(asha: Any, sales_user: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.upload_document(asha, actor=sales_user, upload=None, kind="id_proof")
    assert caught.value.error_dict["file"][0].code == "required"


def test_storage_is_cleaned_when_the_database_write_fails(
    asha: Any, sales_user: Any, media: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.audit, "record", boom)
    with pytest.raises(RuntimeError):
        services.upload_document(
            asha, actor=sales_user, upload=upload_file("p.jpg", makedocs.passport_page()),
            kind="id_proof",
        )  # fmt: skip
    assert stored_files(media) == [] and not Document.objects.exists()


def test_blurry_and_edited_images_are_kept_but_flagged(
    asha: Any, sales_user: Any, upload: Any
) -> None:
    blurry = upload(asha, sales_user, "other", name="blurry.jpg", data=makedocs.blurry_photo())
    assert blurry.checks.get(code="sharpness").status == "warning"
    edited = upload(asha, sales_user, "other", name="edited.jpg", data=makedocs.edited_photo())
    check = edited.checks.get(code="metadata_editing")
    assert check.status == "warning" and "Photoshop" in check.detail
    assert edited.check_outcome == "needs_review"
