"""Attachments: hostile uploads refused, random storage names, and the audited,
permission-checked download that never renders a file inline."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from clientdesk.core import stored_files
from clientdesk.core.models import AuditEvent
from clientdesk.tickets import services
from clientdesk.tickets.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(out, "JPEG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "maker", "content_type"),
    [
        ("screenshot.png", png_bytes, "image/png"),
        ("photo.JPEG", jpeg_bytes, "image/jpeg"),
        ("statement.pdf", pdf_bytes, "application/pdf"),
        ("notes.txt", lambda: "Client says: ₹5,000 missing\n".encode(), "text/plain"),
        ("no-extension", png_bytes, "image/png"),
    ],
)
def test_accepts_real_files_and_stores_them_under_random_names(
    ticket: Ticket, manager: Any, name: str, maker: Callable[[], bytes], content_type: str
) -> None:
    content = maker()
    attachment = services.add_attachment(
        ticket,
        actor=manager,
        upload=upload(name, content, "text/html"),  # browser type ignored
    )
    assert attachment.content_type == content_type
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    stored = os.path.basename(attachment.file)
    assert os.path.splitext(name)[0].lower() not in stored.lower()
    assert attachment.file.startswith(f"tickets/{ticket.pk}/") and len(stored) >= 32
    with default_storage.open(attachment.file, "rb") as handle:
        assert handle.read() != content  # encrypted at rest
    assert stored_files.read_stored(attachment) == content
    event = AuditEvent.objects.filter(object_type="tickets.ticketattachment").get()
    assert event.changes["sha256"] == attachment.sha256


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        # disguised: the name says image or PDF, the bytes say otherwise
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "type_mismatch"),
        (
            "photo.png",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            "type_mismatch",
        ),
        ("photo.jpg", pdf_bytes(), "type_mismatch"),
        ("statement.pdf", png_bytes(), "type_mismatch"),
        ("page.html", b"<html><body>hi</body></html>", "type_mismatch"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "unsupported_type"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40, "unsupported_type"),
        # right signature, broken body
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "corrupt_file"),
        ("broken.pdf", b"%PDF-1.7\n garbage without pages", "corrupt_file"),
        ("polyglot.gif", b"GIF89a<script>alert(1)</script>", "corrupt_file"),
        # empty
        ("empty.png", b"", "empty"),
    ],
)
def test_hostile_uploads_refused(
    ticket: Ticket, manager: Any, media: Any, name: str, content: bytes, code: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(ticket, actor=manager, upload=upload(name, content))
    assert {e.code for e in exc.value.error_dict["file"]} == {code}
    assert not TicketAttachment.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_too_large_refused_before_reading_everything(
    ticket: Ticket, manager: Any, settings: Any
) -> None:
    settings.TICKET_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(ticket, actor=manager, upload=upload("big.txt", b"a" * 1025))
    assert {e.code for e in exc.value.error_dict["file"]} == {"too_large"}

    class Unsized:  # a stream that does not announce its size
        name = "big.txt"

        def read(self, n: int = -1) -> bytes:
            assert n == 1025  # never more than limit + 1
            return b"a" * n

    with pytest.raises(ValidationError):
        services.add_attachment(ticket, actor=manager, upload=Unsized())
    services.add_attachment(ticket, actor=manager, upload=upload("ok.txt", b"a" * 1024))


def test_path_and_control_characters_stripped_from_the_label(ticket: Ticket, manager: Any) -> None:
    attachment = services.add_attachment(
        ticket, actor=manager, upload=upload("../../etc/pass\x00wd\r\n.txt", b"hello")
    )
    assert attachment.original_name == "passwd.txt"
    assert ".." not in attachment.file


def test_missing_file_is_a_field_error(ticket: Ticket, manager: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(ticket, actor=manager, upload=None)
    assert "file" in exc.value.message_dict


def test_support_uploads_only_to_assigned_tickets(
    customer: Any, support_user: Any, support2: Any, make_ticket: Callable[..., Ticket]
) -> None:
    theirs = make_ticket(customer, assignees=[support2])
    with pytest.raises(PermissionDenied):
        services.add_attachment(theirs, actor=support_user, upload=upload("a.txt", b"x"))


def test_failed_database_write_removes_the_stored_file(
    ticket: Ticket, manager: Any, media: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(services.audit, "record", boom)
    with pytest.raises(RuntimeError):
        services.add_attachment(ticket, actor=manager, upload=upload("a.txt", b"x"))
    assert not any(p.is_file() for p in media.rglob("*"))


# --- download ------------------------------------------------------------------------------


@pytest.fixture
def attachment(ticket: Ticket, manager: Any) -> TicketAttachment:
    return services.add_attachment(
        ticket, actor=manager, upload=upload("statement march.pdf", pdf_bytes())
    )


@pytest.mark.parametrize("role", ["sales", "support", "manager", "compliance", "admin"])
def test_download_for_ticket_readers_is_audited(
    role: str,
    attachment: TicketAttachment,
    users_by_role: dict[str, Any],
    client_for: Callable[[Any], Any],
) -> None:
    user = users_by_role[role]
    response = client_for(user).get(f"/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="statement march.pdf"' in response["Content-Disposition"]
    event = AuditEvent.objects.filter(object_type="tickets.ticketattachment", action="export").get()
    assert event.actor == user and event.changes["download"] == "statement march.pdf"


def test_download_content_is_the_stored_file(
    attachment: TicketAttachment, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).get(
        f"/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/"
    )
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == attachment.sha256


def test_download_refused_without_ticket_access(
    attachment: TicketAttachment, user_factory: Callable[..., Any], client_for: Callable[[Any], Any]
) -> None:
    nobody = user_factory(None, username="norole")
    url = f"/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/"
    assert client_for(nobody).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_attachment_only_through_its_own_ticket(
    attachment: TicketAttachment,
    customer: Any,
    manager: Any,
    make_ticket: Callable[..., Ticket],
    client_for: Callable[[Any], Any],
) -> None:
    other = make_ticket(customer)
    response = client_for(manager).get(f"/tickets/{other.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 404


def test_files_are_not_under_a_public_url(
    attachment: TicketAttachment, client_for: Any, manager: Any
) -> None:
    from django.conf import settings

    response = client_for(manager).get(settings.MEDIA_URL + attachment.file)
    assert response.status_code == 404
