"""KYC documents (and ticket attachments) encrypted at rest: nothing readable on disk, the
downloads and the automatic checks work through the decrypting stream, tampering is caught,
master-key rotation re-wraps only the keys, and files stored before encryption are migrated
by ``encrypt_stored_files`` (idempotent, resumable)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from factories import make_customer

from clientdesk.core import envelope, stored_files
from clientdesk.core.envelope import MAGIC, FileIntegrityError, FileKeyUnavailable
from clientdesk.core.models import AuditEvent
from clientdesk.kyc import services
from clientdesk.kyc.models import Document
from clientdesk.tickets import services as ticket_services
from clientdesk.tickets.models import TicketAttachment

from . import makedocs
from .conftest import upload_file

pytestmark = pytest.mark.django_db

MARKER = b"CLIENTDESK-PLAINTEXT-MARKER-7f3a9c"


def marked_pdf() -> bytes:
    """A utility bill whose PDF carries ``MARKER`` in clear (a comment after ``%%EOF``)."""
    data = makedocs.utility_bill() + b"% " + MARKER + b"\n"
    assert MARKER in data  # the test would prove nothing otherwise
    return data


def on_disk(media: Path, name: str) -> bytes:
    return (media / name).read_bytes()


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- upload, disk, download ------------------------------------------------------------------


def test_uploaded_file_is_not_readable_on_disk(
    asha: Any, sales_user: Any, upload: Callable[..., Any], media: Path
) -> None:
    data = marked_pdf()
    document = upload(asha, sales_user, "address_proof", name="bill.pdf", data=data, checks=False)
    raw = on_disk(media, document.file)
    assert raw.startswith(MAGIC) and MARKER not in raw and data[:64] not in raw
    assert document.file.endswith(".enc") and ".pdf" not in document.file
    assert document.file_key and document.file_key_id == envelope.current_key_id()
    # size and digest describe the plaintext (duplicate detection unchanged)
    assert document.size == len(data) and document.sha256 == hashlib.sha256(data).hexdigest()
    assert stored_files.read_stored(document) == data
    # the wrapped data key is not the key ring, nor the data key in clear
    assert len(document.file_key) == 140


def test_duplicates_are_still_found_across_customers(
    asha: Any, sales_user: Any, admin_user: Any, upload: Callable[..., Any]
) -> None:
    data = makedocs.passport_page()
    upload(asha, sales_user, "id_proof", data=data)
    other = make_customer(actor=admin_user, assigned_to=sales_user, first_name="Ravi")
    second = upload(other, sales_user, "id_proof", data=data)
    assert on_disk_differs(second, data)
    duplicate = second.checks.get(code="duplicate")
    assert duplicate.status == "fail" and asha.client_id in duplicate.detail


def on_disk_differs(document: Document, data: bytes) -> bool:
    with default_storage.open(document.file, "rb") as handle:
        return handle.read() != data


def test_download_preview_and_api_stream_the_original(
    ready_for_review: dict, compliance: Any, client_for: Any, api_client_for: Any
) -> None:
    passport, bill = ready_for_review["passport"], ready_for_review["bill"]
    original = stored_files.read_stored(passport)
    assert original.startswith(b"\xff\xd8\xff")
    client = client_for(compliance)
    download = client.get(reverse("kyc:download", args=[passport.pk]))
    assert download.status_code == 200 and download.streaming
    assert int(download["Content-Length"]) == passport.size == len(original)
    assert streamed(download) == original
    preview = client.get(reverse("kyc:preview", args=[passport.pk]))
    assert streamed(preview) == original and preview["Content-Type"] == "image/jpeg"
    page = client.get(reverse("kyc:page", args=[bill.pk, 1]))
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    api_url = reverse("kyc-document-download", args=[passport.pk])
    api = api_client_for(compliance, token=True).get(api_url)
    assert api.status_code == 200 and streamed(api) == original


def test_checks_run_on_the_encrypted_file(ready_for_review: dict) -> None:
    passport = ready_for_review["passport"]
    codes = {c.code: c.status for c in passport.checks.all()}
    assert passport.check_outcome == "passed", codes
    assert codes["image_decode"] == "pass" and codes["mrz_check_digits"] == "pass"
    assert ready_for_review["bill"].check_outcome in ("passed", "needs_review")
    assert ready_for_review["bill"].checks.get(code="pdf_parse").status == "pass"


# --- tampering -------------------------------------------------------------------------------


def _rewrite(media: Path, document: Any, change: Callable[[bytes], bytes]) -> None:
    path = media / document.file
    path.write_bytes(change(path.read_bytes()))


def test_a_flipped_byte_fails_the_download_and_the_checks(
    asha: Any, sales_user: Any, compliance: Any, upload: Callable[..., Any], client_for: Any,
    media: Path,
) -> None:  # fmt: skip
    document = upload(asha, sales_user, checks=False)
    _rewrite(media, document, lambda raw: raw[:100] + bytes([raw[100] ^ 1]) + raw[101:])
    with pytest.raises(FileIntegrityError):
        client_for(compliance).get(reverse("kyc:download", args=[document.pk]))
    services.run_checks(document.pk)
    document.refresh_from_db()
    assert document.check_outcome == "failed"
    check = document.checks.get()
    assert check.code == "stored_file" and "altered" in check.detail


def test_a_truncated_file_fails(
    asha: Any, sales_user: Any, upload: Callable[..., Any], media: Path
) -> None:
    document = upload(asha, sales_user, checks=False)
    _rewrite(media, document, lambda raw: raw[: len(raw) - 40])
    with pytest.raises(FileIntegrityError):
        stored_files.read_stored(document)


def test_a_plaintext_file_put_in_place_of_an_encrypted_one_is_refused(
    asha: Any, sales_user: Any, upload: Callable[..., Any], media: Path
) -> None:
    document = upload(asha, sales_user, checks=False)
    _rewrite(media, document, lambda raw: makedocs.passport_page())
    with pytest.raises(FileIntegrityError, match="not an encrypted file"):
        stored_files.open_stored(document)


def test_swapping_two_documents_files_is_refused(
    asha: Any, sales_user: Any, upload: Callable[..., Any], media: Path
) -> None:
    first = upload(asha, sales_user, checks=False)
    second = upload(
        asha, sales_user, "address_proof", name="b.pdf", data=marked_pdf(), checks=False
    )
    (media / first.file).write_bytes(on_disk(media, second.file))
    with pytest.raises(FileIntegrityError):
        stored_files.open_stored(first)  # each file has its own data key


# --- key rotation ----------------------------------------------------------------------------


def test_rotation_rewraps_keys_without_rewriting_files(
    settings: Any, asha: Any, sales_user: Any, upload: Callable[..., Any], media: Path,
    ticket_with_attachment: TicketAttachment,
) -> None:  # fmt: skip
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    document = upload(asha, sales_user, checks=False)
    attachment = ticket_with_attachment
    plain, before = stored_files.read_stored(document), on_disk(media, document.file)
    old_id = document.file_key_id

    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key removed too early ...
    with pytest.raises(FileKeyUnavailable, match=old_id):
        stored_files.open_stored(document)  # ... the files cannot be opened

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "kyc.Document: 1/1 file keys re-wrapped" in out.getvalue()
    assert "tickets.TicketAttachment: 1/1 file keys re-wrapped" in out.getvalue()
    assert "rows re-encrypted, 2 file keys re-wrapped." in out.getvalue()
    event = AuditEvent.objects.filter(action="key_rotation").latest("pk")
    assert event.changes["file_keys"] == 2

    settings.FIELD_ENCRYPTION_KEYS = [new]  # now the old key can go
    document.refresh_from_db()
    attachment.refresh_from_db()
    assert document.file_key_id == envelope.current_key_id() != old_id
    assert on_disk(media, document.file) == before  # the file was not rewritten
    assert stored_files.read_stored(document) == plain
    assert stored_files.read_stored(attachment).startswith(b"\x89PNG")

    again = StringIO()
    call_command("rotate_field_keys", stdout=again)  # nothing left to do
    assert "0 file keys re-wrapped" in again.getvalue()


def test_status_lists_files_per_key(
    settings: Any, asha: Any, sales_user: Any, upload: Callable[..., Any]
) -> None:
    upload(asha, sales_user, checks=False)
    out = StringIO()
    call_command("encrypt_stored_files", "--status", stdout=out)
    assert f"kyc.Document: 1 files, key {envelope.current_key_id()}: newest key" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    out = StringIO()
    call_command("encrypt_stored_files", "--status", stdout=out)
    assert "KEY NOT IN FIELD_ENCRYPTION_KEYS" in out.getvalue()


# --- files stored before encryption at rest --------------------------------------------------


def make_legacy(document: Any, data: bytes, ext: str = ".jpg") -> str:
    """Turn ``document`` into a row as it was before encryption: plaintext file, no key."""
    default_storage.delete(document.file)
    folder = document.file.rsplit("/", 1)[0]
    name = default_storage.save(f"{folder}/{'a' * 32}{ext}", ContentFile(data))
    type(document).objects.filter(pk=document.pk).update(file=name, file_key="", file_key_id="")
    document.refresh_from_db()
    return name


def test_legacy_plaintext_files_still_open_and_are_migrated(
    asha: Any, sales_user: Any, compliance: Any, upload: Callable[..., Any], client_for: Any,
    media: Path,
) -> None:  # fmt: skip
    data = makedocs.passport_page()
    document = upload(asha, sales_user, data=data)
    legacy = make_legacy(document, data)
    # before the migration: served as it is
    download = client_for(compliance).get(reverse("kyc:download", args=[document.pk]))
    assert streamed(download) == data

    out = StringIO()
    call_command("encrypt_stored_files", stdout=out)
    assert "kyc.Document: 1/1 files encrypted" in out.getvalue()
    document.refresh_from_db()
    assert document.file == legacy + ".enc" and document.file_key
    assert not (media / legacy).exists()
    assert on_disk(media, document.file).startswith(MAGIC)
    assert stored_files.read_stored(document) == data
    services.run_checks(document.pk)
    assert Document.objects.get(pk=document.pk).check_outcome == "passed"
    event = AuditEvent.objects.filter(object_type="core.storedfiles").latest("pk")
    assert event.changes["encrypted"] == 1

    again = StringIO()
    call_command("encrypt_stored_files", stdout=again)  # idempotent
    assert "Done: 0 files encrypted" in again.getvalue()
    document.refresh_from_db()
    assert document.file == legacy + ".enc"


def test_migration_resumes_after_an_interruption(
    asha: Any, sales_user: Any, upload: Callable[..., Any], media: Path
) -> None:
    data = makedocs.passport_page()
    first = upload(asha, sales_user, data=data, checks=False)
    second = upload(
        asha, sales_user, "address_proof", name="b.pdf", data=marked_pdf(), checks=False
    )
    bill = stored_files.read_stored(second)
    legacy_first = make_legacy(first, data)
    legacy_second = make_legacy(second, bill, ext=".pdf")
    # interrupted before the commit: a half-written .enc beside the first plaintext
    (media / (legacy_first + ".enc")).write_bytes(MAGIC + b"half written")
    # interrupted after the commit, before the delete: second encrypted, plaintext left
    assert stored_files.encrypt_row(second) is None
    (media / legacy_second).write_bytes(bill)

    call_command("encrypt_stored_files", stdout=StringIO())
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.file == legacy_first + ".enc" and stored_files.read_stored(first) == data
    assert second.file == legacy_second + ".enc" and stored_files.read_stored(second) == bill
    leftovers = [p for p in media.rglob("*") if p.is_file() and not p.name.endswith(".enc")]
    assert leftovers == []
    assert not any(MARKER in p.read_bytes() for p in media.rglob("*") if p.is_file())


def test_migration_refuses_files_that_do_not_match_their_row(
    asha: Any, sales_user: Any, upload: Callable[..., Any], media: Path
) -> None:
    data = makedocs.passport_page()
    altered = upload(asha, sales_user, data=data, checks=False)
    keyless = upload(asha, sales_user, data=data, checks=False)
    altered_name = make_legacy(altered, data)
    (media / altered_name).write_bytes(data + b"extra")  # not what the row's digest says
    Document.objects.filter(pk=keyless.pk).update(file_key="", file_key_id="")  # file encrypted
    keyless.refresh_from_db()
    with pytest.raises(FileIntegrityError, match="no key"):
        stored_files.open_stored(keyless)

    err = StringIO()
    with pytest.raises(CommandError, match="2 files left as they were"):
        call_command("encrypt_stored_files", stdout=StringIO(), stderr=err)
    assert "do not match the recorded SHA-256" in err.getvalue()
    assert "no key" in err.getvalue()
    altered.refresh_from_db()
    assert altered.file == altered_name and not altered.file_key  # kept as it was
    assert (media / altered_name).read_bytes() == data + b"extra"


# --- ticket attachments ----------------------------------------------------------------------


@pytest.fixture
def ticket_with_attachment(admin_user: Any, manager: Any) -> TicketAttachment:
    from clientdesk.tickets.models import TicketSubject

    customer = make_customer(actor=admin_user, first_name="Tara")
    data = {
        "customer": customer,
        "subject": TicketSubject.objects.get_or_create(name="Statement")[0],
        "source": "on_call",
        "description": "The customer's bank statement is attached.",
    }
    ticket = ticket_services.create_ticket(actor=manager, data=data)
    return ticket_services.add_attachment(
        ticket, actor=manager, upload=upload_file("statement.png", makedocs.tiny_image())
    )


def test_ticket_attachments_are_encrypted_too(
    ticket_with_attachment: TicketAttachment, manager: Any, client_for: Any, media: Path
) -> None:
    attachment = ticket_with_attachment
    data = makedocs.tiny_image()
    raw = on_disk(media, attachment.file)
    assert raw.startswith(MAGIC) and data[:32] not in raw and attachment.file.endswith(".enc")
    url = reverse("tickets:download", args=[attachment.ticket_id, attachment.pk])
    response = client_for(manager).get(url)
    assert response.status_code == 200 and streamed(response) == data
    assert int(response["Content-Length"]) == len(data)

    make_legacy(attachment, data, ext=".png")
    call_command("encrypt_stored_files", stdout=StringIO())
    attachment.refresh_from_db()
    assert attachment.file_key and on_disk(media, attachment.file).startswith(MAGIC)
    assert streamed(client_for(manager).get(url)) == data
